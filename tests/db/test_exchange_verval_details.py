"""The verval's details travel to the kabupaten (issue 16 point 5: the village owns
its verval results): what a visit found for each member (a new member too), the
corrections it proposed with the koordinator's decision, and the musdes with its
attendees.  When the village records a visit or the musdes again, the kabupaten ends
with the same findings and attendees — the old ones removed there too, none twice —
and a labelling visit that gets its place from a photo added later is sent again."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from puskesos.core.exchange import BY_NAME, OfficeKind
from puskesos.errors import InvalidInput
from puskesos.models import (Household, Member, Musdes, MusdesAttendee,
                             StickerLog, StickerTarget, VervalCycle, VervalEntry,
                             VervalMember, VervalProposal)
from puskesos.services import open_services
from puskesos.services.exchange import Source, receipt_body
from puskesos.services.exchange.records import MEMBER_NAMES, attach_contents, read_lines
from puskesos.services.verval import Attendee, Correction, MemberFinding
from tests.conftest import ADMIN, VILLAGE
from tests.db.test_bundle_cli import offices  # noqa: F401 - the fixture
from tests.db.test_stickers import _jpeg

KAB = "35.23"
OTHER = "35.23.01.2002"


def _details(services):
    """The verval's details as the kabupaten's desk or the village's page reads them,
    by family (No KK) and person (NIK), never by the ids of one database."""
    with services.db.read() as s:
        findings = sorted(s.execute(
            select(Household.no_kk, Member.nik, VervalMember.name, VervalMember.result,
                   VervalMember.note)
            .join(VervalEntry, VervalEntry.id == VervalMember.entry_id)
            .join(Household, Household.id == VervalEntry.household_id)
            .outerjoin(Member, Member.id == VervalMember.member_id)).all(), key=repr)
        proposals = sorted(s.execute(
            select(Household.no_kk, VervalProposal.target, VervalProposal.field,
                   VervalProposal.old_value, VervalProposal.new_value,
                   VervalProposal.status, VervalProposal.decided_by,
                   VervalProposal.decision_note)
            .join(VervalEntry, VervalEntry.id == VervalProposal.entry_id)
            .join(Household, Household.id == VervalEntry.household_id)).all(), key=repr)
        musdes = sorted(s.execute(
            select(VervalCycle.name, Musdes.held_on, Musdes.place, Musdes.notulen)
            .join(VervalCycle, VervalCycle.id == Musdes.cycle_id)).all())
        attendees = sorted(s.execute(
            select(VervalCycle.name, MusdesAttendee.sort_order, MusdesAttendee.name,
                   MusdesAttendee.position)
            .join(Musdes, Musdes.id == MusdesAttendee.musdes_id)
            .join(VervalCycle, VervalCycle.id == Musdes.cycle_id)).all())
        places = sorted(s.execute(
            select(Household.no_kk, StickerLog.at, StickerLog.latitude, StickerLog.longitude)
            .join(StickerTarget, StickerTarget.id == StickerLog.target_id)
            .join(Household, Household.id == StickerTarget.household_id)).all(), key=repr)
    return findings, proposals, musdes, attendees, places


def _send(sender, receiver):
    """One bundle from the village to the kabupaten, applied, and its receipt back."""
    [out] = sender.exchange.prepare_export(actor=ADMIN, peer_code=KAB, village=VILLAGE)
    sender.exchange.record_sent(actor=ADMIN, outgoing=out, file_name="b",
                                created_at=datetime.now(timezone.utc))
    records = {}
    for name, spec in BY_NAME.items():
        if MEMBER_NAMES[name] in out.members:
            records[name] = read_lines(spec, out.members[MEMBER_NAMES[name]])
            if spec.content:
                attach_contents(spec, records[name], out.members.__getitem__)
    plan = receiver.exchange.plan_import(
        actor=ADMIN, source=Source(VILLAGE, OfficeKind.DESA, VILLAGE),
        bundle_id=out.bundle_id, sequence=out.sequence, records=records)
    receiver.exchange.apply_import(actor=ADMIN, plan=plan)
    sender.exchange.apply_receipt(actor=ADMIN, peer_code=KAB, body=receipt_body(
        bundle_id=out.bundle_id, sequence=out.sequence, status="applied"))
    return out, plan


def _open_entry(services):
    """A household of the demo's open cycle, its members and the cycle."""
    with services.db.read() as s:
        entry = s.scalars(select(VervalEntry).join(
            VervalCycle, VervalCycle.id == VervalEntry.cycle_id).where(
            VervalCycle.status == "open").order_by(VervalEntry.seq)).first()
        members = list(s.scalars(select(Member.id).where(
            Member.household_id == entry.household_id, Member.deleted_at.is_(None))
            .order_by(Member.sort_order)))
        return entry.id, entry.cycle_id, entry.household_id, members


@pytest.fixture
def both(offices):
    village_db, kabupaten_db, _usb = offices
    village, kabupaten = open_services(str(village_db)), open_services(str(kabupaten_db))
    yield village, kabupaten
    village.close()
    kabupaten.close()


def test_findings_proposals_and_musdes_reach_the_kabupaten_and_stay_in_step(tmp_path, both):
    village, kabupaten = both
    entry_id, cycle_id, household_id, members = _open_entry(village)
    assert len(members) >= 2
    village.verval.record_result(
        actor=ADMIN, entry_id=entry_id, result="1", visited_on=date(2026, 12, 1),
        members=[MemberFinding("1", member_id=members[0]),
                 MemberFinding("2", member_id=members[1], note="PINDAH KE SURABAYA"),
                 MemberFinding("5", name="Bayi Baru", sex="P",
                               birth_date=date(2026, 10, 2), relationship_code="4")],
        corrections=[Correction("household", household_id, "address", "JL. KENANGA 7")])
    village.verval.save_musdes(actor=ADMIN, cycle_id=cycle_id, held_on=date(2026, 12, 3),
                               place="Balai Desa", notulen="SITI",
                               attendees=[Attendee("H. KARSO", "Kepala Desa"),
                                          Attendee("SITI", "Sekretaris")])
    expected = _details(village)
    findings, proposals, musdes, attendees, _places = expected
    assert len([f for f in findings if f[0] and f[3] == "5"]) >= 1
    assert any(p[2] == "address" and p[4] == "JL. KENANGA 7" for p in proposals)
    assert ("Balai Desa" in [m[2] for m in musdes]
            and [a[2] for a in attendees if a[0] == musdes[0][0]] == ["H. KARSO", "SITI"])
    _send(village, kabupaten)
    assert _details(kabupaten) == expected

    # the village records the visit again, decides a proposal and corrects the musdes'
    # list; a photo taken at a labelling visit gives that visit its place
    village.verval.record_result(
        actor=ADMIN, entry_id=entry_id, result="1", visited_on=date(2026, 12, 2),
        members=[MemberFinding("1", member_id=members[0]),
                 MemberFinding("3", member_id=members[1], note="MENINGGAL 30-11")])
    [address] = [p for p in village.verval.proposals(cycle_id=cycle_id, actor=ADMIN)
                 if p.field == "address" and p.entry_id == entry_id]
    village.verval.decide_proposal(actor=ADMIN, proposal_id=address.id, approve=False,
                                   note="Alamat lama masih benar")
    village.verval.save_musdes(actor=ADMIN, cycle_id=cycle_id, held_on=date(2026, 12, 3),
                               place="Balai Desa", notulen="SITI",
                               attendees=[Attendee("H. KARSO", "Kepala Desa"),
                                          Attendee("BUDI", "Ketua BPD")])
    with village.db.read() as s:
        log_id = s.scalar(select(StickerLog.id).where(StickerLog.latitude.is_(None)))
    assert log_id is not None
    village.stickers.add_photos(actor=ADMIN, log_id=log_id,
                                paths=[_jpeg(tmp_path / "rumah.jpg")])
    expected = _details(village)
    findings, proposals, _musdes, attendees, places = expected
    assert any(f[3] == "3" and f[4] == "MENINGGAL 30-11" for f in findings)
    assert any(p[5] == "tolak" and p[7] == "Alamat lama masih benar" for p in proposals)
    assert [a[2] for a in attendees if a[0] == _musdes[0][0]] == ["H. KARSO", "BUDI"]
    out, plan = _send(village, kabupaten)
    # only what changed travelled, the old findings and attendee as removals
    assert 0 < out.counts["verval_member"] < len(findings) + 5
    assert out.counts["sticker_log"] == 1
    assert _details(kabupaten) == expected


def test_a_village_cannot_reach_another_villages_verval_details(both):
    village, kabupaten = both
    entry_id, cycle_id, _household, members = _open_entry(village)
    village.verval.record_result(actor=ADMIN, entry_id=entry_id, result="1",
                                 members=[MemberFinding("1", member_id=members[0])],
                                 corrections=[Correction("household", _household,
                                                         "address", "JL. BARU 1")])
    village.verval.save_musdes(actor=ADMIN, cycle_id=cycle_id, held_on=date(2026, 12, 3),
                               place="Balai Desa", attendees=[Attendee("H. KARSO")])
    _send(village, kabupaten)
    # the village's own proposal, sent again naming only another village's family:
    # the target stored here (a family) is checked against it, and refused
    from puskesos.core.regions import regions
    from puskesos.services.settings.village import ensure_regions
    with kabupaten.db.write() as s:
        chain = regions().path(OTHER)
        ensure_regions(s, (chain.provinsi, chain.kabupaten, chain.kecamatan, chain.desa))
        stranger = Household(region_code=OTHER, no_kk="3523010202990001")
        s.add(stranger)
        s.flush()
        stranger_id = s.get(Household, stranger.id).id
        proposal_id = s.scalar(select(VervalProposal.id).where(
            VervalProposal.field == "address"))
    with pytest.raises(InvalidInput, match="desa lain"):
        kabupaten.exchange.plan_import(
            actor=ADMIN, source=Source(VILLAGE, OfficeKind.DESA, VILLAGE),
            bundle_id="00000000-0000-4000-8000-0000000000f1", sequence=9,
            records={"verval_proposal": [(proposal_id, 1, {"target_id": stranger_id})]})
    with kabupaten.db.read() as s:
        musdes_id = s.scalar(select(Musdes.id))
        finding_id = s.scalar(select(VervalMember.id))
    intruder = Source(OTHER, OfficeKind.DESA, OTHER)
    attempts = {
        # a finding added to the first village's visit
        "verval_member": ("00000000-0000-4000-8000-0000000000d1",
                          {"entry_id": entry_id, "member_id": members[0], "result": "1"}),
        # the first village's finding moved, or removed by another village
        "verval_proposal": ("00000000-0000-4000-8000-0000000000d2",
                            {"entry_id": entry_id, "target": "household",
                             "target_id": _household, "field": "address",
                             "new_value": "DIAMBIL ALIH", "status": "usulan",
                             "proposed_by": "x",
                             "proposed_at": datetime.now(timezone.utc)}),
        "musdes_attendee": ("00000000-0000-4000-8000-0000000000d3",
                            {"musdes_id": musdes_id, "name": "PENYUSUP", "sort_order": 9}),
    }
    before = _details(kabupaten)
    for number, (entity, (record_id, values)) in enumerate(attempts.items()):
        with pytest.raises(InvalidInput, match="desa lain"):
            kabupaten.exchange.plan_import(
                actor=ADMIN, source=intruder,
                bundle_id=f"00000000-0000-4000-8000-0000000000e{number}", sequence=1,
                records={entity: [(record_id, 1, values)]})
    with pytest.raises(InvalidInput, match="desa lain"):
        kabupaten.exchange.plan_import(
            actor=ADMIN, source=intruder, bundle_id="00000000-0000-4000-8000-0000000000e9",
            sequence=1, records={"verval_member": [(finding_id, 1, {"removed": True})]})
    assert _details(kabupaten) == before
    # at the kabupaten a village's musdes is read, not changed
    with pytest.raises(InvalidInput, match="hanya dibaca"):
        kabupaten.verval.save_musdes(actor=ADMIN, cycle_id=cycle_id,
                                     held_on=date(2026, 12, 4), place="Kantor Dinsos",
                                     attendees=[Attendee("X")])
