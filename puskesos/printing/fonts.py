"""The fonts shipped in ``forms/fonts`` and embedded (subset) in every PDF.

Nothing depends on the fonts installed on the PC: a letter prints the same
on every machine.  Liberation Serif and Sans (SIL Open Font License) are
metric-compatible with Times New Roman and Arial, which village letters use.
"""

from __future__ import annotations

from functools import lru_cache

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from ..i18n import _
from .files import PrintProblem, find_form_file

FONT_FILES = {
    "Serif": "LiberationSerif-Regular.ttf",
    "Serif-Bold": "LiberationSerif-Bold.ttf",
    "Serif-Italic": "LiberationSerif-Italic.ttf",
    "Sans": "LiberationSans-Regular.ttf",
    "Sans-Bold": "LiberationSans-Bold.ttf",
}
FAMILIES = ("Serif", "Sans")


class FontMissing(Exception):
    pass


@lru_cache(maxsize=None)
def _register(name: str) -> str | None:
    """Register one font; None when it worked, else the problem text."""
    filename = FONT_FILES[name]
    path = find_form_file(f"fonts/{filename}")
    if path is None:
        return _("The font file fonts/{file} is missing from the forms folder. Reinstall "
                 "the program.").format(file=filename)
    try:
        pdfmetrics.registerFont(TTFont(f"Psk{name}", str(path)))
    except (TTFError, OSError) as exc:
        return _("The font file {path} is damaged ({error}). Reinstall the program.").format(
            path=path, error=exc)
    return None


def font_problems() -> list[PrintProblem]:
    problems = []
    for name, filename in FONT_FILES.items():
        if find_form_file(f"fonts/{filename}") is None:  # checked every time: cheap
            _register.cache_clear()
            problems.append(PrintProblem(_("fonts"), _(
                "The font file fonts/{file} is missing from the forms folder. Reinstall the "
                "program.").format(file=filename)))
            continue
        message = _register(name)
        if message:
            _register.cache_clear()  # try again next time (the file may be put back)
            problems.append(PrintProblem(_("fonts"), message))
    return problems


def font(family: str, bold: bool = False, italic: bool = False) -> str:
    """The registered reportlab font name for a family and style."""
    family = family if family in FAMILIES else "Sans"
    name = family + ("-Bold" if bold else "-Italic" if italic and family == "Serif" else "")
    if name not in FONT_FILES:
        name = family
    message = _register(name)
    if message:
        _register.cache_clear()
        raise FontMissing(message)
    return f"Psk{name}"
