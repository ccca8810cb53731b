"""Translation of shown strings (gettext style, English source strings).

The catalogs are plain gettext ``.po`` files in ``puskesos/locale``.  They are
parsed at first use instead of being compiled to ``.mo``: no build step can be
forgotten, and a kabupaten translator can edit them with any PO editor.

Indonesian (``id``) is the default language; English (``en``) shows the source
strings.  ``PUSKESOS_LANG`` in the environment or :func:`set_language` changes
it.
"""

from __future__ import annotations

import ast
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


def _unquote(token: str) -> str:
    return ast.literal_eval(token)


def parse_po(path: Path) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Return (singular, plural) message maps from a ``.po`` file.

    Only the subset of the format we write is supported: ``msgctxt`` is not
    used, fuzzy entries are skipped, empty translations are left out so that
    the source string shows instead.
    """
    singular: dict[str, str] = {}
    plural: dict[str, list[str]] = {}
    entry: dict[str, list[str]] = {}
    key = None
    fuzzy = False

    def flush() -> None:
        nonlocal entry, fuzzy
        if "msgid" in entry and not fuzzy:
            msgid = "".join(entry["msgid"])
            if "msgid_plural" in entry:
                forms = [
                    "".join(v) for k, v in sorted(entry.items()) if k.startswith("msgstr[")
                ]
                if msgid and all(forms):
                    plural[msgid] = forms
            else:
                msgstr = "".join(entry.get("msgstr", []))
                if msgid and msgstr:
                    singular[msgid] = msgstr
        entry = {}
        fuzzy = False

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#,") and "fuzzy" in line:
            flush()
            fuzzy = True
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            if key is not None:
                entry[key].append(_unquote(line))
            continue
        word, _, rest = line.partition(" ")
        if word == "msgid" and "msgid" in entry:
            keep_fuzzy = fuzzy
            flush()
            fuzzy = keep_fuzzy
        key = word
        entry[key] = [_unquote(rest)]
    flush()
    return singular, plural


def _catalog(lang: str) -> tuple[dict[str, str], dict[str, list[str]]]:
    if lang not in _catalogs:
        po = LOCALE_DIR / f"{lang}.po"
        if po.exists():
            _catalogs[lang], _plural_catalogs[lang] = parse_po(po)
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
