"""The Sasaran dashboard (issue 17 point 4) on a 20,000-household village with ten
programs: the figures of the whole village, by RT and by dusun, as the Laporan page
and ``report sasaran`` compute them.

Measured (best of 3):

- the whole dashboard (``ReportService.dashboard``), against the work it cannot
  skip: the flags it counts (``TargetingService.flags``, bench_flags' subject) plus
  the bare SQL of its figures;
- its figures alone (the flags handed in already computed), against the bare SQL:
  the same three GROUP BY statements and the four counts of the vulnerable groups as
  plain ``sqlite3`` on the same (encrypted) file, whose totals must equal the
  dashboard's.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from bench.bench_flags import HOUSEHOLDS, _more_programs
from bench.common import Result, best_of

_ACTIVE = "p.deleted_at IS NULL AND p.status = 'aktif'"
#: the bare statements: households by area and desil with their programs' kinds, the
#: living members by area, each program's households by desil
BARE = (
    f"""SELECT h.dusun, h.rw, h.rt, h.desil, count(*), count(r.hid), sum(r.beban),
               sum(r.pendapatan), sum(r.pemberdayaan)
        FROM household h LEFT JOIN (
          SELECT p.household_id AS hid,
                 max(CASE WHEN g.kind = 'beban' THEN 1 ELSE 0 END) AS beban,
                 max(CASE WHEN g.kind = 'pendapatan' THEN 1 ELSE 0 END) AS pendapatan,
                 max(CASE WHEN g.kind = 'pemberdayaan' THEN 1 ELSE 0 END) AS pemberdayaan
          FROM participation p JOIN program g ON g.code = p.program_code
          WHERE {_ACTIVE} GROUP BY p.household_id) r ON r.hid = h.id
        WHERE h.deleted_at IS NULL GROUP BY h.dusun, h.rw, h.rt, h.desil""",
    """SELECT h.dusun, h.rw, h.rt, count(*) FROM household h
        JOIN member m ON m.household_id = h.id
        WHERE h.deleted_at IS NULL AND m.deleted_at IS NULL AND m.presence IN ('1', '5')
        GROUP BY h.dusun, h.rw, h.rt""",
    f"""SELECT p.program_code, h.desil, count(DISTINCT p.household_id)
        FROM participation p JOIN household h ON h.id = p.household_id
        WHERE h.deleted_at IS NULL AND {_ACTIVE} GROUP BY p.program_code, h.desil""",
)
_LIVING = ("m.deleted_at IS NULL AND m.presence IN ('1', '5') AND h.deleted_at IS NULL")
#: the vulnerable groups' counts: orphans (and those without a sponsor), sponsors and
#: their free places, the elderly living alone, the severely disabled
VULNERABLE = (
    f"""SELECT count(*), sum(NOT EXISTS (SELECT 1 FROM foster_match f
                                         WHERE f.orphan_id = o.id AND f.ended_on IS NULL))
        FROM orphan o JOIN member m ON m.id = o.member_id
        JOIN household h ON h.id = m.household_id
        WHERE o.deleted_at IS NULL AND {_LIVING}""",
    f"""SELECT count(*), sum(max(0, s.capacity - (SELECT count(*) FROM foster_match f
                                                  WHERE f.sponsor_id = s.id
                                                    AND f.ended_on IS NULL)))
        FROM foster_sponsor s JOIN member m ON m.id = s.member_id
        JOIN household h ON h.id = m.household_id
        WHERE s.deleted_at IS NULL AND {_LIVING}""",
    f"""SELECT count(*) FROM member m JOIN household h ON h.id = m.household_id
        WHERE {_LIVING} AND m.birth_date <= :cutoff AND NOT EXISTS (
          SELECT 1 FROM member o WHERE o.household_id = m.household_id AND o.id != m.id
            AND o.deleted_at IS NULL AND o.presence IN ('1', '5'))""",
    f"""SELECT count(*) FROM member m JOIN household h ON h.id = m.household_id
        WHERE {_LIVING} AND '1' IN (m.difficulty_seeing, m.difficulty_hearing,
          m.difficulty_walking, m.difficulty_hands, m.difficulty_learning,
          m.difficulty_behaviour, m.difficulty_speaking, m.difficulty_self_care,
          m.difficulty_remembering)""",
)


class _FlagsGiven:
    """The targeting service with its flags already computed (to time the figures
    alone)."""

    def __init__(self, targeting, flags):
        self._targeting, self._flags = targeting, flags

    def rules(self, *, actor):
        return self._targeting.rules(actor=actor)

    def flags(self, *, actor, today=None, kind=None):
        return [f for f in self._flags if kind in (None, f.kind)]


def run() -> list[Result]:
    from puskesos.db.engine import connect_file
    from puskesos.services import Actor, open_services
    from puskesos.services.demo import generate
    from puskesos.services.reports import ReportService
    actor = Actor("koordinator", "koordinator")
    today = date.today()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sasaran.sqlite"
        services = open_services(str(path), create=True)
        admin = Actor.command_line()
        services.settings.init_village(actor=admin, village_code="35.23.01.2001")
        generate(services, actor=admin, households=HOUSEHOLDS, seed=8)
        _more_programs(services, seed=8)
        board = services.reports.dashboard(actor=actor, today=today)
        took = best_of(lambda: services.reports.dashboard(actor=actor, today=today))
        flags = services.targeting.flags(actor=actor, today=today)
        flags_took = best_of(lambda: services.targeting.flags(actor=actor, today=today))
        given = ReportService(services.db, targeting=_FlagsGiven(services.targeting, flags),
                              documents=services.documents)
        figures = best_of(lambda: given.dashboard(actor=actor, today=today))
        con = connect_file(path)

        cutoff = today.replace(year=today.year - 60, day=min(today.day, 28)).isoformat()

        def bare():
            return [con.execute(sql).fetchall() for sql in BARE] + [
                con.execute(sql, {"cutoff": cutoff}).fetchall() for sql in VULNERABLE]
        households, members, programs, orphans, sponsors, alone, severe = bare()
        v = board.vulnerable
        if (orphans[0][0], orphans[0][1] or 0, sponsors[0][0], sponsors[0][1] or 0,
                alone[0][0], severe[0][0]) != (v.orphans, v.orphans_unsponsored, v.sponsors,
                                               v.places_free, v.elderly_alone, v.severe):
            raise AssertionError("the bare SQL does not count the vulnerable groups as "
                                 "the dashboard does")
        if (sum(r[4] for r in households), sum(r[3] for r in members),
                sum(r[2] for r in programs)) != (
                board.total.households, board.total.members,
                sum(p.households for p in board.programs)):
            raise AssertionError("the bare SQL does not count what the dashboard counts")
        raw = best_of(bare)
        con.close()
        services.close()
    what = (f"Sasaran dashboard of {board.total.households} households "
            f"({len(board.by_area)} RT, {len(board.programs)} programs received)")
    return [
        Result("sasaran-20k", what, took, "its flags + the bare SQL of its figures",
               flags_took + raw, budget=1.3),
        Result("sasaran-20k-figures-vs-sql", "its figures alone (the flags computed "
               "before)", figures, "the bare GROUP BY statements", raw, budget=2.0),
    ]
