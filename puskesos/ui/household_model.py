"""Table model of the household list: a thin view over HouseholdService.search()."""

from __future__ import annotations

from PySide6.QtCore import Qt

from ..i18n import _
from ..services.registry import HouseholdRow
from .table_model import DtoTableModel


def _columns(program_names: dict[str, str]):
    return (
        (_("No KK"), lambda r: r.no_kk or ""),
        (_("Head of family"), lambda r: (r.head_name or _("(no head)")) + (
            "  ↳ " + _("found: {name}").format(name=r.matched) if r.matched else "")),
        (_("NIK of head"), lambda r: r.head_nik or ""),
        (_("Dusun"), lambda r: r.dusun or ""),
        # RW before RT, as the rows are ordered and as the verval form prints it
        (_("RW/RT"), lambda r: f"{r.rw or '-'}/{r.rt or '-'}"),
        (_("Members"), lambda r: r.member_count),
        (_("Desil"), lambda r: r.desil if r.desil is not None else ""),
        (_("Programs"), lambda r: ", ".join(program_names.get(c, c) for c in r.programs)),
    )


class HouseholdTableModel(DtoTableModel):
    """Rows are :class:`HouseholdRow` DTOs; replace them with :meth:`set_rows`."""

    def __init__(self, parent=None, program_names: dict[str, str] | None = None):
        """``program_names``: program code -> the name shown (a code without one is
        shown as it is)."""
        super().__init__(_columns(program_names or {}), parent)

    def extra(self, row: HouseholdRow, column: int, role):
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (5, 6):
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ToolTipRole and row.head_name is None:
            return _("This household has no head of family: open it and choose one.")
        return None
