"""Referrals (rujukan): a resident's request from intake to its close.

The Puskesos is the village front office of SLRT: a request is taken (intake),
solved in the village or referred to a service with a numbered surat rujukan,
followed up until the service answers, and counted in the monthly report.
The flow's rules are in ``core/referrals.py``; this package owns every read and
write of referrals:

- ``intake.py``: who asks (a member, or a person not in the registry), what
  they need, and what the window shows about them;
- ``flow.py``: referring, solving in the village, the steps after, the
  service's reply, follow-up dates, home visits, the lists;
- ``attachments.py``: scans and photos inside the database;
- ``report.py``: the monthly report (PDF and workbook) and the surat rujukan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...db.engine import Database
from .attachments import AttachmentOps
from .dto import (AttachmentRow, Document, EventRow, MonthlyReport, PersonChoice,
                  PersonContext, ReferralDetail, ReferralRow, Tally, VisitRow)
from .flow import FlowOps
from .intake import IntakeOps
from .report import ReportOps, parse_month

if TYPE_CHECKING:
    from ..documents import DocumentService
    from ..settings import SettingsService


class ReferralService(IntakeOps, FlowOps, AttachmentOps, ReportOps):
    """Referrals: intake, handling, attachments, letters and the monthly report."""

    def __init__(self, db: Database, *, settings: SettingsService,
                 documents: DocumentService):
        self._db = db
        self._settings = settings
        self._documents = documents


__all__ = ["AttachmentRow", "Document", "EventRow", "MonthlyReport", "PersonChoice",
           "PersonContext", "ReferralDetail", "ReferralRow", "ReferralService", "Tally",
           "VisitRow", "parse_month"]
