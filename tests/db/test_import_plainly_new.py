"""The import takes plainly new people in one quick loop (``RegistryRows.take_new``);
any row that is not plainly new goes the general way.  Whatever stands first in the
file, or right after plainly new people, the operator sees the same result: a
malformed NIK refused with its reason, a doubtful row imported with its warning, and
the plainly new people before it stored, never reported as duplicates of themselves.

Real xlsx files, real databases; the import service is called directly.
"""

from datetime import date

import pytest
from sqlalchemy import select

from puskesos.core.identifiers import check_nik
from puskesos.models import Member
from puskesos.services.imports import run_import

from tests.conftest import OPERATOR
from tests.db.test_excel_import import KK2, nik, write_xlsx
from tests.db.test_import_matching_rules import FIRST_LINE, person

SLAMET = person("SLAMET RIYADI", nik(date(1970, 1, 2), "L", 1), date(1970, 1, 2),
                rel="KEPALA KELUARGA")
SITI = person("SITI ROMLAH", nik(date(1974, 3, 4), "P", 2), date(1974, 3, 4), "P", "ISTRI")


def _stored_niks(services) -> set[str]:
    with services.db.read() as s:
        return set(s.scalars(select(Member.nik).where(Member.deleted_at.is_(None))))


def _issues(report) -> list[tuple[int, str]]:
    return sorted((i.line, i.kind) for i in report.issues)


@pytest.mark.parametrize("number", [
    "0023011708900009",     # no province 00
    "3500011708900009",     # kabupaten 00
    "3523001708900009",     # kecamatan 00
    "3523011708900000",     # serial 0000
    "352301170890009",      # 15 digits
    "35230117089000091",    # 17 digits
], ids=["province", "kabupaten", "kecamatan", "serial", "15-digits", "17-digits"])
def test_a_malformed_nik_first_in_the_file_is_refused_with_its_reason(services, tmp_path,
                                                                      number):
    rows = [person("SALAH KETIK", number, date(1990, 8, 17)), SLAMET, SITI]
    report = run_import(services, actor=OPERATOR, path=write_xlsx(tmp_path / "a.xlsx", rows))
    assert (report.created, report.rejected) == (2, 1)
    [refused] = report.issues
    assert (refused.line, refused.kind) == (FIRST_LINE, "rejected")
    assert refused.reason == check_nik(number).errors[0].message
    assert _stored_niks(services) == {SLAMET[2], SITI[2]}


def test_a_nik_whose_date_is_no_real_date_first_in_the_file_is_kept_with_a_warning(
        services, tmp_path):
    """PP 37/2007: the card's number stays even when its date part (31 April) is wrong;
    the operator is told, and the people after it are imported too."""
    odd = person("ANAK SATU", "3523013104900003", None)
    report = run_import(services, actor=OPERATOR,
                        path=write_xlsx(tmp_path / "a.xlsx", [odd, SLAMET, SITI]))
    assert report.created == 3
    assert _issues(report) == [(FIRST_LINE, "warning")]
    assert _stored_niks(services) == {odd[2], SLAMET[2], SITI[2]}


#: rows that the quick loop must leave to the general way, each after a plainly new
#: person of the same family: (row, what the operator is told about it)
AFTER_NEW = {
    # PP 37/2007: a NIK whose date part is no real date (31 April) is kept, with a word
    "date-not-real": (person("ANAK SATU", "3523013104900003", None), "warning"),
    "born-differs": (person("ANAK DUA", nik(date(1990, 8, 17), "L", 3), date(1990, 8, 18)),
                     "warning"),
    "sex-differs": (person("ANAK TIGA", nik(date(1990, 8, 17), "L", 3), date(1990, 8, 17),
                           "P"), "warning"),
    "no-name": (person(None, nik(date(1990, 8, 17), "L", 3), date(1990, 8, 17)),
                "rejected"),
    "same-nik-twice": (SLAMET, "duplicate"),
    "family-moved": (person("ANAK EMPAT", nik(date(1990, 8, 17), "L", 3), date(1990, 8, 17),
                            address="JL. NANGKA 4"), "warning"),
}


@pytest.mark.parametrize("case", list(AFTER_NEW))
def test_a_row_after_plainly_new_people_is_told_and_they_are_stored(services, tmp_path,
                                                                   case):
    row, kind = AFTER_NEW[case]
    report = run_import(services, actor=OPERATOR,
                        path=write_xlsx(tmp_path / "a.xlsx", [SLAMET, SITI, row]))
    told = _issues(report)
    assert told and {line for line, _kind in told} == {FIRST_LINE + 2}, report.issues
    assert kind in {k for _line, k in told}
    stored = _stored_niks(services)
    assert {SLAMET[2], SITI[2]} <= stored
    assert report.created == len(stored)
