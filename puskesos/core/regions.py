"""Kemendagri region reference: provinsi, kabupaten/kota, kecamatan, desa/kelurahan.

The list ships as ``puskesos/resources/wilayah.tsv.gz`` (see
``tools/build_regions.py`` for its source and decree).  It is read once, on
first use, into memory (about 92,000 short rows).
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

RESOURCE = Path(__file__).resolve().parent.parent / "resources" / "wilayah.tsv.gz"

LEVELS = ("provinsi", "kabupaten", "kecamatan", "desa")
_LEVEL_BY_LEN = {2: "provinsi", 5: "kabupaten", 8: "kecamatan", 13: "desa"}
VILLAGE_CODE_RE = re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$")


@dataclass(frozen=True)
class Region:
    code: str
    name: str

    @property
    def level(self) -> str:
        return _LEVEL_BY_LEN[len(self.code)]

    @property
    def kind(self) -> str:
        """Indonesian kind: Provinsi, Kabupaten, Kota, Kecamatan, Desa, Kelurahan."""
        level = self.level
        if level == "provinsi":
            return "Provinsi"
        if level == "kabupaten":
            return "Kota" if self.name.startswith("Kota") else "Kabupaten"
        if level == "kecamatan":
            return "Kecamatan"
        return "Kelurahan" if self.code[9] == "1" else "Desa"

    @property
    def title(self) -> str:
        """'Desa Jlodro'; a name that already says its kind stays as it is
        ('Desa Baru', not 'Desa Desa Baru')."""
        return titled(self.kind, self.name)


@dataclass(frozen=True)
class RegionPath:
    """A village with its parents, as used for letterheads and the settings."""

    provinsi: Region
    kabupaten: Region
    kecamatan: Region
    desa: Region

    @property
    def label(self) -> str:
        kab = self.kabupaten.name
        return (f"{self.desa.title}, Kec. {self.kecamatan.name}, "
                f"{kab}, {self.provinsi.name}")


class RegionSource:
    """The loaded list with lookups; use :func:`regions` for the shared one."""

    def __init__(self, path: Path = RESOURCE):
        self.source = ""
        self._names: dict[str, str] = {}
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("#"):
                    self.source = line[1:].strip()
                    continue
                code, _, name = line.rstrip("\n").partition("\t")
                self._names[code] = name
        self._codes = list(self._names)
        self._folded = [f"{code} {name}".casefold() for code, name in self._names.items()]

    def __len__(self) -> int:
        return len(self._names)

    def get(self, code: str) -> Region | None:
        code = normalize_code(code)
        name = self._names.get(code)
        return Region(code, name) if name is not None else None

    def count(self, level: str) -> int:
        size = {v: k for k, v in _LEVEL_BY_LEN.items()}[level]
        return sum(1 for c in self._codes if len(c) == size)

    def children(self, code: str) -> list[Region]:
        code = normalize_code(code)
        size = {2: 5, 5: 8, 8: 13}.get(len(code)) if code else 2
        if size is None:
            return []
        prefix = f"{code}." if code else ""
        return [Region(c, self._names[c]) for c in self._codes
                if len(c) == size and c.startswith(prefix)]

    def path(self, village_code: str) -> RegionPath | None:
        """The village and its three parents, or ``None`` for an unknown code."""
        code = normalize_code(village_code)
        if not VILLAGE_CODE_RE.match(code):
            return None
        parts = [self.get(code[:n]) for n in (2, 5, 8, 13)]
        if any(p is None for p in parts):
            return None
        return RegionPath(*parts)  # type: ignore[arg-type]

    def search(self, query: str, *, level: str | None = "desa", limit: int = 50) -> list[Region]:
        """Regions whose code or name contains every word of ``query``."""
        words = query.casefold().split()
        if not words:
            return []
        size = {v: k for k, v in _LEVEL_BY_LEN.items()}.get(level) if level else None
        out: list[Region] = []
        for code, folded in zip(self._codes, self._folded):
            if size and len(code) != size:
                continue
            if all(w in folded for w in words):
                out.append(Region(code, self._names[code]))
                if len(out) >= limit:
                    break
        return out

    def has_kecamatan(self, prefix6: str) -> bool:
        """True when a 6-digit NIK/KK prefix names a kecamatan on the list."""
        if len(prefix6) != 6 or not prefix6.isdigit():
            return False
        return f"{prefix6[:2]}.{prefix6[2:4]}.{prefix6[4:6]}" in self._names


def titled(kind: str | None, name: str | None) -> str:
    """A village named with its kind ('Desa Jlodro', 'Kelurahan Sidorejo'), unless the
    name already begins with a kind of village ('Desa Baru', 'Kelurahan Baru')."""
    name = (name or "").strip()
    kind = (kind or "").strip()
    if not kind or name.lower().startswith((kind.lower() + " ", "desa ", "kelurahan ")):
        return name
    return f"{kind} {name}".strip()


def normalize_code(code: str) -> str:
    """Accept ``3523012001`` or ``35.23.01.2001`` (and partial codes)."""
    text = "".join(str(code).split())
    if "." in text or not text.isdigit() or len(text) > 10:
        return text  # not a region code as typed: kept, so that it is not found
    cuts = [2, 4, 6, 10]
    parts, start = [], 0
    for cut in cuts:
        if start >= len(text):
            break
        parts.append(text[start:cut])
        start = cut
    return ".".join(parts)


@lru_cache(maxsize=1)
def regions() -> RegionSource:
    return RegionSource()


KABUPATEN_CODE_RE = re.compile(r"^\d{2}\.\d{2}$")


def kabupaten(code: str) -> Region | None:
    """The kabupaten/kota ``code`` names (``35.23`` or ``3523``), or None when the code is
    not one on the list."""
    code = normalize_code(code)
    if not KABUPATEN_CODE_RE.match(code):
        return None
    return regions().get(code)
