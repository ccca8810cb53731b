"""Recognising the columns of a spreadsheet, and showing stored codes by their labels.

Headers: every office names its columns its own way; the importer must still
find the NIK, the No KK and the name.  Codes: the register stores a code and
shows its Indonesian label, and an empty code is "not filled in", not an
unknown code.
"""

from __future__ import annotations

import pytest

from puskesos.core.codes import Relationship
from puskesos.core.columns import fold, match_header


# --- headers ---------------------------------------------------------------------------------

@pytest.mark.parametrize("header, key", [
    ("No. K K", "no_kk"),
    ("no.kk", "no_kk"),
    ("N.I.K", "nik"),
    ("Tgl. Lahir", "birth_date"),
])
def test_a_header_with_other_dots_spaces_or_case_is_recognised(header, key):
    assert match_header(header) == key


@pytest.mark.parametrize("header, key", [
    ("NAMA (SESUAI KTP)", "name"),
    ("NIK (16 digit)", "nik"),
    ("Tanggal Lahir (dd-mm-yyyy)", "birth_date"),
    ("No KK [wajib]", "no_kk"),
    ("Jenis Kelamin (L/P)", "sex"),
])
def test_a_remark_in_brackets_after_the_header_is_ignored(header, key):
    assert match_header(header) == key


@pytest.mark.parametrize("header, key", [
    ("(NIK)", "nik"),
    ("[No KK]", "no_kk"),
    ("[NAMA]", "name"),
])
def test_a_header_written_inside_brackets_is_still_recognised(header, key):
    # the whole header in brackets is the header, not a remark to be dropped
    assert match_header(header) == key


@pytest.mark.parametrize("header", [None, "", "   ", "(keterangan)", "Catatan",
                                    "Nama Ibu Kandung"])
def test_a_header_of_no_known_column_matches_nothing(header):
    assert match_header(header) is None


def test_a_blank_header_cell_folds_to_nothing_whether_it_is_empty_or_holds_spaces():
    # the wizard remembers the column choice of a file layout by its folded headers:
    # a blank header cell must fold the same whether the file left it empty or typed spaces
    assert fold(None) == fold("") == fold("   ") == fold(" - ") == ""


# --- code lists ------------------------------------------------------------------------------

@pytest.mark.parametrize("empty", [None, ""])
def test_an_empty_code_is_not_filled_in_rather_than_unknown(empty):
    assert Relationship.from_code(empty) is None
    assert Relationship.label_of(empty) == ""


def test_a_known_code_is_shown_by_its_label_whatever_its_zeros():
    assert Relationship.label_of("3") == "Anak"
    assert Relationship.label_of("03") == "Anak"
    assert Relationship.from_code(3) is Relationship.ANAK


def test_an_unknown_stored_code_is_shown_as_it_is():
    # an old or foreign code stays visible, so the operator can correct it
    assert Relationship.label_of("9") == "9"
    assert Relationship.label_of("KEPALA") == "KEPALA"


def test_an_unknown_code_is_refused_naming_the_code_and_the_list():
    with pytest.raises(ValueError) as refused:
        Relationship.from_code("9")
    assert "'9'" in str(refused.value) and "Relationship" in str(refused.value)
