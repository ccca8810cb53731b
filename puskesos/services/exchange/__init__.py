"""Exchange bundles (issue 16): the records a bundle carries (``records.py``) and
what they do to this database (``sync.py``: the plan, the application, the common
version), the fields waiting for a person (``queue.py``), and the bundles going
out, cut into parts, and their receipts (``outgoing.py``).  The rules are in ``core/exchange.py``."""

from __future__ import annotations

from ...db.engine import Database
from .outgoing import Outgoing, OutgoingOps, SentBundle, receipt_body
from .queue import QueueItem, QueueOps
from .sync import ImportPlan, RecordPlan, Source, SyncOps


class ExchangeService(SyncOps, QueueOps, OutgoingOps):
    """Bundles in and out: their records, their plan and their application."""

    def __init__(self, db: Database):
        self._db = db


__all__ = ["ExchangeService", "ImportPlan", "Outgoing", "QueueItem", "RecordPlan",
           "SentBundle", "Source", "receipt_body"]
