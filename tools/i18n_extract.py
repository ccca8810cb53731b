"""Collect every translatable string of the package and update the catalogs (Babel).

    python tools/i18n_extract.py          # add new strings to puskesos/locale/id.po
    python tools/i18n_extract.py --check  # exit 1 if any string lacks a translation

Strings are found in the source by Babel's Python extractor (calls of ``_``,
``N_`` and ``ngettext`` with literal arguments).  Existing translations are
kept; strings no longer used are dropped; new ones get an empty ``msgstr``
for the translator.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "puskesos"
CATALOG = PACKAGE / "locale" / "id.po"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def template(package: Path = PACKAGE) -> Catalog:
    """Every translatable string of ``package``, with where it is used."""
    catalog = Catalog(project="Puskesos", charset="utf-8")
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(package), method_map=[("**.py", "python")], keywords=KEYWORDS):
        where = (f"{package.name}/{filename}", lineno)
        catalog.add(message, None, [where])
    return catalog


def _version() -> str:
    sys.path.insert(0, str(ROOT))
    from puskesos import __version__
    return __version__


def _untranslated(source: Catalog, catalog: Catalog) -> list[tuple[str, str]]:
    missing = []
    for message in source:
        if not message.id:
            continue
        found = catalog.get(message.id)
        strings = found.string if found is not None else None
        done = all(strings) if isinstance(strings, tuple) else bool(strings)
        if not done or (found is not None and found.fuzzy):
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            file, line = message.locations[0]
            missing.append((key, f"{file}:{line}"))
    return missing


def main(argv: list[str]) -> int:
    source = template()
    if CATALOG.exists():
        with CATALOG.open("rb") as fh:
            catalog = read_po(fh, locale="id")
    else:
        catalog = Catalog(locale="id", project="Puskesos")
    if "--check" in argv:
        missing = _untranslated(source, catalog)
        for key, where in missing:
            print(f"untranslated: {key!r} ({where})")
        return 1 if missing else 0
    source.creation_date = catalog.creation_date      # a stable header: diffs show strings
    catalog.update(source, no_fuzzy_matching=True)
    catalog.project, catalog.version = "Puskesos", _version()
    catalog.msgid_bugs_address = ""
    catalog.last_translator = catalog.language_team = "Tim Puskesos"
    catalog.revision_date = catalog.creation_date
    out = io.BytesIO()
    write_po(out, catalog, width=0, ignore_obsolete=True, include_previous=False)
    CATALOG.write_bytes(out.getvalue())
    missing = _untranslated(source, catalog)
    print(f"{len(source)} strings, {len(missing)} untranslated -> {CATALOG.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
