"""Photos of a visit, imported from a folder or a USB stick: made small, kept inside
the database with their checksum; the camera's own time and place are kept as data;
a photo imported twice is recognised and not stored again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timezone
from pathlib import Path

from sqlalchemy import select

from ...core.permissions import Permission
from ...errors import InvalidInput, NotFound
from ...i18n import _
from ...models import StickerLog, StickerPhoto
from .. import audit
from ..audit import Change
from ..settings.village import VILLAGE_KEEPS, village_records
from ..context import Actor, require

#: the pictures of one visit (a house, its sticker, the statement signed)
MAX_PHOTOS = 12


@dataclass(frozen=True)
class PhotoImport:
    """What an import of photos did: stored, already there (by name), refused (name and
    why)."""

    added: int
    duplicates: tuple[str, ...]
    refused: tuple[tuple[str, str], ...]


class PhotoOps:
    """The photo part of :class:`~puskesos.services.stickers.StickerService`."""

    def add_photos(self, *, actor: Actor, log_id: str, paths: list[str | Path]) -> PhotoImport:
        """Import photos of a visit; each is checked on its own (one that is not a
        picture or too large is refused with why, the others are kept)."""
        from ...formats.attachments import JPEG, read_attachment
        require(actor, Permission.EDIT_REGISTRY)
        village_records(self._db, _(VILLAGE_KEEPS))
        read, refused = [], []
        for path in paths:
            try:
                item = read_attachment(Path(path))
            except InvalidInput as exc:
                refused.append((Path(path).name, exc.message))
                continue
            if item.media_type != JPEG:
                refused.append((item.filename, _("a PDF is not a photo")))
                continue
            read.append(item)
        duplicates = []
        with self._db.write() as s:
            log = s.get(StickerLog, log_id)
            if log is None:
                raise NotFound(_("That visit is not in the log (removed?)."))
            have = set(s.scalars(select(StickerPhoto.original_sha256).where(
                StickerPhoto.original_sha256.in_([i.original_sha256 for i in read]))))
            count = len(s.scalars(select(StickerPhoto.id).where(
                StickerPhoto.log_id == log_id)).all())
            added = []
            for item in read:
                if item.original_sha256 in have:
                    duplicates.append(item.filename)
                    continue
                if count + len(added) >= MAX_PHOTOS:
                    refused.append((item.filename, _("a visit keeps at most {n} photos")
                                    .format(n=MAX_PHOTOS)))
                    continue
                have.add(item.original_sha256)
                taken = (item.taken_at.astimezone().astimezone(timezone.utc)
                         if item.taken_at else None)
                row = StickerPhoto(log_id=log_id, filename=item.filename,
                                   media_type=item.media_type, size=len(item.data),
                                   original_sha256=item.original_sha256, sha256=item.sha256,
                                   data=item.data, taken_at=taken, latitude=item.latitude,
                                   longitude=item.longitude, actor=actor.username)
                s.add(row)
                added.append(row)
            s.flush()
            if added:
                audit.append(s, actor, "create", [Change("sticker_photo", r.id, "sha256", None,
                                                         r.sha256) for r in added],
                             f"{len(added)} photos")
            if log.latitude is None:          # the visit's place from its first photo
                located = next((r for r in added if r.latitude is not None), None)
                if located is not None:
                    log.latitude, log.longitude = located.latitude, located.longitude
        return PhotoImport(len(added), tuple(duplicates), tuple(refused))
