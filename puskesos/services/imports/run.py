"""One import from start to end: :func:`run_import`.

Reads the file once, a block of rows at a time; each block is normalised
(:class:`~.rows.Normaliser`), its duplicates and warnings reported, and its rows
handed in chunks to the handler of the import's kind (:class:`~.registry.RegistryRows`
or :class:`~.bnba.BnbaRows`).  A real import is one transaction, recorded as a
batch (:mod:`..changesets`); a preview only reads.

No process-wide switch is touched here: the command line may run an import
in :func:`puskesos.threads.throughput_mode`, the window never does.
"""

from __future__ import annotations

import json
from datetime import date
from operator import attrgetter
from pathlib import Path

from sqlalchemy import func, select

from ...core.normalize import identifier_cell, name_cell
from ...core.permissions import Permission
from ...errors import InvalidInput, NotFound
from ...i18n import _
from ...jobs import CancelToken, Progress
from ...models import ImportBatch, ImportChange, Member, Program, UnregisteredRecipient
from .. import audit
from ..audit import Change
from ..backup import _sha256
from ..context import Actor, require
from ...formats import (Header, SheetReader, SpreadsheetError, display_cells,
                        open_sheet)
from .bnba import BnbaRows
from .matching import Index, real_nik
from .registry import RegistryRows
from .report import ImportReport, RowIssue
from .rows import HOUSEHOLD_ANSWERS, MEMBER_ANSWERS, NO_NIK, Normaliser, Row
from .state import ImportState

CHUNK = 2000             # rows handled (and their changes written) at a time

_line_of = attrgetter("line")


def _mark_known(state: ImportState, keys: list[str], unnumbered: list, twice: list) -> None:
    """Mark the issues the stored data already has so (RowIssue.known): a row without
    NIK for a person registered without NIK in that KK, and a NIK the file repeats
    that the registry also holds for more than one person."""
    index = state.index
    where = {key: i for i, key in enumerate(keys)}
    if unnumbered and "no_kk" in where and "name" in where:
        for issue, cells in unnumbered:
            kk, _error = identifier_cell(cells[where["no_kk"]], "No KK")
            name = name_cell(cells[where["name"]])
            hid = index.by_kk.get(kk) if kk else None
            issue.known = bool(hid and name and any(
                m["name"] == name and not real_nik(m.get("nik"))
                for m in index.members_by_household.get(hid, ())))
    if twice:
        niks = {nik for _issue, nik in twice}
        shared = set(state.s.scalars(
            select(Member.nik).where(Member.nik.in_(niks), Member.deleted_at.is_(None))
            .group_by(Member.nik).having(func.count() > 1)))
        for issue, nik in twice:
            issue.known = nik in shared


def _changed_nothing(s, report: ImportReport, batch_id: str) -> bool:
    """Whether the import read no rows, or none that changed anything: it created
    and updated nothing and recorded no change."""
    if report.created or report.created_households or report.updated:
        return False
    if s.scalar(select(UnregisteredRecipient.id).where(
            UnregisteredRecipient.import_batch_id == batch_id).limit(1)) is not None:
        return False               # recipients not in the registry, kept (bnba.py)
    return s.scalar(select(ImportChange.id).where(ImportChange.batch_id == batch_id)
                    .limit(1)) is None


def check_header(header: Header, mapping: dict[int, str] | None) -> Header:
    """``header`` with the user's column ``mapping`` applied; refused without a NIK
    column."""
    if mapping:
        header = Header(header.sheet, header.row, header.columns, dict(mapping),
                        header.unmapped)
    if "nik" not in header.mapping.values():
        raise SpreadsheetError(_("The sheet {sheet} has no NIK column. Name the column 'NIK' "
                                 "or choose it in the column mapping.").format(
                                     sheet=header.sheet))
    return header


def run_import(services, *, actor: Actor, path: Path | str, dry_run: bool = False,
               sheet: str | None = None, mapping: dict[int, str] | None = None,
               program: str | None = None, period: str | None = None,
               progress: Progress | None = None, cancel: CancelToken | None = None,
               today: date | None = None) -> ImportReport:
    """Import (or with ``dry_run`` preview) a registry extract or, with ``program``,
    a BNBA recipient list for that program and ``period``."""
    require(actor, Permission.EDIT_REGISTRY)
    path = Path(path)
    if not path.exists():
        raise NotFound(_("File {path} does not exist.").format(path=path))
    if program and not (period or "").strip():
        raise InvalidInput(_("Give the period of the program (e.g. 2025 or 2025-Q3)."))
    # The sheet is parsed once, for its header and its rows.
    with open_sheet(path, sheet) as reader:
        return _run(services, reader, actor=actor, path=path, dry_run=dry_run,
                    mapping=mapping, program=program, period=period, progress=progress,
                    cancel=cancel, today=today)


def _run(services, reader: SheetReader, *, actor: Actor, path: Path, dry_run: bool,
         mapping: dict[int, str] | None, program: str | None, period: str | None,
         progress: Progress | None, cancel: CancelToken | None,
         today: date | None) -> ImportReport:
    header = check_header(reader.header, mapping)
    kind = "bnba" if program else "registry"
    report = ImportReport(source=path.name, kind=kind, dry_run=dry_run,
                          header={"sheet": header.sheet, "row": header.row + 1,
                                  "columns": list(header.columns),
                                  "mapping": {header.columns[i]: k
                                              for i, k in header.mapping.items()},
                                  "unmapped": list(header.unmapped)})
    village = services.settings.village().code
    desil_period = period or f"impor {date.today().isoformat()}"
    # A preview reads only: it computes everything the import would do without
    # writing, so it never holds the write lock while the operator works.
    unit = services.db.read() if dry_run else services.db.write()
    with unit as s:
        if program and s.get(Program, program) is None:
            known = ", ".join(s.scalars(select(Program.code).order_by(Program.code)))
            raise InvalidInput(_("Unknown program {code}. Known programs: {known}.")
                               .format(code=program, known=known))
        given = set(header.mapping.values())
        index = Index(s, tuple(f for f in MEMBER_ANSWERS if f in given),
                      tuple(f for f in HOUSEHOLD_ANSWERS if f in given))
        batch = None
        if not dry_run:
            batch = ImportBatch(actor=actor.username, source_name=path.name,
                                source_sha256=_sha256(path), kind=kind, program_code=program,
                                period=period, counts={})
            s.add(batch)
            s.flush()
        state = ImportState(s, index, report, batch.id if batch else None, village,
                            desil_period, actor, dry_run=dry_run)
        handler = BnbaRows(state, program, period) if program else RegistryRows(state)

        def process(chunk: list[Row]) -> None:
            handler.process(chunk)
            state.changes.flush()
            index.forget_written()

        try:
            seen: set[str] = set()
            chunk: list[Row] = []
            # rows without NIK and repeated NIKs, to tell whether the registry has them
            # so already (_mark_known)
            unnumbered: list[tuple[RowIssue, tuple]] = []
            twice: list[tuple[RowIssue, str]] = []
            keys, blocks = reader.blocks(header.mapping, progress=progress, cancel=cancel)
            normaliser = Normaliser(keys, today)
            if batch is not None and not program:
                state.defer_indexes(reader.expected_rows)
            pad = reader.col_offset
            issues = report.issues
            take_new = handler.take_new if (isinstance(handler, RegistryRows)
                                            and handler.FAST_PATH) else None
            for block in blocks:
                report.rows += len(block)
                if take_new is not None:
                    # plainly new people in one loop; the rest of the block the general way
                    if chunk:
                        process(chunk)
                        chunk = []
                    taken = take_new(normaliser, block, seen)
                    index.forget_written()
                    if taken:
                        block = block[taken:]
                        if not block:
                            continue
                # one answer per row of the block, in order
                answers = normaliser.block(block, pad)
                for (line, raw, _cells), (row, reason) in zip(block, answers):
                    if row is None:
                        report.rejected += 1
                        issues.append(RowIssue(line, "rejected", str(reason),
                                               display_cells(raw, pad),
                                               code=getattr(reason, "code", None)))
                        if issues[-1].code == NO_NIK:   # by its code, never by its words
                            unnumbered.append((issues[-1], _cells))
                        continue
                    if not row.placeholder:
                        if row.nik in seen:
                            report.duplicates += 1
                            issues.append(RowIssue(
                                row.line, "duplicate",
                                _("NIK {nik} appears earlier in this file; this row was not "
                                  "imported.").format(nik=row.nik), row.cells))
                            twice.append((issues[-1], row.nik))
                            continue
                        seen.add(row.nik)
                    if row.warnings:
                        report.warnings += 1
                        row.issue = RowIssue(row.line, "warning", " ".join(row.warnings),
                                             row.cells)
                        issues.append(row.issue)
                    chunk.append(row)
                    if len(chunk) >= CHUNK:
                        process(chunk)
                        chunk = []
            process(chunk)
            handler.finish()
            _mark_known(state, keys, unnumbered, twice)
            # by line (a conflict is found when its chunk is written, after the rows read
            # since): the same list whichever way, and however often, rows were written
            issues.sort(key=_line_of)
            state.bulk.sync()
            if batch is not None:
                state.flush_search_text()
                state.restore_indexes()
            if batch is not None and _changed_nothing(s, report, batch.id):
                # no batch: `--undo` keeps aiming at the last import that changed something
                s.delete(batch)
                s.flush()
            elif batch is not None:
                batch.counts = report.summary()
                audit.append(s, actor, "import", [Change("import_batch", batch.id, None, None,
                                                         json.dumps(report.summary(),
                                                                    ensure_ascii=False))],
                             f"{path.name}")
                report.batch_id = batch.id
        except BaseException:
            state.bulk.close(failed=True)
            raise
        finally:
            try:
                state.bulk.close(failed=False)
            finally:
                state.bulk.reset_cache()
    return report
