"""House labelling (penempelan stiker): campaigns, their households and serials, and
the officers' log.  The rules are in ``core/stickers.py``.

- ``campaigns.py``: campaigns, who is targeted, serials given once in area order;
- ``log.py``: what was found at each house, and which households the next verval
  cycle must look at;
- ``photos.py``: photos of a visit, small, checksummed, duplicates recognised, the
  camera's time and place kept as data;
- ``printing.py``: the stickers, several to a sheet (forms/stiker.toml), and the
  officers' field checklist of an area, and the surat pernyataan of a voluntary
  withdrawal;
- ``report.py``: the rekap by area and program, PDF with a chart and workbook.

The households a labelling found refusing, withdrawing or well-off are carried
into a verval cycle (``carry_to_verval``), and ``for_verval`` says why (the visit that
counts, its campaign and serial) for the verval page and the musdes; the window's
Stiker page is ``ui/stickers_page.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...db.engine import Database
from .campaigns import CampaignOps
from .dto import Campaign, LogRow, TargetRow, VervalSignal
from .log import LogOps
from .photos import PhotoImport, PhotoOps
from .printing import PrintOps
from .report import RekapLine, ReportOps

if TYPE_CHECKING:
    from ..documents import DocumentService
    from ..verval import VervalService


class StickerService(CampaignOps, LogOps, PhotoOps, PrintOps, ReportOps):
    """Labelling campaigns, their households and the field log."""

    def __init__(self, db: Database, *, documents: DocumentService, verval: VervalService):
        self._db = db
        self._documents = documents
        self._verval = verval


__all__ = ["Campaign", "LogRow", "PhotoImport", "RekapLine", "StickerService", "TargetRow",
           "VervalSignal"]
