"""Collect every translatable string of the package and update the catalogs.

    python tools/i18n_extract.py          # add new strings to puskesos/locale/id.po
    python tools/i18n_extract.py --check  # exit 1 if any string lacks a translation

Strings are found in the source (calls of ``_``, ``N_`` and ``ngettext``
with literal arguments).  Existing translations are kept; strings no longer
used are dropped; new ones get an empty ``msgstr`` for the translator.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "puskesos"
CATALOG = PACKAGE / "locale" / "id.po"


def extract(package: Path = PACKAGE) -> dict[str, tuple[str | None, list[str]]]:
    """msgid -> (msgid_plural or None, ["file:line", ...]) in source order."""
    found: dict[str, tuple[str | None, list[str]]] = {}
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            name = node.func.id
            args = node.args
            if name in ("_", "N_") and args and isinstance(args[0], ast.Constant) \
                    and isinstance(args[0].value, str):
                msgid, plural = args[0].value, None
            elif name == "ngettext" and len(args) >= 2 and all(
                    isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args[:2]):
                msgid, plural = args[0].value, args[1].value
            else:
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            entry = found.setdefault(msgid, (plural, []))
            entry[1].append(where)
    return found


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def write_catalog(path: Path, strings, translations, plural_translations) -> None:
    lines = ["# Indonesian catalog for Puskesos. Source strings are English.",
             "# Updated by tools/i18n_extract.py; translate the empty msgstr lines.",
             'msgid ""', 'msgstr ""', '"Content-Type: text/plain; charset=UTF-8\\n"',
             '"Language: id\\n"', '"Plural-Forms: nplurals=1; plural=0;\\n"', ""]
    for msgid, (plural, where) in strings.items():
        lines.append("#: " + " ".join(where[:3]))
        lines.append("msgid " + _quote(msgid))
        if plural is None:
            lines.append("msgstr " + _quote(translations.get(msgid, "")))
        else:
            lines.append("msgid_plural " + _quote(plural))
            forms = plural_translations.get(msgid, [""])
            lines.append("msgstr[0] " + _quote(forms[0]))
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    from puskesos.i18n import parse_po
    strings = extract()
    singular, plural = parse_po(CATALOG) if CATALOG.exists() else ({}, {})
    missing = [m for m, (p, _w) in strings.items()
               if (p is None and not singular.get(m)) or (p is not None and not plural.get(m))]
    if "--check" in argv:
        for m in missing:
            print(f"untranslated: {m!r} ({strings[m][1][0]})")
        return 1 if missing else 0
    write_catalog(CATALOG, strings, singular, plural)
    print(f"{len(strings)} strings, {len(missing)} untranslated -> {CATALOG.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
