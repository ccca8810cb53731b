"""The village's labelling of houses and its verval results travel to the kabupaten
(issue 16 point 5): after a bundle the kabupaten has, for every family, the same
sticker visits (outcome, time, officers) and the same verval result and musdes
decision as the village; two villages that both call their campaign STK2026 are kept
apart; a village cannot reach another village's campaign, and a labelling visit of a
house that is not the village's is refused."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from puskesos.core.exchange import OfficeKind
from puskesos.errors import InvalidInput
from puskesos.models import (Household, StickerCampaign, StickerLog, StickerPhoto,
                             StickerTarget, VervalCycle, VervalEntry)
from puskesos.services import open_services
from puskesos.services.exchange import Source
from tests.conftest import ADMIN
from tests.db.test_bundle_cli import offices  # noqa: F401 - the fixture
from tests.helpers import cli_json as _json

OTHER = "35.23.01.2002"


def _labelling_and_verval(db):
    """Per family (its No KK): its sticker visits and its verval result, as the
    kabupaten's desk or the village's page would read them."""
    services = open_services(str(db))
    try:
        with services.db.read() as s:
            visits = sorted(s.execute(
                select(Household.no_kk, StickerCampaign.code, StickerTarget.serial,
                       StickerLog.outcome, StickerLog.at, StickerLog.officers,
                       StickerLog.well_off)
                .join(StickerTarget, StickerTarget.id == StickerLog.target_id)
                .join(StickerCampaign, StickerCampaign.id == StickerTarget.campaign_id)
                .join(Household, Household.id == StickerTarget.household_id)).all())
            results = sorted(s.execute(
                select(Household.no_kk, VervalCycle.name, VervalEntry.result,
                       VervalEntry.visited_on, VervalEntry.decision,
                       VervalEntry.decision_note)
                .join(VervalCycle, VervalCycle.id == VervalEntry.cycle_id)
                .join(Household, Household.id == VervalEntry.household_id)).all(),
                key=repr)
            campaigns = sorted(s.scalars(select(StickerCampaign.code)))
            # the photos, by their checksum and that of the bytes kept
            photos = sorted((sha, hashlib.sha256(data).hexdigest()) for sha, data in
                            s.execute(select(StickerPhoto.sha256, StickerPhoto.data)))
        return visits, results, campaigns, photos
    finally:
        services.close()


def _send(cli, village, kabupaten, folder):
    folder.mkdir()
    sent = _json(cli("--db", village, "bundle", "export", "--out", folder, "--json"))
    return _json(cli("--db", kabupaten, "bundle", "import",
                     folder / sent["files"][0].split("/")[-1], "--json"))


def test_the_labelling_and_verval_results_reach_the_kabupaten(cli, offices, tmp_path):
    village, kabupaten, usb = offices
    visits, results, campaigns, photos = _labelling_and_verval(village)
    assert visits and results and any(r[4] for r in results)   # decisions made
    assert photos and all(sha == kept for sha, kept in photos)
    done = _send(cli, village, kabupaten, usb / "1")
    assert done["conflicts"] == 0
    assert _labelling_and_verval(kabupaten) == (visits, results, campaigns, photos)
    # a second village whose campaign has the same code: both kept, each its own
    other = tmp_path / "other.sqlite"
    assert cli("--db", other, "init", "--village", OTHER).returncode == 0
    assert cli("--db", other, "demo", "--households", "30", "--seed", "5").returncode == 0
    for me, them in ((other, kabupaten), (kabupaten, other)):
        card = tmp_path / "card.json"
        shown = _json(cli("--db", me, "keys", "export", "--out", card, "--json"))
        assert cli("--db", them, "keys", "trust", card, "--fingerprint",
                   shown["fingerprint"]).returncode == 0
        card.unlink()
    theirs = _labelling_and_verval(other)
    assert theirs[2] == campaigns                            # the same code, STK2026
    _send(cli, other, kabupaten, usb / "2")
    both = _labelling_and_verval(kabupaten)
    assert both[2] == sorted(campaigns + theirs[2])
    assert sorted(visits + theirs[0]) == both[0]
    assert sorted(photos + theirs[3]) == both[3]
    # the kabupaten lists one village's families by its code
    assert _json(cli("--db", kabupaten, "households", "--village", "3523012002",
                     "--json"))["total"] == 30


def test_a_village_cannot_reach_another_villages_labelling(offices, cli):
    village, kabupaten, usb = offices
    _send(cli, village, kabupaten, usb / "1")
    services = open_services(str(kabupaten))
    try:
        with services.db.read() as s:
            campaign_id, code = s.execute(select(StickerCampaign.id,
                                                 StickerCampaign.code)).first()
            target_id = s.scalar(select(StickerTarget.id))
        values = {"code": code, "name": "DIAMBIL ALIH", "sticker_text": "x", "per_page": 4,
                  "last_serial": 1, "created_by": "x"}
        intruder = Source(OTHER, OfficeKind.DESA, OTHER)
        # another village sending a campaign of the first under its id: refused
        with pytest.raises(InvalidInput, match="desa lain"):
            services.exchange.plan_import(
                actor=ADMIN, source=intruder, bundle_id="00000000-0000-4000-8000-0000000000c1",
                sequence=1, records={"sticker_campaign": [(campaign_id, 9, values)]})
        # a labelling visit of a house of the first village: refused
        visit = {"target_id": target_id, "outcome": "terpasang",
                 "at": datetime.now(timezone.utc), "recorded_at": datetime.now(timezone.utc),
                 "actor": "x", "officers": ["X"], "well_off": False}
        with pytest.raises(InvalidInput, match="tidak ada di bundel"):
            services.exchange.plan_import(
                actor=ADMIN, source=intruder, bundle_id="00000000-0000-4000-8000-0000000000c2",
                sequence=1, records={"sticker_log": [(
                    "00000000-0000-4000-8000-0000000000c3", 1, visit)]})
    finally:
        services.close()


def test_parts_of_a_bundle_each_carry_the_campaign_and_cycle_they_need(offices):
    """Cut for email, each part holds whole families with the campaign and verval cycle
    their houses belong to, and the photos of their visits: applied in any order,
    every part stands alone."""
    from puskesos.core.exchange import BY_NAME
    from puskesos.services.exchange.records import (MEMBER_NAMES, attach_contents,
                                                    read_lines)
    from tests.conftest import VILLAGE
    village, kabupaten, _usb = offices
    expected = _labelling_and_verval(village)
    sender, receiver = open_services(str(village)), open_services(str(kabupaten))
    try:
        [whole] = sender.exchange.prepare_export(actor=ADMIN, peer_code="35.23",
                                                 village=VILLAGE)
        size = sum(len(v) for v in whole.members.values())
        parts = sender.exchange.prepare_export(actor=ADMIN, peer_code="35.23",
                                               village=VILLAGE,
                                               max_bytes=max(64 * 1024, size // 4))
        assert len(parts) >= 3
        source = Source(VILLAGE, OfficeKind.DESA, VILLAGE)
        for part in reversed(parts):
            records = {}
            for name, spec in BY_NAME.items():
                if MEMBER_NAMES[name] in part.members:
                    records[name] = read_lines(spec, part.members[MEMBER_NAMES[name]])
                    if spec.content:
                        attach_contents(spec, records[name], part.members.__getitem__)
            plan = receiver.exchange.plan_import(
                actor=ADMIN, source=source, bundle_id=part.bundle_id,
                sequence=part.sequence, records=records)
            receiver.exchange.apply_import(actor=ADMIN, plan=plan)
    finally:
        sender.close()
        receiver.close()
    assert _labelling_and_verval(kabupaten) == expected


def test_at_the_kabupaten_a_villages_verval_and_labelling_are_read_not_changed(
        cli, offices):
    """The kabupaten sees the village's cycles and campaigns; a visit recorded, a
    decision or a new cycle or campaign there is refused with why — the village
    records them, and its next bundle would meet such a change as a conflict."""
    village, kabupaten, usb = offices
    _send(cli, village, kabupaten, usb / "1")
    services = open_services(str(kabupaten))
    try:
        with services.db.read() as s:
            entry_id, cycle_id = s.execute(select(VervalEntry.id, VervalEntry.cycle_id)).first()
            campaign_id, household_id = s.execute(select(
                StickerTarget.campaign_id, StickerTarget.household_id)).first()
        attempts = (
            lambda: services.verval.record_result(actor=ADMIN, entry_id=entry_id,
                                                  result="1"),
            lambda: services.verval.decide_suggested(actor=ADMIN, cycle_id=cycle_id),
            lambda: services.verval.create_cycle(actor=ADMIN, name="Verval kabupaten",
                                                 period="2027-S1"),
            lambda: services.stickers.record_outcome(
                actor=ADMIN, campaign_id=campaign_id, household_id=household_id,
                outcome="terpasang", at=datetime.now(timezone.utc), officers=["PETUGAS"]))
        for attempt in attempts:
            with pytest.raises(InvalidInput, match="hanya dibaca"):
                attempt()
        # reading them is the kabupaten's work
        assert services.verval.cycles(actor=ADMIN)
    finally:
        services.close()


def test_an_export_holds_one_parts_photos_in_memory_at_a_time(offices, tmp_path):
    """A village with many photos (here 60 MB of them, ten houses) exports them in
    parts of 5 MB; the bytes of each part's photos are read when its file is written,
    so the export's memory stays near one part's, not all the photos at once.  A
    photo removed between making the parts and writing them stops the export with
    a message, not a bundle naming a file it lacks."""
    import os
    import tracemalloc

    from puskesos.services.exchange.outgoing import Outgoing
    village, _kabupaten, _usb = offices
    services = open_services(str(village))
    try:
        with services.db.write() as s:
            logs = list(s.scalars(select(StickerLog.id).limit(10)))
            assert len(logs) == 10
            for log_id in logs:
                for n in range(6):
                    data = os.urandom(1024 * 1024)
                    s.add(StickerPhoto(log_id=log_id, filename=f"foto{n}.jpg",
                                       media_type="image/jpeg", size=len(data),
                                       original_sha256=hashlib.sha256(data).hexdigest(),
                                       sha256=hashlib.sha256(data).hexdigest(), data=data,
                                       actor="admin"))
        folder = tmp_path / "out"
        folder.mkdir()
        tracemalloc.start()
        try:
            written = services.exchange.export_to(actor=ADMIN, folder=folder,
                                                  max_bytes=5 * 1024 * 1024)
            _now, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert len(written) >= 10
        assert sum(p.stat().st_size for p in written) > 60 * 1024 * 1024
        assert peak < 40 * 1024 * 1024, peak
        # a photo gone before its part is written: a clear stop
        parts = services.exchange.prepare_export(actor=ADMIN, peer_code="35.23",
                                                 village="35.23.01.2001", full=True,
                                                 max_bytes=5 * 1024 * 1024)
        with services.db.write() as s:
            s.delete(s.scalars(select(StickerPhoto)).first())
        with_photo = [p for p in parts if isinstance(p, Outgoing)
                      and p.counts.get("sticker_photo")]
        with pytest.raises(InvalidInput, match="dihapus"):
            for part in with_photo:
                part.members
    finally:
        services.close()
