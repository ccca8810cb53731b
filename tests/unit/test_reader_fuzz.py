"""Whatever bytes a file holds, the readers answer with rows or with a message
(issue 13 point 5): arbitrary bytes, and valid workbooks, CSV files and backups
with bytes changed or cut off, read through the import's whole reading path,
never raise anything but a :class:`~puskesos.errors.UserError` that says
something.  Example counts are kept small for the suite's time; there is no
per-example deadline (a loaded two-core machine would make one flaky)."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, example, given, settings, strategies as st

from puskesos.errors import UserError
from puskesos.formats import list_sheets, open_sheet
from puskesos.formats.zipguard import BACKUP, check_zip
from tests.helpers import connect

FUZZ = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

HEADER = ["NO KK", "NIK", "NAMA", "JK", "TGL LAHIR", "ALAMAT"]
ROWS = [["3523011505140011", "3523010201700001", "SLAMET", "L", "02-01-1970", "JL. MANGGA"],
        ["3523011505140011", "3523014403740002", "SITI", "P", "04-03-1974", "JL. MANGGA"]]


def _workbook() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["DAFTAR KELUARGA"])
    ws.append(HEADER)
    for row in ROWS:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _csv() -> bytes:
    lines = [";".join(HEADER)] + [";".join(row) for row in ROWS]
    return ("\r\n".join(lines) + "\r\n").encode()


WORKBOOK = _workbook()
CSV = _csv()


def read_everything(data: bytes, name: str) -> None:
    """Read ``data`` saved as ``name`` the way the import does: its sheets, its header
    and every data row.  Passes when that works or ends in a UserError with a message."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            list_sheets(path)
            with open_sheet(path) as reader:
                _keys, blocks = reader.blocks()
                for _block in blocks:
                    pass
        except UserError as exc:
            assert exc.message.strip(), repr(exc)


@st.composite
def mutated(draw, original: bytes):
    """``original`` with a few bytes replaced, some inserted, and perhaps cut short."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 8))):
        where = draw(st.integers(0, len(data) - 1))
        if draw(st.booleans()):
            data[where] = draw(st.integers(0, 255))
        else:
            data[where:where] = draw(st.binary(min_size=1, max_size=16))
    if draw(st.booleans()):
        data = data[:draw(st.integers(1, len(data)))]
    return bytes(data)


@FUZZ
@given(data=st.binary(max_size=4096), name=st.sampled_from(["a.xlsx", "a.csv", "a.ods",
                                                            "a.xls"]))
def test_arbitrary_bytes_get_an_answer(data, name):
    read_everything(data, name)


@FUZZ
@given(data=st.binary(max_size=2048))
def test_arbitrary_bytes_after_a_zip_signature_get_an_answer(data):
    read_everything(b"PK\x03\x04" + data, "a.xlsx")


@FUZZ
@given(data=mutated(WORKBOOK))
def test_a_damaged_workbook_gets_an_answer(data):
    read_everything(data, "rusak.xlsx")


@FUZZ
@given(data=mutated(CSV))
def test_a_damaged_csv_gets_an_answer(data):
    read_everything(data, "rusak.csv")


@FUZZ
@given(text=st.text(max_size=400), encoding=st.sampled_from(["utf-8", "utf-16", "cp1252"]))
@example(text="1;2;" + "A" * 200_000, encoding="utf-8")      # one cell past csv's limit
@example(text='1;"2;3\n' * 40_000, encoding="utf-8")         # a quote never closed
@example(text="1;2;\x00;4\n", encoding="utf-8")
def test_any_text_as_csv_gets_an_answer(text, encoding):
    body = ";".join(HEADER) + "\n" + text
    read_everything(body.encode(encoding, errors="replace"), "teks.csv")


def _backup() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "x.sqlite"
        con = connect(db)
        con.execute("CREATE TABLE household (id TEXT)")
        con.commit()
        con.close()
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("manifest.json", json.dumps({"format": "puskesos-backup",
                                                    "format_version": 1,
                                                    "database": "puskesos.sqlite"}))
            z.write(db, "puskesos.sqlite")
        return out.getvalue()


BACKUP_BYTES = _backup()


@FUZZ
@given(data=st.one_of(mutated(BACKUP_BYTES), st.binary(max_size=2048)))
def test_a_damaged_backup_gets_an_answer(data):
    from puskesos.services.backup import read_backup
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cadangan.zip"
        path.write_bytes(data)
        work = Path(tmp) / "work"
        work.mkdir()
        try:
            check_zip(path, BACKUP, advice="-")
            read_backup(path, work)
        except UserError as exc:
            assert exc.message.strip(), repr(exc)
