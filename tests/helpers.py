"""Builders for test data (valid by default, so a test changes only what it tests)."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

from puskesos.core.identifiers import make_kk, make_nik
from puskesos.core.validation import HouseholdInput, MemberInput

KEC = "35.23.01"


def nik(born: date, sex: str, serial: int = 1) -> str:
    return make_nik(kecamatan_code=KEC, birth_date=born, sex=sex, serial=serial)


def member(name="SUPARMAN", sex="L", born=date(1975, 3, 14), rel="1", serial=1,
           **extra) -> MemberInput:
    values = dict(name=name, sex=sex, relationship_code=rel, birth_date=born,
                  nik=nik(born, sex, serial), birth_place="TUBAN")
    values.update(extra)
    return MemberInput(**values)


def family() -> tuple[HouseholdInput, list[MemberInput]]:
    house = HouseholdInput(no_kk=make_kk(kecamatan_code=KEC, recorded=date(2015, 6, 2), serial=44),
                           dusun="KRAJAN", rw="1", rt="2", address="JL. MELATI 3",
                           floor="8", wall="4", floor_area=36.0)
    people = [member(),
              member("SITI AMINAH", "P", date(1979, 8, 21), "2", serial=2),
              member("BAGUS", "L", date(2008, 1, 5), "3", serial=3)]
    return house, people


def damage_index(path: Path) -> None:
    """Make a SQLite file fail its integrity check: the member NIK index is
    redefined over another column, so its entries no longer match the table."""
    con = sqlite3.connect(path)
    con.execute("PRAGMA writable_schema = ON")
    con.execute("UPDATE sqlite_master SET sql = 'CREATE INDEX ix_member_nik ON member (name)' "
                "WHERE name = 'ix_member_nik'")
    con.commit()
    con.close()


def control_pictures_to_controls(path: Path) -> Path:
    """Rewrite an .xlsx written by openpyxl (which refuses control characters) so
    that each control picture U+2400-U+241F in its text becomes the control
    character itself, as Excel stores it (``_x0007_``): a file as a hostile or
    damaged source would give it to the import."""
    import zipfile
    data = {}
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        for info in infos:
            raw = zf.read(info.filename)
            if info.filename.startswith("xl/") and info.filename.endswith(".xml"):
                text = raw.decode("utf-8")
                for code in range(0x20):
                    text = text.replace(chr(0x2400 + code), f"_x{code:04X}_")
                raw = text.encode("utf-8")
            data[info.filename] = raw
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in infos:
            zf.writestr(info.filename, data[info.filename])
    return path
