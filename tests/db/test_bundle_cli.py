"""Exchange bundles end to end on the command line (issue 16 points 3, 4, 6, 7 and 8):
a village and its kabupaten made by ``init``, their identities trusted both ways,
the village's bundle written to a "USB" folder, inspected, tried, imported at the
kabupaten (the same again changes nothing), its receipt carried back and read;
the next bundle holds only what changed; refusals leave the database untouched and
exit non-zero."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import func, select

from puskesos.models import Household, Member
from puskesos.services import open_services
from tests.conftest import VILLAGE
from tests.helpers import cli_json as _json, copy_village, nonzero


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def offices(request, tmp_path, _offices_made):
    """A village with the demo's families and its kabupaten (a SQLite file, or the
    PostgreSQL server a Dinas Sosial runs), each trusting the other: copies of the
    ones made once (tests/db/conftest.py)."""
    from puskesos.db.keys import KEYRING
    from tests.conftest import _pg_database, _pg_required
    if request.param != "sqlite":
        _pg_required()
    made_village, village_key, made_kabupaten = _offices_made(request.param)
    village = copy_village(made_village, tmp_path / "jlodro.sqlite")
    KEYRING.remember(village, village_key)
    if request.param == "sqlite":
        kabupaten = copy_village(made_kabupaten[0], tmp_path / "tuban.sqlite")
        KEYRING.remember(kabupaten, made_kabupaten[1])
    else:
        kabupaten = _pg_database(request, template=made_kabupaten)
    usb = tmp_path / "usb"
    usb.mkdir()
    return village, kabupaten, usb


def _count(db, model, **where):
    services = open_services(str(db))
    try:
        with services.db.read() as s:
            query = select(func.count()).select_from(model)
            for name, value in where.items():
                query = query.where(getattr(model, name) == value)
            return s.scalar(query)
    finally:
        services.close()


def test_village_to_kabupaten_and_the_receipt_back(cli, offices, tmp_path):
    village, kabupaten, usb = offices
    sent = _json(cli("--db", village, "bundle", "export", "--out", usb, "--json"))
    [bundle] = [usb / p.split("/")[-1] for p in sent["files"]]
    assert bundle.name.startswith("3523012001-000001-") and bundle.suffix == ".puskesos"
    # no personal data in the name, none readable in the bytes
    raw = bundle.read_bytes()
    assert raw.startswith(b"age-encryption.org/v1")
    assert b"JLODRO" not in raw.upper() and b"3523" not in raw[200:]
    inspected = _json(cli("--db", kabupaten, "bundle", "inspect", bundle, "--json"))
    assert inspected["source"]["code"] == VILLAGE and inspected["counts"]["household"] == 40
    said = cli("--db", kabupaten, "bundle", "inspect", bundle).stdout
    assert said.startswith(f"Bundel 1 dari {VILLAGE} (Desa Jlodro) untuk 35.23")
    assert "keluarga 40" in said and "rujukan " in said and "_" not in said
    households = _count(village, Household)
    # a trial changes nothing
    trial = _json(cli("--db", kabupaten, "bundle", "import", bundle, "--dry-run", "--json"))
    assert trial["new"] > 40 and trial["dry_run"] and _count(kabupaten, Household) == 0
    done = _json(cli("--db", kabupaten, "bundle", "import", bundle, "--json"))
    assert done["new"] == trial["new"] and done["conflicts"] == 0
    assert _count(kabupaten, Household, region_code=VILLAGE) == households
    assert _count(kabupaten, Member) == _count(village, Member)
    receipt = tmp_path / "usb" / done["receipt"].split("/")[-1]
    assert receipt.exists() and receipt.name.endswith("-tanda-terima.puskesos")
    # the same bundle again: nothing changes, says so, answers again
    again = cli("--db", kabupaten, "bundle", "import", bundle)
    assert again.returncode == 0 and "sudah pernah diimpor" in again.stdout
    # the village reads the receipt: the bundle is delivered, nothing waits
    read = _json(cli("--db", village, "bundle", "import", receipt, "--json"))
    assert read["receipt"] and read["status"] == "accepted"
    # the next bundle holds only what changed since
    services = open_services(str(village))
    try:
        with services.db.write() as s:
            changed = s.scalars(select(Household).limit(1)).first()
            old_phone, changed.phone = changed.phone, "081299990000"
    finally:
        services.close()
    later = usb / "later"
    later.mkdir()
    nxt = _json(cli("--db", village, "bundle", "export", "--out", later, "--json"))
    [second] = [later / p.split("/")[-1] for p in nxt["files"]]
    assert nonzero(_json(cli("--db", kabupaten, "bundle", "inspect", second, "--json"))[
        "counts"]) == {"household": 1}
    # the trial says what each field held and will hold
    [record] = _json(cli("--db", kabupaten, "bundle", "import", second, "--dry-run",
                         "--json"))["records"]
    assert record["changes"] == {"phone": [old_phone, "081299990000"]}
    applied = _json(cli("--db", kabupaten, "bundle", "import", second, "--json"))
    assert applied["changed"] == 1 and applied["sequence"] == 2


def test_refusals_exit_non_zero_and_touch_nothing(cli, offices, tmp_path):
    village, kabupaten, usb = offices
    sent = _json(cli("--db", village, "bundle", "export", "--out", usb, "--json"))
    bundle = usb / sent["files"][0].split("/")[-1]
    # a byte changed in transit
    tampered = tmp_path / "tampered.puskesos"
    data = bytearray(bundle.read_bytes())
    data[len(data) // 2] ^= 0x01
    tampered.write_bytes(bytes(data))
    refused = cli("--db", kabupaten, "bundle", "import", tampered)
    assert refused.returncode != 0 and "rusak" in refused.stderr.lower()
    # cut short
    short = tmp_path / "short.puskesos"
    short.write_bytes(bundle.read_bytes()[: len(data) // 3])
    assert cli("--db", kabupaten, "bundle", "import", short).returncode != 0
    # a bundle for another office: the village cannot open its own bundle to the kabupaten
    mine = cli("--db", village, "bundle", "import", bundle)
    assert mine.returncode != 0
    # an untrusted sender: a second village the kabupaten never trusted
    other = tmp_path / "other.sqlite"
    assert cli("--db", other, "init", "--village", "35.23.01.2002").returncode == 0
    card = tmp_path / "kab.json"
    exported = _json(cli("--db", kabupaten, "keys", "export", "--out", card, "--json"))
    assert cli("--db", other, "keys", "trust", card, "--fingerprint",
               exported["fingerprint"]).returncode == 0
    out = tmp_path / "other-out"
    out.mkdir()
    stranger = _json(cli("--db", other, "bundle", "export", "--out", out, "--full", "--json"))
    refused = cli("--db", kabupaten, "bundle", "import", out / stranger["files"][0].split("/")[-1])
    assert refused.returncode != 0 and "35.23.01.2002" in refused.stderr
    assert _count(kabupaten, Household) == 0 and _count(kabupaten, Member) == 0
    shutil.rmtree(out)


def test_the_kabupaten_sends_back_what_it_owns_and_a_conflict_waits_in_the_queue(
        cli, offices, tmp_path):
    village, kabupaten, usb = offices
    sent = _json(cli("--db", village, "bundle", "export", "--out", usb, "--json"))
    done = _json(cli("--db", kabupaten, "bundle", "import",
                     usb / sent["files"][0].split("/")[-1], "--json"))
    # the receipt back: what the village sent is what both agree on from now
    assert _json(cli("--db", village, "bundle", "import", done["receipt"], "--json"))[
        "status"] == "accepted"
    # at the kabupaten: BPS's new desil for one family (the kabupaten's to change) and
    # an address (the village's: a proposal there)
    services = open_services(str(kabupaten))
    try:
        with services.db.write() as s:
            family = s.scalars(select(Household).order_by(Household.id).limit(1)).first()
            hid, desil = family.id, family.desil
            family.desil = (desil or 0) % 10 + 1
            family.address = "JL. MENURUT DINAS 5"
    finally:
        services.close()
    home = tmp_path / "to-village"
    home.mkdir()
    assert cli("--db", kabupaten, "bundle", "export", "--out", home).returncode == 2  # --to
    back = _json(cli("--db", kabupaten, "bundle", "export", "--out", home, "--to", VILLAGE,
                     "--json"))
    [bundle] = [home / p.split("/")[-1] for p in back["files"]]
    assert bundle.name.startswith("3523-3523012001-000001-")
    # what the village sent and the kabupaten kept as it was is not sent back
    assert _json(cli("--db", village, "bundle", "inspect", bundle, "--json"))["counts"][
        "household"] == 1
    applied = _json(cli("--db", village, "bundle", "import", bundle, "--json"))
    assert (applied["changed"], applied["proposals"]) == (1, 1)
    services = open_services(str(village))
    try:
        with services.db.read() as s:
            assert s.get(Household, hid).desil == (desil or 0) % 10 + 1
            assert s.get(Household, hid).address != "JL. MENURUT DINAS 5"
    finally:
        services.close()
    queue = _json(cli("--db", village, "bundle", "queue", "--json"))
    assert [(q["field"], q["kind"], q["theirs"]) for q in queue] == [
        ("address", "proposal", "JL. MENURUT DINAS 5")]
    assert cli("--db", village, "bundle", "resolve", queue[0]["id"][:8], "--theirs",
               "--note", "sesuai KK").returncode == 0
    assert _json(cli("--db", village, "bundle", "queue", "--json")) == []


def test_a_later_bundle_waits_for_the_earlier_unless_told(cli, offices, tmp_path):
    village, kabupaten, usb = offices
    first = _json(cli("--db", village, "bundle", "export", "--out", usb, "--json"))["files"]
    later = tmp_path / "later"
    later.mkdir()
    second = _json(cli("--db", village, "bundle", "export", "--out", later, "--json"))["files"]
    waiting = cli("--db", kabupaten, "bundle", "import", second[0])
    assert waiting.returncode != 0 and "bundel 1" in waiting.stderr
    assert _count(kabupaten, Household) == 0 and not list(later.glob("*tanda-terima*"))
    anyway = _json(cli("--db", kabupaten, "bundle", "import", second[0], "--out-of-order",
                       "--json"))
    assert anyway["missing"] == [1] and anyway["new"] > 0
    # the earlier one, arriving after, finds everything there already
    done = _json(cli("--db", kabupaten, "bundle", "import", first[0], "--json"))
    assert done["new"] == 0 and done["changed"] == 0


def test_a_signed_bundle_with_a_bad_record_is_refused_answered_and_leaves_no_gap(
        cli, offices, tmp_path):
    """A trusted village's bundle whose records fail the checks: refused with a
    message, answered with a receipt saying why, kept as refused (the same file again
    says so), and the village's next bundle is not held up waiting for it."""
    from datetime import datetime, timezone

    from puskesos.db.migrate import SCHEMA_HEAD
    from puskesos.formats.bundle import Manifest, Party, bundle_name, write_bundle
    from tests.conftest import ADMIN
    village, kabupaten, usb = offices
    services = open_services(str(village))
    try:
        kab = services.keys.peer("35.23")
        now = datetime.now(timezone.utc)
        bad = usb / bundle_name("35.23.01.2001", 1, now)
        write_bundle(bad, Manifest(kind="data", schema=SCHEMA_HEAD,
                                   source=Party(VILLAGE, "desa", "Desa Jlodro"),
                                   receiver=Party("35.23", "kabupaten"),
                                   bundle_id="00000000-0000-4000-8000-0000000000b1",
                                   sequence=1, created_at=now, program_version="0.1.0"),
                     [("data/member.jsonl", b'{"id": "0f8e2c4a-1b3d-4e5f-8a9b-0c1d2e3f4a5b",'
                       b' "version": 1, "name": "A\\u0000B"}\n')],
                     signing_key=services.keys.signing_key(actor=ADMIN),
                     recipient=kab.age_recipient)
    finally:
        services.close()
    refused = cli("--db", kabupaten, "bundle", "import", bad)
    assert refused.returncode != 0 and "karakter kendali" in refused.stderr
    assert "Nama" in refused.stderr           # the field as a person knows it
    [receipt] = list(usb.glob("*tanda-terima.puskesos"))
    again = cli("--db", kabupaten, "bundle", "import", bad)
    assert again.returncode != 0 and "sudah ditolak" in again.stderr
    assert len(list(usb.glob("*tanda-terima.puskesos"))) == 1
    # the village's real bundle, numbered after it, is not held up
    later = tmp_path / "later"
    later.mkdir()
    services = open_services(str(village))
    try:                # the village's own count moves past the bundle it made by hand
        from puskesos.models import ExchangeBundle
        with services.db.write() as s:
            s.add(ExchangeBundle(id="00000000-0000-4000-8000-0000000000b1", direction="out",
                                 peer_code="35.23", kind="data", sequence=1,
                                 created_at=datetime.now(timezone.utc), status="sent",
                                 actor="admin"))
    finally:
        services.close()
    sent = _json(cli("--db", village, "bundle", "export", "--out", later, "--json"))
    applied = _json(cli("--db", kabupaten, "bundle", "import", sent["files"][0], "--json"))
    assert applied["sequence"] == 2 and applied["missing"] == [] and applied["new"] > 0
    # the village reads the refusal: its bundle 1 is marked refused; and bundle 2's
    # receipt: received
    read = _json(cli("--db", village, "bundle", "import", receipt, "--json"))
    assert read["status"] == "rejected"
    assert _json(cli("--db", village, "bundle", "import", applied["receipt"], "--json"))[
        "status"] == "accepted"
    # nothing changed since: no empty bundle is written
    nothing = tmp_path / "nothing"
    nothing.mkdir()
    assert _json(cli("--db", village, "bundle", "export", "--out", nothing, "--json")) \
        == {"files": []}


def test_a_bundle_naming_a_program_unknown_here_waits_until_it_is_added(cli, offices):
    """A village's own program (a desa's BLT, say) that the kabupaten has not added: the
    bundle is not taken, the message says to add it, no refusal is recorded or sent —
    and once the program is added the same file is taken."""
    from puskesos.models import Participation, Program
    village, kabupaten, usb = offices
    services = open_services(str(village))
    try:
        with services.db.write() as s:
            s.add(Program(code="BLTDESA", name="BLT Dana Desa Jlodro", target="keluarga"))
            s.flush()
            home = s.scalars(select(Household.id).limit(1)).first()
            s.add(Participation(program_code="BLTDESA", household_id=home, period="2026",
                                source="manual"))
    finally:
        services.close()
    sent = _json(cli("--db", village, "bundle", "export", "--out", usb, "--json"))
    bundle = usb / sent["files"][0].split("/")[-1]
    waits = cli("--db", kabupaten, "bundle", "import", bundle)
    assert waits.returncode != 0 and "BLTDESA" in waits.stderr
    assert "Pengaturan" in waits.stderr
    assert not list(usb.glob("*tanda-terima.puskesos"))
    services = open_services(str(kabupaten))
    try:
        with services.db.write() as s:
            s.add(Program(code="BLTDESA", name="BLT Dana Desa Jlodro", target="keluarga"))
    finally:
        services.close()
    done = _json(cli("--db", kabupaten, "bundle", "import", bundle, "--json"))
    assert done["new"] > 40 and _count(kabupaten, Participation, program_code="BLTDESA") == 1
