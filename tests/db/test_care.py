"""Vulnerable groups (issue 17 point 3), on SQLite and PostgreSQL: orphans recorded
with their guardians, residents willing to be foster sponsors with what they offer,
matched to orphans by the coordinator; an orphan with neither a fitting program nor
a sponsor is flagged, and stops being flagged once matched; elderly people living
alone and severely disabled people listed with the programs that reach them."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete, select

from puskesos.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from puskesos.models import AuditEvent, FosterMatch, Household, Member, Orphan, Participation
from tests.conftest import ADMIN, KADES, OPERATOR, VILLAGE

TODAY = date(2026, 12, 7)


def _family(services, number: int, people: list[tuple[str, date | None, str]], *,
            dusun: str = "KRAJAN", rt: str = "001", **member_fields) -> list[str]:
    """A family of ``people`` (name, birth date, presence); their member ids."""
    with services.db.write() as s:
        home = Household(region_code=VILLAGE, no_kk=f"3523010101{number:06d}", dusun=dusun,
                         rw="001", rt=rt, desil=1)
        s.add(home)
        s.flush()
        rows = [Member(household_id=home.id, sort_order=i, name=name,
                       nik=f"35230101{number:04d}{i:04d}", sex="L", birth_date=born,
                       relationship_code="1" if i == 0 else "3", presence=presence,
                       **(member_fields if i == 0 else {}))
                for i, (name, born, presence) in enumerate(people)]
        s.add_all(rows)
        s.flush()
        return [m.id for m in rows]


@pytest.fixture
def village(services):
    """Two families with children, one with a guardian (an uncle) and an adult willing
    to sponsor, one sponsor in another dusun."""
    budi = _family(services, 1, [("PAMAN SLAMET", date(1980, 1, 1), "1"),
                                 ("BUDI", date(2015, 5, 5), "1"),
                                 ("SITI", date(2012, 2, 2), "1"),
                                 ("ANAK DEWASA", date(2000, 1, 1), "1"),
                                 ("AYAH ALM", date(1979, 1, 1), "2")])
    near = _family(services, 2, [("IBU SRI", date(1970, 3, 3), "1")])
    far = _family(services, 3, [("PAK JOKO", date(1965, 4, 4), "1")], dusun="NGASEM",
                  rt="004")
    return {"uncle": budi[0], "budi": budi[1], "siti": budi[2], "adult": budi[3],
            "dead": budi[4], "sri": near[0], "joko": far[0]}


def _orphan_flags(services) -> set[str]:
    return {f.member_id for f in services.targeting.flags(
        actor=ADMIN, kind="vulnerable_uncovered", today=TODAY) if "yatim" in f.text.lower()
        or "piatu" in f.text.lower()}


def test_an_orphan_is_recorded_with_a_guardian_and_flagged_until_helped(services, village):
    t = services.targeting
    oid = t.record_orphan(actor=OPERATOR, member_id=village["budi"], status="yatim",
                          guardian_member_id=village["uncle"], guardian_relation="paman",
                          today=TODAY)
    t.record_orphan(actor=OPERATOR, member_id=village["siti"], status="yatim_piatu",
                    guardian_name="NENEK MINAH", guardian_nik="3523014101500001",
                    today=TODAY)
    listed = {o.child.name: o for o in t.orphans(actor=ADMIN)}
    assert set(listed) == {"BUDI", "SITI"}
    assert listed["BUDI"].guardian_name == "PAMAN SLAMET"
    assert listed["BUDI"].guardian_relation == "paman"
    assert listed["SITI"].guardian_name == "NENEK MINAH"
    assert listed["SITI"].status_label.startswith("Yatim piatu")
    # neither receives a program that fits, nor has a sponsor: both flagged, saying why
    assert _orphan_flags(services) == {village["budi"], village["siti"]}
    flag = next(f for f in t.flags(actor=ADMIN, kind="vulnerable_uncovered", today=TODAY)
                if f.member_id == village["budi"])
    assert "yatim" in flag.text and "ATENSI" in flag.text
    # a program that fits an orphan, given to the family: Budi's flag goes (Siti's too)
    with services.db.write() as s:
        home = s.get(Member, village["budi"]).household_id
        s.add(Participation(program_code="PIP", household_id=home,
                            member_id=village["budi"], period="2026", source="manual"))
    assert _orphan_flags(services) == {village["siti"]}
    assert listed["BUDI"].id == oid
    assert t.orphans(actor=ADMIN)[0].programs == ("PIP",)
    # recorded again: the record is changed, not doubled; every change audited
    t.record_orphan(actor=OPERATOR, member_id=village["budi"], status="yatim_piatu",
                    guardian_member_id=village["uncle"], today=TODAY)
    assert len(t.orphans(actor=ADMIN)) == 2
    with services.db.read() as s:
        changed = set(s.scalars(select(AuditEvent.field).where(
            AuditEvent.entity == "orphan", AuditEvent.entity_id == oid)))
    assert {"member_id", "status", "guardian_member_id", "guardian_relation"} <= changed


def test_who_may_be_an_orphan_or_a_guardian(services, village):
    t = services.targeting
    with pytest.raises(InvalidInput, match="18"):
        t.record_orphan(actor=OPERATOR, member_id=village["adult"], status="yatim",
                        guardian_name="X", today=TODAY)
    with pytest.raises(InvalidInput):          # died: not living in the village
        t.record_orphan(actor=OPERATOR, member_id=village["dead"], status="yatim",
                        guardian_name="X", today=TODAY)
    with pytest.raises(InvalidInput):
        t.record_orphan(actor=OPERATOR, member_id=village["budi"], status="yatim",
                        guardian_member_id=village["budi"], today=TODAY)
    with pytest.raises(InvalidInput):          # no guardian named
        t.record_orphan(actor=OPERATOR, member_id=village["budi"], status="yatim",
                        today=TODAY)
    with pytest.raises(InvalidInput):          # a deceased guardian
        t.record_orphan(actor=OPERATOR, member_id=village["budi"], status="yatim",
                        guardian_member_id=village["dead"], today=TODAY)
    with pytest.raises(InvalidInput, match="NIK"):
        t.record_orphan(actor=OPERATOR, member_id=village["budi"], status="yatim",
                        guardian_name="X", guardian_nik="12345", today=TODAY)
    with pytest.raises(InvalidInput):
        t.record_orphan(actor=OPERATOR, member_id=village["budi"], status="janda",
                        guardian_name="X", today=TODAY)
    with pytest.raises(PermissionDenied):
        t.record_orphan(actor=KADES, member_id=village["budi"], status="yatim",
                        guardian_name="X", today=TODAY)
    assert t.orphans(actor=ADMIN) == []


def test_the_coordinator_matches_sponsors_within_what_they_offered(services, village):
    t = services.targeting
    budi = t.record_orphan(actor=OPERATOR, member_id=village["budi"], status="yatim",
                           guardian_member_id=village["uncle"], today=TODAY)
    siti = t.record_orphan(actor=OPERATOR, member_id=village["siti"], status="piatu",
                           guardian_member_id=village["uncle"], today=TODAY)
    sri = t.record_sponsor(actor=OPERATOR, member_id=village["sri"],
                           offers=["pendidikan", "kebutuhan"], capacity=1, today=TODAY)
    joko = t.record_sponsor(actor=OPERATOR, member_id=village["joko"], offers=["kesehatan"],
                            capacity=2, note="Bulanan", today=TODAY)
    with pytest.raises(InvalidInput):           # a child cannot sponsor
        t.record_sponsor(actor=OPERATOR, member_id=village["budi"], offers=["pendidikan"],
                         today=TODAY)
    with pytest.raises(InvalidInput):           # says what they offer
        t.record_sponsor(actor=OPERATOR, member_id=village["uncle"], offers=[], today=TODAY)
    # the nearest first: Ibu Sri lives in the children's dusun, Pak Joko elsewhere
    assert [e.id for e in t.suggested_sponsors(actor=ADMIN, orphan_id=budi)] == [sri, joko]
    # the coordinator decides; an operator may not
    with pytest.raises(PermissionDenied):
        t.match(actor=OPERATOR, orphan_id=budi, sponsor_id=sri)
    first = t.match(actor=ADMIN, orphan_id=budi, sponsor_id=sri, started_on=TODAY)
    assert village["budi"] not in _orphan_flags(services)      # sponsored: not flagged
    assert village["siti"] in _orphan_flags(services)
    with pytest.raises(Conflict):               # Ibu Sri offered one child
        t.match(actor=ADMIN, orphan_id=siti, sponsor_id=sri)
    with pytest.raises(Conflict):               # not twice the same pair
        t.match(actor=ADMIN, orphan_id=budi, sponsor_id=sri)
    assert [e.id for e in t.suggested_sponsors(actor=ADMIN, orphan_id=siti)] == [joko]
    t.match(actor=ADMIN, orphan_id=siti, sponsor_id=joko)
    sponsors = {e.person.name: e for e in t.sponsors(actor=ADMIN)}
    assert sponsors["IBU SRI"].children and sponsors["IBU SRI"].free == 0
    assert sponsors["PAK JOKO"].offers_label == "Biaya kesehatan"
    assert [n for _m, n in sponsors["PAK JOKO"].children] == ["SITI"]
    t.match(actor=ADMIN, orphan_id=budi, sponsor_id=joko)
    with pytest.raises(Conflict):               # fewer places than children matched
        t.record_sponsor(actor=OPERATOR, member_id=village["joko"], offers=["kesehatan"],
                         capacity=1, today=TODAY)
    # a match ends with why: the child is flagged again unless another one holds
    with pytest.raises(InvalidInput):
        t.end_match(actor=ADMIN, match_id=first, reason=" ")
    t.end_match(actor=ADMIN, match_id=first, reason="Pindah kota")
    assert village["budi"] not in _orphan_flags(services)      # Pak Joko still helps
    with services.db.read() as s:
        assert s.scalar(select(AuditEvent.reason).where(
            AuditEvent.entity == "foster_match", AuditEvent.entity_id == first,
            AuditEvent.field == "ended_on")) == "Pindah kota"
    # the orphan taken off the list: the sponsor's matches with them end too
    t.remove_orphan(actor=OPERATOR, orphan_id=siti, reason="Salah catat")
    assert [o.child.name for o in t.orphans(actor=ADMIN)] == ["BUDI"]
    with services.db.read() as s:
        assert s.scalar(select(FosterMatch.ended_reason).where(
            FosterMatch.orphan_id == siti)) == "Salah catat"
    with pytest.raises(NotFound):
        t.remove_orphan(actor=OPERATOR, orphan_id=siti, reason="lagi")


def test_lists_mask_niks_for_roles_that_may_not_see_them(services, village):
    t = services.targeting
    t.record_orphan(actor=OPERATOR, member_id=village["siti"], status="yatim",
                    guardian_name="NENEK", guardian_nik="3523014101500001", today=TODAY)
    whole, masked = t.orphans(actor=ADMIN)[0], t.orphans(actor=KADES)[0]
    assert whole.child.nik.isdigit() and whole.guardian_nik == "3523014101500001"
    assert masked.child.nik != whole.child.nik and "*" in masked.child.nik
    assert masked.guardian_nik != whole.guardian_nik


def test_elderly_living_alone_and_severe_disability_are_listed_with_their_programs(
        services):
    t = services.targeting
    alone = _family(services, 10, [("MBAH KARTO", date(1940, 1, 1), "1")])
    _family(services, 11, [("MBAH SUMI", date(1940, 1, 1), "1"),
                           ("CUCU", date(2010, 1, 1), "1")])        # not alone
    young = _family(services, 12, [("WARTO", date(1990, 1, 1), "1")],
                    difficulty_walking="1")
    with services.db.write() as s:
        s.add(Participation(program_code="PERMAKANAN",
                            household_id=s.get(Member, alone[0]).household_id,
                            period="2026", source="manual"))
    listed = {v.person.name: v for v in t.vulnerable(actor=ADMIN, today=TODAY)}
    assert set(listed) == {"MBAH KARTO", "WARTO"}
    assert listed["MBAH KARTO"].elderly_alone and not listed["MBAH KARTO"].severe
    assert listed["MBAH KARTO"].programs == ("PERMAKANAN",)
    assert listed["WARTO"].severe and listed["WARTO"].programs == ()
    # the flags agree: Warto is uncovered, Mbah Karto receives a program that fits
    flagged = {f.member_id for f in t.flags(actor=ADMIN, kind="vulnerable_uncovered",
                                            today=TODAY)}
    assert young[0] in flagged and alone[0] not in flagged


def test_a_member_removed_outright_takes_their_records_along(services, village):
    """An undone import deletes its members outright: the orphan's record, the
    sponsor's and their matches go with them (nothing left pointing at nobody)."""
    t = services.targeting
    oid = t.record_orphan(actor=OPERATOR, member_id=village["budi"], status="yatim",
                          guardian_member_id=village["uncle"], today=TODAY)
    sponsor = t.record_sponsor(actor=OPERATOR, member_id=village["sri"],
                               offers=["pendidikan"], today=TODAY)
    t.match(actor=ADMIN, orphan_id=oid, sponsor_id=sponsor)
    with services.db.write() as s:
        s.execute(delete(Member).where(Member.id == village["sri"]))
        s.execute(delete(Member).where(Member.id == village["uncle"]))
    with services.db.read() as s:
        assert s.scalar(select(FosterMatch.id)) is None
        assert s.get(Orphan, oid).guardian_member_id is None
    assert t.sponsors(actor=ADMIN) == []


def test_the_command_line_records_orphans_sponsors_and_matches(cli, demo_db, tmp_path):
    """``orphan add|list|remove``, ``sponsor add|list|match|unmatch`` and ``vulnerable``
    on the demo village, people named by their NIK; the demo has orphans (some
    flagged) and sponsors (some matched) to show."""
    import json

    from tests.helpers import copy_village
    db = copy_village(demo_db, tmp_path / "desa.sqlite")

    def run(*args, ok=True):
        done = cli("--db", db, *args)
        assert (done.returncode == 0) == ok, done.stderr
        return done

    orphans = json.loads(run("orphan", "list", "--json").stdout)
    sponsors = json.loads(run("sponsor", "list", "--json").stdout)
    assert len(orphans) >= 3 and len(sponsors) >= 2
    assert any(o["sponsors"] for o in orphans) and any(not o["sponsors"] for o in orphans)
    flags = json.loads(run("flags", "--kind", "vulnerable_uncovered", "--json").stdout)
    flagged = {f["nik"] for f in flags}
    assert {o["nik"] for o in orphans if not o["sponsors"] and not o["programs"]} <= flagged
    assert not {o["nik"] for o in orphans if o["sponsors"]} & {
        f["nik"] for f in flags if "yatim" in f["text"].lower() or "piatu" in f["text"]}
    # a child of the registry recorded, with a resident guardian (both by NIK)
    people = json.loads(run("vulnerable", "--json").stdout)
    assert people and all(p["severe"] or p["elderly_alone"] for p in people)
    from puskesos.services import open_services
    services = open_services(str(db))
    try:
        from sqlalchemy import select
        with services.db.read() as s:
            child_nik, home = s.execute(
                select(Member.nik, Member.household_id).where(
                    Member.relationship_code == "3", Member.presence == "1",
                    Member.birth_date > date(2012, 1, 1), Member.nik.not_like("9999%"),
                    Member.id.not_in(select(Orphan.member_id)))
                .order_by(Member.nik)).first()
            head_nik = s.scalar(select(Member.nik).where(Member.household_id == home,
                                                         Member.relationship_code == "1"))
    finally:
        services.close()
    done = run("orphan", "add", child_nik, "--status", "piatu", "--guardian", head_nik,
               "--relation", "ayah")
    assert "piatu" in done.stdout.lower()
    bad = run("orphan", "add", head_nik, "--status", "yatim", "--guardian-name", "X", ok=False)
    assert "18" in bad.stderr
    # a sponsor with room for one, matched, then the match ended with why
    free = next(sp for sp in sponsors if sp["free"] > 0)
    done = run("sponsor", "match", free["nik"], child_nik)
    assert free["name"] in done.stdout
    again = json.loads(run("orphan", "list", "--json").stdout)
    assert free["name"] in next(o for o in again if o["nik"] == child_nik)["sponsors"]
    run("sponsor", "unmatch", free["nik"], child_nik, "--reason", "Pindah")
    assert not next(o for o in json.loads(run("orphan", "list", "--json").stdout)
                    if o["nik"] == child_nik)["sponsors"]
    run("orphan", "remove", child_nik, "--reason", "Salah catat")
    assert child_nik not in {o["nik"] for o in json.loads(
        run("orphan", "list", "--json").stdout)}
    unknown = run("orphan", "remove", "3523010101990001", "--reason", "x", ok=False)
    assert "3523010101990001" in unknown.stderr


def test_the_forum_figures_count_the_vulnerable_groups_of_an_area(services, village):
    """The Laporan's vulnerable groups of an area are the people the lists show living
    there: orphans (and those without a sponsor), sponsors with their free places, the
    elderly living alone and the severely disabled."""
    from puskesos.services.reports.dto import Area
    t = services.targeting
    budi = t.record_orphan(actor=OPERATOR, member_id=village["budi"], status="yatim",
                           guardian_member_id=village["uncle"], today=TODAY)
    t.record_orphan(actor=OPERATOR, member_id=village["siti"], status="piatu",
                    guardian_member_id=village["uncle"], today=TODAY)
    joko = t.record_sponsor(actor=OPERATOR, member_id=village["joko"], offers=["pendidikan"],
                            capacity=3, today=TODAY)
    t.record_sponsor(actor=OPERATOR, member_id=village["sri"], offers=["kebutuhan"],
                     capacity=1, today=TODAY)
    t.match(actor=ADMIN, orphan_id=budi, sponsor_id=joko)
    _family(services, 20, [("MBAH DARMI", date(1941, 1, 1), "1")], dusun="NGASEM")
    _family(services, 21, [("PAK KASNO", date(1970, 1, 1), "1")], difficulty_seeing="1")
    whole = services.reports.dashboard(actor=ADMIN, today=TODAY).vulnerable
    assert (whole.orphans, whole.orphans_unsponsored, whole.sponsors, whole.places_free,
            whole.elderly_alone, whole.severe) == (2, 1, 2, 3, 2, 1)   # Pak Joko, Mbah Darmi
    krajan = services.reports.dashboard(actor=ADMIN, area=Area(dusun="KRAJAN"),
                                        today=TODAY).vulnerable
    listed = [v for v in t.vulnerable(actor=ADMIN, today=TODAY) if v.person.dusun == "KRAJAN"]
    assert (krajan.orphans, krajan.sponsors, krajan.places_free) == (2, 1, 1)
    assert (krajan.elderly_alone, krajan.severe) == (
        sum(v.elderly_alone for v in listed), sum(v.severe for v in listed)) == (0, 1)


def test_children_who_lost_a_parent_are_suggested_until_recorded(services):
    """A child of a family whose father (the head) died is suggested as yatim, whose
    mother died as piatu, both as yatim piatu; not an adult child, not a family whose
    parents live, not a child recorded already."""
    t = services.targeting
    with services.db.write() as s:
        def family(number, parents, children):
            home = Household(region_code=VILLAGE, no_kk=f"35230101020{number:05d}",
                             dusun="KRAJAN", rt="001", rw="001")
            s.add(home)
            s.flush()
            rows = [Member(household_id=home.id, sort_order=i, name=name, sex=sex,
                           nik=f"35230102{number:04d}{i:04d}", birth_date=born,
                           relationship_code=rel, presence=presence)
                    for i, (name, sex, rel, presence, born) in enumerate(parents + children)]
            s.add_all(rows)
            s.flush()
            return [m.id for m in rows]
        adult = date(1980, 1, 1)
        one = family(1, [("ALM AYAH", "L", "1", "2", adult), ("IBU", "P", "2", "1", adult)],
                     [("ANAK SATU", "L", "3", "1", date(2015, 1, 1)),
                      ("ANAK DEWASA", "P", "3", "1", date(2001, 1, 1))])
        family(2, [("AYAH", "L", "1", "1", adult), ("ALM IBU", "P", "2", "2", adult)],
                     [("ANAK DUA", "P", "3", "1", date(2016, 1, 1))])
        family(3, [("ALM KAKEK", "L", "1", "2", adult), ("ALM NENEK", "P", "2", "2", adult)],
               [("ANAK TIGA", "L", "3", "1", date(2018, 1, 1)),
                ("CUCU", "L", "5", "1", date(2019, 1, 1))])
        family(4, [("AYAH", "L", "1", "1", adult), ("IBU", "P", "2", "1", adult)],
               [("ANAK EMPAT", "L", "3", "1", date(2014, 1, 1))])
    found = {p.name: status for p, status in t.orphan_candidates(actor=ADMIN, today=TODAY)}
    assert found == {"ANAK SATU": "yatim", "ANAK DUA": "piatu", "ANAK TIGA": "yatim_piatu"}
    t.record_orphan(actor=OPERATOR, member_id=one[2], status="yatim", guardian_member_id=one[1],
                    today=TODAY)
    assert "ANAK SATU" not in {p.name for p, _s in t.orphan_candidates(actor=ADMIN,
                                                                       today=TODAY)}
