"""What one file says about each household it names: :class:`FileHouseholds`.

Every row of a family repeats the family's values (ID DTSEN, address, dusun,
RT, RW, desil).  The file's values for a household are gathered over all its
rows: a value one row leaves empty is taken from another row, and a field
that two rows give differently is *disputed*: the row that disagrees is
reported, and the file then decides nothing about that field (a household
this import creates leaves it empty; a registered household keeps what it
had).  The gathered values are applied once the whole file is read
(:meth:`FileHouseholds.finish`), so no row's place in the file decides
anything, and reading the same file again changes nothing.
"""

from __future__ import annotations

from sqlalchemy import update

from ...core.labels import field_label, value_label
from ...db import seals
from ...i18n import _
from ...models import Household
from .report import RowIssue
from .rows import HOUSEHOLD_FIELDS, Row

#: positions in HOUSEHOLD_FIELDS the rows of one family must agree on (the No KK
#: names the family, so it is not compared; the answers to the household's DTSEN
#: questions are compared like the address)
COMPARED = (0, 2, 3, 4, 5, 6, *range(7, len(HOUSEHOLD_FIELDS)))
DTSEN, DESIL = 0, 6


def _label(position: int) -> str:
    return field_label("household", HOUSEHOLD_FIELDS[position])


def _value(position: int, value) -> str:
    """A value as the report says it: an answer's words, not its code."""
    return value_label("household", HOUSEHOLD_FIELDS[position], value)


def _empty(value) -> bool:
    return value is None or value == ""


class FileHouseholds:
    """The household values of one import's file, household by household."""

    def __init__(self, state) -> None:
        self.state = state
        #: household id -> the file's values so far, in HOUSEHOLD_FIELDS order
        self.values: dict[str, list] = {}
        self.first_line: dict[str, int] = {}
        #: household id -> positions the file's rows give differently
        self.disputed: dict[str, set[int]] = {}
        #: households this import creates, and those of them whose values a later
        #: row completed or disputed (only these are written again at the end)
        self.created: set[str] = set()
        self.refined: set[str] = set()
        #: households whose first row in the file was counted as unchanged: a change
        #: of the household is counted on that row instead (see finish)
        self.unchanged_first: set[str] = set()

    def create(self, hid: str, values, line: int | None = None) -> None:
        """``hid`` is made by this import from a row with ``values``."""
        self.values[hid] = list(values)
        self.created.add(hid)
        if line is not None:
            self.first_line[hid] = line

    def see(self, hid: str, row: Row) -> None:
        """``row`` belongs to household ``hid``: gather its values, or report where
        it disagrees with the file's earlier rows of that household."""
        values = row.hvalues
        merged = self.values.get(hid)
        self.first_line.setdefault(hid, row.line)
        if merged is None:
            self.values[hid] = list(values)
            return
        disputed = self.disputed.get(hid, ())
        new = []
        for i in COMPARED:
            value = values[i]
            if _empty(value) or i in disputed:
                continue
            if _empty(merged[i]):
                merged[i] = value
                if hid in self.created:
                    self.refined.add(hid)
            elif merged[i] != value:
                new.append(i)
        if new:
            self._dispute(hid, row, merged, new)

    def _dispute(self, hid: str, row: Row, merged: list, positions: list[int]) -> None:
        self.disputed.setdefault(hid, set()).update(positions)
        if hid in self.created:
            self.refined.add(hid)
        kk = merged[1] or row.raw_kk or "?"
        what = ", ".join(
            _("{field} {first} (line {line}) and {this} (this row)").format(
                field=_label(i), first=_value(i, merged[i]),
                line=self.first_line.get(hid, "?"), this=_value(i, row.hvalues[i]))
            for i in positions)
        report = self.state.report
        report.warnings += 1
        report.issues.append(RowIssue(row.line, "warning", _(
            "Rows of the family with KK {kk} disagree in this file: {what}. The member is "
            "imported, but the family's {fields} is not taken from this file; check which "
            "is right and set it in the household form.").format(
                kk=kk, what=what, fields=", ".join(_label(i) for i in positions)), row.cells))

    def finish(self) -> None:
        """Apply what the file says about each household, once every row is read."""
        state = self.state
        households = state.index.households
        bulk, report = state.bulk, state.report
        table = Household.__table__
        now, _stamp = bulk.stamp()
        for hid, merged in self.values.items():
            h = households.get(hid)
            if h is None:
                continue
            disputed = self.disputed.get(hid, ())
            if hid in self.created:
                if hid not in self.refined:
                    continue            # stored as its first row gave it: nothing to add
                diff = {HOUSEHOLD_FIELDS[i]: None if i in disputed else merged[i]
                        for i in COMPARED}
                diff = {f: v for f, v in diff.items() if v != h.get(f)}
                if not diff:
                    continue
                if "desil" in diff:
                    diff["desil_period"] = state.desil_period if diff["desil"] is not None \
                        else None
                h.update(diff)
                bulk.execute(update(table).where(table.c.id == hid).values(**diff))
                state.touched_households.add(hid)
                seals.touch(state.s, "household", (hid,))   # sealed anew at the commit
                continue
            diff = {}
            for i in COMPARED:
                field, value = HOUSEHOLD_FIELDS[i], merged[i]
                if i in disputed or _empty(value) or value == h.get(field):
                    continue
                if i == DTSEN and not _empty(h.get(field)):
                    continue            # a family's ID DTSEN is not replaced by a file
                diff[field] = value
            if not diff:
                continue
            before = {f: h.get(f) for f in diff}
            for f, new in diff.items():
                state.example(self.first_line.get(hid, 0), "household",
                              h.get("no_kk") or hid, f, before[f], new)
            if "desil" in diff:
                before["desil_period"] = h.get("desil_period")
                diff["desil_period"] = state.desil_period
            h.update(diff)
            bulk.execute(update(table).where(table.c.id == hid)
                         .values(**diff, updated_at=now, version=table.c.version + 1))
            state.changes.record("household", hid, "update", before, diff)
            state.touched_households.add(hid)
            # the household's first row in the file brings its change
            if hid in self.unchanged_first:
                report.unchanged -= 1
                report.updated += 1
        state.changes.flush()
