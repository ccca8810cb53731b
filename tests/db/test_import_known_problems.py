"""Problems the stored data already had are told apart from the file's new ones
(issue 12): a fresh export of the village, imported again, shows no new problem."""

from __future__ import annotations

import shutil
from datetime import date

from puskesos.services import open_services
from puskesos.services.excel_export import export_registry
from puskesos.services.imports import run_import

from tests.conftest import ADMIN, OPERATOR
from tests.db.test_import_matching_rules import BUDI, SLAMET, load, person
from tests.helpers import copy_village


def test_a_fresh_export_imported_again_shows_no_new_problem(demo_db, tmp_path):
    """The demo village holds a person without NIK, a NIK whose date disagrees with the
    birth date, and one NIK given to two people: the export carries them, and the
    import lists them as known, not as problems of the file."""
    copy_village(demo_db, tmp_path / "desa.sqlite")
    services = open_services(str(tmp_path / "desa.sqlite"))
    try:
        out = tmp_path / "ekspor.xlsx"
        export_registry(services, actor=ADMIN, path=out)
        report = run_import(services, actor=OPERATOR, path=out, dry_run=True)
    finally:
        services.close()
    assert (report.created, report.updated, report.conflicts) == (0, 0, 0)
    kinds = {i.kind for i in report.issues}
    assert kinds == {"rejected", "warning", "duplicate"}
    assert all(i.known for i in report.issues) and report.known == len(report.issues)
    assert "ditandai sudah dikenal" in report.known_note()


def test_a_new_problem_in_the_file_is_not_called_known(services, tmp_path):
    load(services, tmp_path, [SLAMET, BUDI], "a.xlsx")
    newborn = person("BAYI BARU", None, date(2026, 1, 2))        # no NIK, not registered
    again = list(SLAMET)                                            # SLAMET's NIK twice
    again[3], again[5] = "ORANG LAIN", date(1980, 1, 1)
    warned = list(SLAMET)
    warned[5] = date(1970, 1, 3)             # a birth date the NIK does not give: new
    report = load(services, tmp_path, [tuple(warned), newborn, tuple(again)], "b.xlsx")
    assert {i.kind: i.known for i in report.issues} == {
        "warning": False, "rejected": False, "duplicate": False}
    assert report.known == 0 and report.known_note() == ""


def test_a_person_registered_without_nik_listed_again_without_it_is_known(
        services, tmp_path):
    child = person("ANAK TANPA NIK", None, date(2019, 3, 4))
    load(services, tmp_path, [SLAMET], "a.xlsx")
    with services.db.write() as s:           # registered by hand without a NIK
        from puskesos.models import Member
        from sqlalchemy import select
        head = s.scalars(select(Member).where(Member.nik == SLAMET[2])).one()
        s.add(Member(household_id=head.household_id, nik=None, name="ANAK TANPA NIK",
                     sex="L", relationship_code="3", presence="1"))
    report = load(services, tmp_path, [SLAMET, child], "b.xlsx")
    [issue] = report.issues
    assert issue.kind == "rejected" and issue.known


def test_known_problems_are_found_by_their_code_whatever_the_language(
        demo_db, tmp_path, monkeypatch):
    """A row without NIK is recognised as known by the case's code, not by the words of
    its message: the language changing while the file is read (the window's language
    set meanwhile) leaves every known problem known."""
    from puskesos import i18n
    from puskesos.services.imports import rows as import_rows
    copy_village(demo_db, tmp_path / "desa.sqlite")
    services = open_services(str(tmp_path / "desa.sqlite"))
    real_block = import_rows.Normaliser.block

    def block_in_english(self, *args, **kwargs):
        i18n.set_language("en")
        return real_block(self, *args, **kwargs)

    try:
        out = tmp_path / "ekspor.xlsx"
        export_registry(services, actor=ADMIN, path=out)
        monkeypatch.setattr(import_rows.Normaliser, "block", block_in_english)
        report = run_import(services, actor=OPERATOR, path=out, dry_run=True)
    finally:
        i18n.set_language("id")
        services.close()
    rejected = [i for i in report.issues if i.kind == "rejected"]
    assert rejected and "has no NIK" in rejected[0].reason   # in the new language
    assert all(i.known for i in report.issues), [i for i in report.issues if not i.known]
    assert all(i.code == import_rows.NO_NIK for i in rejected)
