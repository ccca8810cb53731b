"""The import's matching and undo as the operator sees them in the preview and the
result: who is new, who is updated, what is a conflict, and what an undo puts back.

Real xlsx files, real databases; the import service is called directly.
"""

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select

from puskesos.core.identifiers import make_kk
from puskesos.errors import InvalidInput, NotFound, UserError
from puskesos.i18n import _
from puskesos.models import ImportBatch, ImportChange, Member
from puskesos.services.imports import FieldChange, last_batch, run_import, undo_last_import
from puskesos.services.imports import run as import_run
from puskesos.services.registry import HouseholdFilter

from tests.conftest import ADMIN, OPERATOR
from tests.db.test_excel_import import HEADER, KEC, KK1, KK2, nik, write_xlsx

PLACEHOLDER = "9999999999999995"     # DTSEN: no NIK, under 17
KK3 = make_kk(kecamatan_code=KEC, recorded=date(2019, 2, 3), serial=13)
FIRST_LINE = 5          # write_xlsx: three title lines and the header above the data


def person(name, number, born, sex="L", rel="ANAK", *, kk=KK1, dtsen="D001",
           address="JL. MANGGA 1", dusun="KRAJAN", rt=1, rw=2, desil=2, extra=()):
    """One row in HEADER order (after NO), plus ``extra`` cells for added columns."""
    return (dtsen, kk, number, name, sex, born, rel, address, dusun, rt, rw, desil, *extra)


SLAMET = person("SLAMET RIYADI", nik(date(1970, 1, 2), "L", 1), date(1970, 1, 2),
                rel="KEPALA KELUARGA")
BUDI = person("BUDI SANTOSO", PLACEHOLDER, date(2015, 4, 5))      # a child without a NIK
BUDI_NIK = nik(date(2015, 4, 5), "L", 5)                          # the NIK he gets later
PONIYEM = person("PONIYEM", nik(date(1960, 7, 8), "P", 4), date(1960, 7, 8), "P",
                 "KEPALA KELUARGA", kk=KK2, dtsen="D002", address="JL. JERUK 9",
                 dusun="NGASINAN", rt=3, rw=1, desil=1)
SARI = person("SARI DEWI", nik(date(1980, 9, 10), "P", 6), date(1980, 9, 10), "P",
              "KEPALA KELUARGA", kk=KK3, dtsen="D003", address="JL. SALAK 4", dusun="KRAJAN",
              rt=2, rw=2, desil=3)

BNBA_HEADER = ["NO", "NIK", "NOMOR KK", "NAMA LENGKAP", "TGL LAHIR"]


def load(services, tmp_path, rows, name="data.xlsx", **options):
    return run_import(services, actor=OPERATOR, path=write_xlsx(tmp_path / name, rows),
                      **options)


def bnba(services, tmp_path, rows, program, period="2026-Q3", name="bnba.xlsx"):
    path = write_xlsx(tmp_path / name, rows, header=BNBA_HEADER, total=False)
    return run_import(services, actor=OPERATOR, path=path, program=program, period=period)


def household(services, text):
    """The one registered household found by ``text``, as the household window shows it."""
    rows, total = services.households.search(actor=OPERATOR, filter=HouseholdFilter(text=text))
    assert total == 1, (text, total)
    return services.households.get(actor=OPERATOR, household_id=rows[0].id)


def found(services, text) -> int:
    return services.households.search(actor=OPERATOR, filter=HouseholdFilter(text=text))[1]


def member(services, text, name):
    [m] = [m for m in household(services, text).members if m.name == name]
    return m


def counts(report):
    return (report.created, report.updated, report.unchanged, report.conflicts)


# ---------------------------------------------------------------- who is who
def test_a_placeholder_nik_with_the_stored_name_and_birth_date_is_that_person(
        services, tmp_path):
    """A child without a NIK (99999999999999xx) listed again with the same name and birth
    date in the same KK is the child already registered: nothing new, nothing changed."""
    load(services, tmp_path, [BUDI, SLAMET, PONIYEM], "a.xlsx")
    again = load(services, tmp_path, [BUDI, SLAMET, PONIYEM], "b.xlsx")
    assert counts(again) == (0, 0, 3, 0)
    assert len(household(services, "slamet").members) == 2


def test_a_placeholder_row_without_birth_date_is_the_child_of_that_name(services, tmp_path):
    load(services, tmp_path, [BUDI, SLAMET], "a.xlsx")
    undated = list(BUDI)
    undated[5] = None
    report = load(services, tmp_path, [undated], "b.xlsx")
    assert counts(report) == (0, 0, 1, 0)
    assert member(services, "slamet", "BUDI SANTOSO").birth_date == date(2015, 4, 5)


def test_the_same_name_born_on_another_day_is_another_person(services, tmp_path):
    load(services, tmp_path, [BUDI, SLAMET], "a.xlsx")
    other = person("BUDI SANTOSO", PLACEHOLDER, date(2017, 8, 9))
    report = load(services, tmp_path, [other], "b.xlsx")
    assert counts(report) == (1, 0, 0, 0)
    births = sorted(m.birth_date for m in household(services, "slamet").members
                    if m.name == "BUDI SANTOSO")
    assert births == [date(2015, 4, 5), date(2017, 8, 9)]


def test_a_name_spelled_nearly_alike_is_the_same_child_and_the_name_is_corrected(
        services, tmp_path):
    """'DEWI RAHAYU NINGTYASA' for the stored 'DEWI RAHAYU NINGSIH' (alike at exactly the
    matching threshold, 85 %), same KK and birth date, no NIK: the same child, whose name
    the preview lists as the one change."""
    from puskesos.services.imports.matching import NAME_MATCH, similar
    assert similar("DEWI RAHAYU NINGSIH", "DEWI RAHAYU NINGTYASA") == NAME_MATCH
    dewi = person("DEWI RAHAYU NINGSIH", "9999999999999995", date(2012, 3, 4), "P")
    load(services, tmp_path, [dewi, SLAMET], "a.xlsx")
    renamed = person("DEWI RAHAYU NINGTYASA", "9999999999999995", date(2012, 3, 4), "P")
    report = load(services, tmp_path, [renamed], "b.xlsx")
    assert counts(report) == (0, 1, 0, 0)
    assert report.changes == [FieldChange(FIRST_LINE, "member", "DEWI RAHAYU NINGSIH", "name",
                                          "DEWI RAHAYU NINGSIH", "DEWI RAHAYU NINGTYASA")]
    names = sorted(m.name for m in household(services, "slamet").members)
    assert names == ["DEWI RAHAYU NINGTYASA", "SLAMET RIYADI"]


def test_the_real_nik_of_a_child_registered_without_one_fills_it_in(services, tmp_path):
    """The child registered with a placeholder NIK appears in a later file with the NIK
    he was given (same KK, name and birth date): his record gets the NIK, no second
    child is made, and the preview shows the NIK as the change."""
    load(services, tmp_path, [SLAMET, BUDI], "a.xlsx")
    with_nik = list(BUDI)
    with_nik[2] = BUDI_NIK
    report = load(services, tmp_path, [with_nik], "b.xlsx")
    assert counts(report) == (0, 1, 0, 0)
    assert report.changes == [FieldChange(FIRST_LINE, "member", "BUDI SANTOSO", "nik",
                                          PLACEHOLDER, BUDI_NIK)]
    family = household(services, "slamet")
    assert sorted((m.name, m.nik) for m in family.members) == [
        ("BUDI SANTOSO", BUDI_NIK), ("SLAMET RIYADI", SLAMET[2])]
    assert found(services, BUDI_NIK) == 1          # found by his new NIK


def test_a_twin_with_a_real_nik_is_never_taken_for_the_row_of_another_nik(services, tmp_path):
    """Twins share a KK, a birth day and nearly a name: a row with a NIK of its own is
    not the registered twin with another real NIK, even in a family where a member still
    lacks a NIK. It is a new member, and the twin keeps her NIK."""
    born = date(2010, 6, 7)
    rina = person("RINA WULANDARI", nik(born, "P", 7), born, "P")
    load(services, tmp_path, [SLAMET, rina, BUDI], "a.xlsx")
    twin = person("RINA WULANDARI", nik(born, "P", 8), born, "P")
    report = load(services, tmp_path, [twin], "b.xlsx")
    assert counts(report) == (1, 0, 0, 0)
    niks = sorted(m.nik for m in household(services, "slamet").members
                  if m.name == "RINA WULANDARI")
    assert niks == sorted([rina[2], twin[2]])


def test_a_placeholder_row_is_the_registered_person_with_a_real_nik(services, tmp_path):
    """A list that gives a placeholder NIK for someone registered with a real one (same
    KK, name and birth date) means that person; no NIK-less double is made."""
    agus = person("AGUS SALIM", nik(date(2001, 5, 6), "L", 3), date(2001, 5, 6))
    load(services, tmp_path, [SLAMET, agus], "a.xlsx")
    report = load(services, tmp_path,
                  [person("AGUS SALIM", "9999999999999996", date(2001, 5, 6))], "b.xlsx")
    assert counts(report) == (0, 0, 1, 0)
    assert member(services, "slamet", "AGUS SALIM").nik == agus[2]


def test_a_child_listed_without_nik_and_again_with_it_in_one_file_is_one_person(
        services, tmp_path):
    """One file lists a new family's child without a NIK and further down with the NIK
    she got: one child, with that NIK."""
    ayu_born = date(2016, 2, 3)
    ayu = person("AYU LESTARI", PLACEHOLDER, ayu_born, "P", kk=KK3, dtsen="D003",
                 address="JL. SALAK 4")
    ayu_nik = person("AYU LESTARI", nik(ayu_born, "P", 9), ayu_born, "P", kk=KK3,
                     dtsen="D003", address="JL. SALAK 4")
    report = load(services, tmp_path, [ayu, SARI, ayu_nik])
    assert (report.created, report.updated, report.created_households) == (2, 1, 1)
    assert sorted((m.name, m.nik) for m in household(services, "salak").members) == [
        ("AYU LESTARI", ayu_nik[2]), ("SARI DEWI", SARI[2])]


PRESENCE_HEADER = [*HEADER, "STATUS KEBERADAAN"]


def test_a_person_without_nik_listed_twice_in_one_file_is_stored_once(services, tmp_path):
    """The same child without a NIK on two rows (once with blank sex and presence, once
    with them filled in as the registry fills blanks: L, living with the family): one
    child is created and the second row changes nothing."""
    first = person("BAYU AJI", PLACEHOLDER, date(2018, 1, 1), None, extra=(None,))
    second = person("BAYU AJI", PLACEHOLDER, date(2018, 1, 1), "L",
                    extra=("Tinggal bersama keluarga",))
    head = (*SLAMET, "Tinggal bersama keluarga")
    path = write_xlsx(tmp_path / "twice.xlsx", [first, head, second], header=PRESENCE_HEADER)
    report = run_import(services, actor=OPERATOR, path=path)
    assert counts(report) == (2, 0, 1, 0)
    bayu = member(services, "slamet", "BAYU AJI")
    assert (bayu.sex, bayu.presence) == ("L", "1")


def test_people_of_a_removed_family_are_not_imported_a_second_time(services, tmp_path):
    load(services, tmp_path, [SLAMET, PONIYEM], "a.xlsx")
    services.households.remove(actor=OPERATOR, household_id=household(services, "poniyem").id,
                               reason="pindah desa")
    report = load(services, tmp_path, [PONIYEM, SLAMET], "b.xlsx")
    assert counts(report) == (0, 0, 2, 0) and report.created_households == 0
    assert found(services, "poniyem") == 0


# ---------------------------------------------------------------- conflicts
def test_conflicting_rows_are_each_counted_and_shown_and_the_rest_still_imports(
        services, tmp_path):
    """Two rows whose NIK is registered under a quite different name: two conflicts,
    each naming the NIK and both names and showing the row's cells; the rows after them
    are imported as usual."""
    load(services, tmp_path, [SLAMET, BUDI, PONIYEM], "a.xlsx")
    wrong1 = list(PONIYEM)
    wrong1[3] = "BAMBANG SUTRISNO"
    wrong2 = list(SLAMET)
    wrong2[3] = "JOKO WIDODO"
    moved = list(BUDI)
    moved[7] = "JL. MANGGA 7"
    report = load(services, tmp_path, [wrong1, wrong2, moved], "b.xlsx")
    assert counts(report) == (0, 1, 0, 2)
    issues = [(i.line, i.kind) for i in report.issues]
    assert issues == [(FIRST_LINE, "conflict"), (FIRST_LINE + 1, "conflict")]
    template = _("NIK {nik} belongs to {stored} in the registry but to {name} in the file. "
                 "Check which is right.")
    assert report.issues[0].reason == template.format(nik=PONIYEM[2], stored="PONIYEM",
                                                      name="BAMBANG SUTRISNO")
    assert report.issues[1].reason == template.format(nik=SLAMET[2], stored="SLAMET RIYADI",
                                                      name="JOKO WIDODO")
    assert PONIYEM[2] in report.issues[0].cells
    assert "BAMBANG SUTRISNO" in report.issues[0].cells
    assert household(services, "slamet").data.address == "JL. MANGGA 7"
    assert member(services, "poniyem", "PONIYEM").name == "PONIYEM"


def test_a_name_half_alike_is_still_a_correction_below_that_a_conflict(services, tmp_path):
    """The registry has 'SITI', the file the full name 'SITI MARFUAH' (alike at exactly
    the conflict threshold, 50 %): a name completed, not another person."""
    from puskesos.services.imports.matching import NAME_CONFLICT, similar
    assert similar("SITI", "SITI MARFUAH") == NAME_CONFLICT
    siti = person("SITI", nik(date(1975, 2, 2), "P", 21), date(1975, 2, 2), "P", "ISTRI")
    load(services, tmp_path, [SLAMET, siti], "a.xlsx")
    full = list(siti)
    full[3] = "SITI MARFUAH"
    report = load(services, tmp_path, [full], "b.xlsx")
    assert counts(report) == (0, 1, 0, 0)
    assert member(services, "slamet", "SITI MARFUAH").nik == siti[2]


def test_a_person_put_in_another_registered_family_is_a_conflict_naming_both_kks(
        services, tmp_path):
    load(services, tmp_path, [SLAMET, PONIYEM], "a.xlsx")
    moved = list(SLAMET)
    moved[0], moved[1] = "D002", KK2
    fix = list(PONIYEM)
    fix[7] = "JL. JERUK 10"
    report = load(services, tmp_path, [moved, fix], "b.xlsx")
    assert counts(report) == (0, 1, 0, 1)
    [issue] = report.issues
    assert (issue.line, issue.kind) == (FIRST_LINE, "conflict")
    assert issue.reason == _(
        "The file puts NIK {nik} in KK {kk}, but the registry has this person in KK "
        "{stored}. Check the family and move the member by hand if it is right.").format(
            nik=SLAMET[2], kk=KK2, stored=KK1)
    assert household(services, "slamet").data.no_kk == KK1
    assert household(services, "poniyem").data.address == "JL. JERUK 10"


NEW_IDENTITY = _("The file gives {field} {new} for {name}, but the family is registered "
                 "under {old}. A new KK (pecah KK, moving) is recorded by hand in the "
                 "household form.")


def test_a_new_kk_for_a_registered_person_is_a_conflict_naming_old_and_new(
        services, tmp_path):
    load(services, tmp_path, [SLAMET, PONIYEM], "a.xlsx")
    new_kk = make_kk(kecamatan_code=KEC, recorded=date(2025, 3, 3), serial=55)
    split = list(SLAMET)
    split[1] = new_kk
    report = load(services, tmp_path, [split, PONIYEM], "b.xlsx")
    assert counts(report) == (0, 0, 1, 1)
    [issue] = report.issues
    assert issue.reason == NEW_IDENTITY.format(field="No KK", new=new_kk,
                                               name="SLAMET RIYADI", old=KK1)


def test_a_new_dtsen_id_for_a_registered_family_is_a_conflict_naming_old_and_new(
        services, tmp_path):
    load(services, tmp_path, [SLAMET, PONIYEM], "a.xlsx")
    relisted = list(PONIYEM)
    relisted[0] = "D777"
    report = load(services, tmp_path, [relisted], "b.xlsx")
    assert counts(report) == (0, 0, 0, 1)
    [issue] = report.issues
    assert issue.reason == NEW_IDENTITY.format(field="ID DTSEN", new="D777",
                                               name="PONIYEM", old="D002")
    assert household(services, "poniyem").data.dtsen_id == "D002"


# ---------------------------------------------------------------- updates
def test_an_update_is_one_new_version_of_each_record_and_lists_its_changes(
        services, tmp_path):
    """A file that corrects a birth date and a family's address: both records are stored
    with the new values as one new version each (a form opened before the import is
    refused), with a new time of change, and the preview lists each field once."""
    load(services, tmp_path, [SLAMET, PONIYEM], "a.xlsx")
    before = household(services, "poniyem")
    head_before = before.members[0]
    fixed = list(PONIYEM)
    fixed[7] = "JL. JERUK 10"
    changed = person("PONIYEM", PONIYEM[2], date(1960, 7, 18), "P", "KEPALA KELUARGA",
                     kk=KK2, dtsen="D002", address="JL. JERUK 10", dusun="NGASINAN",
                     rt=3, rw=1, desil=1)
    report = load(services, tmp_path, [SLAMET, changed], "b.xlsx")
    assert counts(report) == (0, 1, 1, 0)
    assert sorted((c.line, c.entity, c.name, c.field, c.old, c.new)
                  for c in report.changes) == [
        (FIRST_LINE + 1, "household", KK2, "address", "JL. JERUK 9", "JL. JERUK 10"),
        (FIRST_LINE + 1, "member", "PONIYEM", "birth_date", "1960-07-08", "1960-07-18")]
    after = household(services, "poniyem")
    assert after.data.address == "JL. JERUK 10"
    assert after.members[0].birth_date == date(1960, 7, 18)
    assert after.version == before.version + 1
    assert after.members[0].version == head_before.version + 1
    assert after.updated_at > before.updated_at
    with services.db.read() as s:
        stamps = dict(s.execute(select(Member.id, Member.updated_at)).all())
    assert stamps[after.members[0].id] > before.updated_at
    assert found(services, "jeruk 10") == 1 and found(services, "jeruk 9") == 0


def test_a_new_desil_gets_the_period_of_the_import(services, tmp_path):
    load(services, tmp_path, [PONIYEM], "a.xlsx", period="2026-Q1")
    assert household(services, "poniyem").desil_period == "2026-Q1"
    moved_up = list(PONIYEM)
    moved_up[11] = 4
    address_only = list(SLAMET)
    report = load(services, tmp_path, [moved_up, address_only], "b.xlsx", period="2026-Q3")
    assert report.updated == 1
    h = household(services, "poniyem")
    assert (h.desil, h.desil_period) == (4, "2026-Q3")
    # a change of another field keeps the period the desil was given in
    readdressed = list(moved_up)
    readdressed[7] = "JL. JERUK 11"
    load(services, tmp_path, [readdressed], "c.xlsx", period="2027-Q1")
    h = household(services, "poniyem")
    assert (h.desil, h.desil_period, h.data.address) == (4, "2026-Q3", "JL. JERUK 11")
    undo_last_import(services, actor=OPERATOR)
    undo_last_import(services, actor=OPERATOR)
    h = household(services, "poniyem")
    assert (h.desil, h.desil_period, h.data.address) == (1, "2026-Q1", "JL. JERUK 9")


def test_the_import_journal_keeps_old_and_new_values_of_each_update(services, tmp_path):
    load(services, tmp_path, [PONIYEM], "a.xlsx")
    changed = list(PONIYEM)
    changed[3] = "PONIYEM SUTARJO"
    changed[8] = "KRAJAN"
    report = load(services, tmp_path, [changed], "b.xlsx")
    hid = household(services, "poniyem").id
    mid = member(services, "poniyem", "PONIYEM SUTARJO").id
    with services.db.read() as s:
        journal = sorted((c.entity, c.entity_id, c.op, c.before, c.after) for c in s.scalars(
            select(ImportChange).where(ImportChange.batch_id == report.batch_id)))
    assert journal == [
        ("household", hid, "update", {"dusun": "NGASINAN"}, {"dusun": "KRAJAN"}),
        ("member", mid, "update", {"name": "PONIYEM"}, {"name": "PONIYEM SUTARJO"})]


# ---------------------------------------------------------------- recipient lists
def test_a_child_without_nik_on_a_recipient_list_is_found_by_kk_name_and_birth_date(
        services, tmp_path):
    """PIP is registered to the pupil: a list row with a placeholder NIK, the KK and the
    child's name and birth date puts that child (not only the family) in the program;
    the same list again adds nothing."""
    load(services, tmp_path, [SLAMET, BUDI, PONIYEM], "a.xlsx")
    rows = [(PLACEHOLDER, KK1, "BUDI SANTOSO", date(2015, 4, 5))]
    report = bnba(services, tmp_path, rows, "PIP")
    assert (report.created, report.rejected) == (1, 0)
    family = household(services, "slamet")
    budi = [m for m in family.members if m.name == "BUDI SANTOSO"][0]
    assert [(p.program_code, p.member_id, p.period) for p in family.programs] == [
        ("PIP", budi.id, "2026-Q3")]
    again = bnba(services, tmp_path, rows, "PIP", name="again.xlsx")
    assert (again.created, again.unchanged) == (0, 1)


def test_a_recipient_row_with_the_new_nik_of_a_child_registered_without_one(
        services, tmp_path):
    load(services, tmp_path, [SLAMET, BUDI], "a.xlsx")
    report = bnba(services, tmp_path, [(BUDI_NIK, KK1, "BUDI SANTOSO", date(2015, 4, 5))],
                  "PIP")
    assert (report.created, report.rejected) == (1, 0)
    family = household(services, "slamet")
    budi = [m for m in family.members if m.name == "BUDI SANTOSO"][0]
    assert [p.member_id for p in family.programs] == [budi.id]


def test_a_recipient_list_counts_families_once_and_reports_strangers(services, tmp_path):
    """PKH is registered to the family: husband and wife on the list are one
    participation; NIKs not in the registry are kept as recipients and reported one by
    one (a warning with the NIK, the name and the row's cells), never dropped, and the
    rows after them still count."""
    siti = person("SITI ROMLAH", nik(date(1974, 3, 4), "P", 2), date(1974, 3, 4), "P",
                  "ISTRI")
    load(services, tmp_path, [SLAMET, siti, PONIYEM], "a.xlsx")
    stranger1, stranger2 = nik(date(1999, 9, 9), "L", 77), nik(date(1998, 8, 8), "P", 78)
    rows = [(stranger1, None, "ORANG LUAR", None), (stranger2, None, "TAMU DESA", None),
            (SLAMET[2], KK1, "SLAMET RIYADI", None), (siti[2], KK1, "SITI ROMLAH", None)]
    report = bnba(services, tmp_path, rows, "PKH")
    assert (report.created, report.unchanged, report.rejected, report.warnings) == \
        (1, 1, 0, 2)
    reason = _("NIK {nik} ({name}) is not in the village registry: kept as a recipient "
               "of {program} and flagged under Program & Sasaran until the family is "
               "registered (or the NIK corrected).")
    assert [(i.line, i.kind, i.reason) for i in report.issues] == [
        (FIRST_LINE, "warning", reason.format(nik=stranger1, name="ORANG LUAR",
                                              program="PKH")),
        (FIRST_LINE + 1, "warning", reason.format(nik=stranger2, name="TAMU DESA",
                                                  program="PKH"))]
    assert {f.nik for f in services.targeting.flags(actor=ADMIN, kind="not_in_registry")} \
        == {stranger1, stranger2}
    assert stranger1 in report.issues[0].cells and "ORANG LUAR" in report.issues[0].cells
    assert [(p.program_code, p.member_id) for p in household(services, "slamet").programs] \
        == [("PKH", None)]


def test_a_family_in_another_program_or_period_is_added_to_this_one(services, tmp_path):
    load(services, tmp_path, [SLAMET, PONIYEM], "a.xlsx")
    hid = household(services, "slamet").id
    services.programs.add_participation(actor=OPERATOR, household_id=hid,
                                        program_code="BPNT", period="2026-Q3")
    services.programs.add_participation(actor=OPERATOR, household_id=hid,
                                        program_code="PKH", period="2026-Q2")
    report = bnba(services, tmp_path, [(SLAMET[2], KK1, "SLAMET RIYADI", None)], "PKH")
    assert (report.created, report.unchanged) == (1, 0)
    assert sorted((p.program_code, p.period) for p in household(services, "slamet").programs) \
        == [("BPNT", "2026-Q3"), ("PKH", "2026-Q2"), ("PKH", "2026-Q3")]


# ---------------------------------------------------------------- undo
def _snapshot(services):
    """Every household and member as the household window shows them (without the
    version counters and times an undo moves on)."""
    rows, _total = services.households.search(actor=OPERATOR, filter=HouseholdFilter())
    out = {}
    for r in rows:
        h = services.households.get(actor=OPERATOR, household_id=r.id)
        out[h.id] = (h.data, h.desil, h.desil_period,
                     sorted((m.id, replace(m, version=0)) for m in h.members),
                     sorted((p.program_code, p.member_id, p.period) for p in h.programs))
    return out


def test_undo_removes_what_the_import_created_and_restores_what_it_changed(
        services, tmp_path):
    """The second file renames a head, gives the NIK-less child his NIK, corrects a birth
    date, moves a family, raises its desil, adds a member to a registered family and
    brings a new family. Undone: the registry is as before, each restored record one
    version further, and the search finds the old names and addresses, not the new."""
    load(services, tmp_path, [SLAMET, BUDI, PONIYEM], "a.xlsx", period="2026-Q1")
    before = _snapshot(services)
    versions = {m.id: m.version for h in (household(services, "slamet"),
                                          household(services, "poniyem"))
                for m in h.members}
    versions.update({h.id: h.version for h in (household(services, "slamet"),
                                               household(services, "poniyem"))})
    renamed = list(SLAMET)
    renamed[3] = "SLAMET RIYADI SE"
    renamed[7] = "JL. DURIAN 2"
    renamed[11] = 5
    budi = list(BUDI)
    budi[2] = BUDI_NIK
    budi[7], budi[11] = renamed[7], renamed[11]     # the family's new address and desil
    poniyem = list(PONIYEM)
    poniyem[5] = date(1960, 7, 18)
    cucu = person("CUCU PONIYEM", PLACEHOLDER, date(2019, 9, 9), "P", "CUCU", kk=KK2,
                  dtsen="D002", address="JL. JERUK 9", dusun="NGASINAN", rt=3, rw=1, desil=1)
    report = load(services, tmp_path, [budi, renamed, poniyem, cucu, SARI], "b.xlsx",
                  period="2026-Q3")
    assert (report.created, report.created_households, report.updated) == (2, 1, 3)
    assert found(services, "cucu poniyem") == 1 and found(services, "durian") == 1
    undone = undo_last_import(services, actor=OPERATOR)
    assert undone.id == report.batch_id
    assert _snapshot(services) == before
    for h in (household(services, "slamet"), household(services, "poniyem")):
        assert h.version > versions[h.id]
        for m in h.members:         # changed by the import, and back by the undo
            changed = m.name in ("SLAMET RIYADI", "BUDI SANTOSO", "PONIYEM")
            assert m.version == versions[m.id] + (2 if changed else 0), m.name
    assert found(services, "slamet riyadi se") == 0 and found(services, "durian") == 0
    assert found(services, "cucu poniyem") == 0 and found(services, BUDI_NIK) == 0
    assert found(services, "sari dewi") == 0 and found(services, "mangga") == 1
    assert services.audit.verify().ok


def test_undo_restores_a_family_changed_twice_by_one_long_file(services, tmp_path,
                                                              monkeypatch):
    """A long file is written in parts; a family whose rows, in two parts, give a new
    address and desil goes back to its address and desil before the import."""
    monkeypatch.setattr(import_run, "CHUNK", 1)
    load(services, tmp_path, [SLAMET, BUDI], "a.xlsx")
    first, second = list(SLAMET), list(BUDI)
    first[7], second[7] = "JL. MANGGA 2", "JL. MANGGA 2"
    first[11], second[11] = 4, 4
    load(services, tmp_path, [first, second], "b.xlsx")
    h = household(services, "slamet")
    assert (h.data.address, h.desil) == ("JL. MANGGA 2", 4)
    undo_last_import(services, actor=OPERATOR)
    h = household(services, "slamet")
    assert (h.data.address, h.desil) == ("JL. MANGGA 1", 2)


def test_undoing_a_recipient_list_for_pupils_takes_back_each_pupil(services, tmp_path):
    load(services, tmp_path, [SLAMET, BUDI], "a.xlsx")
    agus = person("AGUS SALIM", nik(date(2008, 5, 6), "L", 3), date(2008, 5, 6))
    load(services, tmp_path, [agus], "b.xlsx")      # a registry import in between
    undo_last_import(services, actor=OPERATOR)
    bnba(services, tmp_path, [(PLACEHOLDER, KK1, "BUDI SANTOSO", date(2015, 4, 5)),
                              (SLAMET[2], KK1, "SLAMET RIYADI", None)], "PIP")
    assert len(household(services, "slamet").programs) == 2
    undo_last_import(services, actor=OPERATOR)
    assert household(services, "slamet").programs == ()


def test_undo_of_an_import_that_updated_families_entered_by_hand(services, tmp_path):
    """Families entered by hand, and edits made before the import, do not stand in the
    way of undoing it; an edit after the import to a family it did not touch does not
    either."""
    from tests.helpers import family
    house, people = family()
    services.households.save(actor=OPERATOR, household=house, members=people)
    load(services, tmp_path, [PONIYEM, SARI], "a.xlsx")
    poniyem = household(services, "poniyem")
    services.households.set_desil(actor=OPERATOR, household_id=poniyem.id, desil=3,
                                  period="2026-Q2", reason="musdes")
    hand = household(services, "suparman")
    head = hand.members[0]
    update = person(head.name, head.nik, head.birth_date, "L", "KEPALA KELUARGA",
                    kk=hand.data.no_kk, dtsen=None, address="JL. MELATI 5", dusun="KRAJAN",
                    rt=2, rw=1, desil=None)
    moved = list(PONIYEM)
    moved[7], moved[11] = "JL. JERUK 10", None
    report = load(services, tmp_path, [update, moved], "b.xlsx")
    assert report.updated == 2
    sari = household(services, "sari dewi")
    services.households.set_desil(actor=OPERATOR, household_id=sari.id, desil=7,
                                  period="2026-Q2", reason="musdes")
    undone = undo_last_import(services, actor=OPERATOR)
    assert undone.id == report.batch_id
    assert household(services, "suparman").data.address == "JL. MELATI 3"
    assert household(services, "poniyem").data.address == "JL. JERUK 9"


def test_undo_refused_after_later_edits_says_how_many_and_changes_nothing(
        services, tmp_path):
    load(services, tmp_path, [PONIYEM], "a.xlsx")
    h = household(services, "poniyem")
    services.households.set_desil(actor=OPERATOR, household_id=h.id, desil=3, period="2026-Q2", reason="musdes")
    services.households.remove_member(actor=OPERATOR, member_id=h.members[0].id,
                                      reason="salah input")
    with pytest.raises(UserError) as refused:
        undo_last_import(services, actor=OPERATOR)
    assert refused.value.message == _(
        "{n} records from this import were changed afterwards; undoing the import would "
        "lose those changes. Nothing was undone.").format(n=3)    # desil, its period, removal
    assert last_batch(services).status == "applied"


def test_undo_of_a_large_import_sees_a_later_edit_of_any_record(services, tmp_path):
    """The later-edit check goes through the import's records in parts of 500: an edit
    of the first record and of the 501st is each counted once."""
    rows = [person(f"WARGA {i}", nik(date(1980, 1, 1), "L", i + 1), date(1980, 1, 1),
                   rel="KEPALA KELUARGA",
                   kk=make_kk(kecamatan_code=KEC, recorded=date(2015, 1, 1), serial=i + 1),
                   dtsen=f"D{i:04d}", address=f"JL. {i}")
            for i in range(260)]
    report = load(services, tmp_path, rows, "big.xlsx")
    with services.db.read() as s:
        members = dict(s.execute(select(Member.id, Member.household_id)).all())
    ids = sorted(set(members) | set(members.values()))
    assert len(ids) == 520
    for picked in (ids[0], ids[500]):
        if picked in members:
            services.households.remove_member(actor=OPERATOR, member_id=picked, reason="uji")
        else:
            services.households.remove(actor=OPERATOR, household_id=picked, reason="uji")
    with pytest.raises(UserError) as refused:
        undo_last_import(services, actor=OPERATOR)
    assert refused.value.message.startswith("2 ")
    assert last_batch(services).id == report.batch_id


def test_undo_refused_when_a_program_was_added_to_an_imported_family(services, tmp_path):
    load(services, tmp_path, [PONIYEM], "a.xlsx")
    services.programs.add_participation(actor=OPERATOR,
                                        household_id=household(services, "poniyem").id,
                                        program_code="PKH", period="2026-Q3")
    with pytest.raises(UserError) as refused:
        undo_last_import(services, actor=OPERATOR)
    assert refused.value.message == _(
        "Records were added to families from this import afterwards (a new member or "
        "program); undoing would leave them without a family. Nothing was undone.")
    assert found(services, "poniyem") == 1


def test_only_the_last_import_can_be_undone_and_undo_is_recorded(services, tmp_path):
    with pytest.raises(NotFound) as nothing:
        undo_last_import(services, actor=OPERATOR)
    assert nothing.value.message == _("There is no import to undo.")
    assert last_batch(services) is None
    first = load(services, tmp_path, [SLAMET], "pertama.xlsx")
    second = load(services, tmp_path, [PONIYEM], "kedua.xlsx")
    latest = last_batch(services)
    assert (latest.id, latest.actor, latest.source_name, latest.kind, latest.status) == \
        (second.batch_id, "operator", "kedua.xlsx", "registry", "applied")
    assert latest.counts == second.summary() | {"batch_id": None}
    assert latest.created_at is not None
    with pytest.raises(InvalidInput) as older:
        undo_last_import(services, actor=OPERATOR, batch_id=first.batch_id)
    assert older.value.message == _("Only the most recent import can be undone.")
    undone = undo_last_import(services, actor=ADMIN, batch_id=second.batch_id)
    assert undone == replace(latest, status="undone")
    assert last_batch(services).id == first.batch_id
    with services.db.read() as s:
        batch = s.get(ImportBatch, second.batch_id)
        assert (batch.status, batch.undone_by) == ("undone", "admin")
        assert batch.undone_at is not None and batch.undone_at >= batch.created_at
    event = services.audit.recent(actor=ADMIN, limit=1)[0]
    assert (event.actor, event.action, event.entity, event.entity_id, event.field,
            event.old_value, event.new_value, event.reason) == (
        "admin", "undo_import", "import_batch", second.batch_id, "status", "applied",
        "undone", "kedua.xlsx")
    assert services.audit.verify().ok


def test_undo_takes_what_the_import_brought_out_of_the_household_search(services, tmp_path):
    """After an undo the household list finds the family by what it held before the
    import, not by a corrected name, a new address or a member the import added (one
    import and its undo for each, so that none hides another)."""
    load(services, tmp_path, [SLAMET, BUDI], "a.xlsx")
    corrected = list(BUDI)
    corrected[3] = "BUDI SANTOSA"                       # the child's name corrected
    load(services, tmp_path, [corrected], "b.xlsx")
    assert found(services, "budi santosa") == 1 and found(services, "budi santoso") == 0
    undo_last_import(services, actor=OPERATOR)
    assert found(services, "budi santosa") == 0 and found(services, "budi santoso") == 1

    moved = list(SLAMET)
    moved[7] = "JL. DURIAN 9"                          # the family's address changed
    load(services, tmp_path, [moved], "c.xlsx")
    assert found(services, "durian") == 1
    undo_last_import(services, actor=OPERATOR)
    assert found(services, "durian") == 0 and found(services, "mangga") == 1

    wife = person("SITI AMINAH", nik(date(1972, 3, 4), "P", 9), date(1972, 3, 4), "P", "ISTRI")
    load(services, tmp_path, [wife], "d.xlsx")          # a member added to the family
    assert found(services, "siti aminah") == 1
    undo_last_import(services, actor=OPERATOR)
    assert found(services, "siti aminah") == 0


def test_a_nik_and_no_kk_written_with_dots_or_dashes_are_imported_as_their_digits(
        services, tmp_path):
    def grouped(number: str, mark: str) -> str:
        return mark.join([number[:2], number[2:4], number[4:6], number[6:12], number[12:]])

    row = list(SLAMET)
    row[1], row[2] = grouped(KK1, "-"), grouped(SLAMET[2], ".")
    report = load(services, tmp_path, [tuple(row)])
    assert (report.created, report.rejected) == (1, 0), report.issues
    found = household(services, SLAMET[2])
    assert found.data.no_kk == KK1 and found.members[0].nik == SLAMET[2]


# -- one family, many rows: the file's values for the household (issue 12) ---------------

def _snapshot_registry(services):
    rows, _ = services.households.search(actor=OPERATOR, filter=HouseholdFilter())
    return sorted(((h.id, repr(h.data), tuple((m.nik, m.name, m.version) for m in h.members),
                    h.version, h.desil)
                   for h in (services.households.get(actor=OPERATOR, household_id=r.id)
                             for r in rows)), key=lambda t: t[0])


def test_importing_the_same_file_again_changes_nothing(services, tmp_path):
    """Even a file whose rows of one family disagree about its desil."""
    agus = person("AGUS SALIM", nik(date(2008, 5, 6), "L", 3), date(2008, 5, 6), desil=7)
    rows = [SLAMET, BUDI, agus, PONIYEM, SARI]
    path = write_xlsx(tmp_path / "dtsen.xlsx", rows)
    run_import(services, actor=OPERATOR, path=path)
    before = _snapshot_registry(services)
    again = run_import(services, actor=OPERATOR, path=path)
    assert (again.created, again.created_households, again.updated) == (0, 0, 0)
    assert again.unchanged == 5 and _snapshot_registry(services) == before


def test_rows_of_one_new_family_that_disagree_leave_the_field_empty_and_say_so(
        services, tmp_path):
    """Neither the first nor the last row decides: the desil stays empty, the member of
    the disagreeing row is imported, and the row is reported with both values."""
    agus = person("AGUS SALIM", nik(date(2008, 5, 6), "L", 3), date(2008, 5, 6), desil=7,
                  rt=4)
    report = load(services, tmp_path, [SLAMET, agus, BUDI])
    assert report.created == 3
    family = household(services, "slamet")
    assert family.desil is None and family.data.rt is None
    assert family.data.address == "JL. MANGGA 1"          # agreed by every row
    [told] = [i for i in report.issues if "disagree" in i.reason or "tidak sama" in i.reason
              or "berbeda" in i.reason]
    assert told.line == FIRST_LINE + 1 and told.kind == "warning"
    assert "2" in told.reason and "7" in told.reason and KK1 in told.reason


def test_rows_that_disagree_leave_a_registered_family_as_it_was(services, tmp_path):
    load(services, tmp_path, [SLAMET, BUDI], "a.xlsx")
    first, second = list(SLAMET), list(BUDI)
    first[7], second[7] = "JL. MANGGA 2", "JL. MANGGA 3"
    report = load(services, tmp_path, [first, second], "b.xlsx")
    assert household(services, "slamet").data.address == "JL. MANGGA 1"
    assert report.updated == 0 and report.warnings == 1


def test_a_row_empty_in_a_family_field_takes_the_value_of_the_other_rows(services, tmp_path):
    """Whichever row comes first: an empty cell disputes nothing."""
    slamet = list(SLAMET)
    slamet[11] = None
    report = load(services, tmp_path, [slamet, BUDI])
    assert household(services, "slamet").desil == 2 and report.warnings == 0


def test_a_rejected_or_duplicate_row_gives_its_family_nothing(services, tmp_path):
    wrong_nik = person("AGUS SALIM", "3523011234", date(2008, 5, 6), desil=9,
                       address="JL. SALAH 1")
    twice = list(BUDI)
    twice[2], twice[7], twice[11] = SLAMET[2], "JL. SALAH 2", 9     # SLAMET's NIK again
    report = load(services, tmp_path, [SLAMET, wrong_nik, tuple(twice), BUDI])
    assert (report.rejected, report.duplicates, report.warnings) == (1, 1, 0)
    family = household(services, "slamet")
    assert (family.data.address, family.desil) == ("JL. MANGGA 1", 2)


def test_a_warning_says_what_happens_to_its_row(services, tmp_path):
    """'31-02-1990' is no date: the warning says the cell is not imported and the stored
    date stays, and it does stay; a NIK whose date disagrees is imported as written."""
    load(services, tmp_path, [SLAMET], "a.xlsx")
    wrong_date = list(SLAMET)
    wrong_date[5] = "31-02-1990"
    report = load(services, tmp_path, [tuple(wrong_date)], "b.xlsx")
    [issue] = report.issues
    assert issue.kind == "warning" and "31-02-1990" in issue.reason
    assert issue.reason.endswith(_("This cell is not imported; what was stored before stays."))
    assert member(services, "slamet", "SLAMET RIYADI").birth_date == SLAMET[5]
    other = person("SITI AMINAH", nik(date(1975, 6, 7), "P", 9), date(1976, 6, 7), "P",
                   "ISTRI")
    report = load(services, tmp_path, [other], "c.xlsx")
    [issue] = report.issues
    assert issue.reason.endswith(_("The row is imported as written."))
    assert member(services, "slamet", "SITI AMINAH").birth_date == date(1976, 6, 7)
