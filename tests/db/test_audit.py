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


def _as_administrator(db_target, *words: str) -> int:
    """``puskesos --db TARGET WORDS`` in this process, logged in as the administrator
    (the village gets one first if it has none): the exit code."""
    from puskesos.cli import main
    from puskesos.services import open_services
    from tests.helpers import CLI_LOGIN
    made = open_services(db_target)
    try:
        if not made.auth.has_users():
            made.auth.create_first_admin(username="admin", password="demo123",
                                         full_name="Admin")
    finally:
        made.close()
    with pytest.MonkeyPatch.context() as env:
        for name, value in CLI_LOGIN.items():
            env.setenv(name, value)
        return main(["--db", db_target, *words])


def _db_check(db_target, capsys) -> tuple[int, dict]:
    """``puskesos db check --json`` as the administrator runs it: exit code and report."""
    capsys.readouterr()
    code = _as_administrator(db_target, "db", "check", "--json")
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


# --- the keyed chain and the anchor (issue 13 point 3) ------------------------------------------

def _rehash(session, *, key: bytes | None, from_seq: int = 1, changes: dict | None = None,
            upto: int | None = None) -> None:
    """Rewrite the trail as someone with SQL access would: apply ``changes``
    ({seq: {column: value}}), drop the entries after ``upto``, hash every entry again
    (with ``key`` from ``from_seq`` on, as the program would) and move the head."""
    from puskesos.models import AuditEvent, Setting
    from puskesos.services.audit import GENESIS, HEAD_KEY, row_hash
    if upto is not None:
        session.execute(text("DELETE FROM audit_event WHERE seq > :n"), {"n": upto})
    for seq, values in (changes or {}).items():
        for column, value in values.items():
            session.execute(text(f"UPDATE audit_event SET {column} = :v WHERE seq = :n"),
                            {"v": value, "n": seq})
    prev, seq = GENESIS, 0
    for row in session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars().all():
        digest = row_hash(prev, row.seq, row.at, row.actor, row.action, row.entity,
                          row.entity_id, row.field, row.old_value, row.new_value, row.reason,
                          key if key is not None and row.seq >= from_seq else None)
        session.execute(text("UPDATE audit_event SET prev_hash = :p, hash = :h WHERE seq = :n"),
                        {"p": prev, "h": digest, "n": row.seq})
        prev, seq = digest, row.seq
    session.get(Setting, HEAD_KEY).value = {"seq": seq, "hash": prev}


def _key_of(services) -> tuple[bytes, int]:
    from puskesos.models import Setting
    with services.db.read() as s:
        value = s.get(Setting, "audit_key").value
    return bytes.fromhex(value["key"]), int(value["from_seq"])


def test_a_history_hashed_again_without_the_key_is_detected(services):
    """Editing an entry and hashing the whole trail again, head included, as anyone
    can with the published hash rule, no longer fits: the trail is keyed with a
    secret of this database."""
    _make_household(services)
    with services.db.write() as s:
        _rehash(s, key=None, changes={3: {"new_value": "PALSU"}})
    report = services.audit.verify()
    assert (report.ok, report.first_bad_seq, report.problem) == (False, 1, "altered")


def test_a_history_rewritten_behind_a_printed_anchor_is_found(services, db_target, capsys):
    """Someone who can read the database's key rewrites an entry and hashes the trail
    again so that it fits: the chain alone cannot tell, but the anchor printed before
    (seq and hash of the head then) no longer matches, and 'db check --anchor' says so."""
    _make_household(services)
    anchor = services.audit.anchor()
    assert anchor.seq > 3 and len(anchor.text.split(":")[1]) == 16
    assert services.audit.verify([anchor]).ok
    assert _db_check_with(db_target, capsys, anchor.text)[0] == 0
    key, from_seq = _key_of(services)
    with services.db.write() as s:
        _rehash(s, key=key, from_seq=from_seq, changes={3: {"new_value": "PALSU"}})
    assert services.audit.verify().ok                  # the chain alone fits again
    report = services.audit.verify([anchor])
    assert (report.ok, report.first_bad_seq, report.problem) == (False, anchor.seq,
                                                                  "anchor_mismatch")
    code, checked = _db_check_with(db_target, capsys, anchor.text)
    assert code == 1 and not checked["ok"]
    assert any(f"entri {anchor.seq}" in p and "dicetak" in p for p in checked["problems"])


def test_a_trail_cut_short_behind_an_anchor_or_wiped_is_found(services):
    """Dropping the newest entries and moving the head back, or deleting every entry
    and the head, leaves a chain that fits on its own; the anchor, and for a village
    with households an empty trail, give it away."""
    _make_household(services)
    anchor = services.audit.anchor()
    key, from_seq = _key_of(services)
    with services.db.write() as s:
        _rehash(s, key=key, from_seq=from_seq, upto=anchor.seq - 2)
    assert services.audit.verify().ok
    assert services.audit.verify([anchor]).problem == "anchor_mismatch"
    with services.db.write() as s:
        s.execute(text("DELETE FROM audit_event"))
        s.execute(text("DELETE FROM setting WHERE key = 'audit_head'"))
    report = services.audit.verify()
    assert (report.ok, report.problem) == (False, "wiped")


def test_the_history_of_an_upgraded_database_cannot_be_cut_short_below_its_key(services):
    """A database upgraded from a version without the key keeps its older entries
    hashed as they were; the key remembers how long the trail was then, so a trail cut
    below that length is reported even without an anchor."""
    from puskesos.models import Setting
    _make_household(services)
    last = services.audit.anchor().seq
    with services.db.write() as s:            # as the older version wrote them
        _rehash(s, key=None)
        key = bytes.fromhex(s.get(Setting, "audit_key").value["key"])
        s.get(Setting, "audit_key").value = {"key": key.hex(), "from_seq": last + 1}
    assert services.audit.verify().ok
    _make_household(services)                 # entries after the upgrade are keyed
    assert services.audit.verify().ok
    with services.db.write() as s:
        _rehash(s, key=key, from_seq=last + 1, upto=last - 3)
    report = services.audit.verify()
    assert (report.ok, report.first_bad_seq, report.problem) == (False, last - 2, "cut_short")


def test_a_removed_key_is_reported(services):
    _make_household(services)
    with services.db.write() as s:
        s.execute(text("DELETE FROM setting WHERE key = 'audit_key'"))
    report = services.audit.verify()
    assert (report.ok, report.problem) == (False, "key_missing")
    assert "kunci jejak audit dihapus" in report.describe()


def test_an_anchor_typed_wrong_is_refused_with_its_form(db_target, capsys):
    """Before any login or database: a usage error."""
    from puskesos.cli import main
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:  # argparse's usage error, as for any option
        main(["--db", db_target, "db", "check", "--anchor", "12-abc"])
    assert exited.value.code == 2
    assert "1234:9f3a1c2b7d4e5f60" in capsys.readouterr().err


def _db_check_with(db_target, capsys, *anchors: str) -> tuple[int, dict]:
    capsys.readouterr()
    words = [w for a in anchors for w in ("--anchor", a)]
    code = _as_administrator(db_target, "db", "check", "--json", *words)
    return code, json.loads(capsys.readouterr().out)
