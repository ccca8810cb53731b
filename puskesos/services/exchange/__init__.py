"""The exchange bundles between a village and its kabupaten (issue 16).

- ``keys.py`` (``KeyService``, ``services.keys``): each office's own keys and the
  peers it trusts — the key to sign with, the identities to open a bundle with, a
  peer's age recipient, whether a bundle's signer is trusted; DTOs in ``dto.py``;
- ``records.py``: the records a bundle carries, as JSON Lines, checked when read;
- ``checks.py``: a bundle's records are one village's, each kind from the side that
  sends it;
- ``sync.py``: what they do to this database — the plan, the application in one
  transaction, the common version (``exchange_base``), the replies applied;
- ``queue.py``: the conflicts and proposals waiting for a person;
- ``outgoing.py``: the bundles going out (what changed since the last receipt, cut
  into parts of whole families) and the receipts coming back;
- ``transfer.py``: all of it as files, through ``formats/bundle.py``.

The rules are in ``core/exchange.py``; the format in docs/bundle-format.md.
"""

from __future__ import annotations

from ...db.engine import Database
from .checks import NeedsSetup
from .dto import IdentityCard, KeysMissing, OwnIdentity, PeerInfo, UntrustedSender
from .keys import KeyService
from .outgoing import Outgoing, OutgoingOps, SentBundle, receipt_body
from .queue import QueueItem, QueueOps
from .sync import ImportPlan, RecordPlan, RefusedBefore, Source, SyncOps
from .transfer import ImportResult, Received, TransferOps


class ExchangeService(SyncOps, QueueOps, OutgoingOps, TransferOps):
    """Bundles in and out: their records, their plan and application, the queue, the
    bundles sent and their receipts, and the files."""

    def __init__(self, db: Database, *, keys: KeyService):
        self._db = db
        self._keys = keys


__all__ = ["ExchangeService", "IdentityCard", "ImportPlan", "ImportResult", "KeyService",
           "KeysMissing", "NeedsSetup", "Outgoing", "OwnIdentity", "PeerInfo", "QueueItem", "Received",
           "RecordPlan", "RefusedBefore", "SentBundle", "Source", "UntrustedSender",
           "receipt_body"]
