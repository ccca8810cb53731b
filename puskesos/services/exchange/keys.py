"""This office's exchange keys and the peers it trusts (issue 16 point 2).

Each office has an Ed25519 key to sign its bundles' manifests and an age X25519
identity that bundles addressed to it are encrypted to; both are made at ``init``
(or, for a database made before, on first need by an administrator).  The private
parts live in ``exchange_own_key`` inside the database: a village file is encrypted
whole by SQLCipher under its data key (``db/keys.py``), so they are never on the
disk in clear; on PostgreSQL they are as safe as the server (docs/architecture.md).
A private key leaves this service only to the code that signs or decrypts
(:meth:`KeyService.signing_key`, :meth:`KeyService.age_identity`).

A peer is trusted from its identity file (:mod:`puskesos.formats.identity`) once an
administrator confirms the fingerprint read aloud over the phone.  A new identity
for a trusted code replaces the old one when the old key signed it (``keys rotate``
writes such a file), else only with an administrator's reason; a peer can be
revoked.  Every trust, replacement, revocation and key made is in the audit trail.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from ...core.codes import OfficeKind, PeerStanding
from ...core.normalize import text_problem
from ...core.permissions import Permission
from ...db.engine import Database
from ...errors import InvalidInput, NotFound
from ...files import file_error, write_bytes
from ...formats.identity import (MAX_BYTES, Identity, fingerprint, fingerprint_digits,
                                 read_identity, sign)
from ...i18n import _
from ...models import OwnKey, Peer, PeerOldKey, utcnow
from .. import audit
from ..audit import Change
from ..context import Actor, require
from .dto import IdentityCard, KeysMissing, OwnIdentity, PeerInfo, UntrustedSender

REASON_LIMIT = 500


def _new_keys() -> tuple[bytes, bytes, str, str]:
    """A new Ed25519 key pair (raw private, raw public) and age identity (secret,
    recipient)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (Encoding, NoEncryption,
                                                              PrivateFormat, PublicFormat)
    from pyrage import x25519
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    age = x25519.Identity.generate()
    return private, public, str(age), str(age.to_public())


def _private(raw: bytes):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    return Ed25519PrivateKey.from_private_bytes(raw)


def _peer_info(peer: Peer, replaced: int = 0) -> PeerInfo:
    return PeerInfo(code=peer.code, kind=peer.kind, name=peer.name,
                    fingerprint=peer.fingerprint, signing_public=bytes(peer.signing_public),
                    age_recipient=peer.age_recipient, key_created_at=peer.key_created_at,
                    trusted_at=peer.trusted_at, trusted_by=peer.trusted_by,
                    reason=peer.reason, revoked_at=peer.revoked_at,
                    revoked_by=peer.revoked_by, revoked_reason=peer.revoked_reason,
                    replaced_keys=replaced)


def _reason(reason: str | None) -> str | None:
    reason = (reason or "").strip() or None
    if reason and (problem := text_problem(_("the reason given"), reason, REASON_LIMIT)):
        raise InvalidInput(problem)
    return reason


class KeyService:
    """This office's exchange keys and its trusted peers (see the module's note)."""

    def __init__(self, db: Database, *, settings) -> None:
        self._db = db
        self._settings = settings

    # ------------------------------------------------------------------ own keys
    def has_keys(self) -> bool:
        """Whether this office has made its exchange keys."""
        with self._db.read() as s:
            return s.scalar(select(func.count()).select_from(OwnKey)) > 0

    def ensure_keys(self, *, actor: Actor) -> OwnIdentity:
        """This office's identity, its keys made first when it has none (``init`` does
        it; a database made before the keys gets them here, from an administrator)."""
        if not self.has_keys():
            require(actor, Permission.MANAGE_KEYS)
            self._make(actor, previous=False, reason=None)
        return self.own_identity()

    def rotate(self, *, actor: Actor, reason: str | None = None) -> OwnIdentity:
        """New own keys replacing the current ones, which sign the new identity (so a
        peer's ``keys trust`` of the new file takes it as a replacement).  The old age
        identity is kept to open bundles already encrypted to it."""
        require(actor, Permission.MANAGE_KEYS)
        reason = _reason(reason)
        self.ensure_keys(actor=actor)
        self._make(actor, previous=True, reason=reason)
        return self.own_identity()

    def _make(self, actor: Actor, *, previous: bool, reason: str | None) -> None:
        if self._db.dialect == "sqlite" and not self._db.encrypted:
            raise InvalidInput(_("This database file is not encrypted yet, so its keys "
                                 "would be stored in clear. Log in to the program once "
                                 "(that encrypts it), then try again."))
        office = self._settings.office()
        if not office.code:
            raise InvalidInput(_("Set the village up first (puskesos init)."))
        private, public, age_secret, recipient = _new_keys()
        with self._db.write() as s:
            old = self._current(s)
            if old is not None and not previous:
                return              # another administrator made them meanwhile
            row = OwnKey(created_by=actor.username, created_at=utcnow(),
                         signing_private=private, signing_public=public,
                         age_secret=age_secret, age_recipient=recipient)
            s.add(row)
            s.flush()
            changes = [Change("exchange_own_key", row.id, "fingerprint",
                              self._fingerprint(office, old) if old else None,
                              fingerprint(office.kind, office.code, public, recipient))]
            if old is not None:
                old.retired_at = utcnow()
                row.replaces_id = old.id
            audit.append(s, actor, "rotate" if old else "create", changes, reason)

    @staticmethod
    def _current(s) -> OwnKey | None:
        return s.scalars(select(OwnKey).where(OwnKey.retired_at.is_(None))
                         .order_by(OwnKey.created_at.desc()).limit(1)).first()

    @staticmethod
    def _fingerprint(office, row: OwnKey) -> str:
        return fingerprint(office.kind, office.code, bytes(row.signing_public),
                           row.age_recipient)

    @staticmethod
    def _identity(office, row: OwnKey, old: OwnKey | None) -> Identity:
        return Identity(kind=office.kind, code=office.code, name=office.name,
                        signing_key=bytes(row.signing_public),
                        age_recipient=row.age_recipient,
                        created_at=row.created_at.isoformat(timespec="seconds"),
                        replaces_key=bytes(old.signing_public) if old else None)

    def own_identity(self) -> OwnIdentity:
        """This office's public identity (kind, code, name, fingerprint, public keys);
        :class:`KeysMissing` when it has no keys yet."""
        office = self._settings.office()
        with self._db.read() as s:
            row = self._current(s)
            if row is None:
                raise KeysMissing(_("This office has no exchange keys yet. An administrator "
                                    "makes them: puskesos keys show (or Settings, Exchange "
                                    "keys)."))
            old = s.get(OwnKey, row.replaces_id) if row.replaces_id else None
            return OwnIdentity(kind=office.kind, code=office.code, name=office.name,
                               fingerprint=self._fingerprint(office, row),
                               signing_public=bytes(row.signing_public),
                               age_recipient=row.age_recipient, created_at=row.created_at,
                               replaces_fingerprint=self._fingerprint(office, old)
                               if old else None)

    def identity_file(self, *, actor: Actor) -> bytes:
        """The content of this office's identity file, self-signed (and, after ``keys
        rotate``, signed by the keys it replaced, which are kept for that and to open
        bundles still encrypted to them)."""
        require(actor, Permission.EXCHANGE)
        self.ensure_keys(actor=actor)
        office = self._settings.office()
        with self._db.read() as s:
            row = self._current(s)
            old = s.get(OwnKey, row.replaces_id) if row.replaces_id else None
            identity = self._identity(office, row, old)
            return sign(identity, _private(bytes(row.signing_private)),
                        previous=_private(bytes(old.signing_private)) if old else None
                        ).to_bytes()

    def export_identity(self, *, actor: Actor, path: Path | str) -> OwnIdentity:
        """Write this office's identity file to ``path`` (whole or not at all)."""
        data = self.identity_file(actor=actor)
        write_bytes(Path(path), data)
        return self.own_identity()

    def signing_key(self, *, actor: Actor):
        """The Ed25519 private key a bundle's manifest is signed with (for the bundle
        code only; never shown or written out)."""
        require(actor, Permission.EXCHANGE)
        with self._db.read() as s:
            row = self._current(s)
            if row is None:
                raise KeysMissing(_("This office has no exchange keys yet. An administrator "
                                    "makes them: puskesos keys show."))
            return _private(bytes(row.signing_private))

    def age_identity(self, *, actor: Actor):
        """The age X25519 identity that opens bundles encrypted to this office (its
        current keys; :meth:`age_identities` adds the retired ones)."""
        return self.age_identities(actor=actor)[0]

    def age_identities(self, *, actor: Actor) -> list:
        """Every age identity this office had, the current first: a bundle encrypted
        to keys since replaced still opens."""
        from pyrage import x25519
        require(actor, Permission.EXCHANGE)
        with self._db.read() as s:
            rows = s.scalars(select(OwnKey).order_by(OwnKey.retired_at.is_not(None),
                                                     OwnKey.created_at.desc())).all()
            if not rows:
                raise KeysMissing(_("This office has no exchange keys yet. An administrator "
                                    "makes them: puskesos keys show."))
            return [x25519.Identity.from_str(row.age_secret) for row in rows]

    # ------------------------------------------------------------------ peers
    def read_identity(self, *, actor: Actor, path: Path | str) -> IdentityCard:
        """What the identity file at ``path`` says, checked whole, and what it would be
        to this office (new, already trusted, a replacement signed by the old key or
        not, an office revoked); refused when damaged, signed wrongly, this office's
        own, or an office this one does not exchange with."""
        require(actor, Permission.MANAGE_KEYS)
        identity = self._read(path)
        with self._db.read() as s:
            return self._card(identity, s.scalar(select(Peer).where(
                Peer.code == identity.code)))

    def _read(self, path: Path | str) -> Identity:
        path = Path(path)
        try:
            with path.open("rb") as fh:
                data = fh.read(MAX_BYTES + 1)
        except OSError as exc:
            raise file_error(exc, path) from exc
        identity = read_identity(data, source=path.name)
        office = self._settings.office()
        own = self.own_identity() if self.has_keys() else None
        if identity.code == office.code or (own and identity.signing_key ==
                                            own.signing_public):
            raise InvalidInput(_("{file} is this office's own identity. Trust the identity "
                                 "file of the other office.").format(file=path.name))
        if not _pairs(office.kind, office.code, identity.kind, identity.code):
            raise InvalidInput(
                _("{file} is the identity of {kind} {code} ({name}), which does not exchange "
                  "data with this office ({own}): a village exchanges with its own "
                  "kabupaten, a kabupaten with its villages.").format(
                      file=path.name, kind=identity.kind_label, code=identity.code,
                      name=identity.name, own=f"{office.name}, {office.code}"))
        return identity

    @staticmethod
    def _card(identity: Identity, peer: Peer | None) -> IdentityCard:
        current = None
        if peer is None:
            standing = PeerStanding.NEW
        else:
            current = peer.fingerprint
            same = bytes(peer.signing_public) == identity.signing_key and \
                peer.age_recipient == identity.age_recipient
            if peer.revoked_at is not None:
                standing = PeerStanding.REVOKED
            elif same:
                standing = PeerStanding.TRUSTED
            elif identity.signed_by_replaced_key(bytes(peer.signing_public)):
                standing = PeerStanding.REPLACEMENT_SIGNED
            else:
                standing = PeerStanding.REPLACEMENT_UNSIGNED
        return IdentityCard(kind=identity.kind, code=identity.code, name=identity.name,
                            fingerprint=identity.fingerprint, created_at=identity.created_at,
                            standing=standing.value, current_fingerprint=current)

    def trust(self, *, actor: Actor, path: Path | str, fingerprint: str,
              reason: str | None = None) -> PeerInfo:
        """Trust the office whose identity file is at ``path``, once ``fingerprint`` (as
        read aloud over the phone) is the file's.  A replacement of a trusted office's
        keys is taken when the old key signed it, else only with ``reason``; so is an
        office whose trust was revoked.  Already trusted: nothing changes."""
        require(actor, Permission.MANAGE_KEYS)
        reason = _reason(reason)
        identity = self._read(path)
        if fingerprint_digits(fingerprint) != fingerprint_digits(identity.fingerprint):
            raise InvalidInput(
                _("The fingerprint {typed} is not this file's. Do not trust the file: ask "
                  "the office to read its fingerprint again, or to send its identity file "
                  "again.").format(typed=fingerprint.strip()))
        with self._db.write() as s:
            peer = s.scalar(select(Peer).where(Peer.code == identity.code).with_for_update())
            card = self._card(identity, peer)
            if card.standing == PeerStanding.TRUSTED.value:
                return _peer_info(peer, self._replaced(s, peer))
            if card.needs_reason and not reason:
                raise InvalidInput(self._reason_needed(card))
            now = utcnow()
            if peer is None:
                peer = Peer(code=identity.code, trusted_at=now)
                s.add(peer)
                action, old_fingerprint = "trust", None
            else:
                action, old_fingerprint = "replace", peer.fingerprint
                if bytes(peer.signing_public) != identity.signing_key:
                    s.add(PeerOldKey(peer_id=peer.id, signing_public=peer.signing_public,
                                     fingerprint=peer.fingerprint, trusted_at=peer.trusted_at,
                                     replaced_at=now, replaced_by=actor.username))
                if card.standing == PeerStanding.REPLACEMENT_SIGNED.value and not reason:
                    reason = audit.coded_reason("key_replaced_signed")
            peer.kind, peer.name = identity.kind, identity.name
            peer.signing_public, peer.age_recipient = identity.signing_key, \
                identity.age_recipient
            peer.fingerprint, peer.key_created_at = identity.fingerprint, identity.created_at
            peer.trusted_at, peer.trusted_by, peer.reason = now, actor.username, reason
            peer.revoked_at = peer.revoked_by = peer.revoked_reason = None
            s.flush()
            audit.append(s, actor, action, [Change("exchange_peer", peer.id, "fingerprint",
                                                   old_fingerprint, identity.fingerprint)],
                         reason)
            return _peer_info(peer, self._replaced(s, peer))

    @staticmethod
    def _reason_needed(card: IdentityCard) -> str:
        if card.standing == PeerStanding.REVOKED.value:
            return _("The trust of {code} ({name}) was revoked. Trusting it again needs an "
                     "administrator's reason (--reason).").format(code=card.code,
                                                                  name=card.name)
        return _("{code} ({name}) is already trusted with other keys (fingerprint "
                 "{current}), and this file is not signed by them. Take it only if the office "
                 "really made new keys (a computer lost or replaced): an administrator gives "
                 "the reason (--reason).").format(code=card.code, name=card.name,
                                                  current=card.current_fingerprint)

    @staticmethod
    def _replaced(s, peer: Peer) -> int:
        return s.scalar(select(func.count()).select_from(PeerOldKey)
                        .where(PeerOldKey.peer_id == peer.id)) or 0

    def revoke(self, *, actor: Actor, code: str, reason: str) -> PeerInfo:
        """Stop trusting the office ``code``: its bundles are refused from now on."""
        require(actor, Permission.MANAGE_KEYS)
        reason = _reason(reason)
        if not reason:
            raise InvalidInput(_("Give a reason for revoking the trust."))
        with self._db.write() as s:
            peer = s.scalar(select(Peer).where(Peer.code == code.strip()).with_for_update())
            if peer is None:
                raise NotFound(_("No trusted office has the code {code} (see 'puskesos keys "
                                 "list').").format(code=code))
            if peer.revoked_at is None:
                peer.revoked_at, peer.revoked_by = utcnow(), actor.username
                peer.revoked_reason = reason
                audit.append(s, actor, "revoke", [Change("exchange_peer", peer.id, "revoked",
                                                         None, peer.fingerprint)], reason)
            return _peer_info(peer, self._replaced(s, peer))

    def peer(self, code: str) -> PeerInfo | None:
        """The office ``code`` as this one trusts (or trusted) it; None: never trusted."""
        with self._db.read() as s:
            peer = s.scalar(select(Peer).where(Peer.code == code))
            return _peer_info(peer, self._replaced(s, peer)) if peer else None

    def peers(self, *, actor: Actor) -> list[PeerInfo]:
        """Every office this one trusts or trusted, by code."""
        require(actor, Permission.EXCHANGE)
        with self._db.read() as s:
            counts = dict(s.execute(select(PeerOldKey.peer_id, func.count())
                                    .group_by(PeerOldKey.peer_id)).all())
            return [_peer_info(p, counts.get(p.id, 0))
                    for p in s.scalars(select(Peer).order_by(Peer.code))]

    def trusted_signer(self, code: str, public_key: bytes) -> PeerInfo:
        """The trusted peer ``code`` whose signing key is ``public_key``; else an
        :class:`UntrustedSender` saying why: unknown, revoked, or its key replaced (or
        another key altogether)."""
        with self._db.read() as s:
            peer = s.scalar(select(Peer).where(Peer.code == code))
            if peer is None:
                raise UntrustedSender(
                    _("The sender {code} is not a trusted office. Trust its identity file "
                      "first (Settings, Exchange keys), after comparing the fingerprint "
                      "by phone.").format(code=code))
            if peer.revoked_at is not None:
                raise UntrustedSender(
                    _("The trust of the sender {code} ({name}) was revoked on {date}: its "
                      "bundles are refused.").format(code=code, name=peer.name,
                                                     date=peer.revoked_at.date().isoformat()))
            if bytes(peer.signing_public) == bytes(public_key):
                return _peer_info(peer, self._replaced(s, peer))
            old = s.scalar(select(PeerOldKey).where(PeerOldKey.peer_id == peer.id,
                                                    PeerOldKey.signing_public ==
                                                    bytes(public_key)))
            if old is not None:
                raise UntrustedSender(
                    _("The bundle from {code} ({name}) is signed with a key it replaced on "
                      "{date}. Ask the office to send it again with its new keys.").format(
                          code=code, name=peer.name, date=old.replaced_at.date().isoformat()))
            raise UntrustedSender(
                _("The bundle from {code} ({name}) is signed with a key this office does not "
                  "trust. If the office made new keys, trust its new identity file first.")
                .format(code=code, name=peer.name))


def _pairs(own_kind: str, own_code: str, kind: str, code: str) -> bool:
    """Whether the offices exchange data: a village with its own kabupaten."""
    if own_kind == OfficeKind.DESA.value:
        return kind == OfficeKind.KABUPATEN.value and own_code.startswith(code + ".")
    return kind == OfficeKind.DESA.value and code.startswith(own_code + ".")


__all__ = ["KeyService"]
