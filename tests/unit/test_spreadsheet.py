"""Tests for puskesos.formats (reading spreadsheets) on real files written in tmp_path."""

from __future__ import annotations

import csv
import inspect
import shutil
import zipfile
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl
import pytest

from puskesos import i18n
from puskesos.core.identifiers import check_nik
from puskesos.core.normalize import date_cell, identifier_cell, name_cell, sex_cell
from puskesos.jobs import CancelToken, JobCancelled, Progress
from puskesos.formats import Header, SourceRow, SpreadsheetError, detect_header, iter_rows, list_sheets

NIK_1 = "3523011708900001"   # man, 17-08-1990
NIK_2 = "3523014109900002"   # woman, 01-09-1990
NIK_3 = "3523012012850003"
NIK_4 = "3523015503770004"
NIK_5 = "3523010101600005"
EPOCH = date(1899, 12, 30)


@pytest.fixture(autouse=True)
def _english():
    """Assert on the English source strings; the catalog may translate them later."""
    i18n.set_language("en")


# --- writers ------------------------------------------------------------------------------------

def write_xlsx(path: Path, sheets: dict[str, list[list[object]]],
               merges: dict[str, list[str]] | None = None) -> Path:
    """A real workbook; cells are written as given (str stays text, int/float is a number)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
        for cell_range in (merges or {}).get(title, []):
            ws.merge_cells(cell_range)
    wb.save(path)
    return path


def write_ods(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """A minimal, valid OpenDocument spreadsheet (no writer library is installed)."""
    def cell(value: object) -> str:
        if value is None or value == "":
            return "<table:table-cell/>"
        if isinstance(value, date):
            return (f'<table:table-cell office:value-type="date" '
                    f'office:date-value="{value.isoformat()}"><text:p>{value}</text:p>'
                    f"</table:table-cell>")
        if isinstance(value, (int, float)):
            return (f'<table:table-cell office:value-type="float" office:value="{value}">'
                    f"<text:p>{value}</text:p></table:table-cell>")
        return (f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}'
                f"</text:p></table:table-cell>")

    tables = "".join(
        f'<table:table table:name="{escape(title)}">'
        + "".join("<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>"
                  for row in rows)
        + "</table:table>"
        for title, rows in sheets.items())
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body>"
        "</office:document-content>")
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
        ' manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", manifest)
        z.writestr("content.xml", content)
    return path


def write_csv(path: Path, rows: list[list[object]], *, delimiter: str = ";",
              encoding: str = "utf-8-sig", first_line: str | None = None) -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        if first_line is not None:
            f.write(first_line + "\r\n")
        csv.writer(f, delimiter=delimiter).writerows(rows)
    return path


def rows_of(path: Path, header: Header | None = None, **kwargs) -> list[SourceRow]:
    return list(iter_rows(path, header or detect_header(path), **kwargs))


HEADER = ["NO", "NIK", "NAMA", "JENIS KELAMIN", "TGL LAHIR", "ALAMAT", "KETERANGAN"]


# --- finding the header ---------------------------------------------------------------------------

def test_title_rows_above_the_header_are_passed_over(tmp_path):
    # Given a BNBA list with a title, a subtitle and an empty row above the header
    path = write_xlsx(tmp_path / "bnba.xlsx", {"Sheet1": [
        ["DAFTAR PENERIMA BANTUAN SOSIAL"],
        ["DESA SUKAMAJU KECAMATAN KEREK"],
        [],
        HEADER,
        [1, NIK_1, "Budi Santoso", "L", "17-08-1990", "Krajan", ""],
        [2, NIK_2, "Siti Aminah", "P", "01-09-1990", "Krajan", "pindah"],
    ]})
    # When the header is detected
    header = detect_header(path)
    # Then it is the fourth row, its columns are mapped, the rest is listed as unused
    assert (header.sheet, header.row) == ("Sheet1", 3)
    assert header.mapping == {1: "nik", 2: "name", 3: "sex", 4: "birth_date", 5: "address"}
    assert header.unmapped == ("NO", "KETERANGAN")
    assert header.columns == tuple(HEADER)
    rows = rows_of(path, header)
    assert [r.line for r in rows] == [5, 6]
    assert rows[0].values == {"nik": NIK_1, "name": "Budi Santoso", "sex": "L",
                              "birth_date": "17-08-1990", "address": "Krajan"}
    assert rows[1].cells == ("2", NIK_2, "Siti Aminah", "P", "01-09-1990", "Krajan", "pindah")


def test_merged_two_row_header(tmp_path):
    # Given a government form: NO and TEMPAT LAHIR merged over two rows, IDENTITAS merged
    # over NIK and NAMA, ALAMAT merged over DUSUN, RT, RW
    path = write_xlsx(tmp_path / "form.xlsx", {"Data": [
        ["FORMULIR VERIFIKASI"],
        ["NO", "IDENTITAS", None, "TEMPAT LAHIR", "ALAMAT", None, None],
        [None, "NIK", "NAMA", None, "DUSUN", "RT", "RW"],
        [1, NIK_1, "Budi", "Tuban", "Krajan", "001", "002"],
    ]}, merges={"Data": ["A1:G1", "A2:A3", "B2:C2", "D2:D3", "E2:G2"]})
    header = detect_header(path)
    # Then the lower cell names the column, and a cell merged over both rows counts too
    assert header.row == 2
    assert header.mapping == {1: "nik", 2: "name", 3: "birth_place", 4: "dusun", 5: "rt",
                              6: "rw"}
    assert header.columns[1:4] == ("NIK", "NAMA", "TEMPAT LAHIR")
    [row] = rows_of(path, header)
    assert row.line == 4
    assert row.values["birth_place"] == "Tuban" and row.values["rt"] == "001"


def test_merged_header_with_sub_headers_under_it(tmp_path):
    # Given NIK and NAMA merged down over two rows and TANGGAL LAHIR split into TGL/BLN/THN
    path = write_xlsx(tmp_path / "split.xlsx", {"Data": [
        ["NIK", "NAMA", "TANGGAL LAHIR", None, None, "JK"],
        [None, None, "TGL", "BLN", "THN", None],
        [NIK_1, "Budi", 17, 8, 1990, "L"],
    ]}, merges={"Data": ["A1:A2", "B1:B2", "C1:E1", "F1:F2"]})
    header = detect_header(path)
    # Then both rows are header rows, and the day column is NOT taken as the birth date
    assert header.row == 1
    assert header.mapping == {0: "nik", 1: "name", 5: "sex"}
    assert "TANGGAL LAHIR TGL" in header.unmapped
    [row] = rows_of(path, header)
    assert row.line == 3 and row.values["nik"] == NIK_1


def test_two_row_header_in_ods_without_merge_information(tmp_path):
    # ODS files give no merged ranges: the texts of both rows still combine
    path = write_ods(tmp_path / "form.ods", {"Data": [
        ["NO", "IDENTITAS", "", "TEMPAT", "JK"],
        ["", "NIK", "NAMA", "LAHIR", ""],
        [1, NIK_1, "Budi", "Tuban", "L"],
        [2, f"'{NIK_2}", "Siti", "Tuban", "P"],
    ]})
    header = detect_header(path)
    assert header.row == 1
    assert header.mapping == {1: "nik", 2: "name", 3: "birth_place", 4: "sex"}
    rows = rows_of(path, header)
    assert [identifier_cell(r.values["nik"]) for r in rows] == [(NIK_1, None), (NIK_2, None)]
    assert rows[0].cells[:2] == ("1", NIK_1)


def test_data_on_the_second_sheet_behind_a_cover_sheet(tmp_path):
    path = write_xlsx(tmp_path / "laporan.xlsx", {
        "Sampul": [["LAPORAN DTSEN"], ["Desa Sukamaju"], ["Nama petugas: Budi"]],
        "Data KPM": [["NIK", "NAMA", "DESIL"], [NIK_1, "Budi", 3]],
    })
    assert list_sheets(path) == ["Sampul", "Data KPM"]
    header = detect_header(path)
    assert (header.sheet, header.row) == ("Data KPM", 0)
    [row] = rows_of(path, header)
    assert row.values == {"nik": NIK_1, "name": "Budi", "desil": 3.0}
    assert row.line == 2


def test_explicit_sheet_name_tolerates_case_and_spaces(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", {"Sheet1": [["x"]], "DATA ": [["NIK", "NAMA"]]})
    assert detect_header(path, "data").sheet == "DATA "


def test_sheet_not_found_lists_the_sheets(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", {"Sampul": [["x"]], "Data": [["NIK", "NAMA"]]})
    with pytest.raises(SpreadsheetError) as err:
        detect_header(path, "Penduduk")
    assert '"Penduduk"' in err.value.message
    assert '"Sampul", "Data"' in err.value.message


def test_no_nik_or_name_column_names_the_needed_columns(tmp_path):
    path = write_xlsx(tmp_path / "salah.xlsx", {"Sheet1": [
        ["NOMOR", "NAMA BARANG", "HARGA"], [1, "Beras", 10000]]})
    with pytest.raises(SpreadsheetError) as err:
        detect_header(path)
    message = err.value.message
    assert '"NIK" or "Nama"' in message
    assert "No KK" in message and "Jenis Kelamin" in message
    assert "salah.xlsx" in message


def test_header_must_be_within_the_scanned_rows(tmp_path):
    path = write_xlsx(tmp_path / "deep.xlsx", {"S": [["judul"]] * 35 + [["NIK", "NAMA"]]})
    with pytest.raises(SpreadsheetError):
        detect_header(path)
    assert detect_header(path, scan_rows=40).row == 35


def test_a_second_column_for_the_same_field_is_listed_as_unmapped(tmp_path):
    path = write_xlsx(tmp_path / "dup.xlsx", {"S": [["NIK", "NAMA", "NIK KTP", "NAMA LENGKAP"]]})
    header = detect_header(path)
    assert header.mapping == {0: "nik", 1: "name"}
    assert header.unmapped == ("NIK KTP", "NAMA LENGKAP")


def test_data_not_starting_in_column_a(tmp_path):
    # Given a sheet whose table starts at C3
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["C3"], ws["D3"], ws["E3"] = "NIK", "NAMA", "JK"
    ws["C4"], ws["D4"], ws["E4"] = NIK_1, "Budi", "L"
    path = tmp_path / "offset.xlsx"
    wb.save(path)
    header = detect_header(path)
    # Then column indexes are Excel positions (C = 2) and cells start at column A
    assert header.row == 2
    assert header.mapping == {2: "nik", 3: "name", 4: "sex"}
    assert header.columns == ("", "", "NIK", "NAMA", "JK")
    [row] = rows_of(path, header)
    assert row.cells == ("", "", NIK_1, "Budi", "L")
    assert row.line == 4


# --- cell forms through the reader ----------------------------------------------------------------

def test_nik_cell_forms_from_a_real_workbook(tmp_path):
    # Given NIKs as text, as an exact number, as a number Excel rounded to 15 digits,
    # as Excel's scientific text, and with an apostrophe and spaces
    path = write_xlsx(tmp_path / "nik.xlsx", {"S": [
        ["NIK", "NAMA"],
        [NIK_1, "teks"],
        [int(NIK_2), "angka utuh"],
        [3523012012850000, "angka rusak"],
        ["3,52301E+15", "notasi ilmiah"],
        [f"  '{NIK_4} ", "apostrof"],
        [float(NIK_5), "float utuh"],
    ]})
    rows = rows_of(path)
    results = {r.values["name"]: identifier_cell(r.values["nik"]) for r in rows}
    assert results["teks"] == (NIK_1, None)
    assert results["angka utuh"] == (NIK_2, None)
    assert results["apostrof"] == (NIK_4, None)
    assert results["float utuh"] == (NIK_5, None)
    assert results["angka rusak"][0] is None and "15 digits" in results["angka rusak"][1]
    assert results["notasi ilmiah"][0] is None
    assert "damaged by Excel" in results["notasi ilmiah"][1]
    # numbers are shown in the report without ".0" or an exponent
    assert rows[1].cells[0] == NIK_2
    assert all(check_nik(results[k][0]).ok for k in ("teks", "angka utuh", "apostrof"))


def test_date_cell_forms_from_a_real_workbook(tmp_path):
    born = date(1980, 8, 17)
    path = write_xlsx(tmp_path / "tgl.xlsx", {"S": [
        ["NIK", "NAMA", "TANGGAL LAHIR"],
        [NIK_1, "sel tanggal", born],
        [NIK_1, "strip", "17-08-1980"],
        [NIK_1, "garis miring", "17/08/1980"],
        [NIK_1, "iso", "1980-08-17"],
        [NIK_1, "serial", (born - EPOCH).days],
        [NIK_1, "mustahil", "31-02-1980"],
    ]})
    rows = rows_of(path)
    results = {r.values["name"]: date_cell(r.values["birth_date"]) for r in rows}
    for name in ("sel tanggal", "strip", "garis miring", "iso", "serial"):
        assert results[name] == (born, None), name
    assert results["mustahil"][0] is None and "31-02-1980" in results["mustahil"][1]
    assert rows[0].cells[2] == "17-08-1980"


def test_sex_cell_forms_from_a_real_workbook(tmp_path):
    path = write_xlsx(tmp_path / "jk.xlsx", {"S": [
        ["NIK", "NAMA", "L/P"],
        *[[NIK_1, str(i), v] for i, v in enumerate(
            ["L", "P", "LAKI-LAKI", "PEREMPUAN", 1, 2, "laki laki", "Wanita", "?"])],
    ]})
    got = [sex_cell(r.values["sex"]) for r in rows_of(path)]
    assert [v for v, _e in got] == ["L", "P", "L", "P", "L", "P", "L", "P", None]
    assert got[-1][1]


def test_names_are_normalised_by_name_cell(tmp_path):
    path = write_xlsx(tmp_path / "n.xlsx", {"S": [["NIK", "NAMA"], [NIK_1, " siti\u00a0 aminah "]]})
    [row] = rows_of(path)
    assert name_cell(row.values["name"]) == "SITI AMINAH"
    assert row.cells[1] == " siti\u00a0 aminah "      # the report shows what the file held


# --- rows that are not data ----------------------------------------------------------------------

def test_empty_rows_total_rows_and_numbering_rows_are_skipped(tmp_path):
    # Given a form with a column-numbering row, empty rows in between, a JUMLAH row and
    # a row of sums without a label at the bottom
    path = write_xlsx(tmp_path / "jumlah.xlsx", {"S": [
        ["NO", "NIK", "NAMA", "DESIL"],
        ["(1)", "(2)", "(3)", "(4)"],
        [1, NIK_1, "Budi", 1],
        [],
        [None, None, None, None],
        [2, NIK_2, "Siti", 2],
        ["   ", None, "", None],
        [3, None, "Tanpa NIK", 3],
        ["JUMLAH", None, None, 6],
        [None, None, None, 6],
        ["Total KPM: 3"],
    ]})
    header = detect_header(path)
    skipped: list[tuple[int, str]] = []
    rows = rows_of(path, header, on_skip=lambda line, why: skipped.append((line, why)))
    # Then the numbering row belongs to the header, only the people remain, with their
    # Excel line numbers, and a person without a NIK stays for the importer to report
    assert header.row == 1
    assert [(r.line, r.values["name"]) for r in rows] == [(3, "Budi"), (6, "Siti"),
                                                           (8, "Tanpa NIK")]
    assert rows[2].values["nik"] is None
    assert skipped == [(9, "total"), (10, "total"), (11, "total")]


def test_header_repeated_inside_the_data_is_skipped(tmp_path):
    # a list pasted together from printed pages repeats the header (and the numbering)
    path = write_xlsx(tmp_path / "pages.xlsx", {"S": [
        ["NO", "NIK", "NAMA"], [1, 2, 3], [1, NIK_1, "Budi"],
        ["NO", "NIK", "NAMA"], [1, 2, 3], [2, NIK_2, "Siti"],
    ]})
    header = detect_header(path)
    skipped: list[tuple[int, str]] = []
    rows = rows_of(path, header, on_skip=lambda line, why: skipped.append((line, why)))
    assert header.row == 1
    assert [r.values["nik"] for r in rows] == [NIK_1, NIK_2]
    assert skipped == [(4, "header"), (5, "numbers")]


def test_a_row_with_text_but_no_nik_or_name_is_not_dropped(tmp_path):
    # the importer must see it and say what is missing (peers drop such rows silently)
    path = write_xlsx(tmp_path / "x.xlsx", {"S": [["NIK", "NAMA", "ALAMAT"],
                                                  [None, None, "Krajan RT 1"]]})
    [row] = rows_of(path)
    assert row.values == {"nik": None, "name": None, "address": "Krajan RT 1"}


def test_mapping_can_be_overridden(tmp_path):
    path = write_xlsx(tmp_path / "m.xlsx", {"S": [["NIK", "NAMA", "KODE"], [NIK_1, "Budi", "x"]]})
    header = detect_header(path)
    [row] = rows_of(path, header, mapping={0: "nik", 2: "dusun"})
    assert row.values == {"nik": NIK_1, "dusun": "x"}


# --- CSV and other formats ------------------------------------------------------------------------

def test_csv_with_semicolons_and_a_title_row(tmp_path):
    path = write_csv(tmp_path / "siks.csv", [
        ["DAFTAR KPM, DESA SUKAMAJU"],
        HEADER,
        ["1", NIK_1, "Budi, S.Pd", "L", "17/08/1990", "Jl. Mawar, Krajan", ""],
        ["2", "3,52301E+15", "Siti", "2", "1990-09-01", "Krajan", ""],
    ])
    assert list_sheets(path) == ["siks"]
    header = detect_header(path)
    assert (header.sheet, header.row) == ("siks", 1)
    rows = rows_of(path, header)
    assert [r.line for r in rows] == [3, 4]
    assert rows[0].values["name"] == "Budi, S.Pd"
    assert rows[0].values["address"] == "Jl. Mawar, Krajan"
    assert identifier_cell(rows[1].values["nik"])[0] is None
    assert sex_cell(rows[1].values["sex"]) == ("P", None)
    assert date_cell(rows[0].values["birth_date"]) == (date(1990, 8, 17), None)


def test_csv_with_commas_in_windows_1252_and_excel_sep_line(tmp_path):
    path = write_csv(tmp_path / "lama.csv", [["NIK", "NAMA"], [NIK_1, "JOSÉ"]],
                     delimiter=",", encoding="cp1252", first_line="sep=,")
    [row] = rows_of(path)
    assert row.values == {"nik": NIK_1, "name": "JOSÉ"}
    assert row.line == 2                                  # Excel hides the sep= line


def test_csv_in_utf16_with_tabs(tmp_path):
    # Excel's "Unicode Text" export
    path = write_csv(tmp_path / "unicode.csv", [["NIK", "NAMA"], [NIK_1, "Budi"]],
                     delimiter="\t", encoding="utf-16")
    [row] = rows_of(path)
    assert row.values == {"nik": NIK_1, "name": "Budi"}


def test_ods_file(tmp_path):
    path = write_ods(tmp_path / "data.ods", {"Penduduk": [
        ["NIK", "NAMA", "TGL LAHIR"], [float(NIK_1), "Budi", date(1990, 8, 17)]]})
    assert list_sheets(path) == ["Penduduk"]
    [row] = rows_of(path)
    assert identifier_cell(row.values["nik"]) == (NIK_1, None)
    assert date_cell(row.values["birth_date"]) == (date(1990, 8, 17), None)


def test_xlsx_saved_with_an_xls_name_is_read_by_its_content(tmp_path):
    src = write_xlsx(tmp_path / "a.xlsx", {"S": [["NIK", "NAMA"], [NIK_1, "Budi"]]})
    path = tmp_path / "export.xls"
    shutil.copy(src, path)
    [row] = rows_of(path)
    assert row.values["nik"] == NIK_1


def test_xlsx_saved_with_a_csv_name_is_read_by_its_content(tmp_path):
    src = write_xlsx(tmp_path / "a.xlsx", {"S": [["NIK", "NAMA"], [NIK_1, "Budi"]]})
    path = tmp_path / "export.csv"
    shutil.copy(src, path)
    assert rows_of(path)[0].values["name"] == "Budi"


# --- files that cannot be read -------------------------------------------------------------------

def test_empty_file(tmp_path):
    path = tmp_path / "kosong.xlsx"
    path.write_bytes(b"")
    with pytest.raises(SpreadsheetError) as err:
        detect_header(path)
    assert "empty (0 bytes)" in err.value.message and "kosong.xlsx" in err.value.message


def test_text_file_renamed_to_xlsx(tmp_path):
    path = tmp_path / "catatan.xlsx"
    path.write_text("ini bukan spreadsheet\n")
    with pytest.raises(SpreadsheetError) as err:
        list_sheets(path)
    assert "not a spreadsheet" in err.value.message
    assert "save it as an Excel workbook" in err.value.message


def test_web_page_saved_as_xls(tmp_path):
    path = tmp_path / "export.xls"
    path.write_text("<html><table><tr><td>NIK</td></tr></table></html>")
    with pytest.raises(SpreadsheetError) as err:
        detect_header(path)
    assert "web page" in err.value.message


def _encrypted_xlsx(tmp_path: Path) -> Path:
    plain = write_xlsx(tmp_path / "plain.xlsx", {"S": [["NIK", "NAMA"], [NIK_1, "Budi"]]})
    path = tmp_path / "rahasia.xlsx"
    try:
        from msoffcrypto.format.ooxml import OOXMLFile
    except ImportError:  # fallback: the start of an OLE file holding an encrypted package
        path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
                         + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 512)
        return path
    with plain.open("rb") as src, path.open("wb") as out:
        OOXMLFile(src).encrypt("rahasia123", out)
    return path


def test_password_protected_workbook(tmp_path):
    path = _encrypted_xlsx(tmp_path)
    assert path.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"
    for call in (list_sheets, detect_header):
        with pytest.raises(SpreadsheetError) as err:
            call(path)
        assert "protected with a password" in err.value.message
        assert "remove the password" in err.value.message


def test_unknown_extension(tmp_path):
    path = tmp_path / "data.docx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(SpreadsheetError) as err:
        detect_header(path)
    assert '".docx"' in err.value.message and ".xlsx" in err.value.message


def test_missing_file_and_excel_lock_file(tmp_path):
    with pytest.raises(SpreadsheetError) as err:
        detect_header(tmp_path / "hilang.xlsx")
    assert "does not exist" in err.value.message
    lock = tmp_path / "~$data.xlsx"
    lock.write_bytes(b"x" * 165)
    with pytest.raises(SpreadsheetError) as err:
        detect_header(lock)
    assert "temporary file" in err.value.message


def test_spreadsheet_error_is_a_user_error():
    from puskesos.errors import UserError
    assert issubclass(SpreadsheetError, UserError)


# --- streaming, progress, cancel, counting -------------------------------------------------------

def _big_workbook(path: Path, people: int, *, write_only: bool) -> Path:
    wb = openpyxl.Workbook(write_only=write_only)
    ws = wb.create_sheet("Data") if write_only else wb.active
    if not write_only:
        ws.title = "Data"
    ws.append(["DAFTAR"])
    ws.append(["NIK", "NAMA", "DESIL"])
    for i in range(people):
        ws.append([f"35230117089{i:05d}", f"ORANG {i}", i % 10 + 1])
    wb.save(path)
    return path


def test_progress_every_thousand_rows(tmp_path):
    path = _big_workbook(tmp_path / "big.xlsx", 2500, write_only=True)
    header = detect_header(path)
    calls: list[tuple[int, int]] = []
    rows = rows_of(path, header, progress=Progress(lambda d, t, m: calls.append((d, t))))
    assert len(rows) == 2500 and rows[-1].line == 2502
    assert calls == [(0, 2500), (1000, 2500), (2000, 2500), (2500, 2500)]


def test_the_progress_of_a_csv_counts_its_rows_with_or_without_a_last_line_break(tmp_path):
    path = write_csv(tmp_path / "c.csv", [["NIK", "NAMA"]] + [[NIK_1, "x"]] * 40)
    for _ in range(2):
        calls: list[tuple[int, int]] = []
        rows_of(path, detect_header(path), progress=Progress(lambda d, t, m: calls.append((d, t))))
        assert calls[0] == (0, 40) and calls[-1] == (40, 40)
        path.write_bytes(path.read_bytes().rstrip(b"\r\n"))   # no break after the last row


def test_cancel_stops_the_iteration(tmp_path):
    path = _big_workbook(tmp_path / "big.xlsx", 2500, write_only=True)
    header = detect_header(path)
    token = CancelToken()
    seen = 0
    with pytest.raises(JobCancelled):
        for _row in iter_rows(path, header, cancel=token):
            seen += 1
            if seen == 10:
                token.cancel()
    assert seen < 1001


def test_iter_rows_is_lazy(tmp_path):
    path = write_xlsx(tmp_path / "a.xlsx", {"S": [["NIK", "NAMA"], [NIK_1, "Budi"]]})
    rows = iter_rows(path, detect_header(path))
    assert inspect.isgenerator(rows)
    first = next(rows)
    assert first == SourceRow(line=2, cells=(NIK_1, "Budi"), values={"nik": NIK_1, "name": "Budi"})
    rows.close()


# --- the sheet parsed ahead (the command line's import) -----------------------------------------

def _names_read(path: Path) -> list[str]:
    """The names the import reads (header and rows from one opening of the file)."""
    from puskesos.formats.rows import open_sheet
    with open_sheet(path) as reader:
        keys, rows = reader.data()
        return [cells[keys.index("name")] for _line, _raw, cells in rows]


def test_a_sheet_parsed_ahead_is_the_one_the_import_reads(tmp_path, monkeypatch):
    """The import takes the sheet parsed ahead instead of parsing the file again."""
    from puskesos.formats import books
    path = write_xlsx(tmp_path / "data.xlsx",
                      {"Data": [["NIK", "Nama"], [NIK_1, "BUDI"], [NIK_2, "SITI"]]})
    books.read_ahead(path)
    for entry in list(books._ahead.values()):
        entry.done.wait()                     # parsed on its thread before counting
    parsed = []
    real_load = books._load
    monkeypatch.setattr(books, "_load", lambda *a: parsed.append(a[2]) or real_load(*a))
    assert _names_read(path) == ["BUDI", "SITI"]
    assert parsed == []                       # not parsed a second time
    assert _names_read(path) == ["BUDI", "SITI"]
    assert parsed == ["Data"]                 # without a read-ahead it is parsed as before


def test_a_file_changed_after_the_read_ahead_is_read_as_it_is_now(tmp_path):
    """A file saved again between the read-ahead and the import is read anew: rows of
    the older file never reach the village."""
    from puskesos.formats import books
    path = write_xlsx(tmp_path / "data.xlsx", {"Data": [["NIK", "Nama"], [NIK_1, "LAMA"]]})
    books.read_ahead(path)
    for entry in list(books._ahead.values()):
        entry.done.wait()                     # the older file parsed ahead
    write_xlsx(tmp_path / "new.xlsx", {"Data": [["NIK", "Nama"], [NIK_1, "BARU"],
                                                 [NIK_2, "KEDUA"]]})
    shutil.move(tmp_path / "new.xlsx", path)
    assert _names_read(path) == ["BARU", "KEDUA"]


def test_a_damaged_file_read_ahead_gets_the_ordinary_message(tmp_path):
    """What the read-ahead could not parse the import reads itself and explains."""
    from puskesos.formats import books
    path = tmp_path / "rusak.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    books.read_ahead(path)
    with pytest.raises(SpreadsheetError) as caught:
        detect_header(path)
    assert "rusak.xlsx" in caught.value.message


def test_the_read_ahead_of_a_named_sheet_is_used_only_for_that_sheet(tmp_path):
    """Asking for another sheet than the one parsed ahead reads that sheet."""
    from puskesos.formats import books
    path = write_xlsx(tmp_path / "dua.xlsx", {"Sampul": [["Ekstrak DTSEN"]],
                                              "Data": [["NIK", "Nama"], [NIK_1, "BUDI"]]})
    books.read_ahead(path, "Data")
    from puskesos.formats.rows import open_sheet
    with open_sheet(path) as reader:          # every sheet tried in order: the cover first
        assert reader.header.sheet == "Data"
    books.read_ahead(path)                    # the cover sheet parsed ahead: not it
    assert _names_read(path) == ["BUDI"]
    books.read_ahead(path, "Data")            # the user then names the cover sheet
    with pytest.raises(SpreadsheetError) as caught:
        detect_header(path, "Sampul")
    assert "Sampul" in caught.value.message


def test_a_zip_bomb_read_ahead_never_reaches_the_parser(tmp_path, monkeypatch):
    """The read-ahead thread checks the zip before calamine sees it, as the import
    does: a workbook that unpacks to gigabytes is refused with the guard's message and
    never parsed, on either thread."""
    from puskesos.formats import books
    from tests.db.test_hostile_zips import ONE_CELL, workbook
    bomb = workbook(tmp_path / "bom.xlsx", ONE_CELL)
    opened = []
    real_open = books._open_book
    monkeypatch.setattr(books, "_open_book", lambda *a: opened.append(a[0]) or real_open(*a))
    books.read_ahead(bomb)
    for entry in list(books._ahead.values()):
        entry.done.wait()
    with pytest.raises(SpreadsheetError) as refused:
        detect_header(bomb)
    assert "2.0 GB" in refused.value.message
    assert opened == []


def test_the_zip_guard_reads_a_file_read_ahead_once(tmp_path, monkeypatch):
    """The guard's verdict on the read-ahead thread stands for the import: the file is
    not unpacked a second time to check it."""
    from puskesos.formats import books
    path = write_xlsx(tmp_path / "data.xlsx", {"Data": [["NIK", "Nama"], [NIK_1, "BUDI"]]})
    checked = []
    real_check = books.check_zip
    monkeypatch.setattr(books, "check_zip", lambda *a, **k: checked.append(a[0]) or
                        real_check(*a, **k))
    books.read_ahead(path)
    assert _names_read(path) == ["BUDI"]
    assert checked == [path]
    assert _names_read(path) == ["BUDI"]      # without a read-ahead: checked as before
    assert checked == [path, path]
