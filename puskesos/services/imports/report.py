"""What an import did or would do (:class:`ImportReport`), and the report workbook
(:func:`write_report`): every rejected, warned, duplicate or conflicting row with
its original cells and the reason, highlighted, identifiers kept as text."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ...files import atomic_file
from ...i18n import _


@dataclass
class RowIssue:
    line: int
    kind: str                # "rejected", "warning", "conflict", "duplicate"
    reason: str
    cells: tuple[str, ...]
    #: the stored data already has it so (a registered person without NIK, the same
    #: NIK twice, a warned row that matches its stored record): not new from this file
    known: bool = False
    #: the case, whatever the language of ``reason`` (rows.NO_NIK, …), where known
    code: str | None = None


@dataclass
class FieldChange:
    line: int
    entity: str
    name: str                # the person or household it concerns
    field: str
    old: Any
    new: Any


@dataclass
class NewRow:
    """A row that becomes a new member (or a new recipient), for the preview."""

    line: int
    name: str
    no_kk: str | None


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
    #: the first rows that become new members or recipients (all are counted in created)
    new_rows: list[NewRow] = field(default_factory=list)

    @property
    def known(self) -> int:
        """Rows to check that the stored data already had so (not new from this file)."""
        return sum(1 for issue in self.issues if issue.known)

    def known_note(self) -> str:
        """The sentence that tells those apart, or "" when there are none."""
        if not self.known:
            return ""
        return _("{n} of the rows to check were so in the stored data before this file "
                 "(e.g. a person registered without NIK); they are marked as known."
                 ).format(n=self.known)

    def summary(self) -> dict:
        data = asdict(self)
        data.pop("changes")
        data.pop("issues")
        data.pop("new_rows")
        return data



_FILLS = {"rejected": "F8D7DA", "duplicate": "FCE5CD", "conflict": "FFF2CC",
          "warning": "FFF9DB"}


def kind_label(kind: str) -> str:
    """The word the window and the report use for an issue's kind."""
    return {"rejected": _("Rejected"), "duplicate": _("Duplicate"),
            "conflict": _("Conflict"), "warning": _("Warning")}.get(kind, kind)


def write_report(report: ImportReport, path: Path | str, columns: list[str] | None = None) -> Path:
    """Write the import report workbook to ``path`` (summary, rows to check with
    their original ``columns``, by default the file's as the import read them,
    changes); atomically, see :mod:`puskesos.files`."""
    if columns is None:
        columns = report.header.get("columns")
    from openpyxl.styles import Font, PatternFill
    from ...formats.xlsx_write import TEXT_FORMAT, Book, Style
    path = Path(path)
    book = Book()
    summary = book.sheet(_("Summary"))
    bold = Style(font=Font(bold=True))
    rows = [(_("File"), report.source), (_("Rows read"), report.rows),
            (_("New members") if report.kind == "registry" else _("New recipients"),
             report.created),
            (_("New households"), report.created_households), (_("Updated"), report.updated),
            (_("Unchanged"), report.unchanged), (_("Rejected"), report.rejected),
            (_("Duplicate"), report.duplicates), (_("Conflict"), report.conflicts),
            (_("Warning"), report.warnings)]
    for label, value in rows:
        summary.append([label, value], [bold])
    sheet = book.sheet(_("Rows to check"))
    sheet.append([_("Row"), _("Problem"), _("Reason")] + list(columns or []), bold)
    styles = {kind: (Style(fill=PatternFill("solid", fgColor=color)),
                     Style(fill=PatternFill("solid", fgColor=color),
                           number_format=TEXT_FORMAT))
              for kind, color in _FILLS.items()}
    plain = (Style(), Style(number_format=TEXT_FORMAT))
    for issue in sorted(report.issues, key=lambda i: i.line):
        number, text = styles.get(issue.kind, plain)
        kind = kind_label(issue.kind) + (" — " + _("known before") if issue.known else "")
        values = [issue.line, kind, issue.reason, *issue.cells]
        sheet.append(values, [text if isinstance(v, str) else number for v in values])
    changes = book.sheet(_("Changes"))
    changes.append([_("Row"), _("Record"), _("Field"), _("Before"), _("After")])
    for c in report.changes:
        changes.append([c.line, c.name, c.field, "" if c.old is None else str(c.old),
                        "" if c.new is None else str(c.new)])
    try:
        with atomic_file(path) as part:
            book.save(part)
    except BaseException:
        book.discard()
        raise
    return path
