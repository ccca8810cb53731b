"""Registry spreadsheets: the member list, the BNBA list of one program, and
the blank entry template.

Exports write the canonical headers of :mod:`puskesos.core.columns`, so an
exported file is recognised when it is imported again.  Identifiers (NIK,
No KK, ID DTSEN, RT, RW) are *text* cells with the number format ``@``:
Excel must never turn a 16-digit number into ``3.52301E+15`` or ``001`` into
``1``.  Every value goes in through :mod:`puskesos.formats.xlsx_write`, so
free text is always a text cell: a value that starts with ``=`` stays text and
never becomes a formula.

Large exports stream: members are read in chunks (``yield_per``) and written
as streamed sheets (openpyxl's write-only mode), so memory does not grow with
the size of the village.  A file is written beside its destination as ``.part`` and
renamed when complete; a full disk leaves no half file behind.  Every export
of personal data is one ``export`` event in the audit trail.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from openpyxl.styles import Alignment, Font, PatternFill
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from ..core import codes
from ..core.columns import BASE_COLUMNS, BY_KEY, COLUMNS
from ..core.questions import HOUSEHOLD_QUESTIONS, MEMBER_QUESTIONS, question
from ..core.identifiers import mask_nik
from ..core.permissions import Permission
from ..errors import InvalidInput, NotFound
from ..files import PartFile, file_error, part_path, remove_quietly, sync_file
from ..formats.xlsx_write import TEXT_FORMAT, Book, Style, column_letter
from ..i18n import _
from ..jobs import CancelToken, Progress
from ..models import Household, Member, Participation, Program
from . import audit
from .audit import Change
from .context import Actor, require
from .registry import HouseholdFilter, household_conditions

#: number format of dates (identifier cells have Excel's "Text", TEXT_FORMAT)
DATE_FORMAT = "DD-MM-YYYY"
#: rows between two progress reports / cancel checks, and the fetch chunk size
CHUNK = 1000
#: rows of the entry template that carry formats and drop-down lists
TEMPLATE_ROWS = 1000

PROGRAM_HEADER = "Program"
PERIOD_HEADER = "Periode"

_WIDTHS = {
    "dtsen_id": 22, "no_kk": 19, "nik": 19, "name": 30, "sex": 14, "birth_place": 16,
    "birth_date": 14, "relationship": 18, "address": 34, "dusun": 16, "rt": 6, "rw": 6,
    "desil": 7, "presence": 24,
}
_HEADER_FONT = Font(bold=True)
_HEADER = Style(font=_HEADER_FONT, fill=PatternFill("solid", fgColor="DDEBF7"))
_TEXT = Style(number_format=TEXT_FORMAT)
_DATE = Style(number_format=DATE_FORMAT)


def _export(services, actor, path, sheet_name, columns, count_stmt, rows_stmt, convert,
            progress, cancel, kind: str, summary: dict) -> int:
    """Stream the rows into a new workbook, save it safely, record the export."""
    book = Book()
    sheet = _StreamSheet(book, sheet_name, columns)
    count = 0

    def build() -> None:
        nonlocal count
        count = _stream(services, path=path, sheet=sheet, count_stmt=count_stmt,
                        rows_stmt=rows_stmt, convert=convert, progress=progress,
                        cancel=cancel)

    part = _save(book, path, build)
    _publish(services, actor, part, path, kind, {"rows": count, **summary})
    return count


def _filter_summary(filter: HouseholdFilter) -> dict:
    """The non-default parts of a filter, for the audit trail."""
    default = HouseholdFilter()
    out = {}
    for f in fields(HouseholdFilter):
        value = getattr(filter, f.name)
        if value != getattr(default, f.name):
            out[f.name] = list(value) if isinstance(value, tuple) else value
    return out


# ---------------------------------------------------------------- sheet writing
@dataclass(frozen=True)
class _Col:
    header: str
    kind: str  # "text" (identifier, '@'), "str", "date", "int"
    width: float


def _canonical(keys: Iterable[str] | None = None) -> list[_Col]:
    wanted = set(keys) if keys is not None else None
    out = []
    for c in COLUMNS:
        if wanted is not None and c.key not in wanted:
            continue
        q = question("member", c.key) or question("household", c.key)
        kind = ("text" if c.text else "date" if c.key == "birth_date"
                else "int" if c.key == "desil" or (q is not None and q.kind == "count")
                else "num" if q is not None and q.kind == "area" else "str")
        width = _WIDTHS.get(c.key, 14) if q is None else min(len(c.header) + 2, 30)
        out.append(_Col(c.header, kind, max(width, 10 if q else len(c.header) + 2)))
    return out


class _StreamSheet:
    """A streamed sheet: a bold frozen header, widths, an autofilter, and each
    column's cells typed by its kind (identifiers as text with the "@" format,
    other text as text, dates with the date format, numbers as numbers)."""

    def __init__(self, book: Book, title: str, columns: Sequence[_Col]):
        self.sheet = sheet = book.sheet(title, style_blanks=False)
        self.columns = list(columns)
        self.rows = 0
        for idx, col in enumerate(self.columns, 1):
            sheet.width(idx, col.width)
        sheet.freeze("A2")
        sheet.append([col.header for col in self.columns], _HEADER)
        self._styles = [_TEXT if col.kind == "text" else _DATE if col.kind == "date"
                        else None for col in self.columns]
        #: the columns whose values are written as text whatever their type
        self._texts = [i for i, col in enumerate(self.columns) if col.kind in ("text", "str")]

    def append(self, values: Sequence[Any]) -> None:
        row = list(values)
        for i in self._texts:
            value = row[i]
            if value is not None and type(value) is not str:
                row[i] = str(value)
        self.sheet.append(row, self._styles)
        self.rows += 1

    def finish(self) -> None:
        last = column_letter(len(self.columns))
        self.sheet.autofilter(f"A1:{last}{self.rows + 1}")


def _check_folder(path: Path) -> None:
    if not path.parent.is_dir():
        raise NotFound(_("Folder {path} does not exist. Create it first or choose "
                         "another location.").format(path=path.parent))


def _save(book: Book, path: Path, build: Callable[[], None] | None = None) -> Path:
    """Run ``build`` (which fills ``book``) and save it to ``path.part``.

    Returns the ``.part`` path.  On any failure nothing is left behind: no
    ``.part``, no temporary sheet file; an ``OSError`` becomes a clear
    :class:`UserError` (:class:`DiskFull` for a full disk).
    """
    part = part_path(path)
    try:
        if build is not None:
            build()
        book.save(part)
        sync_file(part)
    except OSError as exc:
        book.discard()
        remove_quietly(part)
        raise file_error(exc, path) from exc
    except BaseException:
        book.discard()
        remove_quietly(part)
        raise
    return part


def _publish(services, actor: Actor, part: Path, path: Path, kind: str,
             details: dict) -> None:
    """Record the export in the audit trail and move the file into place, together:
    no file without its audit event, no event for a file that is not there."""
    value = json.dumps({"file": path.name, **details}, ensure_ascii=False, sort_keys=True)
    renamed = False
    try:
        with services.db.write() as s:
            audit.append(s, actor, "export", [Change("export", None, kind, None, value)])
            s.flush()
            try:
                part.replace(path)
            except OSError as exc:
                raise file_error(exc, path) from exc
            renamed = True
    except BaseException:
        if renamed:
            remove_quietly(path)
        remove_quietly(part)
        raise


def _report(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None:
        progress.report(done, total, _("{done} of {total} rows written to the "
                                       "spreadsheet.").format(done=done, total=total))


def _stream(services, *, path: Path, sheet: _StreamSheet, count_stmt, rows_stmt,
            convert: Callable[[Any], Sequence[Any]], progress: Progress | None,
            cancel: CancelToken | None) -> int:
    """Read ``rows_stmt`` in chunks and append each converted row to ``sheet``."""
    with services.db.read() as s:
        total = s.scalar(count_stmt) or 0
        _report(progress, 0, total)
        result = s.execute(rows_stmt.execution_options(yield_per=CHUNK))
        try:
            for row in result:
                sheet.append(convert(row))
                if sheet.rows % CHUNK == 0:
                    _report(progress, sheet.rows, total)
                    if cancel is not None:
                        cancel.raise_if_cancelled()
        except OSError as exc:
            # the sheet's temporary file, not the database: say so before
            # Database.read() would call it a database problem
            raise file_error(exc, path) from exc
        finally:
            result.close()
    sheet.finish()
    _report(progress, sheet.rows, max(total, sheet.rows))
    if cancel is not None:
        cancel.raise_if_cancelled()
    return sheet.rows


def _labels(code_list: type[codes.CodeList]) -> Callable[[str | None], str]:
    """A fast code -> label lookup (unknown codes are shown as they are)."""
    labels = dict(code_list.choices())
    return lambda code: labels.get(code) or code_list.label_of(code)


def _order(*columns):
    return tuple(c.asc().nulls_last() for c in columns)


# ---------------------------------------------------------------- registry
def export_registry(services, *, actor: Actor, path: Path | str,
                    filter: HouseholdFilter = HouseholdFilter(),
                    progress: Progress | None = None,
                    cancel: CancelToken | None = None) -> int:
    """Write the member list of the households matching ``filter`` to ``path`` (.xlsx).

    One row per present, non-removed member of every matching non-removed
    household (removed households are never exported, whatever the filter
    says), ordered by dusun, RW, RT, No KK and the member's place in the
    family.  NIKs are masked unless ``actor`` may see full NIKs.  Returns the
    number of member rows.

    Raises:
        PermissionDenied: the actor's role may not export.
        NotFound: the folder of ``path`` does not exist.
        DiskFull: the disk is full (no file is left behind).
        JobCancelled: ``cancel`` was set (no file is left behind).
    """
    require(actor, Permission.EXPORT)
    path = Path(path)
    _check_folder(path)
    show_nik = actor.can(Permission.VIEW_FULL_NIK)
    if cancel is not None:
        cancel.raise_if_cancelled()
    conditions = [*household_conditions(filter), Household.deleted_at.is_(None),
                  Member.deleted_at.is_(None), Member.presence.in_(codes.LIVING)]
    count_stmt = (select(func.count()).select_from(Member)
                  .join(Household, Household.id == Member.household_id).where(*conditions))
    rows_stmt = (select(Household.dtsen_id, Household.no_kk, Member.nik, Member.name,
                        Member.sex, Member.birth_place, Member.birth_date,
                        Member.relationship_code, Household.address, Household.dusun,
                        Household.rt, Household.rw, Household.desil, Member.presence,
                        *[getattr(Member, q.field) for q in MEMBER_QUESTIONS],
                        *[getattr(Household, q.field) for q in HOUSEHOLD_QUESTIONS])
                 .select_from(Member).join(Household, Household.id == Member.household_id)
                 .where(*conditions)
                 .order_by(*_order(Household.dusun, Household.rw, Household.rt,
                                   Household.no_kk),
                           Household.id, Member.sort_order, Member.created_at, Member.id))

    relationship = _labels(codes.Relationship)
    presence = _labels(codes.Presence)

    # the answers to the DTSEN questions as words ("Ya, banyak kesulitan"; ticked items
    # joined by commas), counts and areas as numbers: an import reads them back
    answers = [(i, q.label_of if q.choices is not None else None)
               for i, q in enumerate(MEMBER_QUESTIONS + HOUSEHOLD_QUESTIONS, 14)]

    def convert(r) -> tuple:
        nik = r.nik if show_nik or not r.nik else mask_nik(r.nik)
        return (r.dtsen_id, r.no_kk, nik, r.name, r.sex, r.birth_place, r.birth_date,
                relationship(r.relationship_code), r.address, r.dusun, r.rt, r.rw, r.desil,
                presence(r.presence),
                *[r[i] if words is None or r[i] is None else words(r[i])
                  for i, words in answers])

    return _export(services, actor, path, "Data", _canonical(), count_stmt, rows_stmt,
                   convert, progress, cancel, "registry",
                   {"nik": "full" if show_nik else "masked",
                    "filter": _filter_summary(filter)})


# ---------------------------------------------------------------- BNBA
_BNBA_KEYS = ("no_kk", "nik", "name", "sex", "birth_date", "address", "dusun", "rt", "rw")


def _program_code(s, program: str) -> str:
    known = list(s.scalars(select(Program.code).order_by(Program.code)))
    wanted = (program or "").strip()
    for code in known:
        if code == wanted or code.upper() == wanted.upper():
            return code
    raise InvalidInput(_("Unknown program {code}. Known programs: {known}.")
                       .format(code=wanted or "-", known=", ".join(known) or "-"))


def export_bnba(services, *, actor: Actor, path: Path | str, program: str,
                period: str | None = None, filter: HouseholdFilter = HouseholdFilter(),
                progress: Progress | None = None,
                cancel: CancelToken | None = None) -> int:
    """Write the BNBA ("by name by address") list of one program to ``path`` (.xlsx).

    One row per active participation (of ``period`` when given) of a
    non-removed household matching ``filter``: the household's No KK and
    address, and the person the aid is registered to -- the head of family
    for a household-level program, the member for a member-level one (a
    member who is removed or no longer present is left out; a household
    without a present head keeps its row with empty person columns, so the
    gap is visible).  Then the columns ``Program`` (code) and ``Periode``.
    Returns the number of rows.

    Raises:
        InvalidInput: ``program`` is not a known program code.
        PermissionDenied, NotFound, DiskFull, JobCancelled: as :func:`export_registry`.
    """
    require(actor, Permission.EXPORT)
    path = Path(path)
    with services.db.read() as s:
        code = _program_code(s, program)
    _check_folder(path)
    period = (period or "").strip() or None
    show_nik = actor.can(Permission.VIEW_FULL_NIK)
    if cancel is not None:
        cancel.raise_if_cancelled()
    head_id = (select(Member.id)
               .where(Member.household_id == Participation.household_id,
                      Member.relationship_code == codes.Relationship.KEPALA.value,
                      Member.deleted_at.is_(None),
                      Member.presence.in_(codes.LIVING))
               .order_by(Member.sort_order, Member.id).limit(1)
               .correlate(Participation).scalar_subquery())
    person = aliased(Member)
    conditions = [*household_conditions(filter), Household.deleted_at.is_(None),
                  Participation.program_code == code,
                  Participation.status == codes.ParticipationStatus.AKTIF.value,
                  Participation.deleted_at.is_(None),
                  or_(Participation.member_id.is_(None),
                      and_(person.deleted_at.is_(None),
                           person.presence.in_(codes.LIVING)))]
    if period is not None:
        conditions.append(Participation.period == period)

    def joined(stmt):
        return (stmt.select_from(Participation)
                .join(Household, Household.id == Participation.household_id)
                .outerjoin(person, person.id == func.coalesce(Participation.member_id,
                                                              head_id)))

    count_stmt = joined(select(func.count())).where(*conditions)
    rows_stmt = (joined(select(Household.no_kk, person.nik, person.name, person.sex,
                               person.birth_date, Household.address, Household.dusun,
                               Household.rt, Household.rw, Participation.program_code,
                               Participation.period))
                 .where(*conditions)
                 .order_by(*_order(Household.dusun, Household.rw, Household.rt,
                                   Household.no_kk),
                           Household.id, Participation.period,
                           person.sort_order.asc().nulls_first(), Participation.id))

    def convert(r) -> tuple:
        nik = r.nik if show_nik or not r.nik else mask_nik(r.nik)
        return (r.no_kk, nik, r.name, r.sex, r.birth_date, r.address, r.dusun, r.rt, r.rw,
                r.program_code, r.period)

    columns = _canonical(_BNBA_KEYS) + [_Col(PROGRAM_HEADER, "text", 12),
                                        _Col(PERIOD_HEADER, "text", 12)]
    return _export(services, actor, path, "BNBA", columns, count_stmt, rows_stmt, convert,
                   progress, cancel, "bnba",
                   {"nik": "full" if show_nik else "masked", "program": code,
                    "period": period, "filter": _filter_summary(filter)})


# ---------------------------------------------------------------- template
#: the instructions sheet of the template (a printed document: Indonesian)
TEMPLATE_INSTRUCTIONS = (
    "Petunjuk pengisian data keluarga dan anggota keluarga",
    "",
    "1. Isi satu baris untuk setiap anggota keluarga pada lembar \"Data\". Anggota "
    "satu keluarga memakai No KK yang sama.",
    "2. Jangan mengubah, menghapus atau memindahkan judul kolom pada baris pertama.",
    "3. NIK dan No KK terdiri dari 16 angka. Kolomnya sudah berformat teks: ketik "
    "angkanya apa adanya, tanpa titik, spasi atau tanda petik.",
    "4. Jika menyalin dari file lain, gunakan Tempel Khusus > Nilai (Paste Special > "
    "Values) agar format teks tidak hilang dan NIK tidak berubah menjadi angka seperti "
    "3,52E+15.",
    "5. RT dan RW ditulis dengan tiga angka, misalnya 001.",
    "6. Tanggal Lahir ditulis dengan urutan tanggal-bulan-tahun, misalnya 17-08-1980.",
    "7. Jenis Kelamin: pilih L (laki-laki) atau P (perempuan) dari daftar pada sel.",
    "8. Hubungan dan Status Keberadaan: pilih dari daftar pada sel. Setiap keluarga "
    "mempunyai tepat satu Kepala keluarga.",
    "9. Desil: angka 1 sampai 10 dari data DTSEN; kosongkan jika tidak diketahui.",
    "10. ID DTSEN diisi hanya jika tertera pada data DTSEN dari kabupaten.",
    "11. Format dan daftar pilihan tersedia untuk " + f"{TEMPLATE_ROWS:,}".replace(",", ".")
    + " baris; untuk data yang lebih banyak, salin baris terakhir yang kosong ke bawah.",
    "12. Simpan file dalam format Excel (.xlsx), lalu impor dengan program Puskesos.",
    "",
    "Data ini memuat data pribadi. Simpan dan kirim file hanya kepada petugas yang "
    "berwenang.",
)


def _code_lists() -> list[tuple[str, list]]:
    """The columns of the "Kode" sheet: (header, values)."""
    return [
        ("Jenis Kelamin", [m.code for m in codes.Sex]),
        ("Keterangan Jenis Kelamin", [m.label for m in codes.Sex]),
        ("Hubungan", [m.label for m in codes.Relationship]),
        ("Status Keberadaan", [m.label for m in codes.Presence]),
        ("Desil", list(range(1, 11))),
    ]


#: data column key -> column of the "Kode" sheet holding its drop-down list
_VALIDATED = {"sex": 0, "relationship": 2, "presence": 3, "desil": 4}


def write_template(path: Path | str) -> None:
    """Write a blank entry workbook to ``path`` (.xlsx).

    Sheets: "Data" (the canonical headers; text format on identifier columns
    and the date format on Tanggal Lahir for the first 1000 rows; drop-down
    lists for Jenis Kelamin, Hubungan, Status Keberadaan and Desil),
    "Petunjuk" (instructions in Indonesian) and "Kode" (the lists, hidden
    and protected).

    Raises:
        NotFound: the folder of ``path`` does not exist.
        DiskFull: the disk is full (no file is left behind).
    """
    path = Path(path)
    _check_folder(path)
    book = Book(streamed=False)
    data = book.sheet("Data")
    columns = _canonical(c.key for c in BASE_COLUMNS)
    last_row = TEMPLATE_ROWS + 1
    for idx, col in enumerate(columns, 1):
        data.width(idx, col.width)
        data.put(1, idx, col.header, _HEADER)
        style = _TEXT if col.kind == "text" else _DATE if col.kind == "date" else None
        if style:
            for row in range(2, last_row + 1):
                data.put(row, idx, None, style)
    data.freeze("A2")

    kode = book.sheet("Kode")
    bold = Style(font=_HEADER_FONT)
    lists = _code_lists()
    for idx, (header, values) in enumerate(lists, 1):
        kode.put(1, idx, header, bold)
        kode.width(idx, max(len(header), *(len(str(v)) for v in values)) + 2)
        for row, value in enumerate(values, 2):
            kode.put(row, idx, value, _TEXT if isinstance(value, str) else None)
    for key, list_idx in _VALIDATED.items():
        header, values = lists[list_idx]
        letter = column_letter(list_idx + 1)
        target = column_letter([c.key for c in COLUMNS].index(key) + 1)
        title = BY_KEY[key].header
        data.choose_from(f"Kode!${letter}$2:${letter}${len(values) + 1}",
                         f"{target}2:{target}{last_row}", title=title,
                         error=f"Pilih {title} dari daftar pada sel.",
                         prompt="Pilih dari daftar.")
    kode.hide_and_protect()

    guide = book.sheet("Petunjuk", index=1)
    guide.width(1, 100)
    wrap = Style(alignment=Alignment(wrap_text=True, vertical="top"))
    title_style = Style(font=Font(bold=True, size=13),
                        alignment=Alignment(wrap_text=True, vertical="top"))
    for row, text in enumerate(TEMPLATE_INSTRUCTIONS, 1):
        if text:
            guide.put(row, 1, text, title_style if row == 1 else wrap)
    book.first_active()

    _save(book, path)
    try:
        PartFile(path).publish()
    except OSError as exc:
        raise file_error(exc, path) from exc


__all__ = ["CHUNK", "DATE_FORMAT", "PERIOD_HEADER", "PROGRAM_HEADER", "TEMPLATE_ROWS",
           "TEXT_FORMAT", "export_bnba", "export_registry", "household_conditions",
           "write_template"]
