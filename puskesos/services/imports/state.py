"""The working state of one import: its report, the registry index, the writes.

:class:`ImportState` is shared by the row handlers (:mod:`.registry`,
:mod:`.bnba`): it holds the session and the bulk writer, the batch the import
is recorded as, the examples of changed fields shown in the preview, the
conflicts, and the households whose search text is written at the end.
"""

from __future__ import annotations

from sqlalchemy import bindparam, update

from ...db import seals
from ...db.bulk import BulkWriter
from ...models import Household, Member, RecordSeal
from ..changesets import ChangeRecorder, json_value
from ..context import Actor
from ..registry import compose_search_text
from .matching import Index
from .report import FieldChange, ImportReport, NewRow, RowIssue
from .rows import Row

EXAMPLES = 300           # field-level examples kept for the preview


class ImportState:
    """What the row handlers of one import share."""

    #: an import this large, and larger than what the member table holds, writes the
    #: members without :data:`DEFERRED_INDEXES` and builds them once at the end
    DEFER_INDEXES = 5000
    #: SQLite page cache while a large import writes (16 MiB): the new rows are appended
    #: in key order and the NIK index is built at the end, so a larger cache saved no
    #: time on the 100,000-member bench and cost its size in memory (bench/RESULTS.md)
    IMPORT_CACHE_KIB = 16384
    #: the indexes a large import builds once at the end (keys in random order:
    #: scattered inserts into them cost more than building them over the table)
    DEFERRED_INDEXES = ("ix_member_nik",)

    #: write the seals of the rows it inserts (off only in the bench that measures
    #: what they cost: bench/bench_import.py)
    SEALS = True

    def __init__(self, s, index: Index, report: ImportReport, batch_id: str | None,
                 village: str, desil_period: str, actor: Actor, dry_run: bool = False):
        self.s, self.index, self.report = s, index, report
        self.dry_run = dry_run
        self.batch_id, self.village, self.desil_period = batch_id, village, desil_period
        self.actor = actor
        #: writes new rows (on SQLite on a second thread); a preview writes nothing
        self.bulk = BulkWriter(s.connection(), dry_run=dry_run)
        # what is written can be read back: the families the import made keep only
        # their size once written (Index.forget_written); a preview keeps them whole
        index.before_read = self.bulk.sync
        if not dry_run:
            index.fresh = []
        self.changes = ChangeRecorder(self.bulk, batch_id, None if dry_run else s)
        #: the seals of the rows it inserts are made from the values it writes
        self.seal_key = None if dry_run or not self.SEALS else seals.read_key(s)
        self._encoders: dict[tuple, seals.Encoder] = {}
        # households whose search text is written at the end (the ones written before
        # they got all their members, and the ones already stored)
        self.touched_households: set[str] = set()

    def seal_new(self, entity: str, columns: tuple[str, ...], rows: list[tuple],
                 same: tuple[tuple[str, object], ...] = ()) -> None:
        """Write the seals of new rows of ``entity`` given to the bulk writer as
        ``rows`` in ``columns`` order with the ``same`` values (see
        :mod:`puskesos.db.seals`): the digests of the values as the database stores
        them, which ``db check`` computes again from the rows it reads."""
        if self.seal_key is None or not rows:
            return
        cache = (entity, columns, same)
        encoder = self._encoders.get(cache)
        if encoder is None:
            if len(self._encoders) > 64:
                self._encoders.clear()
            encoder = self._encoders[cache] = seals.Encoder(
                self.seal_key, seals.TABLES[entity], columns, dict(same))
        self.bulk.insert_tuples(RecordSeal.__table__, ("entity_id", "digest"),
                                encoder.keyed(rows), (("entity", entity),))

    def example(self, line: int, entity: str, name: str, fld: str, old, new) -> None:
        """Keep a changed field for the preview (the first :data:`EXAMPLES`)."""
        if len(self.report.changes) < EXAMPLES:
            self.report.changes.append(FieldChange(line, entity, name, fld, json_value(old),
                                                   json_value(new)))

    def new_row(self, line: int, name: str, no_kk: str | None) -> bool:
        """Keep a new row for the preview (the first :data:`EXAMPLES`); False when
        enough are kept."""
        rows = self.report.new_rows
        if len(rows) >= EXAMPLES:
            return False
        rows.append(NewRow(line, name, no_kk))
        return True

    def conflict(self, row: Row, reason: str) -> None:
        """Report ``row`` as a conflict a person must settle (it changes nothing)."""
        self.report.conflicts += 1
        self.report.issues.append(RowIssue(row.line, "conflict", reason, row.cells))

    def defer_indexes(self, expected_rows: int) -> None:
        """Prepare for ``expected_rows`` rows: a large import gets a larger page cache
        (:attr:`IMPORT_CACHE_KIB`), and when the file brings more rows than the member table
        holds, the member NIK index is built once at the end.

        New rows carry time-ordered keys, so the member index on household_id and
        the household indexes take them cheaply as they are written; the NIKs come
        in any order, and building that index once over the finished table is
        cheaper than 100,000 scattered inserts (measured on the 100,000-member
        bench).  The index comes back in the same transaction
        (:meth:`restore_indexes`); a failed import rolls the drop back."""
        bulk = self.bulk
        if self.dry_run or not bulk.sqlite or expected_rows < self.DEFER_INDEXES:
            return
        bulk.enlarge_cache(self.IMPORT_CACHE_KIB)
        if expected_rows <= bulk.count(Member.__table__):
            return
        for name in self.DEFERRED_INDEXES:
            bulk.defer_index(name)

    def restore_indexes(self) -> None:
        """Create again the indexes :meth:`defer_indexes` dropped."""
        self.bulk.restore_indexes()

    def flush_search_text(self) -> None:
        """Write the search text of every household the import touched."""
        self.bulk.sync()
        index = self.index
        ids = list(self.touched_households)
        table = Household.__table__
        for start in range(0, len(ids), 1000):
            params = []
            index.read_families(ids[start:start + 1000])
            for hid in ids[start:start + 1000]:
                h = index.households.get(hid)
                if h is None:
                    continue
                people = [(m["name"], m.get("nik")) for m in
                          index.members_by_household.get(hid, [])]
                params.append({"hid": hid, "text": compose_search_text(
                    h.get("no_kk"), h.get("dtsen_id"), h.get("address"), h.get("dusun"),
                    people)})
            if params:
                self.bulk.execute(update(table).where(table.c.id == bindparam("hid"))
                                  .values(search_text=bindparam("text")), params)
