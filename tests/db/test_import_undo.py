"""Undoing imports at any size, and imports that change nothing leave nothing to undo
(issue 13 points 5 and 7)."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, text

from puskesos.core.identifiers import make_kk, make_nik
from puskesos.models import ImportBatch
from puskesos.services.imports import run_import, undo_last_import

from tests.conftest import OPERATOR

KEC = "35.23.01"
HEADER = ["NOMOR KK", "NIK", "NAMA LENGKAP", "JK", "TEMPAT LAHIR", "TGL LAHIR",
          "HUBUNGAN DGN KK", "ALAMAT", "DUSUN", "RT", "RW", "DESIL"]
#: the values one SQLite statement may take, lowered for these tests (32,766 in the
#: SQLite Python ships, 250,000 here) so that an import of a few thousand rows is
#: larger than it, as a million-row import is larger than the real one
VARIABLES = 2_000


def person(i: int, *, place: str = "TUBAN", address: str = "JL. MANGGA", desil: int = 3):
    """The i-th person of a made-up village: each NIK unique, every fourth one alone
    in a family (so that families too are more than one statement may take)."""
    born = date(1941, 1, 1) + timedelta(days=i % 24_000)
    sex = "L" if i % 2 else "P"
    family = i if i % 4 == 0 else i // 4 * 4 + 1
    kk = make_kk(kecamatan_code=KEC, recorded=date(2010, 1, 1) + timedelta(days=family % 3000),
                 serial=family // 3000 + 1)
    nik = make_nik(kecamatan_code=KEC, birth_date=born, sex=sex, serial=i // 24_000 + 1)
    relation = "KEPALA KELUARGA" if i % 4 in (0, 1) else "FAMILI LAIN"
    return [kk, nik, f"WARGA {i}", sex, place, born.strftime("%d-%m-%Y"), relation,
            f"{address} {family}", "KRAJAN", "1", "2", str(desil)]


def write_csv(path: Path, rows, header=HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f, delimiter=";")
        out.writerow(header)
        out.writerows(rows)
    return path


def dump(services) -> dict:
    """Every stored registry value but version counters, stamps and search text."""
    skip = {"version", "updated_at", "search_text"}
    out = {}
    with services.db.read() as s:
        for table in ("household", "member", "participation"):
            result = s.execute(text(f"SELECT * FROM {table} ORDER BY id"))
            keep = [i for i, c in enumerate(result.keys()) if c not in skip]
            out[table] = [tuple(r[i] for i in keep) for r in result]
    return out


def batches(services) -> list[tuple[str, str]]:
    with services.db.read() as s:
        return [(b.source_name, b.status) for b in
                s.scalars(select(ImportBatch).order_by(ImportBatch.created_at))]


def test_an_import_that_changes_nothing_records_no_batch(services, tmp_path):
    """A sheet with only its header, or the same file again, is reported and leaves no
    batch: ``--undo`` still takes back the import that changed something."""
    base = write_csv(tmp_path / "warga.csv", [person(i) for i in range(8)])
    run_import(services, actor=OPERATOR, path=base)
    empty = write_csv(tmp_path / "kosong.csv", [])
    report = run_import(services, actor=OPERATOR, path=empty)
    assert (report.rows, report.batch_id) == (0, None)
    again = run_import(services, actor=OPERATOR, path=base)
    assert (again.rows, again.unchanged, again.batch_id) == (8, 8, None)
    assert batches(services) == [("warga.csv", "applied")]
    undone = undo_last_import(services, actor=OPERATOR)
    assert undone.source_name == "warga.csv"
    assert dump(services)["member"] == []


@pytest.fixture
def few_variables(services, monkeypatch):
    """Every statement takes at most :data:`VARIABLES` values: one with more is
    refused as SQLite refuses it ("too many SQL variables"), on either engine (the
    limit of PostgreSQL's protocol, 65,535, is as far above an import of a few
    thousand rows as SQLite's); the bulk writer is told the limit as SQLite would
    tell it (SQLCipher's driver cannot set the limit)."""
    engine = services.db.engine
    from puskesos.db import bulk
    from puskesos.db.engine import sqlite_driver
    marker = "?" if engine.dialect.paramstyle == "qmark" else "%("

    @event.listens_for(engine, "before_cursor_execute")
    def limit(_conn, _cursor, statement, parameters, _context, executemany):
        count = statement.count(marker)
        if count > VARIABLES:
            raise sqlite_driver().OperationalError("too many SQL variables")

    monkeypatch.setattr(bulk, "variable_limit", lambda _dbapi: VARIABLES)
    return services


ROWS = 6_000             # 3,000 families: more than one statement may take values


@pytest.mark.slow
def test_undo_of_an_import_larger_than_the_variable_limit_restores_what_was_there(
        few_variables, tmp_path):
    services = few_variables
    run_import(services, actor=OPERATOR,
               path=write_csv(tmp_path / "awal.csv", [person(i) for i in range(ROWS)]))
    before = dump(services)
    assert len(before["member"]) == ROWS

    # a recipient list of everyone: participation of every household, then taken back
    niks = [[p[1], p[2]] for p in (person(i) for i in range(ROWS))]
    run_import(services, actor=OPERATOR, program="PKH", period="2026-Q3",
               path=write_csv(tmp_path / "pkh.csv", niks, header=["NIK", "NAMA PENERIMA"]))
    assert len(dump(services)["participation"]) == ROWS // 2
    undo_last_import(services, actor=OPERATOR)
    assert dump(services) == before

    # every member and household changed, and a thousand new people in new families
    changed = [person(i, place="LAMONGAN", address="JL. JERUK", desil=5)
               for i in range(ROWS + 1000)]
    report = run_import(services, actor=OPERATOR, path=write_csv(tmp_path / "baru.csv", changed))
    assert (report.created, report.created_households) == (1000, 500)
    assert report.updated >= ROWS
    undo_last_import(services, actor=OPERATOR)
    assert dump(services) == before
    assert [status for _name, status in batches(services)] == ["applied", "undone", "undone"]
    with services.db.read() as s:
        texts = s.execute(text("SELECT count(*) FROM household WHERE search_text LIKE "
                               "'%jeruk%' OR search_text LIKE '%JERUK%'")).scalar()
    assert texts == 0
    assert services.audit.verify().ok
