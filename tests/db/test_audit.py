"""The audit trail records who changed what, and any tampering is detected."""

from sqlalchemy import text

from puskesos.services.households import HouseholdService

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
