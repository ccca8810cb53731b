"""The zip guard's limits at their edges (the bombs themselves: tests/db/test_hostile_zips.py)."""

from __future__ import annotations

import zipfile

import pytest

from puskesos.errors import UserError
from puskesos.formats.zipguard import MB, SPREADSHEET, ZipLimits, check_zip


def _zip(path, members: dict[str, bytes]):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def test_a_small_part_may_pack_as_tightly_as_it_likes(tmp_path):
    # an empty sheet's few kilobytes, or 3 MB of one repeated cell, pack thousands of times
    path = _zip(tmp_path / "a.xlsx", {"xl/worksheets/sheet1.xml": b"<c/>" * (3 * MB // 4)})
    check_zip(path, SPREADSHEET, advice="-")


def test_a_large_part_packed_too_tightly_is_refused_with_its_name_and_numbers(tmp_path):
    path = _zip(tmp_path / "a.xlsx", {"xl/worksheets/sheet1.xml": b"\0" * (8 * MB)})
    with pytest.raises(UserError) as refused:
        check_zip(path, SPREADSHEET, advice="Minta berkasnya lagi.")
    message = refused.value.message
    assert "a.xlsx" in message and "xl/worksheets/sheet1.xml" in message
    assert "8.0 MB" in message and message.endswith("Minta berkasnya lagi.")


def test_too_many_parts_or_too_much_in_all_is_refused(tmp_path):
    few = ZipLimits(member_bytes=MB, total_bytes=2 * MB, ratio=1000, members=3)
    path = _zip(tmp_path / "a.zip", {f"p{i}": b"x" for i in range(4)})
    with pytest.raises(UserError, match="4"):
        check_zip(path, few, advice="-")
    path = _zip(tmp_path / "b.zip", {f"p{i}": b"x" * (MB - 1) for i in range(3)})
    with pytest.raises(UserError):
        check_zip(path, few, advice="-")
    check_zip(_zip(tmp_path / "c.zip", {"p": b"x" * (MB - 1)}), few, advice="-")


def test_a_file_that_is_no_zip_is_left_to_its_reader(tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    check_zip(path, SPREADSHEET, advice="-")      # the reader says "not a spreadsheet"


def test_a_member_without_a_name_is_no_crash(tmp_path):
    # zipfile's own ZipInfo.is_dir() fails on an empty name (IndexError)
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo(""), b"x" * 100)
    check_zip(path, SPREADSHEET, advice="-")
    with pytest.raises(UserError):
        check_zip(path, ZipLimits(member_bytes=50, total_bytes=MB, ratio=1000), advice="-")


def test_an_open_file_is_checked_and_left_open(tmp_path):
    import io
    raw = io.BytesIO(_zip(tmp_path / "a.zip", {"p": b"\0" * (8 * MB)}).read_bytes())
    with pytest.raises(UserError) as refused:
        check_zip(raw, SPREADSHEET, advice="-", name="paket.puskesos")
    assert "paket.puskesos" in refused.value.message and not raw.closed
