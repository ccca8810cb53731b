"""Which zip member of an .xlsx holds a sheet: read from ``xl/workbook.xml`` and its
relationships with an XML parser (names may hold escaped characters, prefixes and
namespaces differ between writers, Strict OOXML has its own)."""

from __future__ import annotations

import zipfile
from xml.etree import ElementTree

#: workbook.xml and its relationships are small; a larger one is not read
_MAX_XML_BYTES = 8 * 1024 * 1024


def _local(name: str) -> str:
    """A tag or attribute name without its namespace."""
    return name.rpartition("}")[2]


def _parse(z: zipfile.ZipFile, member: str) -> ElementTree.Element | None:
    try:
        info = z.getinfo(member)
        if info.file_size > _MAX_XML_BYTES:
            return None
        # expat refuses entity expansion bombs and resolves no external entity
        return ElementTree.fromstring(z.read(member))
    except (KeyError, ElementTree.ParseError):
        return None


def sheet_member(z: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member of the sheet named ``sheet`` (None when the workbook does not
    say)."""
    workbook = _parse(z, "xl/workbook.xml")
    rels = _parse(z, "xl/_rels/workbook.xml.rels")
    if workbook is None or rels is None:
        return None
    rid = None
    for element in workbook.iter():
        if _local(element.tag) == "sheet" and element.get("name") == sheet:
            rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
            break
    if not rid:
        return None
    for element in rels.iter():
        if _local(element.tag) == "Relationship" and element.get("Id") == rid:
            target = element.get("Target")
            if not target:
                return None
            return target.lstrip("/") if target.startswith("/") else "xl/" + target
    return None
