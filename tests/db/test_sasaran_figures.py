"""The Sasaran dashboard's figures (issue 17 point 4), on a generated village whose
truth is computed here by a plain walk over the records: every figure of the whole
village, of a dusun and of one RT, the lines by RT and by dusun, each program's
recipients, the open flags by kind, and the households behind every figure — on
SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import date, datetime, timezone
from dataclasses import replace
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from puskesos.core.targeting import FlagKind, ProgramKind
from puskesos.errors import InvalidInput
from puskesos.models import Household, Member, Participation, Program
from puskesos.services.reports import Area, Figure
from tests.conftest import ADMIN, KADES, VILLAGE

TODAY = date(2026, 12, 7)
PROGRAMS = ("PKH", "BPNT", "BLT_DD", "PBI", "ATENSI", "PIP", "BAZNAS", "UMKM")
PLACES = [("KRAJAN", "001", "001"), ("KRAJAN", "001", "002"), ("KRAJAN", "002", "001"),
          ("NGASINAN", "003", "001"), ("NGASINAN", "003", "002"), (None, None, None)]


def _village(services, seed: int = 5, households: int = 150) -> None:
    """Households in two dusun (and a few with no area recorded), random desil (some
    none), members living, dead, moved or removed, programs of every kind to the
    family or a person, active, ended or removed; a few removed families."""
    services.targeting.save_program(actor=ADMIN, code="UMKM", name="Modal usaha mikro",
                                    source="daerah", kind="pendapatan", desil_ceiling=5,
                                    new=True)
    rng = random.Random(seed)
    now = datetime(2026, 12, 1, tzinfo=timezone.utc)
    with services.db.write() as s:
        for number in range(households):
            dusun, rw, rt = rng.choice(PLACES)
            home = Household(region_code=VILLAGE, no_kk=f"3523010101{number:06d}",
                             dusun=dusun, rw=rw, rt=rt,
                             desil=rng.choice([None, 1, 1, 2, 2, 3, 4, 5, 7, 9, 10]),
                             deleted_at=now if rng.random() < 0.05 else None)
            s.add(home)
            s.flush()
            people = []
            for order in range(rng.choice([1, 2, 3, 4, 5])):
                people.append(Member(
                    household_id=home.id, sort_order=order, name=f"ORANG {number}-{order}",
                    nik=f"35230101{number:04d}{order:04d}", sex=rng.choice("LP"),
                    relationship_code="1" if order == 0 else "3",
                    presence=rng.choice(["1"] * 8 + ["5", "2", "3", "6"]),
                    deleted_at=now if rng.random() < 0.04 else None))
            s.add_all(people)
            s.flush()
            for program in rng.sample(PROGRAMS, rng.choice([0, 0, 1, 1, 2, 3])):
                s.add(Participation(
                    program_code=program, household_id=home.id,
                    member_id=rng.choice(people).id if rng.random() < 0.3 else None,
                    period=rng.choice(["2026", "2025"]), source="import",
                    status=rng.choice(["aktif"] * 6 + ["berhenti", "usulan"]),
                    deleted_at=now if rng.random() < 0.06 else None))


class Truth:
    """The figures as a person would count them, record by record."""

    def __init__(self, services, area: Area):
        extreme_desil = services.targeting.rules(actor=ADMIN).extreme_desil
        with services.db.read() as s:
            homes = [SimpleNamespace(id=h.id, dusun=h.dusun, rw=h.rw, rt=h.rt, desil=h.desil)
                     for h in s.scalars(select(Household)) if h.deleted_at is None
                     and (not area.dusun or h.dusun == area.dusun)
                     and (not area.rw or h.rw == f"{int(area.rw):03d}")
                     and (not area.rt or h.rt == f"{int(area.rt):03d}")]
            people = [SimpleNamespace(household_id=m.household_id, deleted_at=m.deleted_at,
                                      presence=m.presence) for m in s.scalars(select(Member))]
            kinds = {p.code: p.kind for p in s.scalars(select(Program))}
            taking = [SimpleNamespace(household_id=p.household_id, program_code=p.program_code)
                      for p in s.scalars(select(Participation))
                      if p.deleted_at is None and p.status == "aktif"]
        self.homes = {h.id: h for h in homes}
        ids = set(self.homes)
        self.programs: dict[str, set[str]] = {}
        for p in taking:
            if p.household_id in ids:
                self.programs.setdefault(p.household_id, set()).add(p.program_code)
        self.living = {}
        for m in people:
            if m.household_id in ids and m.deleted_at is None and m.presence in ("1", "5"):
                self.living[m.household_id] = self.living.get(m.household_id, 0) + 1
        self.kinds = kinds
        self.extreme_desil = extreme_desil

    def households(self, figure: Figure) -> set[str]:
        m, v = figure.measure, figure.value
        out = set()
        for hid, h in self.homes.items():
            extreme = h.desil is not None and h.desil <= self.extreme_desil
            got = self.programs.get(hid, set())
            got_kinds = {self.kinds[c] for c in got}
            if (m == "households"
                    or m == "members" and self.living.get(hid)
                    or m == "desil" and (h.desil is None if v == "none" else h.desil == int(v))
                    or m == "extreme" and extreme
                    or m == "extreme_covered" and extreme and got
                    or m == "extreme_uncovered" and extreme and not got
                    or m == "reached" and got
                    or m == "kind" and v in got_kinds
                    or m == "extreme_kind" and extreme and v in got_kinds
                    or m == "program" and v in got):
                out.add(hid)
        return out


def _figures(board) -> list[tuple[Figure, int]]:
    """Every figure the dashboard shows, with the number it shows."""
    t = board.total
    out = [(Figure("households"), t.households), (Figure("extreme"), t.extreme),
           (Figure("extreme_covered"), t.extreme_covered),
           (Figure("extreme_uncovered"), t.extreme_uncovered),
           (Figure("reached"), t.reached), (Figure("desil", "none"), t.by_desil[10])]
    out += [(Figure("desil", str(d)), t.by_desil[d - 1]) for d in range(1, 11)]
    out += [(Figure("kind", k.value), t.by_kind[k.value]) for k in ProgramKind]
    out += [(Figure("extreme_kind", k.value), board.extreme_by_kind[k.value])
            for k in ProgramKind]
    out += [(Figure("program", p.code), p.households) for p in board.programs]
    return out


@pytest.mark.parametrize("area", [Area(), Area(dusun="NGASINAN"), Area(dusun="KRAJAN", rw="1",
                                                                       rt="2")],
                         ids=["village", "dusun", "rt"])
def test_every_figure_is_the_count_of_the_households_it_lists(services, area):
    _village(services)
    board = services.reports.dashboard(actor=ADMIN, area=area, today=TODAY)
    truth = Truth(services, area)
    assert board.total.households == len(truth.homes) > 10
    assert board.total.members == sum(truth.living.values())
    # every kind of program and every desil occurs, so each figure is tried
    assert all(board.total.by_kind[k.value] for k in ProgramKind) or not area.whole
    for figure, shown in _figures(board):
        expected = truth.households(figure)
        assert shown == len(expected), figure
        listed = services.reports.figure_households(actor=ADMIN, figure=figure, area=area,
                                                    today=TODAY)
        assert len(listed) == len(set(listed)) and set(listed) == expected, figure
    # the members figure lists the families that have a living member
    listed = services.reports.figure_households(actor=ADMIN, figure=Figure("members"),
                                                area=area)
    assert set(listed) == truth.households(Figure("members"))
    # each program's extreme poor recipients
    for p in board.programs:
        assert p.extreme == len(truth.households(Figure("program", p.code))
                                & truth.households(Figure("extreme"))), p.code
    # no program without recipients is listed, every program with some is
    assert {p.code for p in board.programs} == {c for got in truth.programs.values()
                                                for c in got}


def test_the_lines_by_rt_and_by_dusun_add_up_to_the_area(services):
    _village(services, seed=6)
    board = services.reports.dashboard(actor=ADMIN, today=TODAY)
    truth = Truth(services, Area())
    for line in board.by_area:
        homes = {hid for hid, h in truth.homes.items()
                 if (h.dusun, h.rw, h.rt) == (line.dusun, line.rw, line.rt)}
        assert line.households == len(homes), line.name
        assert line.extreme_covered == len(homes & truth.households(
            Figure("extreme_covered"))), line.name
        assert line.by_kind["pendapatan"] == len(homes & truth.households(
            Figure("kind", "pendapatan"))), line.name
    # the families with no dusun recorded are a line of their own, named "-"
    assert [x.name for x in board.by_area if x.dusun is None] == ["- RW - RT -"]
    assert [x.dusun for x in board.by_dusun] == ["KRAJAN", "NGASINAN", None]
    for name in ("households", "members", "extreme", "extreme_covered", "reached", "flags"):
        assert sum(getattr(x, name) for x in board.by_area) == getattr(board.total, name)
        assert sum(getattr(x, name) for x in board.by_dusun) == getattr(board.total, name)
    krajan = services.reports.dashboard(actor=ADMIN, area=Area(dusun="KRAJAN"), today=TODAY)
    assert krajan.total == replace(board.by_dusun[0], level="area")
    assert krajan.total.name == "Dusun KRAJAN" and board.by_dusun[0].name == "KRAJAN"


def test_the_open_flags_are_counted_by_kind_and_by_area_without_those_set_aside(services):
    _village(services, seed=7)
    flags = services.targeting.flags(actor=ADMIN, today=TODAY)
    board = services.reports.dashboard(actor=ADMIN, today=TODAY)
    kinds = {f.kind for f in flags}
    assert len(kinds) >= 4
    for kind in FlagKind:
        mine = [f for f in flags if f.kind == kind.value]
        assert board.flags[kind.value] == len(mine), kind
        families = {f.household_id for f in mine if f.household_id}
        if kind != FlagKind.NOT_IN_REGISTRY:
            assert board.flag_households[kind.value] == len(families)
            assert set(services.reports.figure_households(
                actor=ADMIN, figure=Figure("flag", kind.value), today=TODAY)) == families
    # a dusun: only the flags of its families
    truth = Truth(services, Area(dusun="KRAJAN"))
    krajan = services.reports.dashboard(actor=ADMIN, area=Area(dusun="KRAJAN"), today=TODAY)
    assert sum(krajan.flags.values()) == sum(1 for f in flags if f.household_id in truth.homes)
    # a flag set aside is not counted any more
    flag = next(f for f in flags if f.kind == "uncovered_extreme")
    services.targeting.dismiss(actor=ADMIN, flag=flag, reason="Desil lama")
    after = services.reports.dashboard(actor=ADMIN, today=TODAY)
    assert after.flags["uncovered_extreme"] == board.flags["uncovered_extreme"] - 1
    assert after.total.flags == board.total.flags - 1
    # the uncovered extreme poor the figures count are the flags' (none set aside)
    assert board.total.extreme_uncovered == board.flags["uncovered_extreme"]


def test_a_rule_changes_who_counts_as_extreme_poor(services):
    _village(services, seed=8)
    before = services.reports.dashboard(actor=ADMIN, today=TODAY)
    rules = services.targeting.rules(actor=ADMIN)
    services.targeting.set_rules(actor=ADMIN, rules={**rules.as_json(), "extreme_desil": 2})
    after = services.reports.dashboard(actor=ADMIN, today=TODAY)
    assert after.extreme_desil == 2
    assert after.total.extreme == before.total.by_desil[0] + before.total.by_desil[1]
    assert after.total.extreme > before.total.extreme


def test_the_list_of_a_figure_masks_the_nik_for_a_role_that_may_not_see_it(services):
    _village(services, seed=9)
    ids = services.reports.figure_households(actor=ADMIN, figure=Figure("desil", "1"))
    whole = services.reports.family_lines(actor=ADMIN, household_ids=ids)
    masked = services.reports.family_lines(actor=KADES, household_ids=ids)
    assert [x.household_id for x in whole] == ids
    assert all(len(x.head_nik) == 16 and x.head_nik.isdigit() for x in whole if x.head_nik)
    assert all(x.head_nik != y.head_nik for x, y in zip(whole, masked) if x.head_nik)
    assert all(x.desil == 1 for x in whole)
    with pytest.raises(InvalidInput):
        services.reports.figure_households(actor=ADMIN, figure=Figure("desil", "11"))
    with pytest.raises(InvalidInput):
        services.reports.figure_households(actor=ADMIN, figure=Figure("flag", "nothing"))


def test_the_forum_workbook_is_written_on_both_engines(services, tmp_path):
    from openpyxl import load_workbook
    _village(services, seed=10)
    board = services.reports.dashboard(actor=ADMIN, area=Area(dusun="NGASINAN"))
    path = services.reports.forum_xlsx(actor=ADMIN, path=tmp_path / "forum.xlsx",
                                       area=Area(dusun="NGASINAN"))
    summary = dict(load_workbook(path)["Ringkasan"].iter_rows(min_row=2, values_only=True))
    assert summary["Wilayah"] == "Dusun NGASINAN"
    assert summary["Keluarga"] == board.total.households
    assert summary["Penerima: Meningkatkan pendapatan"] == board.total.by_kind["pendapatan"]
    # the export is in the audit trail; a role without the right to export is refused
    from puskesos.errors import PermissionDenied
    from puskesos.models import AuditEvent
    with services.db.read() as s:
        assert s.scalar(select(AuditEvent.reason).where(AuditEvent.entity == "report")) \
            == "Dusun NGASINAN forum.xlsx"
    with pytest.raises(PermissionDenied):
        services.reports.forum_xlsx(actor=KADES, path=tmp_path / "kades.xlsx")
    assert not (tmp_path / "kades.xlsx").exists()


def test_text_that_looks_like_a_formula_stays_text_in_the_workbook(services, tmp_path):
    """A program's name and a dusun as the registry holds them (an import may bring
    either) are written as words, never as formulas."""
    from tests.db.test_formula_injection import formulas
    payload = '=HYPERLINK("http://x","y")'
    services.targeting.save_program(actor=ADMIN, code="JAHAT", name=payload, new=True)
    with services.db.write() as s:
        home = Household(region_code=VILLAGE, no_kk="3523010101999999", dusun="=1+1",
                         rw="001", rt="001", desil=1)
        s.add(home)
        s.flush()
        s.add(Participation(program_code="JAHAT", household_id=home.id, period="2026",
                            source="manual", status="aktif"))
    path = services.reports.forum_xlsx(actor=ADMIN, path=tmp_path / "forum.xlsx")
    assert formulas(path) == []
    from openpyxl import load_workbook
    book = load_workbook(path)
    assert [r[1] for r in book["Per program"].iter_rows(min_row=2, values_only=True)] \
        == [payload]
    assert book["Per wilayah"]["A2"].value == "=1+1"
