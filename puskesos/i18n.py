"""Translation of shown strings (gettext style, English source strings).

The catalogs are plain gettext ``.po`` files in ``puskesos/locale``, read with
Babel at first use instead of being compiled to ``.mo``: no build step can be
forgotten, and a kabupaten translator can edit them with any PO editor.
``tools/i18n_extract.py`` (Babel's extractor) keeps them up to date.

Indonesian (``id``) is the default language; English (``en``) shows the source
strings.  ``PUSKESOS_LANG`` in the environment or :func:`set_language` changes
it.
"""

from __future__ import annotations

import os
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = {"id": "Bahasa Indonesia", "en": "English"}
DEFAULT_LANGUAGE = "id"

_language = os.environ.get("PUSKESOS_LANG", DEFAULT_LANGUAGE)
if _language not in LANGUAGES:
    _language = DEFAULT_LANGUAGE
_catalogs: dict[str, dict[str, str]] = {}
_plural_catalogs: dict[str, dict[str, list[str]]] = {}


def read_catalog(path: Path) -> tuple[dict[str, str], dict[str, list[str]]]:
    """(singular, plural) translations of a ``.po`` file, read with Babel.

    Fuzzy entries are skipped and empty translations left out, so the source
    string shows instead."""
    from babel.messages.pofile import read_po
    singular: dict[str, str] = {}
    plural: dict[str, list[str]] = {}
    with path.open("rb") as fh:
        catalog = read_po(fh)
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, tuple):
            forms = list(message.string)
            if all(forms):
                plural[message.id[0]] = forms
        elif message.string:
            singular[message.id] = message.string
    return singular, plural


def _catalog(lang: str) -> tuple[dict[str, str], dict[str, list[str]]]:
    if lang not in _catalogs:
        po = LOCALE_DIR / f"{lang}.po"
        if po.exists():
            _catalogs[lang], _plural_catalogs[lang] = read_catalog(po)
        else:
            _catalogs[lang], _plural_catalogs[lang] = {}, {}
    return _catalogs[lang], _plural_catalogs[lang]


def set_language(lang: str) -> None:
    """Switch the language of every string translated from now on."""
    global _language
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}")
    _language = lang


def get_language() -> str:
    return _language


def _(message: str) -> str:
    """Translate ``message`` (an English source string)."""
    if _language == "en":
        return message
    return _catalog(_language)[0].get(message, message)


def in_language(message: str, lang: str) -> str:
    """``message`` in ``lang`` whatever the language of the window (for files that
    are always Indonesian, such as the headers of an export)."""
    if lang == "en":
        return message
    return _catalog(lang)[0].get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Translate a message with a count (Indonesian has one plural form)."""
    if _language != "en":
        forms = _catalog(_language)[1].get(singular)
        if forms:
            return forms[0] if len(forms) == 1 else forms[0 if n == 1 else 1]
    return singular if n == 1 else plural


def N_(message: str) -> str:
    """Mark a string for translation without translating it now."""
    return message
