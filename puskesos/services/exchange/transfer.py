"""Bundles as files: writing the next bundle(s) to the other office into a folder (a
USB stick, a folder to attach to an email), and reading one received — checked
whole before anything is believed (``formats/bundle.py``: decryption, archive,
signature, trust, receiver, schema, hashes; then every record), its plan shown,
applied in one transaction, and answered with a receipt to carry back.

A village exchanges with its own kabupaten; a kabupaten with each of its villages
(named with ``to``).  Both offices are the same program; which one this is comes
from ``settings.office()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ... import __version__
from ...core.exchange import BY_NAME, OfficeKind
from ...core.codes import BundleStatus, ReceiptStatus
from ...core.permissions import Permission
from ...db.migrate import SCHEMA_HEAD
from ...errors import InvalidInput, UserError
from ...formats.bundle import (Manifest, OpenBundle, Part, Party, bundle_name,
                               inspect_bundle, read_bundle, write_bundle)
from ...i18n import _
from ...jobs import CancelToken, Progress
from ...models import ExchangeBundle, new_id
from .. import audit
from ..context import Actor, require
from .outgoing import DEFAULT_MAX_BYTES, receipt_body
from .checks import NeedsSetup
from .records import MEMBER_NAMES, attach_contents, read_lines
from .sync import (BundleWaits, ImportPlan, RefusedBefore, Source, last_sequence,
                   refused_before)

#: the database schemas whose bundles this program reads: its own, and those whose
#: bundles hold the same records or fewer (0018's lack the verval's details; 0020 and
#: 0021 changed nothing that travels)
READABLE_SCHEMAS = ("0018", "0019", "0020", SCHEMA_HEAD)


@dataclass(frozen=True)
class Received:
    """A bundle that passed every check: its manifest, who sent it, and its records
    (or, for a receipt, its body)."""

    manifest: Manifest
    source: Source
    opened: OpenBundle | None
    receipt: dict[str, Any] | None

    @property
    def is_receipt(self) -> bool:
        return self.receipt is not None

    def records(self) -> dict[str, list[tuple[str, int, dict[str, Any]]]]:
        """The bundle's records, every value checked (a :class:`RecordError` refuses
        them)."""
        return _records(self.opened) if self.opened is not None else {}


@dataclass(frozen=True)
class ImportResult:
    """What importing a bundle did: the plan as applied (None for a receipt), the
    bundle sent that a receipt acknowledged, and the receipt written back."""

    received: Received
    plan: ImportPlan | None
    acknowledged: Any = None
    receipt_path: Path | None = None


class TransferOps:
    """The file half of :class:`~puskesos.services.exchange.ExchangeService`."""

    # ------------------------------------------------------------------ who
    def _peer_for(self, actor: Actor, me, to: str | None):
        """The office a bundle goes to: a village's kabupaten (the one it trusts), or
        the village ``to`` of a kabupaten."""
        peers = [p for p in self._keys.peers(actor=actor) if p.revoked_at is None]
        if me.kind == OfficeKind.DESA.value:
            found = [p for p in peers if p.kind == OfficeKind.KABUPATEN.value
                     and (to is None or p.code == to)]
            if not found:
                raise InvalidInput(_("This village trusts no kabupaten yet. Trust the Dinas "
                                     "Sosial's identity file first (Settings, Exchange "
                                     "keys), after comparing its fingerprint by phone."))
            return found[0]
        if not to:
            raise InvalidInput(_("Name the village the bundle is for (its code, e.g. "
                                 "35.23.01.2001)."))
        found = [p for p in peers if p.code == to and p.kind == OfficeKind.DESA.value]
        if not found:
            raise InvalidInput(_("The village {code} is not a trusted office here. Trust its "
                                 "identity file first.").format(code=to))
        return found[0]

    def _audit_head(self) -> str | None:
        with self._db.read() as s:
            head = audit.head(s)
        return head.text if head.seq else None

    # ------------------------------------------------------------------ out
    def export_to(self, *, actor: Actor, folder: Path | str, to: str | None = None,
                  full: bool = False, max_bytes: int = DEFAULT_MAX_BYTES,
                  progress: Progress | None = None,
                  cancel: CancelToken | None = None) -> list[Path]:
        """Write the next bundle(s) to the other office into ``folder``: what changed
        since its last receipt (everything with ``full``), cut into files under
        ``max_bytes``; each kept as sent until its receipt comes back."""
        require(actor, Permission.EXCHANGE)
        folder = Path(folder)
        if not folder.is_dir():
            raise InvalidInput(_("The folder {path} does not exist (is the USB stick "
                                 "plugged in?).").format(path=folder))
        me = self._keys.ensure_keys(actor=actor)
        peer = self._peer_for(actor, me, to)
        village = me.code if me.kind == OfficeKind.DESA.value else peer.code
        parts = self.prepare_export(actor=actor, peer_code=peer.code, village=village,
                                    full=full, max_bytes=max_bytes)
        if not full and not any(sum(p.counts.values()) for p in parts):
            return []            # nothing changed since the last receipt: no empty bundle
        signing = self._keys.signing_key(actor=actor)
        head = self._audit_head()
        written: list[Path] = []
        for out in parts:
            if cancel is not None and cancel.cancelled:
                break
            now = datetime.now(timezone.utc)
            manifest = Manifest(
                kind="data", schema=SCHEMA_HEAD,
                source=Party(me.code, me.kind, me.name),
                receiver=Party(peer.code, peer.kind), bundle_id=out.bundle_id,
                sequence=out.sequence, created_at=now, program_version=__version__,
                audit_head=head, counts=out.counts,
                part=Part(out.part, out.parts) if out.parts > 1 else None,
                extra={"full": out.full})
            path = folder / bundle_name(me.code, out.sequence, now, receiver_code=_apart(
                me, peer.code))
            write_bundle(path, manifest, sorted(out.members.items()), signing_key=signing,
                         recipient=peer.age_recipient, progress=progress, cancel=cancel)
            try:
                self.record_sent(actor=actor, outgoing=out, file_name=path.name,
                                 created_at=manifest.created_at, audit_head=head)
            except BaseException:
                path.unlink(missing_ok=True)     # not recorded: not sent
                raise
            written.append(path)
        return written

    # ------------------------------------------------------------------ in
    def open_received(self, *, actor: Actor, path: Path | str) -> Received:
        """Read and check a bundle (or a receipt) for this office; refused with a
        :class:`~puskesos.errors.BundleRefused` saying what is wrong, nothing stored."""
        require(actor, Permission.EXCHANGE)
        me = self._keys.own_identity()
        opened = read_bundle(path, identity=self._keys.age_identities(actor=actor),
                             trust=self._keys.trusted_signer, receiver_code=me.code,
                             schemas=READABLE_SCHEMAS)
        manifest = opened.manifest
        kind = OfficeKind(manifest.source.kind)
        village = manifest.source.code if kind is OfficeKind.DESA else me.code
        source = Source(manifest.source.code, kind, village)
        if manifest.kind == "receipt":
            return Received(manifest, source, None, dict(manifest.extra))
        return Received(manifest, source, opened, None)

    def plan_received(self, *, actor: Actor, received: Received) -> ImportPlan:
        """What a data bundle would do here (nothing written); one refused here before
        is refused again, saying when and why, before its records are read."""
        m = received.manifest
        with self._db.read() as s:
            refused_before(s.get(ExchangeBundle, m.bundle_id))
        return self.plan_import(actor=actor, source=received.source, bundle_id=m.bundle_id,
                                sequence=m.sequence, records=received.records())

    def import_file(self, *, actor: Actor, path: Path | str, dry_run: bool = False,
                    out_of_order: bool = False,
                    receipt_folder: Path | str | None = None) -> ImportResult:
        """Import a bundle or a receipt.  A data bundle is applied (unless ``dry_run``)
        and answered with a receipt written into ``receipt_folder`` (the bundle's own
        folder by default); a bundle whose earlier ones have not arrived waits unless
        ``out_of_order``; records refused by the checks are answered with a receipt
        saying why.  A receipt marks the bundle it answers delivered."""
        path = Path(path)
        received = self.open_received(actor=actor, path=path)
        if received.is_receipt:
            if dry_run:
                return ImportResult(received, None)
            done = self.apply_receipt(actor=actor, peer_code=received.source.code,
                                      body=received.receipt)
            return ImportResult(received, None, acknowledged=done)
        m = received.manifest
        folder = Path(receipt_folder) if receipt_folder else path.parent
        with self._db.read() as s:
            refused_before(s.get(ExchangeBundle, m.bundle_id))
        try:
            plan = ImportPlan(m.bundle_id, received.source, m.sequence, False, (), (), {}, 0,
                              source_records=received.records())
            if dry_run:
                return ImportResult(received, self.plan_received(actor=actor,
                                                                 received=received))
            # planned once, inside the transaction that applies it
            applied = self.apply_import(actor=actor, plan=plan, file_name=path.name,
                                        created_at=m.created_at, out_of_order=out_of_order,
                                        audit_head=m.audit_head)
        except (BundleWaits, RefusedBefore, NeedsSetup):
            raise                   # not refused (again): it waits, or was refused once,
            #                         or is taken once this office has set up what it needs
        except InvalidInput as exc:
            if not dry_run:       # kept (its number is not missing later) and answered
                self._refused(actor, received, path.name, exc.message)
                self._receipt(actor, received, folder, ReceiptStatus.REFUSED.value,
                              reasons=[exc.message])
            raise
        receipt = self._receipt(actor, received, folder,
                                (ReceiptStatus.ALREADY if applied.already
                                 else ReceiptStatus.APPLIED).value,
                                counts=_summary(applied))
        return ImportResult(received, applied, receipt_path=receipt)

    def refuse_received(self, *, actor: Actor, received: Received, path: Path | str,
                        why: str) -> Path:
        """A bundle whose records failed the checks when it was shown (the window's
        plan): kept as refused and answered with a receipt saying why, beside the
        bundle, as :meth:`import_file` does; returns the receipt's path."""
        require(actor, Permission.EXCHANGE)
        path = Path(path)
        self._refused(actor, received, path.name, why)
        return self._receipt(actor, received, path.parent, ReceiptStatus.REFUSED.value,
                             reasons=[why])

    def _refused(self, actor: Actor, received: Received, file_name: str, why: str) -> None:
        """Keep a bundle refused, so its sequence number is not missing and the same file
        again says it was refused."""
        m = received.manifest
        with self._db.write() as s:
            if s.get(ExchangeBundle, m.bundle_id) is None:
                s.add(ExchangeBundle(id=m.bundle_id, direction="in", peer_code=m.source.code,
                                     kind="data", sequence=m.sequence,
                                     created_at=m.created_at, file_name=file_name,
                                     status=BundleStatus.REJECTED.value, actor=actor.username,
                                     receipt={"reasons": [why]}, audit_head=m.audit_head))

    def _receipt(self, actor: Actor, received: Received, folder: Path, status: str, *,
                 counts: dict | None = None, reasons: list[str] | None = None) -> Path:
        """Write the receipt of a bundle received, to its sender."""
        me = self._keys.own_identity()
        peer = self._keys.peer(received.source.code)
        m = received.manifest
        with self._db.write() as s:
            sequence = last_sequence(s, "out", peer.code, "receipt") + 1
            now = datetime.now(timezone.utc)
            body = receipt_body(bundle_id=m.bundle_id, sequence=m.sequence, status=status,
                                counts=counts, reasons=reasons, audit_head=m.audit_head)
            manifest = Manifest(kind="receipt", schema=SCHEMA_HEAD,
                                source=Party(me.code, me.kind, me.name),
                                receiver=Party(peer.code, peer.kind),
                                bundle_id=new_id(), sequence=sequence, created_at=now,
                                program_version=__version__, audit_head=None, extra=body)
            path = folder / bundle_name(me.code, sequence, now, "receipt",
                                        receiver_code=_apart(me, peer.code))
            s.add(ExchangeBundle(id=manifest.bundle_id, direction="out", peer_code=peer.code,
                                 kind="receipt", sequence=sequence,
                                 created_at=manifest.created_at, file_name=path.name,
                                 status=BundleStatus.FINAL.value, actor=actor.username,
                                 receipt=body))
            s.flush()
            write_bundle(path, manifest, [], signing_key=self._keys.signing_key(actor=actor),
                         recipient=peer.age_recipient)
        return path

    def inspect(self, *, actor: Actor, path: Path | str) -> Manifest:
        """A bundle's manifest once decrypted and its signature and hashes checked,
        without asking whether its sender is trusted (``bundle inspect``)."""
        require(actor, Permission.EXCHANGE)
        return inspect_bundle(path, identity=self._keys.age_identities(actor=actor))


def _records(opened: OpenBundle) -> dict[str, list[tuple[str, int, dict[str, Any]]]]:
    out = {}
    for name, spec in BY_NAME.items():
        member = MEMBER_NAMES[name]
        if member in opened.manifest.members:
            out[name] = read_lines(spec, opened.member(member))
            if spec.content:
                attach_contents(spec, out[name], opened.member)
    return out


def _apart(me, peer_code: str) -> str | None:
    """The receiver a kabupaten names in its files (it numbers each village apart)."""
    return peer_code if me.kind == OfficeKind.KABUPATEN.value else None


def _summary(plan: ImportPlan) -> dict[str, Any]:
    return {"new": plan.count("new"), "changed": plan.count("changed"),
            "removed": plan.count("removed"), "conflicts": plan.count("conflicts"),
            "proposals": plan.count("proposals"), "unchanged": plan.unchanged,
            "shared_niks": len(plan.shared_niks), "replies": len(plan.replies),
            "replies_not_applied": sum(1 for r in plan.replies if r.problem)}


__all__ = ["ImportResult", "READABLE_SCHEMAS", "Received", "TransferOps", "UserError"]
