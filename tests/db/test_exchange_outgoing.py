"""Bundles going out (services/exchange/outgoing.py), between two real databases: the
first bundle holds everything, the next only what changed since the last one the
other office acknowledged (a bundle without its receipt is sent again), parts under
a size hold whole families and apply in any order, and a receipt marks its bundle
delivered once — a receipt for a bundle never sent is refused."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from puskesos.core.exchange import BY_NAME, OfficeKind
from puskesos.errors import InvalidInput
from puskesos.models import Household, Member
from puskesos.services.exchange import Source, receipt_body
from puskesos.services.exchange.records import MEMBER_NAMES, read_lines
from tests.conftest import ADMIN, VILLAGE
from tests.helpers import nonzero
from tests.db.test_exchange_records import offices, _home  # noqa: F401 - the fixture

KAB = "35.23"


def _records(out):
    return {name: read_lines(BY_NAME[name], out.members[MEMBER_NAMES[name]])
            for name in BY_NAME if MEMBER_NAMES[name] in out.members}


def test_everything_first_then_what_changed_since_the_last_acknowledged(offices):
    village, kab, homes = offices
    [first] = village.exchange.prepare_export(actor=ADMIN, peer_code=KAB, village=VILLAGE)
    assert first.sequence == 1 and nonzero(first.counts) == {
        "household": 3, "member": 6, "participation": 3}
    # written, but no receipt yet: the next bundle holds it all again (sequence 2)
    village.exchange.record_sent(actor=ADMIN, outgoing=first, file_name="b1",
                                 created_at=datetime.now(timezone.utc))
    first_until = first.until
    assert [b.sequence for b in village.exchange.sent(actor=ADMIN, unacknowledged=True)] == [1]
    [again] = village.exchange.prepare_export(actor=ADMIN, peer_code=KAB, village=VILLAGE)
    assert again.sequence == 2 and again.counts["household"] == 3
    # delivered and acknowledged: the next one holds only what changed since
    source = Source(VILLAGE, OfficeKind.DESA, VILLAGE)
    plan = kab.exchange.plan_import(actor=ADMIN, source=source, bundle_id=first.bundle_id,
                                    sequence=1, records=_records(first))
    kab.exchange.apply_import(actor=ADMIN, plan=plan)
    done = village.exchange.apply_receipt(actor=ADMIN, peer_code=KAB, body=receipt_body(
        bundle_id=first.bundle_id, sequence=1, status="applied"))
    assert done.status == "accepted"
    assert village.exchange.sent(actor=ADMIN, unacknowledged=True) == []
    with village.db.write() as s:
        s.get(Household, homes[2]).phone = "081200000000"
    [later] = village.exchange.prepare_export(actor=ADMIN, peer_code=KAB, village=VILLAGE)
    assert nonzero(later.counts) == {"household": 1}
    # a change stamped before the last export read the rows but committed after it
    # (a long import's rows carry the time they were made): not lost, sent next time
    with village.db.write() as s:
        late = s.get(Household, homes[1])
        late.address = "JL. MASUK TERLAMBAT"
        s.flush()
        s.execute(update(Household).where(Household.id == homes[1]).values(
            updated_at=first_until - timedelta(minutes=5)))
    [later] = village.exchange.prepare_export(actor=ADMIN, peer_code=KAB, village=VILLAGE)
    assert nonzero(later.counts) == {"household": 2}
    [whole] = village.exchange.prepare_export(actor=ADMIN, peer_code=KAB, village=VILLAGE,
                                              full=True)
    assert whole.counts["household"] == 3
    # the same receipt again changes nothing; one for a bundle never sent is refused
    assert village.exchange.apply_receipt(actor=ADMIN, peer_code=KAB, body=receipt_body(
        bundle_id=first.bundle_id, sequence=1, status="refused")).status == "accepted"
    with pytest.raises(InvalidInput):
        village.exchange.apply_receipt(actor=ADMIN, peer_code=KAB, body=receipt_body(
            bundle_id="00000000-0000-4000-8000-000000000099", sequence=9, status="applied"))
    with pytest.raises(InvalidInput):
        village.exchange.apply_receipt(actor=ADMIN, peer_code="35.24", body=receipt_body(
            bundle_id=first.bundle_id, sequence=1, status="applied"))


def test_parts_under_a_size_hold_whole_families_and_apply_in_any_order(offices):
    village, kab, homes = offices
    for i in range(4, 12):
        _home(village, i)
    [one] = village.exchange.prepare_export(actor=ADMIN, peer_code=KAB, village=VILLAGE)
    size = sum(len(v) for v in one.members.values())
    # (a test village's families are small: cut below the 64 KB a user may choose)
    from puskesos.services.exchange.outgoing import _split
    pieces = [{MEMBER_NAMES[name]: lines for name, (_rows, lines) in part.items()}
              for part in _split(one.records, size // 3)]
    assert len(pieces) >= 3
    for piece in pieces:
        assert sum(len(v) for v in piece.values()) <= size // 3 + 2000
        records = {name: read_lines(BY_NAME[name], piece[MEMBER_NAMES[name]])
                   for name in BY_NAME if MEMBER_NAMES[name] in piece}
        families = {r[0] for r in records["household"]}
        assert families and all(v["household_id"] in families
                                for name in ("member", "participation")
                                for _i, _v, v in records[name])
    # applied last part first: each stands alone
    source = Source(VILLAGE, OfficeKind.DESA, VILLAGE)
    for n, piece in reversed(list(enumerate(pieces, 1))):
        records = {name: read_lines(BY_NAME[name], piece[MEMBER_NAMES[name]])
                   for name in BY_NAME if MEMBER_NAMES[name] in piece}
        plan = kab.exchange.plan_import(actor=ADMIN, source=source,
                                        bundle_id=f"00000000-0000-4000-8000-{n:012d}",
                                        sequence=n, records=records)
        kab.exchange.apply_import(actor=ADMIN, plan=plan)
    with kab.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Household)) == 11
        assert s.scalar(select(func.count()).select_from(Member)) == 22
    with pytest.raises(InvalidInput):
        village.exchange.prepare_export(actor=ADMIN, peer_code=KAB, village=VILLAGE,
                                        max_bytes=1000)


def test_a_part_refused_sends_its_whole_export_again(offices):
    """An export cut into parts shares one moment: one part acknowledged and another
    refused, the next bundle holds that export's records again (none lost)."""
    village, kab, homes = offices
    [one] = village.exchange.prepare_export(actor=ADMIN, peer_code=KAB, village=VILLAGE)
    from dataclasses import replace as copy

    from puskesos.services.exchange.outgoing import _split
    size = sum(len(v) for v in one.members.values())
    pieces = _split(one.records, size // 2)       # whole families in each
    halves = [copy(one, bundle_id=f"00000000-0000-4000-8000-00000000000{n}", sequence=n,
                   part=n, parts=len(pieces),
                   records={name: rows for name, (rows, _l) in piece.items()})
              for n, piece in enumerate(pieces, 1)]
    refused = {r["id"] for r in halves[1].records["household"]}
    for half in halves[:2]:
        village.exchange.record_sent(actor=ADMIN, outgoing=half, file_name=f"p{half.part}",
                                     created_at=datetime.now(timezone.utc))
    village.exchange.apply_receipt(actor=ADMIN, peer_code=KAB, body=receipt_body(
        bundle_id=halves[0].bundle_id, sequence=1, status="applied"))
    village.exchange.apply_receipt(actor=ADMIN, peer_code=KAB, body=receipt_body(
        bundle_id=halves[1].bundle_id, sequence=2, status="refused"))
    [again] = village.exchange.prepare_export(actor=ADMIN, peer_code=KAB, village=VILLAGE)
    assert refused and refused <= {r["id"] for r in again.records["household"]}
    assert again.sequence == 3


def test_a_village_keeping_its_value_is_never_overwritten_whatever_the_order(
        services, tmp_path):
    """Both offices change a family's address. The village keeps its own through the
    queue, and its next bundle reaches the kabupaten before the village's receipt
    for the kabupaten's bundle: the kabupaten is not silently given either value —
    its own stays, and the village's waits in its queue for a person."""
    from puskesos.services import open_services
    from tests.db.test_exchange_records import _home
    village = services
    home = _home(village, 1)
    kab = open_services(str(tmp_path / "kab.sqlite"), create=True)
    try:
        kab.settings.init_kabupaten(actor=ADMIN, kabupaten_code=KAB)
        up = Source(VILLAGE, OfficeKind.DESA, VILLAGE)
        down = Source(KAB, OfficeKind.KABUPATEN, VILLAGE)

        def send(sender, receiver, source, peer, sequence):
            [out] = sender.exchange.prepare_export(actor=ADMIN, peer_code=peer,
                                                   village=VILLAGE)
            sender.exchange.record_sent(actor=ADMIN, outgoing=out, file_name=f"b{sequence}",
                                        created_at=datetime.now(timezone.utc))
            plan = receiver.exchange.plan_import(actor=ADMIN, source=source,
                                                 bundle_id=out.bundle_id,
                                                 sequence=sequence, records=_records(out))
            receiver.exchange.apply_import(actor=ADMIN, plan=plan)
            return receipt_body(bundle_id=out.bundle_id, sequence=sequence, status="applied")

        village.exchange.apply_receipt(actor=ADMIN, peer_code=KAB,
                                       body=send(village, kab, up, KAB, 1))
        for office, address in ((kab, "JL. DARI KABUPATEN"), (village, "JL. DARI DESA")):
            with office.db.write() as s:
                s.get(Household, home).address = address
        late_receipt = send(kab, village, down, VILLAGE, 1)   # not carried back yet
        [item] = village.exchange.queue(actor=ADMIN)
        village.exchange.resolve(actor=ADMIN, item_id=item.id, choice="ours")
        send(village, kab, up, KAB, 2)                        # before the receipt
        kab.exchange.apply_receipt(actor=ADMIN, peer_code=VILLAGE, body=late_receipt)
        with kab.db.read() as s:
            assert s.get(Household, home).address == "JL. DARI KABUPATEN"
        [waiting] = kab.exchange.queue(actor=ADMIN)
        assert (waiting.field, waiting.ours, waiting.theirs) == (
            "address", "JL. DARI KABUPATEN", "JL. DARI DESA")
        # settled there for the village's value, it is everyone's
        kab.exchange.resolve(actor=ADMIN, item_id=waiting.id, choice="theirs")
        with kab.db.read() as s, village.db.read() as t:
            assert s.get(Household, home).address == t.get(Household, home).address == (
                "JL. DARI DESA")
    finally:
        kab.close()


def test_an_import_undone_after_its_families_were_sent_removes_them_there_too(
        offices, tmp_path):
    """The village imports a file, sends the families, then undoes the import (a wrong
    file): the rows are gone here, and the next bundle carries their removal, so the
    other office does not keep families the village no longer has."""
    from puskesos.services.imports import run_import, undo_last_import
    from tests.db.test_excel_import import PEOPLE, write_xlsx
    village, kab, _homes = offices
    run_import(village, actor=ADMIN, path=write_xlsx(tmp_path / "salah.xlsx", PEOPLE))
    with village.db.read() as s:
        imported = set(s.scalars(select(Household.id).where(
            Household.import_batch_id.is_not(None))))
    assert imported
    source = Source(VILLAGE, OfficeKind.DESA, VILLAGE)
    [first] = village.exchange.prepare_export(actor=ADMIN, peer_code=KAB, village=VILLAGE)
    village.exchange.record_sent(actor=ADMIN, outgoing=first, file_name="b1",
                                 created_at=datetime.now(timezone.utc))
    kab.exchange.apply_import(actor=ADMIN, plan=kab.exchange.plan_import(
        actor=ADMIN, source=source, bundle_id=first.bundle_id, sequence=1,
        records=_records(first)))
    village.exchange.apply_receipt(actor=ADMIN, peer_code=KAB, body=receipt_body(
        bundle_id=first.bundle_id, sequence=1, status="applied"))
    undo_last_import(village, actor=ADMIN)
    [second] = village.exchange.prepare_export(actor=ADMIN, peer_code=KAB, village=VILLAGE)
    removed = {r["id"] for r in second.records["household"] if r.get("deleted_at")}
    assert removed == imported
    plan = kab.exchange.plan_import(actor=ADMIN, source=source, bundle_id=second.bundle_id,
                                    sequence=2, records=_records(second))
    assert plan.count("removed") >= len(imported)
    kab.exchange.apply_import(actor=ADMIN, plan=plan)
    with kab.db.read() as s:
        gone = {h.id: h for h in s.scalars(select(Household).where(
            Household.id.in_(imported)))}
        assert all(h.deleted_at is not None and "salah.xlsx" in h.deleted_reason
                   for h in gone.values()) and set(gone) == imported
        assert s.scalar(select(func.count()).select_from(Member).where(
            Member.household_id.in_(imported), Member.deleted_at.is_(None))) == 0
    # a removal of a family the other office never had changes nothing there
    fresh = kab.exchange.plan_import(actor=ADMIN, source=source,
                                     bundle_id="00000000-0000-4000-8000-0000000000e1",
                                     sequence=3, records={"household": [(
                                         "00000000-0000-4000-8000-0000000000e2", 2 ** 31 - 1,
                                         {"deleted_at": datetime.now(timezone.utc)})]})
    assert fresh.records == () and fresh.unchanged == 1
