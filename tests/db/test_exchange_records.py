"""The records of an exchange bundle, between two real databases (on both engines):
a village's families written as JSON Lines, read back with every value checked,
planned and applied at the other office; the same bundle again changes nothing; a
later change travels alone; both sides changing one field waits as a conflict, the
village's edit of a DTSEN fact as a proposal; a hostile line is refused and
nothing is written."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from puskesos.core.exchange import BY_NAME, OfficeKind
from puskesos.core.identifiers import make_kk
from puskesos.errors import InvalidInput
from puskesos.models import ExchangeBase, ExchangeBundle, ExchangeQueueItem, Household, Member
from puskesos.services import open_services
from puskesos.services.exchange import Source
from puskesos.services.registry import HouseholdFilter
from puskesos.services.exchange.records import (MEMBER_NAMES, RecordError, collect,
                                                read_lines)
from tests.conftest import ADMIN, VILLAGE
from tests.helpers import family, member, nonzero

FROM_VILLAGE = Source(VILLAGE, OfficeKind.DESA, VILLAGE)


def _home(services, serial: int, program: str | None = "PKH") -> str:
    house, _people = family()
    house = replace(house, no_kk=make_kk(kecamatan_code="35.23.01", recorded=date(2015, 6, 2),
                                         serial=100 + serial))
    people = [member(f"KEPALA {serial}", serial=10 * serial + 1),
              member(f"ISTRI {serial}", "P", rel="2", serial=10 * serial + 2)]
    saved = services.households.save(actor=ADMIN, household=house, members=people)
    if program:
        services.programs.add_participation(actor=ADMIN, household_id=saved.id,
                                            program_code=program, period="2026")
    return saved.id


@pytest.fixture
def offices(services, tmp_path):
    """A village with three families (on the engine under test) and the office that
    receives its bundles (a SQLite file of another village's code)."""
    homes = [_home(services, i) for i in (1, 2, 3)]
    other = open_services(str(tmp_path / "kabupaten.sqlite"), create=True)
    other.settings.init_village(actor=ADMIN, village_code="35.23.01.2002")
    yield services, other, homes
    other.close()


def _bundle(services, since=None):
    with services.db.read() as s:
        members, counts = collect(s, village=VILLAGE, since=since,
                                  until=datetime.now(timezone.utc))
    return {name: read_lines(BY_NAME[name], members[MEMBER_NAMES[name]])
            for name in BY_NAME if MEMBER_NAMES[name] in members}, counts


def _apply(receiver, records, sequence: int, bundle_id: str | None = None):
    bundle_id = bundle_id or f"00000000-0000-4000-8000-{sequence:012d}"
    plan = receiver.exchange.plan_import(actor=ADMIN, source=FROM_VILLAGE,
                                         bundle_id=bundle_id, sequence=sequence,
                                         records=records)
    return plan, receiver.exchange.apply_import(actor=ADMIN, plan=plan)


def test_a_village_reaches_the_other_office_once_and_a_change_travels_alone(offices):
    village, kab, homes = offices
    records, counts = _bundle(village)
    assert nonzero(counts) == {"household": 3, "member": 6, "participation": 3}
    plan, applied = _apply(kab, records, 1)
    assert (plan.count("new"), plan.count("changed"), plan.count("conflicts")) == (12, 0, 0)
    assert not plan.missing and not plan.already
    # the families are there, keyed by their village, findable by name
    no_kk = village.households.get(actor=ADMIN, household_id=homes[1]).data.no_kk
    rows, total = kab.households.search(actor=ADMIN, filter=HouseholdFilter(text=no_kk))
    assert total == 1 and rows[0].id == homes[1]
    with kab.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Household).where(
            Household.region_code == VILLAGE)) == 3
        assert s.scalar(select(func.count()).select_from(ExchangeBase)) == 12
    assert kab.audit.verify().ok
    # the same bundle again changes nothing and says so
    again, _applied = _apply(kab, records, 1)
    assert again.already and not again.records
    # a later change at the village: only that family's record travels
    mark = datetime.now(timezone.utc)
    with village.db.write() as s:
        s.get(Household, homes[0]).address = "JL. KENANGA 7"
    records, counts = _bundle(village, since=mark - timedelta(milliseconds=1))
    assert counts["household"] == 1 and counts["member"] == 0
    plan, _applied = _apply(kab, records, 2)
    assert plan.count("changed") == 1 and plan.records[0].apply == {"address": "JL. KENANGA 7"}
    assert kab.households.get(actor=ADMIN, household_id=homes[0]).data.address == \
        "JL. KENANGA 7"


def test_both_changed_waits_as_a_conflict_a_dtsen_fact_as_a_proposal(offices):
    village, kab, homes = offices
    records, _counts = _bundle(village)
    _apply(kab, records, 1)
    # the kabupaten corrects the address; the village too, differently; the village
    # also changes the desil (BPS's, not the village's)
    with kab.db.write() as s:
        s.get(Household, homes[0]).address = "JL. KABUPATEN"
    with village.db.write() as s:
        row = s.get(Household, homes[0])
        row.address, row.desil, row.phone = "JL. DESA", 9, "081234567890"
    records, _counts = _bundle(village)
    plan, _applied = _apply(kab, records, 2)
    [record] = plan.records
    assert record.apply == {"phone": "081234567890"}
    assert [(c.field, c.base, c.ours, c.theirs) for c in record.conflicts] == [
        ("address", "JL. MELATI 3", "JL. KABUPATEN", "JL. DESA")]
    assert [(p.field, p.theirs) for p in record.proposals] == [("desil", 9)]
    with kab.db.read() as s:
        row = s.get(Household, homes[0])
        assert (row.address, row.desil, row.phone) == ("JL. KABUPATEN", None, "081234567890")
        queued = {(q.field, q.kind, q.status) for q in s.scalars(select(ExchangeQueueItem))}
        assert queued == {("address", "conflict", "open"), ("desil", "proposal", "open")}


def test_a_gap_in_the_sequence_is_reported(offices):
    village, kab, _homes = offices
    records, _counts = _bundle(village)
    plan = kab.exchange.plan_import(actor=ADMIN, source=FROM_VILLAGE,
                                    bundle_id="00000000-0000-4000-8000-000000000003",
                                    sequence=3, records=records)
    assert plan.missing == (1, 2)


def test_a_family_of_another_village_or_a_broken_line_is_refused_nothing_written(offices):
    village, kab, _homes = offices
    records, _counts = _bundle(village)
    stranger = dict(records)
    hid, version, values = stranger["household"][0]
    stranger["household"] = [(hid, version, dict(values, region_code="35.23.01.2009"))] \
        + stranger["household"][1:]
    with pytest.raises(InvalidInput, match="desa lain|another village"):
        _apply(kab, stranger, 1)
    orphan = {"member": records["member"]}           # members without their families
    with pytest.raises(InvalidInput):
        _apply(kab, orphan, 1)
    with kab.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Member)) == 0
        assert s.scalar(select(func.count()).select_from(ExchangeBundle)) == 0
    line = json.dumps({"id": hid, "version": 1, "rt": "0" * 500}).encode()
    with pytest.raises(RecordError, match="RT"):
        read_lines(BY_NAME["household"], line)
    for bad in (b"{not json", b'{"id": "x", "version": 1}', b"[1, 2]",
                json.dumps({"id": hid, "version": 1, "birth_date": "kemarin"}).encode(),
                json.dumps({"id": hid, "version": 1, "floor_area": float("inf")},
                           allow_nan=True).encode(),
                json.dumps({"id": hid, "version": 1, "name": None}).encode(),
                json.dumps({"id": hid, "version": 1, "name": "A\x00B"}).encode()):
        spec = BY_NAME["member"] if b"birth" in bad or b"name" in bad else BY_NAME["household"]
        with pytest.raises(RecordError):
            read_lines(spec, bad)
    twice = b"\n".join([json.dumps({"id": hid, "version": 1}).encode()] * 2)
    with pytest.raises(RecordError):
        read_lines(BY_NAME["household"], twice)


def test_a_conflict_resolved_through_the_queue_and_the_decision_travels_back(offices):
    village, kab, homes = offices
    records, _counts = _bundle(village)
    _apply(kab, records, 1)
    with kab.db.write() as s:
        s.get(Household, homes[0]).address = "JL. KABUPATEN"
        s.get(Household, homes[1]).address = "JL. KAB 2"
    with village.db.write() as s:
        s.get(Household, homes[0]).address = "JL. DESA"
        s.get(Household, homes[1]).address = "JL. DESA 2"
    records, _counts = _bundle(village)
    _apply(kab, records, 2)
    items = {i.entity_id: i for i in kab.exchange.queue(actor=ADMIN)}
    assert set(items) == {homes[0], homes[1]}
    from puskesos.services.context import Actor
    with pytest.raises(Exception):             # an operator does not settle the queue
        kab.exchange.resolve(actor=Actor("op", "operator", "Op"), item_id=items[homes[0]].id,
                             choice="theirs")
    mark = datetime.now(timezone.utc)
    done = kab.exchange.resolve(actor=ADMIN, item_id=items[homes[0]].id, choice="theirs")
    assert done.status == "theirs" and done.resolved_by == ADMIN.username
    kab.exchange.resolve(actor=ADMIN, item_id=items[homes[1]].id, choice="ours",
                         note="alamat sesuai KK terbaru")
    with pytest.raises(InvalidInput):          # settled once
        kab.exchange.resolve(actor=ADMIN, item_id=items[homes[1]].id, choice="theirs")
    assert kab.exchange.queue(actor=ADMIN) == []
    with kab.db.read() as s:
        assert s.get(Household, homes[0]).address == "JL. DESA"
        assert s.get(Household, homes[1]).address == "JL. KAB 2"
    # the kabupaten's next bundle to the village carries both decisions back; what the
    # village sent and the kabupaten took is not sent back to it
    with kab.db.read() as s:
        skip = {(b.entity, b.entity_id): b.fields for b in s.scalars(select(ExchangeBase))}
        members, counts = collect(s, village=VILLAGE, since=mark,
                                  until=datetime.now(timezone.utc), skip=skip)
    sent = {r[0]: r[2] for r in read_lines(BY_NAME["household"],
                                          members[MEMBER_NAMES["household"]])}
    assert set(sent) == {homes[1]} and sent[homes[1]]["address"] == "JL. KAB 2"
    assert kab.audit.verify().ok


def test_the_same_person_in_two_villages_is_kept_apart_and_reported(offices, tmp_path):
    """A second village registers a member of the first's (same NIK): both arrive at
    the kabupaten, each under its village, and the second bundle's plan names the NIK
    and the village that has it too."""
    village, kab, homes = offices
    records, _counts = _bundle(village)
    _apply(kab, records, 1)
    second = open_services(str(tmp_path / "desa2.sqlite"), create=True)
    try:
        second.settings.init_village(actor=ADMIN, village_code="35.23.01.2002")
        shared = village.households.get(actor=ADMIN, household_id=homes[0]).members[0]
        house, _people = family()
        house = replace(house, no_kk=make_kk(kecamatan_code="35.23.01",
                                             recorded=date(2016, 1, 4), serial=900))
        moved = member(shared.name, serial=11)          # the same NIK as the first village's
        assert moved.nik == shared.nik
        second.households.save(actor=ADMIN, household=house, members=[moved])
        with second.db.read() as s:
            members, _c = collect(s, village="35.23.01.2002", since=None,
                                  until=datetime.now(timezone.utc))
        other = {name: read_lines(BY_NAME[name], members[MEMBER_NAMES[name]])
                 for name in BY_NAME if MEMBER_NAMES[name] in members}
        source = Source("35.23.01.2002", OfficeKind.DESA, "35.23.01.2002")
        plan = kab.exchange.plan_import(actor=ADMIN, source=source,
                                        bundle_id="00000000-0000-4000-8000-000000000777",
                                        sequence=1, records=other)
        assert plan.shared_niks == ((shared.nik, VILLAGE),)
        kab.exchange.apply_import(actor=ADMIN, plan=plan)
        with kab.db.read() as s:
            found = s.execute(select(Household.region_code).join(
                Member, Member.household_id == Household.id).where(
                Member.nik == shared.nik).order_by(Household.region_code)).scalars().all()
        assert found == [VILLAGE, "35.23.01.2002"]
    finally:
        second.close()


def test_every_column_travels_or_is_kept_by_each_side_on_purpose():
    """A column added to a household, a member or a program recipient and forgotten
    here would be lost between the offices: every one is either in the bundle or one
    each side keeps for itself."""
    from puskesos.core.exchange import ENTITIES, LOCAL_FIELDS
    from puskesos.services.exchange.records import MODELS
    for spec in ENTITIES:
        columns = {c.name for c in MODELS[spec.name].__table__.c} - {"id"}
        assert columns - set(spec.fields) - LOCAL_FIELDS - spec.local - {
            spec.content} == set(), spec.name
        assert set(spec.fields) <= columns, spec.name


def test_a_signed_bundle_cannot_reach_another_villages_families(offices, tmp_path):
    """The review's attack: a village with a trusted key names another village's
    records — its family by id without region_code, a tombstone of it, a member moved
    into it, a program recipient of its member, a new family without its village —
    each refused before anything is written."""
    village, kab, homes = offices
    other = open_services(str(tmp_path / "desa2.sqlite"), create=True)
    try:
        other.settings.init_village(actor=ADMIN, village_code="35.23.01.2002")
        theirs = _home(other, 50)
        with other.db.read() as s:
            members, _c = collect(s, village="35.23.01.2002", since=None,
                                  until=datetime.now(timezone.utc))
        first = {name: read_lines(BY_NAME[name], members[MEMBER_NAMES[name]])
                 for name in BY_NAME if MEMBER_NAMES[name] in members}
        second = Source("35.23.01.2002", OfficeKind.DESA, "35.23.01.2002")
        plan = kab.exchange.plan_import(actor=ADMIN, source=second, sequence=1,
                                        bundle_id="00000000-0000-4000-8000-000000000222",
                                        records=first)
        kab.exchange.apply_import(actor=ADMIN, plan=plan)
    finally:
        other.close()
    their_member = first["member"][0][0]
    mine, _counts = _bundle(village)
    my_member = mine["member"][0]
    attacks = {
        "their family, no region": {"household": [(theirs, 1, {"deleted_at": datetime.now(
            timezone.utc)})]},
        "a member moved into it": {"member": [(my_member[0], 1, dict(
            my_member[2], household_id=theirs))]},
        "their member, no household": {"member": [(their_member, 1, {"name": "PENYUSUP"})]},
        "a new member in their family": {"member": [(
            "0f8e2c4a-1b3d-4e5f-8a9b-0c1d2e3f4a5b", 1, dict(my_member[2],
                                                            household_id=theirs))]},
        "a program of their member": {"participation": [(
            "1f8e2c4a-1b3d-4e5f-8a9b-0c1d2e3f4a5b", 1, {
                "program_code": "PKH", "household_id": homes[0], "member_id": their_member,
                "period": "2026", "source": "desa", "status": "aktif"})]},
    }
    for what, records in attacks.items():
        with pytest.raises(InvalidInput):
            _apply(kab, records, 2)
        with kab.db.read() as s:
            assert s.get(Household, theirs).deleted_at is None, what
            assert s.scalar(select(func.count()).select_from(Member).where(
                Member.household_id == theirs)) == 2, what
    # a new family without the fields a family needs: refused with a message
    hid, version, values = mine["household"][0]
    bare = {k: v for k, v in values.items() if k != "region_code"}
    with pytest.raises(InvalidInput):
        _apply(kab, {"household": [("2f8e2c4a-1b3d-4e5f-8a9b-0c1d2e3f4a5b", 1, bare)]}, 2)


def test_a_late_bundle_does_not_undo_a_newer_one(offices):
    """Bundle 3 applied before bundle 2 (out of order): bundle 2's older values of the
    same family are left, not written over bundle 3's."""
    village, kab, homes = offices
    records, _counts = _bundle(village)
    _apply(kab, records, 1)
    with village.db.write() as s:
        s.get(Household, homes[0]).address = "JL. DUA"
    two, _c = _bundle(village)
    with village.db.write() as s:
        s.get(Household, homes[0]).address = "JL. TIGA"
    three, _c = _bundle(village)
    _apply(kab, three, 3)
    late, _applied = _apply(kab, two, 2)
    assert not [r for r in late.records if r.entity_id == homes[0]]
    with kab.db.read() as s:
        assert s.get(Household, homes[0]).address == "JL. TIGA"


def test_one_waiting_item_a_field_and_none_settled_on_a_stale_value(offices):
    """A second bundle changing a field already waiting updates that item (no stale one
    beside it); a field changed here after it was queued is not settled on the value
    shown before — the item shows the new one and asks again."""
    village, kab, homes = offices
    records, _counts = _bundle(village)
    _apply(kab, records, 1)
    with kab.db.write() as s:
        s.get(Household, homes[0]).address = "JL. KAB"
    for n, address in ((2, "DESA 1"), (3, "DESA 2")):
        with village.db.write() as s:
            s.get(Household, homes[0]).address = address
        later, _c = _bundle(village)
        _apply(kab, later, n)
    [item] = kab.exchange.queue(actor=ADMIN)
    assert (item.ours, item.theirs) == ("JL. KAB", "DESA 2")
    with kab.db.write() as s:
        s.get(Household, homes[0]).address = "JL. KAB BARU"
    with pytest.raises(InvalidInput, match="JL. KAB BARU"):
        kab.exchange.resolve(actor=ADMIN, item_id=item.id, choice="ours")
    [item] = kab.exchange.queue(actor=ADMIN)
    assert item.ours == "JL. KAB BARU" and item.status == "open"
    kab.exchange.resolve(actor=ADMIN, item_id=item.id, choice="theirs")
    with kab.db.read() as s:
        assert s.get(Household, homes[0]).address == "DESA 2"
