"""Import DTSEN/DTKS extracts and BNBA recipient lists ("sanding data").

One function, :func:`run_import`, serves the wizard and the command line.
It streams the rows of the file, normalises each cell, checks the NIK,
matches each person against the registry (by NIK, then by No KK + name and
date of birth), and classifies every row: new, updated (with each field's
old and new value), unchanged, conflict, rejected.  A dry run does the same
work inside a transaction that is rolled back, so the preview is exactly
what an import would do.  A real import is one transaction, recorded as a
batch with every record's values before and after, so :func:`undo_last_import`
restores the previous state exactly.  A blank cell never overwrites a
stored value.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import asdict, dataclass, field
from datetime import date, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..core import codes
from ..core.columns import BY_KEY
from ..core.identifiers import Severity, check_kk, check_nik
from ..core.normalize import (date_cell, identifier_cell, int_cell, name_cell, sex_cell,
                              text_cell)
from ..core.permissions import Permission
from ..errors import InvalidInput, NotFound, UserError
from ..i18n import _
from ..jobs import CancelToken, Progress
from ..models import (AuditEvent, Household, ImportBatch, ImportChange, Member, Participation, Program,
                      new_id, utcnow)
from . import audit
from .audit import Change
from .context import Actor, require
from .backup import _sha256
from .households import compose_search_text
from .spreadsheet import Header, SourceRow, detect_header, iter_rows

CHUNK = 2000
EXAMPLES = 300           # field-level examples kept for the preview
NAME_MATCH = 0.85        # similarity for matching a person without a usable NIK
NAME_CONFLICT = 0.5      # same NIK but a name this different: a person must look

MEMBER_FIELDS = ("name", "sex", "birth_place", "birth_date", "relationship_code", "presence")
HOUSEHOLD_FIELDS = ("dtsen_id", "no_kk", "address", "dusun", "rt", "rw", "desil")

_RELATIONSHIP_WORDS = {
    "KEPALA KELUARGA": "1", "KEPALA RUMAH TANGGA": "1", "KK": "1", "KRT": "1",
    "ISTRI": "2", "SUAMI": "2", "ISTRI/SUAMI": "2", "SUAMI/ISTRI": "2", "PASANGAN": "2",
    "ANAK": "3", "ANAK KANDUNG": "3", "ANAK TIRI": "3", "ANAK ANGKAT": "3",
    "MENANTU": "4", "CUCU": "5", "ORANG TUA": "6", "ORANGTUA": "6", "MERTUA": "6",
    "ORANG TUA/MERTUA": "6", "PEMBANTU": "7", "PEMBANTU/SOPIR": "7", "SOPIR": "7",
    "FAMILI LAIN": "8", "LAINNYA": "8", "LAIN-LAIN": "8",
}


@dataclass
class RowIssue:
    line: int
    kind: str                # "rejected", "warning", "conflict", "duplicate"
    reason: str
    cells: tuple[str, ...]


@dataclass
class FieldChange:
    line: int
    entity: str
    name: str                # the person or household it concerns
    field: str
    old: Any
    new: Any


@dataclass
class ImportReport:
    """What an import did (or, for a dry run, would do)."""

    source: str
    kind: str
    dry_run: bool
    rows: int = 0
    created: int = 0          # new members (registry) or participations (bnba)
    created_households: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    warnings: int = 0
    conflicts: int = 0
    duplicates: int = 0
    batch_id: str | None = None
    header: dict = field(default_factory=dict)
    changes: list[FieldChange] = field(default_factory=list)
    issues: list[RowIssue] = field(default_factory=list)

    def summary(self) -> dict:
        data = asdict(self)
        data.pop("changes")
        data.pop("issues")
        return data


class _DryRun(Exception):
    pass


def _relationship(value: Any) -> tuple[str | None, str | None]:
    text = text_cell(value)
    if not text:
        return None, None
    folded = " ".join(text.upper().replace(".", " ").split())
    if folded in _RELATIONSHIP_WORDS:
        return _RELATIONSHIP_WORDS[folded], None
    try:
        member = codes.Relationship.from_code(folded.split()[0])
        return member.value, None
    except (ValueError, IndexError):
        pass
    for m in codes.Relationship:
        if m.label.upper() == folded:
            return m.value, None
    return None, _("'{value}' is not a known relationship to the head of family.").format(
        value=text)


def _presence(value: Any) -> tuple[str | None, str | None]:
    text = text_cell(value)
    if not text:
        return None, None
    folded = text.upper()
    for m in codes.Presence:
        if m.label.upper() == folded or m.value == folded.split()[0]:
            return m.value, None
    words = {"TINGGAL": "1", "ADA": "1", "MENINGGAL": "2", "WAFAT": "2", "PINDAH": "3",
             "TIDAK DITEMUKAN": "6"}
    for word, code in words.items():
        if folded.startswith(word):
            return code, None
    return None, _("'{value}' is not a known presence status.").format(value=text)


@dataclass
class _Row:
    line: int
    source: SourceRow
    nik: str | None = None
    placeholder: bool = False
    member: dict = field(default_factory=dict)
    household: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    raw_kk: str | None = None

    @property
    def cells(self) -> tuple[str, ...]:
        """The original cells (built only for rows that go into the report)."""
        return self.source.cells


def normalise_row(row: SourceRow, *, today: date | None = None) -> tuple[_Row | None, str | None]:
    """Cells of a source row → stored values, or (None, reason) for a rejected row."""
    v = row.values
    out = _Row(row.line, row)
    nik, error = identifier_cell(v.get("nik"), "NIK")
    if error:
        return None, error
    if not nik:
        return None, _("The row has no NIK. Add the NIK, or the DTSEN placeholder code for a "
                       "person without one.")
    sex, error = sex_cell(v.get("sex"))
    if error:
        out.warnings.append(error)
    born, error = date_cell(v.get("birth_date"))
    if error:
        out.warnings.append(error)
    result = check_nik(nik, birth_date=born, sex=sex, today=today)
    errors = [i for i in result.issues if i.severity is Severity.ERROR]
    if errors:
        return None, errors[0].message
    out.warnings += [i.message for i in result.issues if i.severity is Severity.WARNING]
    out.nik = result.value
    out.placeholder = bool(result.info and result.info.placeholder)
    if sex is None and result.info and result.info.sex:
        sex = result.info.sex  # the NIK tells the sex when the file does not
    name = name_cell(v.get("name"))
    if not name:
        return None, _("The row has no name. Type the name as on the KTP/KK.")
    relationship, error = _relationship(v.get("relationship"))
    if error:
        out.warnings.append(error)
    presence, error = _presence(v.get("presence"))
    if error:
        out.warnings.append(error)
    out.member = {"name": name, "sex": sex, "birth_date": born,
                  "birth_place": name_cell(v.get("birth_place")),
                  "relationship_code": relationship, "presence": presence}
    kk, error = identifier_cell(v.get("no_kk"), "KK")
    raw_kk = text_cell(v.get("no_kk"))
    if error:
        out.warnings.append(error)
        kk = None
    if kk:
        kk_result = check_kk(kk, today=today)
        if not kk_result.ok:
            out.warnings.append(kk_result.errors[0].message)
            kk = None
        else:
            kk = kk_result.value
            raw_kk = None
    dtsen, _e = identifier_cell(v.get("dtsen_id"), "ID DTSEN")
    area = {}
    for key in ("rt", "rw"):
        number, error = int_cell(v.get(key), 0, 999)
        if error:
            out.warnings.append(error)
        area[key] = f"{number:03d}" if number is not None else None
    desil, error = int_cell(v.get("desil"), 1, 10)
    if error:
        out.warnings.append(error)
    dusun = name_cell(v.get("dusun"))
    out.household = {"no_kk": kk, "dtsen_id": dtsen, "address": name_cell(v.get("address")),
                     "dusun": dusun, "rt": area["rt"], "rw": area["rw"], "desil": desil}
    out.raw_kk = raw_kk  # an unusable KK still keeps a family's rows together
    return out, None


def _real_nik(nik: str | None) -> bool:
    return bool(nik) and not nik.startswith("99999999999999")


def _similar(a: str | None, b: str | None) -> float:
    if not a or not b:
        return 0.0
    return difflib.SequenceMatcher(None, a.upper(), b.upper()).ratio()


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


class _Index:
    """The registry as the importer needs it, loaded once per import."""

    def __init__(self, s):
        self.members_by_nik: dict[str, dict] = {}
        self.members_by_household: dict[str, list[dict]] = {}
        cols = [Member.id, Member.household_id, Member.nik, *[getattr(Member, f)
                                                               for f in MEMBER_FIELDS]]
        for row in s.execute(select(*cols).where(Member.deleted_at.is_(None))
                             .execution_options(yield_per=5000)):
            m = dict(row._mapping)
            self.members_by_household.setdefault(m["household_id"], []).append(m)
            if m["nik"] and not m["nik"].startswith("9999999999999"):
                self.members_by_nik.setdefault(m["nik"], m)
        self.households: dict[str, dict] = {}
        self.by_kk: dict[str, str] = {}
        self.by_dtsen: dict[str, str] = {}
        hcols = [Household.id, Household.desil_period, *[getattr(Household, f)
                                                          for f in HOUSEHOLD_FIELDS]]
        for row in s.execute(select(*hcols).where(Household.deleted_at.is_(None))
                             .execution_options(yield_per=5000)):
            h = dict(row._mapping)
            self.households[h["id"]] = h
            self.members_by_household.setdefault(h["id"], [])
            if h["no_kk"]:
                self.by_kk.setdefault(h["no_kk"], h["id"])
            if h["dtsen_id"]:
                self.by_dtsen.setdefault(h["dtsen_id"], h["id"])


def _open_header(path: Path, sheet: str | None, mapping: dict[int, str] | None) -> Header:
    header = detect_header(path, sheet)
    if mapping:
        header = Header(header.sheet, header.row, header.columns, dict(mapping),
                        header.unmapped)
    if "nik" not in header.mapping.values():
        from .spreadsheet import SpreadsheetError
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
    header = _open_header(path, sheet, mapping)
    kind = "bnba" if program else "registry"
    report = ImportReport(source=path.name, kind=kind, dry_run=dry_run,
                          header={"sheet": header.sheet, "row": header.row + 1,
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
        index = _Index(s)
        batch = None
        if not dry_run:
            batch = ImportBatch(actor=actor.username, source_name=path.name,
                                source_sha256=_sha256(path), kind=kind, program_code=program,
                                period=period, counts={})
            s.add(batch)
            s.flush()
        state = _State(s, index, report, batch.id if batch else None, village, desil_period,
                       actor, dry_run=dry_run)
        seen: set[str] = set()
        chunk: list[_Row] = []
        for source in iter_rows(path, header, progress=progress, cancel=cancel):
            report.rows += 1
            row, reason = normalise_row(source, today=today)
            if row is None:
                report.rejected += 1
                report.issues.append(RowIssue(source.line, "rejected", reason, source.cells))
                continue
            if not row.placeholder:
                if row.nik in seen:
                    report.duplicates += 1
                    report.issues.append(RowIssue(
                        source.line, "duplicate",
                        _("NIK {nik} appears earlier in this file; this row was not "
                          "imported.").format(nik=row.nik), source.cells))
                    continue
                seen.add(row.nik)
            if row.warnings:
                report.warnings += 1
                report.issues.append(RowIssue(source.line, "warning",
                                              " ".join(row.warnings), source.cells))
            chunk.append(row)
            if len(chunk) >= CHUNK:
                state.process(chunk, program, period)
                chunk = []
        state.process(chunk, program, period)
        if batch is not None:
            state.flush_search_text()
            batch.counts = report.summary()
            audit.append(s, actor, "import", [Change("import_batch", batch.id, None, None,
                                                     json.dumps(report.summary(),
                                                                ensure_ascii=False))],
                         f"{path.name}")
            report.batch_id = batch.id
    return report


class _State:
    """Per-import working state: pending inserts/updates written chunk by chunk."""

    def __init__(self, s, index: _Index, report: ImportReport, batch_id: str | None,
                 village: str, desil_period: str, actor: Actor, dry_run: bool = False):
        self.s, self.index, self.report = s, index, report
        self.dry_run = dry_run
        self._conn = s.connection()
        self.batch_id, self.village, self.desil_period = batch_id, village, desil_period
        self.actor = actor
        self.raw_kk: dict[str, str] = {}   # an invalid KK text -> the household made for it
        self.touched_households: set[str] = set()
        self.changes: list[dict] = []
        self.pending_households: list[dict] = []

    def _exec(self, statement, params=None) -> None:
        """Write to the database (a preview computes the same, writes nothing)."""
        if not self.dry_run:
            self._conn.execute(statement, params) if params is not None else \
                self._conn.execute(statement)

    def _insert(self, table, rows: list[dict]) -> None:
        """Insert many rows; on SQLite straight through the driver (the ORM's per-row
        parameter processing was a third of an import's time)."""
        if self.dry_run or not rows:
            return
        if self._conn.dialect.name != "sqlite":
            self._conn.execute(insert(table), rows)
            return
        columns = [c for c in table.columns if c.key in rows[0]]
        convert = [_sqlite_converter(c) for c in columns]
        sql = (f"INSERT INTO {table.name} ({', '.join(c.name for c in columns)}) "
               f"VALUES ({', '.join('?' * len(columns))})")
        keys = [c.key for c in columns]
        data = [tuple(f(r[k]) if f else r[k] for k, f in zip(keys, convert)) for r in rows]
        self._conn.exec_driver_sql(sql, data)

    def _example(self, line, entity, name, fld, old, new) -> None:
        if len(self.report.changes) < EXAMPLES:
            self.report.changes.append(FieldChange(line, entity, name, fld, _json(old),
                                                   _json(new)))

    def _record(self, entity: str, entity_id: str, op: str, before: dict | None,
                after: dict | None) -> None:
        self.changes.append(dict(batch_id=self.batch_id, entity=entity, entity_id=entity_id,
                                 op=op, before={k: _json(v) for k, v in (before or {}).items()}
                                 if before is not None else None,
                                 after={k: _json(v) for k, v in (after or {}).items()}
                                 if after is not None else None))

    # ------------------------------------------------------------ registry
    def process(self, rows: list[_Row], program: str | None, period: str | None) -> None:
        if not rows:
            return
        if program:
            self._process_bnba(rows, program, period)
        else:
            self._process_registry(rows)
        self._write_changes()

    def _household_for(self, row: _Row) -> tuple[str, bool]:
        """Existing household for the row's KK/DTSEN id, else a new one (created once)."""
        h = row.household
        hid = (self.index.by_kk.get(h["no_kk"]) if h["no_kk"] else None) or \
            (self.index.by_dtsen.get(h["dtsen_id"]) if h["dtsen_id"] else None)
        if not hid and row.raw_kk:
            hid = self.raw_kk.get(row.raw_kk)
        if hid:
            return hid, False
        hid = new_id()
        if row.raw_kk:
            self.raw_kk[row.raw_kk] = hid
        values = {k: h[k] for k in HOUSEHOLD_FIELDS}
        now = utcnow()
        record = dict(id=hid, region_code=self.village, created_at=now, updated_at=now,
                      version=1, desil_period=self.desil_period if h["desil"] else None,
                      **values)
        self.pending_households.append(record)
        self.index.households[hid] = {"id": hid, "desil_period": record["desil_period"],
                                      **values}
        if h["no_kk"]:
            self.index.by_kk[h["no_kk"]] = hid
        if h["dtsen_id"]:
            self.index.by_dtsen[h["dtsen_id"]] = hid
        self.index.members_by_household.setdefault(hid, [])
        self._record("household", hid, "insert", None, None)
        self.report.created_households += 1
        self.touched_households.add(hid)
        return hid, True

    def _match_member(self, row: _Row) -> dict | None:
        if not row.placeholder:
            found = self.index.members_by_nik.get(row.nik)
            if found:
                return found
        h = row.household
        hid = (self.index.by_kk.get(h["no_kk"]) if h["no_kk"] else None)
        if not hid:
            return None
        for m in self.index.members_by_household.get(hid, []):
            # A person recorded with a real NIK is someone else (twins share a KK,
            # a birthday and nearly a name); only a record without one can be
            # this person.
            if not row.placeholder and _real_nik(m.get("nik")):
                continue
            same_day = row.member["birth_date"] is None or m["birth_date"] == \
                row.member["birth_date"]
            if same_day and _similar(m["name"], row.member["name"]) >= NAME_MATCH:
                return m
        return None

    def _process_registry(self, rows: list[_Row]) -> None:
        member_updates: list[dict] = []
        household_updates: dict[str, dict] = {}
        inserts: list[dict] = []
        for row in rows:
            existing = self._match_member(row)
            if existing is not None:
                own_household = self.index.households.get(existing["household_id"], {})
                file_kk = row.household["no_kk"]
                other = self.index.by_kk.get(file_kk) if file_kk else None
                if other and other != existing["household_id"]:
                    self._conflict(row, _("The file puts NIK {nik} in KK {kk}, but the "
                                          "registry has this person in KK {stored}. Check "
                                          "the family and move the member by hand if it is "
                                          "right.").format(nik=row.nik, kk=file_kk,
                                                           stored=own_household.get("no_kk")))
                    continue
                if _similar(existing["name"], row.member["name"]) < NAME_CONFLICT:
                    self._conflict(row, _("NIK {nik} belongs to {stored} in the registry but "
                                          "to {name} in the file. Check which is right.")
                                   .format(nik=row.nik, stored=existing["name"],
                                           name=row.member["name"]))
                    continue
                hid = existing["household_id"]
                h = self.index.households.get(hid)
                identity = [f for f in ("no_kk", "dtsen_id") if h is not None and h[f]
                            and row.household[f] and row.household[f] != h[f]]
                if identity:
                    self._conflict(row, _("The file gives {field} {new} for {name}, but the "
                                          "family is registered under {old}. A new KK "
                                          "(pecah KK, moving) is recorded by hand in the "
                                          "household form.").format(
                        field="No KK" if identity[0] == "no_kk" else "ID DTSEN",
                        new=row.household[identity[0]], name=existing["name"],
                        old=h[identity[0]]))
                    continue
                changed = False
                diff = {f: row.member[f] for f in MEMBER_FIELDS
                        if row.member[f] not in (None, "") and row.member[f] != existing[f]}
                if not row.placeholder and not _real_nik(existing.get("nik")):
                    diff["nik"] = row.nik  # the file brings the NIK the registry lacked
                    self.index.members_by_nik[row.nik] = existing
                if diff:
                    before = {f: existing.get(f) for f in diff}
                    for f, new in diff.items():
                        self._example(row.line, "member", existing["name"], f,
                                      existing.get(f), new)
                    existing.update(diff)
                    member_updates.append({"id": existing["id"], **diff})
                    self._record("member", existing["id"], "update", before, diff)
                    changed = True
                if h is not None:
                    hdiff = {f: row.household[f] for f in HOUSEHOLD_FIELDS
                             if row.household[f] not in (None, "") and row.household[f] != h[f]}
                    if hdiff:
                        before = {f: h[f] for f in hdiff}
                        for f, new in hdiff.items():
                            self._example(row.line, "household", h.get("no_kk") or hid, f, h[f],
                                          new)
                        if "desil" in hdiff:
                            before["desil_period"] = h.get("desil_period")
                            hdiff["desil_period"] = self.desil_period
                        h.update(hdiff)
                        pending = household_updates.setdefault(hid, {"_before": {}})
                        for k, val in before.items():
                            pending["_before"].setdefault(k, val)
                        pending.update(hdiff)
                        changed = True
                if changed:
                    self.report.updated += 1
                    self.touched_households.add(hid)
                else:
                    self.report.unchanged += 1
                continue
            hid, _new = self._household_for(row)
            values = dict(row.member)
            values["relationship_code"] = values["relationship_code"] or (
                codes.Relationship.KEPALA.value if not self.index.members_by_household[hid]
                else codes.Relationship.LAINNYA.value)
            values["presence"] = values["presence"] or codes.Presence.TINGGAL.value
            values["sex"] = values["sex"] or "L"
            mid = new_id()
            now = utcnow()
            inserts.append(dict(id=mid, household_id=hid, nik=row.nik, created_at=now,
                                updated_at=now, version=1,
                                sort_order=len(self.index.members_by_household[hid]),
                                marital_status=None, religion=None, school_attendance=None,
                                education_level=None, work_status=None, occupation=None,
                                disability=None, chronic_illness=None, pregnant=None,
                                presence_date=None, presence_note=None, deleted_at=None,
                                deleted_by=None, deleted_reason=None, **values))
            record = {"id": mid, "household_id": hid, "nik": row.nik, **values}
            self.index.members_by_household[hid].append(record)
            if not row.placeholder:
                self.index.members_by_nik[row.nik] = record
            self._record("member", mid, "insert", None, None)
            self.touched_households.add(hid)
            self.report.created += 1
        if self.pending_households:  # before their members (foreign key)
            self._insert(Household.__table__, self.pending_households)
            self.pending_households = []
        if inserts:
            self._insert(Member.__table__, inserts)
        member_table = Member.__table__
        for upd in member_updates:
            mid = upd.pop("id")
            self._exec(update(member_table).where(member_table.c.id == mid)
                              .values(**upd, updated_at=utcnow(),
                                      version=member_table.c.version + 1))
        household_table = Household.__table__
        for hid, upd in household_updates.items():
            before = upd.pop("_before")
            self._exec(update(household_table).where(household_table.c.id == hid)
                              .values(**upd, updated_at=utcnow(),
                                      version=household_table.c.version + 1))
            self._record("household", hid, "update", before, upd)

    def _conflict(self, row: _Row, reason: str) -> None:
        self.report.conflicts += 1
        self.report.issues.append(RowIssue(row.line, "conflict", reason, row.cells))

    # ------------------------------------------------------------ recipient lists
    def _process_bnba(self, rows: list[_Row], program: str, period: str | None) -> None:
        target = self.s.get(Program, program).target
        existing = set(self.s.execute(select(Participation.household_id,
                                             Participation.member_id).where(
            Participation.program_code == program, Participation.period == period,
            Participation.deleted_at.is_(None))).all())
        inserts = []
        for row in rows:
            member = self._match_member(row)
            if member is None:
                self.report.rejected += 1
                self.report.issues.append(RowIssue(
                    row.line, "rejected",
                    _("NIK {nik} ({name}) is not in the village registry. Register the "
                      "family first, or check the NIK.").format(nik=row.nik,
                                                                name=row.member["name"]),
                    row.cells))
                continue
            hid = member["household_id"]
            mid = member["id"] if target == "individu" else None
            if (hid, mid) in existing:
                self.report.unchanged += 1
                continue
            existing.add((hid, mid))
            pid = new_id()
            now = utcnow()
            inserts.append(dict(id=pid, program_code=program, household_id=hid, member_id=mid,
                                period=period, source=codes.ParticipationSource.IMPORT.value,
                                status=codes.ParticipationStatus.AKTIF.value, note=None,
                                created_at=now, updated_at=now, version=1, deleted_at=None,
                                deleted_by=None, deleted_reason=None))
            self._record("participation", pid, "insert", None, None)
            self.report.created += 1
        if inserts:
            self._insert(Participation.__table__, inserts)

    # ------------------------------------------------------------ bookkeeping
    def _write_changes(self) -> None:
        if self.changes:
            self._insert(ImportChange.__table__, self.changes)
            self.changes = []

    def flush_search_text(self) -> None:
        ids = list(self.touched_households)
        for start in range(0, len(ids), 1000):
            part = ids[start:start + 1000]
            params = []
            for hid in part:
                h = self.index.households.get(hid)
                if h is None:
                    continue
                people = [(m["name"], m.get("nik")) for m in
                          self.index.members_by_household.get(hid, [])]
                params.append({"hid": hid, "text": compose_search_text(
                    h.get("no_kk"), h.get("dtsen_id"), h.get("address"), h.get("dusun"),
                    people)})
            if params:
                from sqlalchemy import bindparam
                table = Household.__table__
                self._exec(update(table).where(table.c.id == bindparam("hid"))
                                  .values(search_text=bindparam("text")), params)


def _sqlite_converter(column):
    """How SQLAlchemy would store a value of ``column`` in SQLite, for raw inserts."""
    from sqlalchemy import JSON, Boolean, Date, DateTime

    from ..models.base import UTCDateTime
    kind = column.type
    if isinstance(kind, UTCDateTime) or isinstance(kind, DateTime):
        last: list = [None, None]

        def dt(value):
            if value is None:
                return None
            if value is last[0]:
                return last[1]
            text = value
            if text.tzinfo is not None:
                text = text.astimezone(timezone.utc).replace(tzinfo=None)
            last[:] = [value, text.strftime("%Y-%m-%d %H:%M:%S.%f")]
            return last[1]
        return dt
    if isinstance(kind, Date):
        return lambda value: None if value is None else value.isoformat()
    if isinstance(kind, Boolean):
        return lambda value: None if value is None else int(bool(value))
    if isinstance(kind, JSON):
        return lambda value: None if value is None else json.dumps(value)
    return None


# ---------------------------------------------------------------- undo
@dataclass(frozen=True)
class BatchInfo:
    id: str
    created_at: Any
    actor: str
    source_name: str
    kind: str
    counts: dict
    status: str


def last_batch(services) -> BatchInfo | None:
    with services.db.read() as s:
        b = s.scalar(select(ImportBatch).where(ImportBatch.status == "applied")
                     .order_by(ImportBatch.created_at.desc()).limit(1))
        if b is None:
            return None
        return BatchInfo(b.id, b.created_at, b.actor, b.source_name, b.kind, b.counts, b.status)


_MODELS = {"household": Household, "member": Member, "participation": Participation}


def undo_last_import(services, *, actor: Actor, batch_id: str | None = None) -> BatchInfo:
    """Put back every value the last import changed and remove what it added.

    Refused when a record it touched was changed afterwards (undoing would
    lose that later change); nothing is changed then.
    """
    require(actor, Permission.EDIT_REGISTRY)
    with services.db.write() as s:
        batch = s.scalar(select(ImportBatch).where(ImportBatch.status == "applied")
                         .order_by(ImportBatch.created_at.desc()).limit(1)
                         .with_for_update())
        if batch is None:
            raise NotFound(_("There is no import to undo."))
        if batch_id and batch.id != batch_id:
            raise InvalidInput(_("Only the most recent import can be undone."))
        changes = list(s.scalars(select(ImportChange).where(ImportChange.batch_id == batch.id)
                                 .order_by(ImportChange.id.desc())))
        # A record changed after the import has audit entries newer than the import's.
        import_seq = s.scalar(select(AuditEvent.seq).where(
            AuditEvent.entity == "import_batch", AuditEvent.entity_id == batch.id,
            AuditEvent.action == "import"))
        ids = sorted({c.entity_id for c in changes})
        later = 0
        for start in range(0, len(ids), 500):
            later += s.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.entity_id.in_(ids[start:start + 500]),
                AuditEvent.seq > (import_seq or 0))) or 0
        if later:
            raise UserError(_("{n} records from this import were changed afterwards; undoing "
                              "the import would lose those changes. Nothing was undone.")
                            .format(n=later))
        touched: set[str] = set()
        try:
            _reverse(s, changes, touched)
        except IntegrityError as exc:
            raise UserError(_("Records were added to families from this import afterwards "
                              "(a new member or program); undoing would leave them without a "
                              "family. Nothing was undone.")) from exc
        s.flush()
        from .households import refresh_search_text
        existing = set(s.scalars(select(Household.id).where(Household.id.in_(touched))))
        refresh_search_text(s, existing)
        batch.status = "undone"
        batch.undone_at = utcnow()
        batch.undone_by = actor.username
        audit.append(s, actor, "undo_import", [Change("import_batch", batch.id, "status",
                                                      "applied", "undone")], batch.source_name)
        return BatchInfo(batch.id, batch.created_at, batch.actor, batch.source_name, batch.kind,
                         batch.counts, batch.status)


def _reverse(s, changes: list[ImportChange], touched: set[str]) -> None:
    """Delete what the batch inserted and put back what it updated, newest first."""
    for entity in ("participation", "member", "household"):
        for c in changes:
            if c.entity != entity:
                continue
            model = _MODELS[entity]
            if c.op == "insert":
                if entity == "member":
                    hid = s.scalar(select(Member.household_id).where(Member.id == c.entity_id))
                    if hid:
                        touched.add(hid)
                table = model.__table__
                s.connection().execute(delete(table).where(table.c.id == c.entity_id))
            else:
                values = {k: (date.fromisoformat(v) if k in ("birth_date", "presence_date")
                              and isinstance(v, str) else v)
                          for k, v in (c.before or {}).items()}
                table = model.__table__
                s.connection().execute(update(table).where(table.c.id == c.entity_id)
                                       .values(**values, version=table.c.version + 1))
                if entity == "household":
                    touched.add(c.entity_id)
                elif entity == "member":
                    hid = s.scalar(select(Member.household_id).where(Member.id == c.entity_id))
                    if hid:
                        touched.add(hid)
