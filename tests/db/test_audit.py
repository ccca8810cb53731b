"""The audit trail records who changed what, and any tampering is detected."""

import json

import pytest
from sqlalchemy import select, text

from puskesos.services.registry import HouseholdService

from tests.conftest import ADMIN, OPERATOR
from tests.helpers import family


def _make_household(services):
    house, people = family()
    return services.households.save(actor=OPERATOR, household=house, members=people)


def test_field_change_is_recorded_with_old_new_and_reason(services):
    dto = _make_household(services)
    house = dto.data
    from dataclasses import replace
    services.households.save(actor=OPERATOR, household=replace(house, address="JL. MAWAR 9"),
                             members=[m.as_input() for m in dto.members],
                             household_id=dto.id, expected_version=dto.version,
                             reason="pindah rumah")
    history = services.audit.history(actor=ADMIN, entity_ids=[dto.id])
    change = next(e for e in history if e.field == "address" and e.action == "update")
    assert (change.old_value, change.new_value) == ("JL. MELATI 3", "JL. MAWAR 9")
    assert change.actor == "operator" and change.reason == "pindah rumah"
    assert services.audit.verify().ok


def test_edited_audit_row_is_detected(services):
    _make_household(services)
    with services.db.write() as s:
        s.execute(text("UPDATE audit_event SET new_value = 'PALSU' WHERE seq = 3"))
    report = services.audit.verify()
    assert not report.ok and report.first_bad_seq == 3 and report.problem == "altered"


def test_deleted_middle_row_is_detected(services):
    _make_household(services)
    with services.db.write() as s:
        s.execute(text("DELETE FROM audit_event WHERE seq = 4"))
    report = services.audit.verify()
    assert not report.ok and report.first_bad_seq == 4


def test_deleted_last_row_is_detected(services):
    _make_household(services)
    with services.db.write() as s:
        last = s.execute(text("SELECT max(seq) FROM audit_event")).scalar()
        s.execute(text("DELETE FROM audit_event WHERE seq = :n"), {"n": last})
    report = services.audit.verify()
    assert not report.ok and report.problem == "head_mismatch"


def _db_check(db_target, capsys) -> tuple[int, dict]:
    """``puskesos db check --json`` as the administrator runs it (logged in; the
    village gets its administrator first): exit code and report."""
    from puskesos.cli import main
    from puskesos.services import open_services
    from tests.conftest import DEMO_LOGIN
    made = open_services(db_target)
    try:
        if not made.auth.has_users():
            made.auth.create_first_admin(username="admin", password="demo123",
                                         full_name="Admin")
    finally:
        made.close()
    capsys.readouterr()
    with pytest.MonkeyPatch.context() as env:
        for name, value in DEMO_LOGIN.items():
            env.setenv(name, value)
        code = main(["--db", db_target, "db", "check", "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_a_reason_changed_outside_the_program_breaks_the_audit_chain(services, db_target,
                                                                      capsys):
    """Why a change was made is part of the audit record: rewriting only the reason of
    a stored entry with SQL (here the reason of a move, with later entries after it)
    is reported by the chain check and by 'db check' at that entry."""
    dto = _make_household(services)
    from dataclasses import replace
    moved = services.households.save(actor=OPERATOR,
                                     household=replace(dto.data, address="JL. MAWAR 9"),
                                     members=[m.as_input() for m in dto.members],
                                     household_id=dto.id, expected_version=dto.version,
                                     reason="pindah rumah")
    services.households.save(actor=OPERATOR, household=replace(moved.data, phone="0812"),
                             members=[m.as_input() for m in moved.members],
                             household_id=moved.id, expected_version=moved.version,
                             reason="nomor baru")
    with services.db.read() as s:
        seq = s.execute(text("SELECT seq FROM audit_event WHERE reason = 'pindah rumah'")
                        ).scalar_one()
        last = s.execute(text("SELECT max(seq) FROM audit_event")).scalar_one()
    assert seq < last and services.audit.verify().ok
    assert _db_check(db_target, capsys)[0] == 0
    with services.db.write() as s:
        s.execute(text("UPDATE audit_event SET reason = 'perintah kepala desa' "
                       "WHERE seq = :n"), {"n": seq})
    report = services.audit.verify()
    assert (report.ok, report.first_bad_seq, report.problem) == (False, seq, "altered")
    code, checked = _db_check(db_target, capsys)
    assert code == 1 and not checked["ok"]
    assert checked["audit"]["first_bad_seq"] == seq
    assert any(str(seq) in problem for problem in checked["problems"])


def test_an_entry_linked_to_another_predecessor_is_reported_even_with_a_fitting_hash(
        services, db_target, capsys):
    """Each audit entry names the hash of the entry before it. An entry whose link was
    rewritten outside the program (here entry 5 linked to entry 3, as if 4 had never
    been, with entry 5's own hash recomputed so that it fits its new content) is
    reported as a broken link at that entry."""
    from puskesos.models import AuditEvent
    from puskesos.services.audit import row_hash
    _make_household(services)
    with services.db.read() as s:
        rows = {r.seq: r for r in s.execute(select(AuditEvent).where(
            AuditEvent.seq.in_([3, 5]))).scalars()}
        five = rows[5]
        forged = row_hash(rows[3].hash, five.seq, five.at, five.actor, five.action,
                          five.entity, five.entity_id, five.field, five.old_value,
                          five.new_value, five.reason)
        relinked = rows[3].hash
    with services.db.write() as s:
        s.execute(text("UPDATE audit_event SET prev_hash = :prev, hash = :hash WHERE seq = 5"),
                  {"prev": relinked, "hash": forged})
    report = services.audit.verify()
    assert (report.ok, report.first_bad_seq, report.problem) == (False, 5, "broken_link")
    code, checked = _db_check(db_target, capsys)
    assert code == 1 and checked["audit"]["first_bad_seq"] == 5


def test_failed_write_leaves_no_audit_row(services):
    before = services.audit.verify().rows
    house, people = family()
    people[0] = people[0].__class__(**{**people[0].__dict__, "name": ""})
    try:
        services.households.save(actor=OPERATOR, household=house, members=people)
    except Exception:
        pass
    assert services.audit.verify().rows == before
    assert services.audit.verify().ok


def test_the_chain_report_says_how_many_entries_were_checked_and_where_it_broke(services):
    """What `db check` tells the auditor: the number of entries read up to the problem,
    the number of the first bad entry and what is wrong with it."""
    _make_household(services)
    whole = services.audit.verify()
    assert whole.ok is True and whole.first_bad_seq is None and whole.problem is None
    total = whole.rows
    assert total >= 5
    with services.db.write() as s:
        s.execute(text("DELETE FROM audit_event WHERE seq = 4"))
    report = services.audit.verify()
    assert (report.ok, report.rows, report.first_bad_seq, report.problem) == (False, 4, 4, "missing")


def test_an_altered_entry_is_named_with_the_count_read_so_far(services):
    _make_household(services)
    with services.db.write() as s:
        s.execute(text("UPDATE audit_event SET reason = 'diubah' WHERE seq = 2"))
    report = services.audit.verify()
    assert (report.ok, report.rows, report.first_bad_seq, report.problem) == (False, 2, 2, "altered")


def test_a_head_moved_back_names_the_first_entry_after_it(services):
    """Dropping the last entries and moving the head back with them is caught only by
    the head; when the head claims more entries than exist, the first missing one is named."""
    _make_household(services)
    total = services.audit.verify().rows
    with services.db.write() as s:
        s.execute(text("DELETE FROM audit_event WHERE seq = :n"), {"n": total})
    report = services.audit.verify()
    assert (report.ok, report.rows, report.first_bad_seq, report.problem) == \
        (False, total - 1, total, "head_mismatch")


def test_history_and_recent_entries_come_newest_first_with_every_detail(services):
    dto = _make_household(services)
    recent = services.audit.recent(actor=ADMIN)
    assert [e.seq for e in recent] == sorted((e.seq for e in recent), reverse=True)
    assert len(services.audit.recent(actor=ADMIN, limit=2)) == 2
    history = services.audit.history(actor=ADMIN, entity_ids=[dto.id])
    first = history[-1]
    assert first.seq >= 1 and first.at is not None and first.entity_id == dto.id
    assert len(services.audit.history(actor=ADMIN, entity_ids=[dto.id], limit=1)) == 1


def test_a_head_whose_hash_alone_was_changed_is_reported(services):
    """The head carries the number and the hash of the last entry: either one that does
    not fit is enough to report the chain."""
    from puskesos.models import Setting
    from puskesos.services.audit import HEAD_KEY
    _make_household(services)
    total = services.audit.verify().rows
    with services.db.write() as s:
        head = s.get(Setting, HEAD_KEY)
        head.value = {"seq": head.value["seq"], "hash": "0" * 64}
    report = services.audit.verify()
    assert (report.ok, report.first_bad_seq, report.problem) == (False, total, "head_mismatch")
