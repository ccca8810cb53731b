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
from puskesos.models import Household, Member
from puskesos.services.imports import run_import

from tests.conftest import OPERATOR
from tests.db.test_excel_import import KK2, nik, write_xlsx
from tests.db.test_import_matching_rules import FIRST_LINE, PLACEHOLDER, person

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
    "malformed-nik": (person("SALAH KETIK", "3500011708900009", date(1990, 8, 17)),
                      "rejected"),
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


def test_a_new_person_of_a_family_holding_someone_without_a_nik_follows_new_people(
        services, tmp_path):
    """A registered family with a member without a real NIK (who might be this person
    by name and date of birth) is matched the general way, after plainly new people."""
    budi = person("BUDI SANTOSO", PLACEHOLDER, date(2015, 4, 5), kk=KK2, dtsen="D002",
                  address="JL. JERUK 9", dusun="NGASINAN", rt=3, rw=1, desil=1)
    run_import(services, actor=OPERATOR, path=write_xlsx(tmp_path / "a.xlsx", [budi]))
    dewi = person("DEWI", nik(date(2017, 6, 7), "P", 9), date(2017, 6, 7), "P", kk=KK2,
                  dtsen="D002", address="JL. JERUK 9", dusun="NGASINAN", rt=3, rw=1,
                  desil=1)
    report = run_import(services, actor=OPERATOR,
                        path=write_xlsx(tmp_path / "b.xlsx", [SLAMET, SITI, dewi]))
    assert report.created == 3 and not [i for i in report.issues if i.kind != "warning"]
    assert {SLAMET[2], SITI[2], dewi[2]} <= _stored_niks(services)


def test_more_new_people_than_the_preview_shows_are_all_stored(services, tmp_path):
    """The preview lists the first 300 new people; a file with more stores them all."""
    from datetime import timedelta

    from puskesos.core.identifiers import make_kk
    from puskesos.services.imports.state import EXAMPLES
    rows = [person(f"WARGA {i}", nik(date(1980, 1, 1) + timedelta(days=i), "L", i + 1),
                   date(1980, 1, 1) + timedelta(days=i), rel="KEPALA KELUARGA",
                   kk=make_kk(kecamatan_code="35.23.01", recorded=date(2015, 1, 1),
                              serial=i + 100), dtsen=f"D{i:04d}")
            for i in range(EXAMPLES + 20)]
    report = run_import(services, actor=OPERATOR, path=write_xlsx(tmp_path / "a.xlsx", rows))
    assert report.created == len(rows) and report.issues == []
    assert len(report.new_rows) == EXAMPLES
    assert len(_stored_niks(services)) == len(rows)


def test_cells_the_file_leaves_empty_are_stored_empty_not_as_words(services, tmp_path):
    """A birth place and the household questions the file has no column for stay empty
    (NULL) in the registry: never the text "None", never an empty text a search or a
    printed form would show as something (the driver binds None through an adapter
    registered for speed: puskesos.db.engine._adapt_null)."""
    no_dusun = person("SITI ROMLAH", nik(date(1974, 3, 4), "P", 2), date(1974, 3, 4), "P",
                      "ISTRI", dusun=None)
    report = run_import(services, actor=OPERATOR,
                        path=write_xlsx(tmp_path / "a.xlsx", [SLAMET, no_dusun]))
    assert report.created == 2
    with services.db.read() as s:
        stored = s.execute(select(Member.birth_place, Member.nik)).all()
        homes = s.execute(select(Household.dusun, Household.poverty_status,
                                 Household.bank_account)).all()
    assert sorted(stored) == [(None, SLAMET[2]), (None, no_dusun[2])]
    assert homes == [("KRAJAN", None, None)]
