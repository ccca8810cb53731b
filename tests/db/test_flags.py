"""Flags (issue 17 point 2): on a generated village where the truth of every flag is
known — computed here by a plain loop over the records, apart from the program's
set-based queries — the flags found are exactly the true ones (precision and recall
both 1.0) on SQLite and PostgreSQL; changing a rule changes the flags; a flag set
aside with a reason is not shown again and the reason is in the audit trail."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from puskesos.core.targeting import FlagKind, TargetingRules
from puskesos.models import (AuditEvent, FosterMatch, FosterSponsor, Household, Member,
                             Orphan, Participation, Program,
                             StickerCampaign, StickerLog, StickerTarget,
                             UnregisteredRecipient, VervalCycle, VervalEntry)
from tests.conftest import ADMIN, VILLAGE

TODAY = date(2026, 12, 7)
PROGRAMS = ("PKH", "BPNT", "BLT_DD", "PBI", "ATENSI", "PERMAKANAN", "PIP", "SUBSIDI_LPG")
#: periods as lists write them: a year, its quarters, its months, and other text
PERIODS = ("2026", "2025", "2026-Q3", "2026-Q1", "2026-08", "2026-02", "2025-Q3",
           "2026-S2")
#: which of them share a month (a person's reading, apart from the program's rule)
SHARE_A_MONTH = {frozenset(p) for p in (
    ("2026", "2026-Q3"), ("2026", "2026-Q1"), ("2026", "2026-08"), ("2026", "2026-02"),
    ("2026", "2026-S2"), ("2025", "2025-Q3"), ("2026-Q3", "2026-08"),
    ("2026-Q1", "2026-02"))}


def _overlap(a: str, b: str) -> bool:
    return a == b or frozenset((a, b)) in SHARE_A_MONTH
DIFFICULTY = ("difficulty_seeing", "difficulty_walking", "difficulty_self_care")


def _village(services, seed: int = 11, households: int = 160) -> None:
    """A village whose every kind of flag occurs: random desil, programs (to the
    family or a person), members who died or moved, severe difficulties, elderly
    living alone, orphans (some sponsored), labelling visits (some withdrawing, some
    well-off) and verval results (some well-off, some of those kept by the musdes),
    programs in periods that do and do not overlap, a few removed families and ended
    programs."""
    rng = random.Random(seed)
    now = datetime(2026, 12, 1, tzinfo=timezone.utc)
    with services.db.write() as s:
        campaign = StickerCampaign(code="STK", name="Stiker", sticker_text="KPM",
                                   created_by="admin")
        cycle = VervalCycle(name="Verval", period="2026-S2", created_by="admin")
        s.add_all([campaign, cycle])
        s.flush()
        for number in range(households):
            home = Household(region_code=VILLAGE, no_kk=f"3523010101{number:06d}",
                             desil=rng.choice([None, 1, 1, 2, 3, 4, 5, 6, 8, 10]),
                             deleted_at=now if rng.random() < 0.04 else None)
            s.add(home)
            s.flush()
            size = rng.choice([1, 1, 2, 3, 4])
            people = []
            for order in range(size):
                born = TODAY - timedelta(days=rng.randint(1, 90) * 365 + rng.randint(0, 300))
                person = Member(
                    household_id=home.id, sort_order=order, name=f"ORANG {number}-{order}",
                    nik=f"35230101{number:04d}{order:04d}" if rng.random() < 0.95
                    else "9999999999999996", sex=rng.choice("LP"),
                    birth_date=born if rng.random() < 0.95 else None,
                    relationship_code="1" if order == 0 else rng.choice("2345"),
                    presence=rng.choice(["1"] * 12 + ["2", "3", "4", "5", "6"]),
                    deleted_at=now if rng.random() < 0.03 else None)
                for field in DIFFICULTY:
                    setattr(person, field, rng.choice(["4"] * 10 + ["1", "2", "3", None]))
                people.append(person)
            if size > 1 and rng.random() < 0.1:   # the head died, a new head chosen
                people[0].presence, people[1].relationship_code = "2", "1"
            s.add_all(people)
            s.flush()
            for program in rng.sample(PROGRAMS, rng.choice([0, 0, 1, 1, 2, 3])):
                member = rng.choice(people).id if rng.random() < 0.3 else None
                s.add(Participation(program_code=program, household_id=home.id,
                                    member_id=member, period=rng.choice(PERIODS),
                                    source="import",
                                    status=rng.choice(["aktif"] * 8 + ["berhenti"]),
                                    deleted_at=now if rng.random() < 0.05 else None))
            if rng.random() < 0.3:
                target = StickerTarget(campaign_id=campaign.id, household_id=home.id,
                                       serial=number + 1, added_by="admin")
                s.add(target)
                s.flush()
                for visit in range(rng.choice([1, 1, 2])):
                    s.add(StickerLog(target_id=target.id,
                                     outcome=rng.choice(["terpasang", "mundur", "ditolak"]),
                                     at=now - timedelta(days=10 - visit), actor="x",
                                     officers=["A"], well_off=rng.random() < 0.3))
            if rng.random() < 0.12:        # on a list: this family's head, or a stranger
                stranger = rng.random() < 0.6
                s.add(UnregisteredRecipient(
                    program_code=rng.choice(PROGRAMS), period="2026",
                    nik=rng.choice([None, "9999999999999996"]) if stranger
                    and rng.random() < 0.5 else
                    f"35239999{number:08d}" if stranger else people[0].nik,
                    name=f"ORANG LUAR {number}"))
            if rng.random() < 0.4:
                s.add(VervalEntry(cycle_id=cycle.id, household_id=home.id, seq=number + 1,
                                  result=rng.choice(["1", "1", "7", "2", None]),
                                  decision=rng.choice([None, None, "tetap", "hapus",
                                                       "perbaikan"]),
                                  recorded_at=now))
            children = [p for p in people if p.birth_date is None
                        or p.birth_date > TODAY - timedelta(days=17 * 365)]
            if children and rng.random() < 0.3:
                orphan = Orphan(member_id=children[0].id, status=rng.choice(
                    ["yatim", "piatu", "yatim_piatu"]), guardian_name="WALI",
                    recorded_by="admin", deleted_at=now if rng.random() < 0.1 else None)
                s.add(orphan)
                s.flush()
                if rng.random() < 0.4:
                    sponsor = FosterSponsor(member_id=people[0].id, offers="pendidikan",
                                            capacity=2, recorded_by="admin")
                    s.add(sponsor)
                    s.flush()
                    s.add(FosterMatch(orphan_id=orphan.id, sponsor_id=sponsor.id,
                                      started_on=TODAY, matched_by="admin",
                                      ended_on=TODAY if rng.random() < 0.3 else None))


def _truth(services, rules: TargetingRules) -> set[tuple[str, str, str, str]]:
    """Every true flag (kind, family, person, program), found by walking the records
    one by one: the rules as a person would apply them."""
    with services.db.read() as s:
        homes = {h.id: h for h in s.scalars(select(Household))}
        people = list(s.scalars(select(Member)))
        ceilings = {p.code: p.desil_ceiling for p in s.scalars(select(Program))}
        taking = [p for p in s.scalars(select(Participation))
                  if p.deleted_at is None and p.status == "aktif"]
        visits: dict[str, list] = {}
        for log, home in s.execute(select(StickerLog, StickerTarget.household_id).join(
                StickerTarget, StickerTarget.id == StickerLog.target_id)):
            visits.setdefault(home, []).append(log)
        listed = list(s.scalars(select(UnregisteredRecipient)))
        orphans = [o for o in s.scalars(select(Orphan)) if o.deleted_at is None]
        sponsored = {m.orphan_id for m in s.scalars(select(FosterMatch))
                     if m.ended_on is None}
        results: dict[str, list] = {}
        for entry in s.scalars(select(VervalEntry)):
            if entry.result and entry.deleted_at is None:
                results.setdefault(entry.household_id, []).append(entry)
        living = [m for m in people if m.deleted_at is None]
        heads: dict[str, str] = {}
        # a living head first, then the first recorded
        for m in sorted(living, key=lambda m: (m.presence not in ("1", "5"),
                                               m.created_at, m.id), reverse=True):
            if m.relationship_code == "1":
                heads[m.household_id] = m.id
        by_id = {m.id: m for m in people}
        out = set()

        def add(kind, home, member, program):
            if rules.on(kind):
                out.add((kind.value, home, member or "", program or ""))

        current = [p for p in taking if homes[p.household_id].deleted_at is None]
        for p in current:
            home = homes[p.household_id]
            subject = p.member_id or heads.get(home.id)
            ceiling = ceilings[p.program_code]
            if home.desil is not None and ceiling is not None and home.desil > ceiling:
                add(FlagKind.DESIL_ABOVE_THRESHOLD, home.id, subject, p.program_code)
            person = by_id.get(subject)
            if person is not None and person.presence == "2":
                add(FlagKind.RECIPIENT_DIED, home.id, subject, p.program_code)
            if person is not None and person.presence in ("3", "4", "6"):
                add(FlagKind.RECIPIENT_MOVED, home.id, subject, p.program_code)
            latest = max(visits.get(home.id, []), key=lambda v: (v.at, v.recorded_at, v.id),
                         default=None)
            if latest is not None and latest.outcome == "mundur":
                add(FlagKind.RECIPIENT_WITHDREW, home.id, heads.get(home.id), p.program_code)
            found = max(results.get(home.id, []), key=lambda e: (e.recorded_at, e.id),
                        default=None)
            kept = found is not None and found.decision in ("tetap", "perbaikan")
            if (found is not None and found.result == "7" and not kept) or (
                    latest is not None and latest.well_off):
                add(FlagKind.RECIPIENT_WELL_OFF, home.id, heads.get(home.id), p.program_code)
            for first, second in rules.forbidden_pairs:
                if p.program_code == first and any(
                        q.household_id == home.id and q.program_code == second
                        and _overlap(p.period, q.period) for q in taking):
                    add(FlagKind.DOUBLE_AID, home.id, heads.get(home.id), first)
        receiving = {p.household_id for p in taking}
        for home in homes.values():
            if home.deleted_at is None and home.desil is not None \
                    and home.desil <= rules.extreme_desil and home.id not in receiving:
                add(FlagKind.UNCOVERED_EXTREME, home.id, heads.get(home.id), None)
        niks = {m.nik for m in living if m.nik and not m.nik.startswith("99999999999999")}
        for r in listed:
            if r.nik is None or r.nik not in niks:
                person = r.nik if r.nik and not r.nik.startswith("99999999999999") \
                    else "nama:" + r.name[:31]
                add(FlagKind.NOT_IN_REGISTRY, None, person, r.program_code)
        residents = [m for m in living if m.presence in ("1", "5")]
        count: dict[str, int] = {}
        for m in residents:
            count[m.household_id] = count.get(m.household_id, 0) + 1
        for m in residents:
            if homes[m.household_id].deleted_at is not None:
                continue
            severe = any(getattr(m, f) in rules.severe_difficulty for f in DIFFICULTY)
            age = None if m.birth_date is None else (
                TODAY.year - m.birth_date.year
                - ((TODAY.month, TODAY.day) < (m.birth_date.month, m.birth_date.day)))
            alone = age is not None and age >= rules.elderly_age and count[m.household_id] == 1
            covered = any(p.household_id == m.household_id
                          and p.program_code in rules.vulnerable_programs
                          and p.member_id in (None, m.id) for p in taking)
            if (severe or alone) and not covered:
                add(FlagKind.VULNERABLE_UNCOVERED, m.household_id, m.id, None)
        for o in orphans:
            m = by_id[o.member_id]
            if m.deleted_at is not None or m.presence not in ("1", "5") \
                    or homes[m.household_id].deleted_at is not None or o.id in sponsored:
                continue
            if not any(p.household_id == m.household_id
                       and p.program_code in rules.orphan_programs
                       and p.member_id in (None, m.id) for p in taking):
                add(FlagKind.VULNERABLE_UNCOVERED, m.household_id, m.id, None)
        return out


def _found(services, **kw) -> set[tuple[str, str, str, str]]:
    return {f.key for f in services.targeting.flags(actor=ADMIN, today=TODAY, **kw)}


def test_every_flag_found_is_true_and_every_true_flag_is_found(services):
    _village(services)
    rules = services.targeting.rules(actor=ADMIN)
    truth = _truth(services, rules)
    found = _found(services)
    # every kind occurs in this village, so each rule is tried
    assert {k for k, *_ in truth} == {k.value for k in FlagKind}
    precision = len(found & truth) / len(found)
    recall = len(found & truth) / len(truth)
    assert (precision, recall) == (1.0, 1.0), (sorted(found - truth)[:5],
                                               sorted(truth - found)[:5])
    # each flag says why, with the data behind it, and names its person
    flags = services.targeting.flags(actor=ADMIN, today=TODAY)
    above = next(f for f in flags if f.kind == "desil_above_threshold")
    assert f"desil {above.data['desil']}" in above.text
    assert f"desil {above.data['ceiling']}" in above.text
    assert all(f.text for f in flags)
    assert all(f.nik for f in flags if f.member_id and f.household_id)
    # one kind at a time
    assert _found(services, kind="recipient_moved") == {
        t for t in truth if t[0] == "recipient_moved"}


def test_the_rules_change_the_flags(services):
    _village(services, seed=12)
    rules = TargetingRules(forbidden_pairs=(("PKH", "BPNT"),), extreme_desil=2,
                           elderly_age=70, severe_difficulty=("1", "2"),
                           vulnerable_programs=("ATENSI",), off=("recipient_withdrew",))
    before = _found(services)
    services.targeting.set_rules(actor=ADMIN, rules=rules)
    after = _found(services)
    assert after != before
    assert after == _truth(services, rules)
    assert not any(k == "recipient_withdrew" for k, *_ in after)
    assert {p for k, _h, _m, p in after if k == "double_aid"} <= {"PKH"}
    # a rule naming a program not in the catalogue, or a bad value: refused, kept
    from puskesos.errors import InvalidInput
    with pytest.raises(InvalidInput, match="katalog"):
        services.targeting.set_rules(actor=ADMIN, rules={"forbidden_pairs": [["PKH", "XX"]]})
    with pytest.raises(InvalidInput):
        services.targeting.set_rules(actor=ADMIN, rules={"extreme_desil": 0})
    assert services.targeting.rules(actor=ADMIN) == rules


def test_a_flag_set_aside_with_a_reason_is_not_shown_again(services):
    _village(services, seed=13)
    flag = services.targeting.flags(actor=ADMIN, today=TODAY, kind="uncovered_extreme")[0]
    from puskesos.errors import InvalidInput
    with pytest.raises(InvalidInput):
        services.targeting.dismiss(actor=ADMIN, flag=flag, reason="  ")
    services.targeting.dismiss(actor=ADMIN, flag=flag, reason="Desil lama, sudah diusulkan")
    assert flag.key not in _found(services)
    assert flag.key in _found(services, dismissed=True)
    with services.db.read() as s:
        assert s.scalar(select(AuditEvent.reason).where(
            AuditEvent.entity == "flag_dismissal")) == "Desil lama, sudah diusulkan"


def test_the_command_line_lists_sets_aside_and_configures(cli, demo_db, tmp_path):
    """``flags --json`` is a list of objects with at least the kind and the person's
    NIK; ``flags dismiss`` sets one aside with why; ``flags rules --set`` changes a
    rule and the flags with it; ``program add|set|list`` keep the catalogue."""
    import json

    from tests.helpers import copy_village
    db = copy_village(demo_db, tmp_path / "desa.sqlite")
    done = cli("--db", db, "flags", "--json")
    assert done.returncode == 0, done.stderr
    flags = json.loads(done.stdout)
    assert flags and all({"kind", "nik", "text"} <= set(f) for f in flags)
    # the person concerned, by NIK (a member may have none recorded: a baby)
    assert all(len(f["nik"]) == 16 for f in flags if f["nik"])
    assert sum(1 for f in flags if f["nik"]) > len(flags) * 0.8
    double = [f for f in flags if f["kind"] == "double_aid"]
    assert double
    # one set aside, by the person's NIK
    first = double[0]
    assert cli("--db", db, "flags", "dismiss", first["nik"], "--kind", "double_aid",
               "--program", first["program"], "--reason", "Sudah dihentikan bulan ini"
               ).returncode == 0
    after = json.loads(cli("--db", db, "flags", "--json").stdout)
    assert len(after) == len(flags) - 1
    aside = json.loads(cli("--db", db, "flags", "--dismissed", "--json").stdout)
    assert [(f["kind"], f["nik"]) for f in aside] == [("double_aid", first["nik"])]
    # a rule switched off: its flags go
    assert cli("--db", db, "flags", "rules", "--set", "off=double_aid").returncode == 0
    assert not [f for f in json.loads(cli("--db", db, "flags", "--json").stdout)
                if f["kind"] == "double_aid"]
    bad = cli("--db", db, "flags", "rules", "--set", "extreme_desil=0")
    assert bad.returncode != 0 and "desil" in bad.stderr.lower()
    # the catalogue: a philanthropy program added, a ceiling changed
    assert cli("--db", db, "program", "add", "BAZNAS_ZIS", "--name", "Santunan BAZNAS",
               "--source", "nonpemerintah", "--kind", "pemberdayaan",
               "--desil-ceiling", "3").returncode == 0
    assert cli("--db", db, "program", "set", "PKH", "--desil-ceiling", "3").returncode == 0
    listed = {p["code"]: p for p in json.loads(cli("--db", db, "program", "list",
                                                   "--json").stdout)}
    assert listed["BAZNAS_ZIS"]["source"] == "nonpemerintah"
    assert listed["PKH"]["desil_ceiling"] == 3 and listed["BLT_DD"]["source"] == "desa"
    text = cli("--db", db, "program", "list").stdout
    assert "Non-pemerintah" in text and "Santunan BAZNAS" in text
    again = cli("--db", db, "program", "add", "PKH", "--name", "PKH lagi")
    assert again.returncode != 0 and "sudah ada" in again.stderr


def test_the_demo_village_shows_every_kind_of_flag_and_every_source(demo_db, tmp_path):
    """The demo has programs of all four sources with recipients, and flags of every
    kind (issue 17 point 6), so the page and the forum report have something to show."""
    from puskesos.services import open_services
    from tests.helpers import copy_village
    services = open_services(str(copy_village(demo_db, tmp_path / "desa.sqlite")))
    try:
        kinds = {f.kind for f in services.targeting.flags(actor=ADMIN)}
        assert kinds == {k.value for k in FlagKind}
        sources = {p.code: p.source for p in services.targeting.catalogue(actor=ADMIN)}
        with services.db.read() as s:
            received = set(s.scalars(select(Participation.program_code).distinct()))
        assert {sources[c] for c in received} == {"nasional", "daerah", "desa",
                                                  "nonpemerintah"}
    finally:
        services.close()


def test_two_periods_overlap_when_they_share_a_month_in_python_and_in_sql(services):
    """Last year's BLT DD and this year's PKH are not double aid: the rule that says
    whether two periods overlap is the same in the flags' SQL and in Python, and
    agrees with a person's reading of the periods lists use."""
    from sqlalchemy import literal

    from puskesos.core.targeting import periods_overlap
    from puskesos.services.targeting.flags import periods_overlap as sql_overlap
    odd = ("2026-q3", " 2026-07 ", "2026-13", "Q3", "", "2026-Q5", "2026-QX")
    pairs = [(a, b) for a in PERIODS + odd for b in PERIODS + odd]
    with services.db.read() as s:
        in_sql = [bool(s.scalar(select(sql_overlap(literal(a), literal(b)))))
                  for a, b in pairs]
    assert in_sql == [periods_overlap(a, b) for a, b in pairs]
    assert [periods_overlap(a, b) for a in PERIODS for b in PERIODS] == [
        _overlap(a, b) for a in PERIODS for b in PERIODS]
    assert periods_overlap("2026-q3", " 2026-07 ") and not periods_overlap("2026-Q3", "2026-10")


def test_a_program_entered_by_hand_on_the_command_line_raises_and_drops_flags(
        cli, demo_db, tmp_path):
    """``program grant`` enters a recipient by hand (issue 17 point 1): BLT DD given to
    a PKH family is double aid at once; ``program end`` with why takes it away."""
    import json

    from puskesos.services import open_services
    from tests.helpers import copy_village
    db = copy_village(demo_db, tmp_path / "desa.sqlite")
    services = open_services(str(db))
    try:
        with services.db.read() as s:
            pkh = set(s.scalars(select(Participation.household_id).where(
                Participation.program_code == "PKH", Participation.member_id.is_(None),
                Participation.status == "aktif", Participation.deleted_at.is_(None))))
            blt = set(s.scalars(select(Participation.household_id).where(
                Participation.program_code == "BLT_DD")))
            home = sorted(pkh - blt)[0]
            period = s.scalar(select(Participation.period).where(
                Participation.household_id == home, Participation.program_code == "PKH"))
            nik = s.scalar(select(Member.nik).where(
                Member.household_id == home, Member.relationship_code == "1",
                Member.presence == "1", Member.nik.not_like("9999%")))
    finally:
        services.close()

    def doubles():
        done = cli("--db", db, "flags", "--kind", "double_aid", "--json")
        assert done.returncode == 0, done.stderr
        return {f["household"] for f in json.loads(done.stdout)}
    assert home not in doubles()
    done = cli("--db", db, "program", "grant", "BLT_DD", nik, "--family", "--period", period)
    assert done.returncode == 0, done.stderr
    assert "BLT_DD" in done.stdout
    assert home in doubles()
    missing = cli("--db", db, "program", "end", "BLT_DD", nik, "--period", period,
                  "--reason", "x")                 # the person's own: there is none
    assert missing.returncode != 0 and "BLT_DD" in missing.stderr
    done = cli("--db", db, "program", "end", "BLT_DD", nik, "--family", "--period", period,
               "--reason", "Dobel dengan PKH")
    assert done.returncode == 0, done.stderr
    assert home not in doubles()
