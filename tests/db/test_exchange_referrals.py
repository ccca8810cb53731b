"""Referrals over exchange bundles (issue 16 points 5, 7 and 9): the village's
referrals, their steps and visits reach the kabupaten; a service's reply recorded
there (``referral reply … --status …``) goes back in the kabupaten's bundle and moves
the village's referral through the flow's reply rule; what the village then has goes
up again.  A reply the referral can no longer take is kept and reported, not forced.
On SQLite and on the PostgreSQL server a Dinas Sosial runs (the kabupaten's side)."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from PIL import Image

from puskesos.core.exchange import OfficeKind
from puskesos.errors import InvalidInput
from puskesos.services.exchange import Source
from tests.conftest import ADMIN, VILLAGE
from tests.db.test_bundle_cli import offices  # noqa: F401 - the fixture
from tests.db.test_exchange_records import offices as service_offices  # noqa: F401
from tests.helpers import cli_json as _json


def _carry(cli, sender, receiver, folder, *extra):
    """Export from ``sender`` into ``folder``, import at ``receiver``, carry the receipt
    back; the import's JSON."""
    folder.mkdir(exist_ok=True)
    sent = _json(cli("--db", sender, "bundle", "export", "--out", folder, "--json", *extra))
    [bundle] = [folder / p.split("/")[-1] for p in sent["files"]]
    done = _json(cli("--db", receiver, "bundle", "import", bundle, "--json"))
    receipt = folder / done["receipt"].split("/")[-1]
    assert _json(cli("--db", sender, "bundle", "import", receipt, "--json"))[
        "status"] == "accepted"
    return done


def _referrals(cli, db, *args):
    return {r["tracking_code"]: r for r in
            _json(cli("--db", db, "referral", "list", "--json", *args))}


def test_a_reply_at_the_kabupaten_moves_the_villages_referral(cli, offices, tmp_path):
    village, kabupaten, usb = offices
    at_village = _referrals(cli, village)
    assert at_village, "the demo village has referrals"
    # a scan kept with a referred case travels with it, byte for byte
    [scanned, *_rest] = sorted(c for c, r in at_village.items() if r["status"] == "dirujuk")
    scan = tmp_path / "surat-keterangan.png"
    Image.new("RGB", (64, 48), (200, 30, 30)).save(scan)
    assert cli("--db", village, "referral", "attach", scanned, str(scan)).returncode == 0
    [kept] = _json(cli("--db", village, "referral", "show", scanned, "--json"))[
        "referral"]["attachments"]
    up = _carry(cli, village, kabupaten, usb / "1")
    assert up["conflicts"] == 0
    # the kabupaten sees every referral of the village, at the same step, with its steps
    at_kab = _referrals(cli, kabupaten)
    assert {c: r["status"] for c, r in at_kab.items()} == {
        c: r["status"] for c, r in at_village.items()}
    [code, *_rest] = sorted(c for c, r in at_kab.items() if r["status"] == "dirujuk")
    shown = _json(cli("--db", kabupaten, "referral", "show", code, "--json"))["referral"]
    village_shown = _json(cli("--db", village, "referral", "show", code, "--json"))["referral"]
    assert [e["to_status"] for e in shown["events"]] == [
        e["to_status"] for e in village_shown["events"]]
    assert shown["letter_number"] is None           # the letter register stays in the village
    [arrived] = _json(cli("--db", kabupaten, "referral", "show", scanned, "--json"))[
        "referral"]["attachments"]
    assert (arrived["filename"], arrived["sha256"]) == (kept["filename"], kept["sha256"])
    copy = tmp_path / "copy.png"
    assert cli("--db", kabupaten, "referral", "attachment-save", arrived["id"], "--out",
               str(copy)).returncode == 0
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == kept["sha256"]
    # the scan was the wrong person's: removed in the village, it goes at the kabupaten
    # too with the village's next bundle (below)
    removed = cli("--db", village, "referral", "attachment-remove", kept["id"], "--reason",
                  "KTP orang lain")
    assert removed.returncode == 0, removed.stderr
    # the Dinas Sosial records the service's reply: it waits to travel, the copy of the
    # village's referral is not changed at the kabupaten
    replied = cli("--db", kabupaten, "referral", "reply", code, "--status", "selesai",
                  "--reference", "460/77/2026", "--note", "Bantuan sembako diberikan")
    assert replied.returncode == 0, replied.stderr
    assert "bundel berikutnya" in replied.stdout
    assert _referrals(cli, kabupaten)[code]["status"] == "dirujuk"
    # down to the village: the reply is in the plan, then moves the referral through the
    # reply rule (received, in process, done, on the reply's day, marked as from a bundle)
    down = usb / "2"
    down.mkdir()
    sent = _json(cli("--db", kabupaten, "bundle", "export", "--to", VILLAGE, "--out", down,
                     "--json"))
    [bundle] = [down / p.split("/")[-1] for p in sent["files"]]
    # the kabupaten sees where its reply stands: sent, and later delivered
    assert _json(cli("--db", kabupaten, "referral", "show", code, "--json"))[
        "referral"]["replies"][0]["delivery"] == "sent"
    trial = cli("--db", village, "bundle", "import", bundle, "--dry-run")
    assert trial.returncode == 0 and code in trial.stdout and "Selesai" in trial.stdout
    assert _referrals(cli, village)[code]["status"] == "dirujuk"
    done = _json(cli("--db", village, "bundle", "import", bundle, "--json"))
    assert done["replies"] == [{"referral": code, "status": "selesai",
                                "on": date.today().isoformat(), "not_applied": None}]
    after = _json(cli("--db", village, "referral", "show", code, "--json"))["referral"]
    assert after["status"] == "selesai" and after["reply_reference"] == "460/77/2026"
    assert after["reply_note"] == "Bantuan sembako diberikan"
    steps = [(e["to_status"], e["source"]) for e in after["events"]]
    assert steps[-3:] == [("diterima", "bundle"), ("diproses", "bundle"),
                          ("selesai", "bundle")]
    assert after["replies"][0]["applied_at"] is not None
    # the same bundle again changes nothing: the reply is not applied twice
    cli("--db", village, "bundle", "import", bundle)
    again = _json(cli("--db", village, "referral", "show", code, "--json"))["referral"]
    assert len(again["events"]) == len(after["events"])
    # and back up: the kabupaten's copy now says done, with the village's steps
    receipt = down / done["receipt"].split("/")[-1]
    cli("--db", kabupaten, "bundle", "import", receipt)
    assert "sudah sampai di desa" in cli("--db", kabupaten, "referral", "show", code).stdout
    _carry(cli, village, kabupaten, usb / "3")
    assert _json(cli("--db", kabupaten, "referral", "show", scanned, "--json"))[
        "referral"]["attachments"] == []
    assert _referrals(cli, kabupaten)[code]["status"] == "selesai"
    kab_after = _json(cli("--db", kabupaten, "referral", "show", code, "--json"))["referral"]
    assert [e["to_status"] for e in kab_after["events"]] == [
        e["to_status"] for e in after["events"]]


def test_a_reply_the_referral_can_no_longer_take_is_kept_and_reported(cli, offices):
    village, kabupaten, usb = offices
    _carry(cli, village, kabupaten, usb / "1")
    [code, *_rest] = sorted(c for c, r in _referrals(cli, kabupaten).items()
                            if r["status"] == "dirujuk")
    # what the village's flow would refuse is refused here already, with why
    refused = cli("--db", kabupaten, "referral", "reply", code, "--status", "ditolak")
    assert refused.returncode != 0 and "Tuliskan alasannya" in refused.stderr
    assert cli("--db", kabupaten, "referral", "reply", code, "--status", "diterima"
               ).returncode == 0
    # meanwhile the village cancels it (the resident moved away)
    cancelled = cli("--db", village, "referral", "transition", code, "--to", "dibatalkan",
                    "--note", "Pindah ke luar desa")
    assert cancelled.returncode == 0, cancelled.stderr
    down = usb / "2"
    down.mkdir()
    sent = _json(cli("--db", kabupaten, "bundle", "export", "--to", VILLAGE, "--out", down,
                     "--json"))
    done = _json(cli("--db", village, "bundle", "import",
                     down / sent["files"][0].split("/")[-1], "--json"))
    [reply] = done["replies"]
    assert reply["referral"] == code and reply["not_applied"]
    shown = _json(cli("--db", village, "referral", "show", code, "--json"))["referral"]
    assert shown["status"] == "dibatalkan"
    assert shown["replies"][0]["not_applied"] and shown["replies"][0]["applied_at"] is None


def test_each_side_sends_only_its_own_kind_of_referral_record(service_offices):
    village, kab, _homes = service_offices
    detail = village.referrals.add(actor=ADMIN, category="kesehatan",
                                   description="Butuh kursi roda", person_name="SITI",
                                   nik_absent_reason="belum punya KTP")
    reply = {"referral_id": detail.id, "outcome": "selesai", "on_date": date.today(),
             "reference": None, "note": None, "actor": "kab",
             "recorded_at": detail.events[0].recorded_at}
    forged = {"referral_reply": [("00000000-0000-4000-8000-0000000000aa", 1, reply)]}
    # a village cannot send a reply; a kabupaten cannot send the village's referrals
    with pytest.raises(InvalidInput, match="hanya dikirim pihak lain"):
        kab.exchange.plan_import(actor=ADMIN, source=Source(VILLAGE, OfficeKind.DESA,
                                                            VILLAGE),
                                 bundle_id="00000000-0000-4000-8000-0000000000ab",
                                 sequence=1, records=forged)
    with pytest.raises(InvalidInput, match="hanya dikirim pihak lain"):
        village.exchange.plan_import(
            actor=ADMIN, source=Source("35.23", OfficeKind.KABUPATEN, VILLAGE),
            bundle_id="00000000-0000-4000-8000-0000000000ae", sequence=1,
            records={"referral": [(detail.id, 2, {"status": "selesai"})]})
    # a referral of another village is refused at the kabupaten
    other = {"referral": [("00000000-0000-4000-8000-0000000000ac", 1, {
        "tracking_code": "RJ-ZZZZ-ZZZZ", "village_code": "35.23.01.2002", "status": "tercatat",
        "person_name": "X", "category": "kesehatan", "description": "x", "urgency": "biasa",
        "channel": "datang", "received_on": date.today(), "received_by": "op"})]}
    with pytest.raises(InvalidInput, match="desa lain"):
        kab.exchange.plan_import(actor=ADMIN, source=Source(VILLAGE, OfficeKind.DESA,
                                                            VILLAGE),
                                 bundle_id="00000000-0000-4000-8000-0000000000ad",
                                 sequence=1, records=other)


def test_a_referral_from_before_the_upgrade_goes_with_its_first_new_step(service_offices):
    """A referral recorded before bundles carried referrals is older than the last
    bundle the kabupaten acknowledged: when a home visit is added to it, the next
    bundle brings the referral with the visit (a step alone would be refused there as
    one of a referral it never had, and every later bundle with it)."""
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import delete, select, update

    from puskesos.models import ExchangeBase, Referral, ReferralEvent, ReferralVisit
    from puskesos.services.exchange import receipt_body
    from tests.db.test_exchange_outgoing import KAB, _records
    village, kab, _homes = service_offices
    detail = village.referrals.add(actor=ADMIN, category="kesehatan",
                                   description="Butuh kursi roda", person_name="SITI",
                                   nik_absent_reason="belum punya KTP")
    source = Source(VILLAGE, OfficeKind.DESA, VILLAGE)

    def exchange(sequence):
        [out] = village.exchange.prepare_export(actor=ADMIN, peer_code=KAB, village=VILLAGE)
        village.exchange.record_sent(actor=ADMIN, outgoing=out, file_name=f"b{sequence}",
                                     created_at=datetime.now(timezone.utc))
        kab.exchange.apply_import(actor=ADMIN, plan=kab.exchange.plan_import(
            actor=ADMIN, source=source, bundle_id=out.bundle_id, sequence=sequence,
            records=_records(out)))
        village.exchange.apply_receipt(actor=ADMIN, peer_code=KAB, body=receipt_body(
            bundle_id=out.bundle_id, sequence=sequence, status="applied"))
        return out

    exchange(1)
    # as if the program that sent bundle 1 had not sent referrals yet
    with kab.db.write() as s:
        s.execute(delete(ReferralEvent).where(ReferralEvent.referral_id == detail.id))
        s.execute(delete(Referral).where(Referral.id == detail.id))
    with village.db.write() as s:
        s.execute(delete(ExchangeBase).where(ExchangeBase.entity.like("referral%")))
        # recorded long before the last bundle
        long_ago = datetime.now(timezone.utc) - timedelta(days=30)
        s.execute(update(Referral).where(Referral.id == detail.id).values(
            updated_at=long_ago))
        s.execute(update(ReferralEvent).where(ReferralEvent.referral_id == detail.id)
                  .values(recorded_at=long_ago))
    village.referrals.add_visit(actor=ADMIN, referral_id=detail.id,
                                visited_on=date.today(), visitor="KADER",
                                findings="Sudah diukur kursi rodanya")
    second = exchange(2)
    assert [r["id"] for r in second.records["referral"]] == [detail.id]
    with kab.db.read() as s:
        assert s.get(Referral, detail.id).person_name == "SITI"
        assert s.scalar(select(ReferralVisit.findings).where(
            ReferralVisit.referral_id == detail.id)) == "Sudah diukur kursi rodanya"


def test_a_referral_colliding_with_one_here_is_refused_in_words(service_offices):
    """Two referrals with one tracking code (a hostile or broken bundle): refused with
    a message, nothing written — not a crash."""
    village, other, _homes = service_offices
    mine = other.referrals.add(actor=ADMIN, category="kesehatan", description="x",
                               person_name="A", nik_absent_reason="belum ada")
    theirs = village.referrals.add(actor=ADMIN, category="kesehatan", description="y",
                                   person_name="B", nik_absent_reason="belum ada")
    from sqlalchemy import update

    from puskesos.models import Referral
    with village.db.write() as s:
        s.execute(update(Referral).where(Referral.id == theirs.id).values(
            tracking_code=mine.tracking_code))
    from tests.db.test_exchange_records import _apply, _bundle
    records, _counts = _bundle(village)
    with pytest.raises(InvalidInput, match="bertabrakan"):
        _apply(other, records, 1)
    assert other.referrals.find_by_code(mine.tracking_code, actor=ADMIN).id == mine.id
    assert other.exchange.sent(actor=ADMIN) == []
