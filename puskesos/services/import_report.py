"""The import report workbook: every rejected, warned, duplicate or conflicting row
with its original cells and the reason, highlighted, identifiers kept as text."""

from __future__ import annotations

import errno
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

from ..errors import DiskFull, UserError
from ..i18n import _
from .excel_import import ImportReport

_FILLS = {"rejected": "F8D7DA", "duplicate": "FCE5CD", "conflict": "FFF2CC",
          "warning": "FFF9DB"}


def kind_label(kind: str) -> str:
    return {"rejected": _("Rejected"), "duplicate": _("Duplicate"),
            "conflict": _("Conflict"), "warning": _("Warning")}.get(kind, kind)


def write_report(report: ImportReport, path: Path | str, columns: list[str] | None = None) -> Path:
    path = Path(path)
    part = path.with_name(path.name + ".part")
    wb = Workbook(write_only=True)
    summary = wb.create_sheet(_("Summary"))
    bold = Font(bold=True)
    rows = [(_("File"), report.source), (_("Rows read"), report.rows),
            (_("New members") if report.kind == "registry" else _("New recipients"),
             report.created),
            (_("New households"), report.created_households), (_("Updated"), report.updated),
            (_("Unchanged"), report.unchanged), (_("Rejected"), report.rejected),
            (_("Duplicate"), report.duplicates), (_("Conflict"), report.conflicts),
            (_("Warning"), report.warnings)]
    for label, value in rows:
        cell = WriteOnlyCell(summary, value=label)
        cell.font = bold
        summary.append([cell, value])
    sheet = wb.create_sheet(_("Rows to check"))
    header_cells = [_("Row"), _("Problem"), _("Reason")] + list(columns or [])
    head = []
    for text in header_cells:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        head.append(cell)
    sheet.append(head)
    for issue in sorted(report.issues, key=lambda i: i.line):
        fill = PatternFill("solid", fgColor=_FILLS.get(issue.kind, "FFFFFF"))
        out = []
        for value in [issue.line, kind_label(issue.kind), issue.reason, *issue.cells]:
            cell = WriteOnlyCell(sheet, value=value)
            cell.fill = fill
            if isinstance(value, str):
                cell.number_format = "@"
            out.append(cell)
        sheet.append(out)
    changes = wb.create_sheet(_("Changes"))
    changes.append([_("Row"), _("Record"), _("Field"), _("Before"), _("After")])
    for c in report.changes:
        changes.append([c.line, c.name, c.field, "" if c.old is None else str(c.old),
                        "" if c.new is None else str(c.new)])
    try:
        wb.save(part)
        part.replace(path)
    except OSError as exc:
        part.unlink(missing_ok=True)
        if exc.errno in (errno.ENOSPC, errno.EFBIG):
            raise DiskFull(_("There is not enough space on the disk for the report. Free some "
                             "space or choose another drive.")) from exc
        raise UserError(_("The report could not be written ({error}). Choose another folder.")
                        .format(error=exc.strerror or exc)) from exc
    return path
