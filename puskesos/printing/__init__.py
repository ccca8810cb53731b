"""Data → PDF bytes from the templates in ``forms/`` (no Qt, no database).

The services build plain dictionaries of the values a document shows; a
template (TOML in ``forms/``) says where they go; :mod:`.engine` draws them on
a reportlab canvas with the fonts shipped in ``forms/fonts`` embedded.  A
preflight (:func:`.template.preflight`) names every unknown placeholder,
missing value, logo or font before anything is printed or numbered.
"""

from .template import PrintProblem, Template, load_template, preflight

__all__ = ["PrintProblem", "Template", "load_template", "preflight", "render",
           "render_sheets"]


def render(*args, **kwargs):
    """:func:`.engine.render` (reportlab is loaded when the first document is drawn,
    not when the program starts)."""
    from .engine import render as draw
    return draw(*args, **kwargs)


def render_sheets(*args, **kwargs):
    """:func:`.sheets.render_sheets`: small items (stickers) several to a sheet."""
    from .sheets import render_sheets as draw
    return draw(*args, **kwargs)
