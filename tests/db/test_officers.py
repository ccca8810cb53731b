"""The officers roster: add, correct, deactivate and reactivate, each audited."""

import pytest

from puskesos.errors import InvalidInput, NotFound, PermissionDenied

from tests.conftest import ADMIN, KADES, OPERATOR


def _officer_events(services, officer_id):
    return services.audit.history(actor=ADMIN, entity_ids=[officer_id])


def test_update_changes_fields_and_audits_each_one(services):
    dto = services.officers.add(actor=ADMIN, name="SITI AMINAH", role="tksk",
                                phone="081234567890", nip="3523014101800001")
    assert dto.phone == "081234567890"
    updated = services.officers.update(actor=ADMIN, officer_id=dto.id, name="  Siti   Aminah ",
                                       role="psm", phone="0812 3456 7890", nip=dto.nip,
                                       reason="salah ketik")
    assert (updated.name, updated.role, updated.phone, updated.nip) == \
        ("Siti Aminah", "psm", "0812 3456 7890", "3523014101800001")
    assert services.officers.get(officer_id=dto.id, actor=ADMIN) == updated
    events = [e for e in _officer_events(services, dto.id) if e.action == "update"]
    assert {e.field: (e.old_value, e.new_value) for e in events} == {
        "name": ("SITI AMINAH", "Siti Aminah"),
        "role": ("tksk", "psm"),
        "phone": ("081234567890", "0812 3456 7890"),
    }
    assert {e.reason for e in events} == {"salah ketik"} and {e.actor for e in events} == {"admin"}
    assert services.audit.verify().ok


def test_update_without_change_writes_nothing(services):
    dto = services.officers.add(actor=ADMIN, name="BUDI", role="kader")
    before = len(services.audit.recent(actor=ADMIN))
    again = services.officers.update(actor=ADMIN, officer_id=dto.id, name="BUDI", role="kader",
                                     phone="", nip=None)
    assert again == dto
    assert len(services.audit.recent(actor=ADMIN)) == before


def test_update_clears_phone_and_nip(services):
    dto = services.officers.add(actor=ADMIN, name="BUDI", role="kader", phone="0856",
                                nip="123")
    updated = services.officers.update(actor=ADMIN, officer_id=dto.id, name="BUDI",
                                       role="kader", phone="  ", nip="")
    assert (updated.phone, updated.nip) == (None, None)


@pytest.mark.parametrize("fields, word", [
    (dict(name="  ", role="tksk"), "name"),
    (dict(name="BUDI", role="raja"), "raja"),
    (dict(name="BUDI", role="tksk", phone="08-abc"), "08-abc"),
    (dict(name="BUDI", role="tksk", phone="0" * 21), "0" * 21),
    (dict(name="BUDI", role="tksk", nip="12a"), "12a"),
    (dict(name="B" * 121, role="tksk"), "120"),
])
def test_update_refuses_bad_input(services, fields, word):
    dto = services.officers.add(actor=ADMIN, name="ANI", role="psm")
    args = dict(phone=None, nip=None) | fields
    with pytest.raises(InvalidInput) as info:
        services.officers.update(actor=ADMIN, officer_id=dto.id, **args)
    assert word in info.value.message or word == "name"
    assert services.officers.get(officer_id=dto.id, actor=ADMIN) == dto


def test_add_refuses_bad_phone_too(services):
    with pytest.raises(InvalidInput):
        services.officers.add(actor=ADMIN, name="ANI", role="psm", phone="telepon saya")
    assert services.officers.roster(actor=ADMIN) == []


def test_deactivate_and_reactivate_are_audited(services):
    dto = services.officers.add(actor=ADMIN, name="DEWI", role="pendamping_pkh")
    with pytest.raises(InvalidInput):
        services.officers.deactivate(actor=ADMIN, officer_id=dto.id, reason="  ")
    off = services.officers.deactivate(actor=ADMIN, officer_id=dto.id, reason="pindah tugas")
    assert off.active is False
    assert services.officers.roster(actor=ADMIN) == []
    assert [o.id for o in services.officers.roster(include_inactive=True, actor=ADMIN)] == [dto.id]
    back = services.officers.reactivate(actor=ADMIN, officer_id=dto.id, reason="kembali")
    assert back.active is True
    assert [o.id for o in services.officers.roster(actor=ADMIN)] == [dto.id]
    events = [(e.field, e.old_value, e.new_value, e.reason)
              for e in _officer_events(services, dto.id) if e.field == "active"]
    assert events == [("active", "0", "1", "kembali"), ("active", "1", "0", "pindah tugas")]
    # reactivating an active officer changes nothing
    before = len(services.audit.recent(actor=ADMIN))
    assert services.officers.reactivate(actor=ADMIN, officer_id=dto.id).active
    assert len(services.audit.recent(actor=ADMIN)) == before
    assert services.audit.verify().ok


@pytest.mark.parametrize("actor", [OPERATOR, KADES])
def test_only_settings_managers_may_change_officers(services, actor):
    dto = services.officers.add(actor=ADMIN, name="EKO", role="tksk")
    with pytest.raises(PermissionDenied):
        services.officers.update(actor=actor, officer_id=dto.id, name="X", role="tksk",
                                 phone=None, nip=None)
    with pytest.raises(PermissionDenied):
        services.officers.deactivate(actor=actor, officer_id=dto.id, reason="x")
    with pytest.raises(PermissionDenied):
        services.officers.reactivate(actor=actor, officer_id=dto.id)
    assert services.officers.get(officer_id=dto.id, actor=ADMIN) == dto


def test_unknown_officer(services):
    with pytest.raises(NotFound):
        services.officers.update(actor=ADMIN, officer_id="nope", name="X", role="tksk",
                                 phone=None, nip=None)
    with pytest.raises(NotFound):
        services.officers.reactivate(actor=ADMIN, officer_id="nope")
