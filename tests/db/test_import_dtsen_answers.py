"""The DTSEN answers in files (issue 12 point 10): an export carries every member's
and household's answers in words; an import reads them by code or by words from
columns headed by label, "R428a" or a DTSEN variable name, stores them, reports an
answer a question does not take (keeping what was stored), tells rows of one family
that disagree, changes nothing the second time, and an undo takes the answers back."""

from __future__ import annotations

from dataclasses import replace

import openpyxl
import pytest

from puskesos.services import open_services
from puskesos.services.excel_export import export_registry
from puskesos.services.imports import run_import, undo_last_import

from tests.conftest import ADMIN, OPERATOR, VILLAGE
from tests.db.test_excel_import import HEADER, PEOPLE, dump, write_xlsx
from tests.db.test_dtsen_questions import ANSWERS, HOUSEHOLD_ANSWERS
from tests.helpers import family


def _with_columns(path, header, rows):
    """PEOPLE with extra columns (one value per person, in order)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER + header)
    for i, (person, extra) in enumerate(zip(PEOPLE, rows), 1):
        ws.append([i, *person, *extra])
    wb.save(path)
    return path


def _member(services, name):
    rows, _ = services.households.search(actor=ADMIN, limit=50)
    for r in rows:
        dto = services.households.get(actor=ADMIN, household_id=r.id)
        for m in dto.members:
            if m.name == name:
                return dto, m
    raise AssertionError(name)


@pytest.fixture
def other_village(tmp_path):
    svc = open_services(str(tmp_path / "lain.sqlite"), create=True)
    svc.settings.init_village(actor=ADMIN, village_code=VILLAGE)
    yield svc
    svc.close()


def test_an_export_with_answers_imports_into_another_village_unchanged(
        services, other_village, tmp_path):
    house, people = family()
    people[0] = replace(people[0], **ANSWERS)
    services.households.save(actor=OPERATOR, household=replace(house, **HOUSEHOLD_ANSWERS),
                             members=people)
    out = tmp_path / "ekspor.xlsx"
    export_registry(services, actor=ADMIN, path=out)
    report = run_import(other_village, actor=OPERATOR, path=out)
    assert (report.created, report.rejected, report.warnings) == (3, 0, 0)
    dto, head = _member(other_village, "SUPARMAN")
    assert {f: getattr(head, f) for f in ANSWERS} == ANSWERS
    assert {f: getattr(dto.data, f) for f in HOUSEHOLD_ANSWERS} == HOUSEHOLD_ANSWERS
    # the same file again changes nothing
    again = run_import(other_village, actor=OPERATOR, path=out)
    assert (again.created, again.updated) == (0, 0)


def test_answers_are_read_from_codes_words_and_dtsen_variable_names(services, tmp_path):
    path = _with_columns(tmp_path / "dtsen.xlsx",
                         ["id_penglihatan", "R411", "Akses internet (505)",
                          "Kelas tertinggi yang pernah diduduki"],
                         [[2, "Akta kelahiran, KTP", "3", 6],
                          ["Tidak mengalami kesulitan", 4, "Ya, paket data HP", None],
                          [None, None, 3, "8"],
                          [1, "0", "Tidak", 3.0]])
    report = run_import(services, actor=OPERATOR, path=path)
    assert (report.created, report.warnings) == (4, 0), report.issues
    dto, slamet = _member(services, "SLAMET RIYADI")
    assert (slamet.difficulty_seeing, slamet.documents, slamet.highest_grade) == ("2", "5", 6)
    assert dto.data.internet == "3"
    _dto, siti = _member(services, "SITI ROMLAH")
    assert (siti.difficulty_seeing, siti.documents, siti.highest_grade) == ("4", "4", None)
    dto, poniyem = _member(services, "PONIYEM")
    assert (poniyem.difficulty_seeing, poniyem.documents, poniyem.highest_grade) == (
        "1", "0", 3)
    assert dto.data.internet == "0"


def test_an_answer_the_question_does_not_take_is_reported_and_the_stored_one_kept(
        services, tmp_path):
    header = ["Kesulitan melihat (428a)"]
    run_import(services, actor=OPERATOR,
               path=_with_columns(tmp_path / "a.xlsx", header, [[2], [4], [4], [4]]))
    report = run_import(services, actor=OPERATOR,
                        path=_with_columns(tmp_path / "b.xlsx", header,
                                           [["buta"], [4], [4], [4]]))
    assert report.warnings == 1 and report.updated == 0
    text = report.issues[0].reason
    assert "Kesulitan melihat" in text and "buta" in text and "tidak diimpor" in text
    _dto, slamet = _member(services, "SLAMET RIYADI")
    assert slamet.difficulty_seeing == "2"


def test_rows_of_one_family_that_disagree_on_an_answer_are_told_and_decide_nothing(
        services, tmp_path):
    header = ["Rekening aktif (506)"]
    report = run_import(services, actor=OPERATOR, path=_with_columns(
        tmp_path / "a.xlsx", header, [["Tidak"], ["Ya, pribadi"], [None], ["Tidak"]]))
    told = [i.reason for i in report.issues]
    assert len(told) == 1 and "Rekening aktif Tidak (baris 2) dan Ya, pribadi (baris ini)" \
        in told[0], told
    dto, _m = _member(services, "SLAMET RIYADI")
    assert dto.data.bank_account is None          # the file disagrees: left empty
    dto, _m = _member(services, "PONIYEM")
    assert dto.data.bank_account == "4"


def test_an_update_of_answers_is_listed_and_undone(services, tmp_path):
    header = ["Kesulitan berjalan atau naik tangga (428c)", "Jaminan kesehatan (431a)"]
    run_import(services, actor=OPERATOR,
               path=_with_columns(tmp_path / "a.xlsx", header, [[4, 1]] * 4))
    before = dump(services)
    report = run_import(services, actor=OPERATOR, path=_with_columns(
        tmp_path / "b.xlsx", header, [[2, "PBI JKN, JKN mandiri"], [4, 1], [4, 1], [4, 1]]))
    assert (report.created, report.updated) == (0, 1)
    _dto, slamet = _member(services, "SLAMET RIYADI")
    assert (slamet.difficulty_walking, slamet.health_insurance) == ("2", "3")
    undo_last_import(services, actor=OPERATOR)
    after = dump(services)
    columns = {t: [r for r in rows] for t, rows in after.items()}
    _dto, slamet = _member(services, "SLAMET RIYADI")
    assert (slamet.difficulty_walking, slamet.health_insurance) == ("4", "1")
    assert len(columns["member"]) == len(before["member"])
