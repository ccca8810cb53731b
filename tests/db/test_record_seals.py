"""`db check` finds a household or member changed, added or removed behind the program
(with a database tool, so that no audit entry was written), names it and what
differs, and exits non-zero; after everything the program itself does it finds
nothing (issue 13 point 3; puskesos/db/seals.py)."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from puskesos.core.codes import Role
from puskesos.services import Actor
from puskesos.services.imports import run_import, undo_last_import
from puskesos.services.verval import Correction, MemberFinding

from tests.conftest import ADMIN, OPERATOR
from tests.helpers import CLI_LOGIN, family, member, run_cli
from tests.db.test_import_undo import person, write_csv

KOORDINATOR = Actor("koordinator", Role.KOORDINATOR.value, "Suhartini")


@pytest.fixture
def village(services, db_target):
    """A village on both engines with the command line's administrator and a kepala
    desa (who may check the database but not see whole NIKs), and one family."""
    services.auth.create_first_admin(username=CLI_LOGIN["PUSKESOS_USER"],
                                     password=CLI_LOGIN["PUSKESOS_PASSWORD"], full_name="Admin")
    services.auth.create_user(actor=ADMIN, username="kades", password="kades-sandi-1",
                              full_name="Kepala Desa", role=Role.KEPALA_DESA.value)
    house, people = family()
    home = services.households.save(actor=OPERATOR, household=house, members=people)
    return services, db_target, home


def db_check(target: str, env: dict | None = None) -> tuple[int, dict, str]:
    """``puskesos db check`` as a process: exit code, its --json report and its text."""
    done = run_cli("--db", target, "db", "check", "--json", env=env)
    said = run_cli("--db", target, "db", "check", env=env)
    assert done.returncode == said.returncode, (done.stderr, said.stderr)
    return done.returncode, json.loads(done.stdout), said.stdout + said.stderr


def behind(services, *statements: str, **values) -> None:
    """SQL run on the database as a database tool runs it: no service, no audit entry."""
    with services.db.engine.begin() as con:
        for statement in statements:
            con.execute(text(statement), values)


def clean(target: str) -> dict:
    code, report, said = db_check(target)
    assert code == 0, said
    assert report["records"]["ok"] and report["records"]["checked"] > 0, report["records"]
    return report


def test_a_member_and_household_changed_behind_the_program_are_named_with_their_fields(village):
    services, target, home = village
    clean(target)
    siti = home.members[1]
    behind(services, "UPDATE member SET name = 'SITI PALSU', nik = '3523016108790099' "
                     "WHERE id = :m",
           "UPDATE household SET desil = 1 WHERE id = :h", m=siti.id, h=home.id)
    code, report, said = db_check(target)
    assert code == 1
    records = report["records"]
    assert (records["changed"], records["added"], records["removed"]) == (2, 0, 0)
    found = {f["entity_id"]: f for f in records["findings"]}
    assert found[siti.id]["kind"] == "changed" and found[siti.id]["name"] == "SITI PALSU"
    assert found[siti.id]["fields"] == ["name", "nik"]
    assert found[siti.id]["nik"] == "3523016108790099"          # the administrator sees it
    assert found[home.id]["fields"] == ["desil"] and found[home.id]["name"] == "SUPARMAN"
    assert found[home.id]["no_kk"] == home.data.no_kk
    # the text names them too, in the user's words
    assert "SITI PALSU" in said and "Nama, NIK" in said and "Desil" in said
    # the chain itself is whole: only the seals tell
    assert report["audit"]["ok"]


def test_a_reader_who_may_not_see_whole_niks_gets_them_masked(village):
    services, target, home = village
    siti = home.members[1]
    behind(services, "UPDATE member SET birth_place = 'BLORA' WHERE id = :m", m=siti.id)
    code, report, said = db_check(target, env={"PUSKESOS_USER": "kades",
                                               "PUSKESOS_PASSWORD": "kades-sandi-1"})
    assert code == 1
    finding = report["records"]["findings"][0]
    assert finding["fields"] == ["birth_place"] and finding["name"] == "SITI AMINAH"
    assert "*" in finding["nik"] and siti.nik not in said and home.data.no_kk not in said
    assert siti.nik not in json.dumps(report)


def test_a_row_deleted_or_inserted_behind_the_program_is_reported(village):
    services, target, home = village
    bagus = home.members[2]
    behind(services, "DELETE FROM member WHERE id = :m", m=bagus.id)
    behind(services, "INSERT INTO member (id, household_id, sort_order, name, sex, "
                     "relationship_code, presence, version, created_at, updated_at) "
                     "SELECT 'aaaaaaaa-0000-4000-8000-000000000001', household_id, 7, "
                     "'PENYUSUP', 'L', '3', '1', 1, created_at, updated_at "
                     "FROM member WHERE id = :m", m=home.members[0].id)
    code, report, said = db_check(target)
    assert code == 1
    records = report["records"]
    assert (records["changed"], records["added"], records["removed"]) == (0, 1, 1)
    found = {f["kind"]: f for f in records["findings"]}
    assert found["added"]["name"] == "PENYUSUP"
    # the removed one is named from what the trail recorded of it
    assert found["removed"]["entity_id"] == bagus.id and found["removed"]["name"] == "BAGUS"
    assert "PENYUSUP" in said and "BAGUS" in said


def test_undeleting_a_tombstone_behind_the_program_is_reported(village):
    services, target, home = village
    services.households.remove_member(actor=OPERATOR, member_id=home.members[2].id,
                                      reason="salah input")
    clean(target)
    behind(services, "UPDATE member SET deleted_at = NULL, deleted_by = NULL, "
                     "deleted_reason = NULL WHERE id = :m", m=home.members[2].id)
    code, report, _said = db_check(target)
    assert code == 1 and report["records"]["changed"] == 1


def test_the_program_s_own_edits_leave_db_check_clean(village):
    """A form's create and update (with a member added, a field cleared, the order of
    members changed), removing and restoring, the desil, moving, splitting, merging
    and the village code: every one written by the program, none an alarm."""
    from puskesos.core.identifiers import make_kk
    services, target, home = village
    # first, as it seals every household again: each later step must seal its own
    services.settings.change_village(actor=ADMIN, village_code="35.23.01.2002",
                                     reason="kode desa keliru")
    h = services.households
    dto = h.save(actor=OPERATOR, household=dataclasses.replace(home.data, address="JL. MAWAR 9",
                                                               floor_area=40.5, phone=None),
                 members=[m.as_input() for m in reversed(home.members)] + [
                     member("JOKO", "L", date(2000, 2, 2), "3", serial=7)],
                 household_id=home.id, expected_version=home.version, reason="pindah")
    h.remove_member(actor=OPERATOR, member_id=dto.members[0].id, reason="salah input")
    h.set_desil(actor=OPERATOR, household_id=home.id, desil=4, period="2026")
    house, _people = family()
    other = h.save(actor=OPERATOR, household=dataclasses.replace(house, no_kk=make_kk(
        kecamatan_code="35.23.01", recorded=date(2016, 1, 1), serial=9)),
        members=[member("WAGIMAN", serial=9)])
    joko = next(m for m in h.get(actor=ADMIN, household_id=home.id).members if m.name == "JOKO")
    h.move_member(actor=OPERATOR, member_id=joko.id, target_household_id=other.id,
                  relationship_code="5", reason="ikut")
    h.split(actor=OPERATOR, household_id=other.id, member_ids=[joko.id],
            relationships={joko.id: "1"}, no_kk=make_kk(kecamatan_code="35.23.01",
                                                        recorded=date(2025, 2, 3), serial=77),
            reason="pecah KK")
    h.merge(actor=OPERATOR, source_id=other.id, target_id=home.id,
            relationships={m.id: "6" for m in h.get(actor=ADMIN, household_id=other.id).members
                           if not m.removed}, reason="ikut anak")
    h.restore(actor=OPERATOR, household_id=other.id, reason="keliru")
    h.remove(actor=OPERATOR, household_id=other.id, reason="kosong")
    clean(target)
    assert services.audit.verify().ok


def test_an_import_and_its_undo_leave_db_check_clean(village, tmp_path):
    """New people (the one loop for plainly new people and the general way), updates of
    registered people and households, then the undo: no false alarm at any step; and
    a row the import wrote, changed afterwards behind the program, is found."""
    services, target, home = village
    first = write_csv(tmp_path / "a.csv", [person(i) for i in range(1, 60)])
    run_import(services, actor=OPERATOR, path=first)
    clean(target)
    # the same people again with another address, place and desil, and new ones
    second = write_csv(tmp_path / "b.csv", [person(i, place="BLORA", address="JL. DUKU",
                                                   desil=5) for i in range(30, 90)])
    report = run_import(services, actor=OPERATOR, path=second)
    assert report.updated and report.created
    clean(target)
    undo_last_import(services, actor=OPERATOR)
    clean(target)
    behind(services, "UPDATE member SET name = 'WARGA PALSU' WHERE name = 'WARGA 7'")
    code, report, said = db_check(target)
    assert code == 1 and report["records"]["changed"] == 1
    # an imported row's values are in its seal only: which field cannot be told
    assert report["records"]["findings"][0]["fields"] == []
    assert "WARGA PALSU" in said


def test_a_verval_approval_leaves_db_check_clean(village):
    from puskesos.core.identifiers import make_nik
    services, target, home = village
    verval = services.verval
    cycle = verval.create_cycle(actor=OPERATOR, name="Verval 2026", period="2026-S2",
                                deadline=date.today() + timedelta(days=14))
    verval.add_households(actor=OPERATOR, cycle_id=cycle.id)
    entry = verval.entries(actor=OPERATOR, cycle_id=cycle.id)[0]
    baby = make_nik(kecamatan_code="35.23.01", birth_date=date(2025, 3, 9), sex="P", serial=77)
    verval.record_result(
        actor=OPERATOR, entry_id=entry.id, result="2", visited_on=date.today(),
        members=[MemberFinding("1", m.id) for m in home.members[:2]]
        + [MemberFinding("3", home.members[2].id, note="kerja di Surabaya"),
           MemberFinding("5", None, name="putri ayu", nik=baby, relationship_code="3")],
        corrections=[Correction("household", home.id, "address", "JL. MAWAR 5")])
    for p in verval.proposals(cycle_id=cycle.id, actor=OPERATOR):
        verval.decide_proposal(actor=KOORDINATOR, proposal_id=p.id, approve=True)
    stored = services.households.get(actor=ADMIN, household_id=home.id)
    assert stored.data.address == "JL. MAWAR 5" and any(m.nik == baby for m in stored.members)
    clean(target)


def test_the_demo_village_is_clean_and_a_changed_demo_member_names_its_field(tmp_path):
    target = str(tmp_path / "demo.sqlite")
    assert run_cli("--db", target, "demo", "--households", "40", "--seed", "5").returncode == 0
    clean(target)
    from puskesos.services import open_services
    from tests.helpers import data_key
    data_key(target)             # made by another process: opened with the demo password
    services = open_services(target)
    try:
        behind(services, "UPDATE member SET birth_date = '1999-09-09' WHERE rowid = 5")
    finally:
        services.close()
    code, report, _said = db_check(target)
    assert code == 1 and report["records"]["findings"][0]["fields"] == ["birth_date"]


def test_a_seal_rewritten_without_the_key_does_not_fit(village):
    """Changing the row and its seal together needs the trail's key: a digest made
    without it (here the seal of another row) is found."""
    services, target, home = village
    a, b = home.members[0], home.members[1]
    behind(services, "UPDATE member SET name = 'SUPARMAN PALSU' WHERE id = :a",
           "UPDATE record_seal SET digest = (SELECT digest FROM record_seal WHERE "
           "entity_id = :b) WHERE entity_id = :a", a=a.id, b=b.id)
    code, report, _said = db_check(target)
    assert code == 1 and report["records"]["changed"] == 1


def test_rows_of_an_older_version_are_sealed_once_by_the_upgrade(db_target):
    """A database from before the seals (schema 0009) is upgraded: its rows are sealed
    as they are, one audit entry by the program says so, and db check is clean."""
    from puskesos.db.migrate import open_database
    from puskesos.services import open_services
    from tests.conftest import VILLAGE
    target = db_target
    services = open_services(target, create=True)
    services.settings.init_village(actor=ADMIN, village_code=VILLAGE)
    services.auth.create_first_admin(username=CLI_LOGIN["PUSKESOS_USER"],
                                     password=CLI_LOGIN["PUSKESOS_PASSWORD"], full_name="Admin")
    house, people = family()
    services.households.save(actor=OPERATOR, household=house, members=people)
    # the tables and columns of later revisions go too (0011: referrals, 0012:
    # stickers, 0014: the exchange keys, 0016: the replies, 0018: the tombstones,
    # 0019: the verval details' clocks, 0020: the catalogue and the flags, 0021: the
    # orphans and foster sponsors)
    behind(services, "DROP TABLE foster_match", "DROP TABLE foster_sponsor",
           "DROP TABLE orphan", "DROP TABLE flag_dismissal", "DROP TABLE unregistered_recipient",
           *(f"ALTER TABLE program DROP COLUMN {c}"
             for c in ("source", "kind", "desil_ceiling", "periods")),
           *(f"ALTER TABLE {t} DROP COLUMN updated_at"
             for t in ("verval_member", "verval_proposal", "musdes_attendee")),
           "DROP TABLE record_seal", "DROP TABLE referral_reply",
           "DROP TABLE referral_attachment",
           "DROP TABLE referral_event", "DROP TABLE referral_visit", "DROP TABLE referral",
           "DROP TABLE sticker_photo", "DROP TABLE sticker_log", "DROP TABLE sticker_target",
           "DROP TABLE sticker_campaign", "DROP TABLE exchange_queue",
           "DROP TABLE exchange_tombstone",
           "DROP TABLE exchange_base", "DROP TABLE exchange_sent", "DROP TABLE exchange_bundle",
           "DROP TABLE exchange_peer_old_key", "DROP TABLE exchange_peer",
           "DROP TABLE exchange_own_key",
           "UPDATE alembic_version SET version_num = '0009'")
    services.close()
    open_database(target).dispose()                 # the upgrade
    services = open_services(target)
    try:
        last = services.audit.recent(actor=ADMIN, limit=1)[0]
        assert (last.actor, last.action) == ("system", "seal")
        assert json.loads(last.new_value) == {"households": 1, "members": 3}
        assert services.audit.verify().ok
    finally:
        services.close()
    clean(target)


def test_a_value_of_the_wrong_type_put_in_by_hand_is_reported_not_a_crash(tmp_path):
    """SQLite takes any text in a date or number column: db check reads such a row as
    it is and names it, instead of stopping at it."""
    from puskesos.services import open_services
    from tests.conftest import VILLAGE
    target = str(tmp_path / "desa.sqlite")
    services = open_services(target, create=True)
    try:
        services.settings.init_village(actor=ADMIN, village_code=VILLAGE)
        services.auth.create_first_admin(username=CLI_LOGIN["PUSKESOS_USER"],
                                         password=CLI_LOGIN["PUSKESOS_PASSWORD"],
                                         full_name="Admin")
        house, people = family()
        home = services.households.save(actor=OPERATOR, household=house, members=people)
        behind(services, "UPDATE member SET birth_date = 'kemarin', sort_order = 'x' "
                         "WHERE id = :m", "UPDATE household SET floor_area = 'luas' WHERE id = :h",
               m=home.members[0].id, h=home.id)
    finally:
        services.close()
    code, report, said = db_check(target)
    assert code == 1, said
    found = {f["entity_id"]: f for f in report["records"]["findings"]}
    assert found[home.members[0].id]["fields"] == ["birth_date"]
    assert found[home.id]["fields"] == ["floor_area"]


def test_an_import_of_an_export_with_every_answer_leaves_db_check_clean(tmp_path, cli_village):
    """The demo's export (every DTSEN answer, areas, counts, dates) imported into another
    village from the command line: the seals made from the values it writes are the
    ones db check computes from the rows."""
    demo = str(tmp_path / "demo.sqlite")
    assert run_cli("--db", demo, "demo", "--households", "40", "--seed", "9").returncode == 0
    out = tmp_path / "ekspor.xlsx"
    assert run_cli("--db", demo, "export", str(out)).returncode == 0
    done = run_cli("--db", str(cli_village), "import", str(out), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["created"] > 100
    clean(str(cli_village))


def test_the_seals_removed_altogether_are_reported(village):
    services, target, _home = village
    behind(services, "DROP TABLE record_seal")
    code, report, said = db_check(target)
    assert code == 1 and report["records"]["seals_removed"]
    assert "segel" in said.lower() or "seals" in said.lower()


def test_a_seal_written_by_an_earlier_version_still_fits_its_row():
    """The canonical text and digest of a row are pinned: a village sealed by an earlier
    version is checked by a later one (db/seals.py's encoder is generated code, made
    faster from time to time), so a change that moved a single byte would report every
    row of every village as changed behind the program."""
    from puskesos.db import seals
    table = seals.TABLES["member"]
    names = seals.sealed_names(table)
    stored = dict.fromkeys(names)
    stored.update(id="01a24d9e-639b-76b9-a7e1-7bbde088c7da",
                  household_id="01a24d9e-639b-76b9-a7e1-7bbde088cfaa", sort_order=0,
                  nik="3523011103839895", name="WARGA 1 0", sex="L", birth_date="1983-03-11",
                  relationship_code="1", presence="1", pregnant=0, paid_workers=2)
    row = tuple(stored[n] for n in names)
    encoder = seals.Encoder(b"\x07" * 32, table, names)
    assert encoder.text(row) == (
        "birth_date\x1f1983-03-11\x1ehousehold_id\x1f01a24d9e-639b-76b9-a7e1-7bbde088cfaa\x1e"
        "id\x1f01a24d9e-639b-76b9-a7e1-7bbde088c7da\x1ename\x1fWARGA 1 0\x1e"
        "nik\x1f3523011103839895\x1epaid_workers\x1f2\x1epregnant\x1f0\x1epresence\x1f1\x1e"
        "relationship_code\x1f1\x1esex\x1fL\x1esort_order\x1f0\x1e")
    assert encoder.digest(row) == "b20e7d938d4bb7dd62b2b05feb7a93da"   # as sealed since 0010
    # the import's way (its columns, the shared values in the statement) gives the same
    given = ("id", "household_id", "sort_order", "nik", "name", "sex", "birth_date",
             "relationship_code", "presence", "pregnant")
    same = {"paid_workers": 2, "created_at": "2026-12-06 23:09:15.562730"}
    assert seals.Encoder(b"\x07" * 32, table, given, same).keyed(
        [tuple(stored[n] for n in given)]) == [(stored["id"], encoder.digest(row))]
