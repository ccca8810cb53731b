"""Attachments: scans and photos kept inside the database with their checksum, so
they travel with backups and bundles (read and made small by formats/attachments)."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from ...core import referrals as rules
from ...core.permissions import Permission
from ...core.validation import SHORT_NOTE_LIMIT, checked_text
from ...errors import InvalidInput, NotFound
from ...files import write_bytes
from ...i18n import _
from ...models import ReferralAttachment
from .. import audit
from ..audit import Change
from ..context import Actor, require
from ..exchange.tombstones import remember_removed
from .common import get_referral, to_detail, village_writes
from .dto import ReferralDetail

#: the most attachments one referral keeps (a case file, not an archive)
MAX_ATTACHMENTS = 30


class AttachmentOps:
    """The attachments part of :class:`~puskesos.services.referrals.ReferralService`."""

    def add_attachment(self, *, actor: Actor, referral_id: str,
                       path: str | Path) -> ReferralDetail:
        """Keep a scan or photo (image made small, PDF as it is) with the referral; a
        file that is not an image or a PDF, or is too large, is refused with why."""
        from ...formats.attachments import read_attachment
        village_writes(self._db, actor)
        attachment = read_attachment(Path(path))      # checked before anything is stored
        with self._db.write() as s:
            r = get_referral(s, referral_id, lock=True)
            if not rules.is_open(r.status):
                raise InvalidInput(_("This referral is closed and cannot change any more."))
            count = s.scalar(select(func.count()).select_from(ReferralAttachment).where(
                ReferralAttachment.referral_id == r.id)) or 0
            if count >= MAX_ATTACHMENTS:
                raise InvalidInput(_("This referral already has {n} attachments, the most it "
                                     "keeps. Remove one it no longer needs first.")
                                   .format(n=MAX_ATTACHMENTS))
            row = ReferralAttachment(referral_id=r.id, filename=attachment.filename,
                                     media_type=attachment.media_type,
                                     size=len(attachment.data), sha256=attachment.sha256,
                                     data=attachment.data, actor=actor.username)
            s.add(row)
            s.flush()
            audit.append(s, actor, "create", [Change("referral_attachment", row.id, "sha256",
                                                     None, row.sha256)],
                         f"{r.tracking_code} {row.filename}")
            s.flush()
            return to_detail(s, r, actor, date.today())

    def attachment_data(self, attachment_id: str, *, actor: Actor) -> tuple[str, str, bytes]:
        """An attachment's file name, media type and content, checked against its
        stored checksum (a changed one is refused rather than shown)."""
        require(actor, Permission.VIEW_REGISTRY)
        with self._db.read() as s:
            row = s.get(ReferralAttachment, attachment_id)
            if row is None:
                raise NotFound(_("That attachment is not in the database (removed?)."))
            if hashlib.sha256(row.data).hexdigest() != row.sha256:
                raise InvalidInput(_("The attachment {name} is damaged: its content no longer "
                                     "matches its checksum. Restore a backup, or attach the "
                                     "file again.").format(name=row.filename))
            return row.filename, row.media_type, bytes(row.data)

    def save_attachment(self, *, actor: Actor, attachment_id: str, target: str | Path) -> Path:
        """Write an attachment to a file (to open or print it)."""
        _name, _type, data = self.attachment_data(attachment_id, actor=actor)
        target = Path(target)
        write_bytes(target, data)
        return target

    def remove_attachment(self, *, actor: Actor, attachment_id: str,
                          reason: str) -> ReferralDetail:
        """Remove an attachment added by mistake, with the reason (kept in the trail
        with its checksum)."""
        village_writes(self._db, actor)
        reason = checked_text(_("Reason"), reason, SHORT_NOTE_LIMIT)
        if not reason:
            raise InvalidInput(_("Give a reason for this change."))
        with self._db.write() as s:
            row = s.get(ReferralAttachment, attachment_id, with_for_update=True)
            if row is None:
                raise NotFound(_("That attachment is not in the database (removed?)."))
            r = get_referral(s, row.referral_id, lock=True)
            if not rules.is_open(r.status):
                raise InvalidInput(_("This referral is closed and cannot change any more."))
            audit.append(s, actor, "delete", [Change("referral_attachment", row.id, "sha256",
                                                     row.sha256, None)],
                         f"{row.filename}: {reason}")
            # the kabupaten, sent it, removes it too (a wrong person's KTP must not stay)
            remember_removed(s, "referral_attachment", select(ReferralAttachment.id).where(
                ReferralAttachment.id == row.id), actor=actor.username, reason=reason)
            s.delete(row)
            s.flush()
            return to_detail(s, r, actor, date.today())
