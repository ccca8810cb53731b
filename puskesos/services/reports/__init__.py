"""Reports (issue 17 point 4, the Laporan page): the Sasaran dashboard's figures of
the village or one of its areas (``figures.py``: set-based GROUP BY queries, and the
households behind each figure) and the forum report for the kabupaten's TKPK forum,
PDF and workbook (``forum.py``).  The targeting rules and the flags are the
targeting service's; the letterhead and the print log the documents service's."""

from __future__ import annotations

from ...db.engine import Database
from .dto import Area, AreaLine, Dashboard, FamilyLine, Figure, ProgramLine
from .figures import FigureOps
from .forum import ForumOps


class ReportService(FigureOps, ForumOps):
    """The Sasaran dashboard and the forum report."""

    def __init__(self, db: Database, *, targeting, documents):
        self._db = db
        self._targeting = targeting
        self._documents = documents


__all__ = ["Area", "AreaLine", "Dashboard", "FamilyLine", "Figure", "ProgramLine",
           "ReportService"]
