"""The exchange bundles' keys (issue 16): this office's own key pairs and the peers
(other offices) it trusts.

The private keys are columns of :class:`OwnKey`, inside the database: a village file
is encrypted whole (SQLCipher), so they are as safe as the data they protect; on
PostgreSQL they are as safe as the server (docs/architecture.md says why).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow, uuid_pk


class OwnKey(Base):
    """One generation of this office's keys: an Ed25519 signing key and an age X25519
    identity.  The newest one not retired is in use; a retired one still opens what
    was encrypted to it while it was in use."""

    __tablename__ = "exchange_own_key"

    id: Mapped[str] = uuid_pk()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    #: the raw 32-byte Ed25519 private key and its public key
    signing_private: Mapped[bytes] = mapped_column(LargeBinary)
    signing_public: Mapped[bytes] = mapped_column(LargeBinary)
    #: the age identity ("AGE-SECRET-KEY-1…") and its recipient ("age1…")
    age_secret: Mapped[str] = mapped_column(Text)
    age_recipient: Mapped[str] = mapped_column(String(100))
    #: set when a newer generation replaced this one (``keys rotate``)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the generation this one replaces: its key also signs this one's identity file,
    #: so peers take the new keys without an administrator's reason
    replaces_id: Mapped[str | None] = mapped_column(ForeignKey("exchange_own_key.id"))


class Peer(Base):
    """Another office this one trusts: its identity as confirmed by fingerprint."""

    __tablename__ = "exchange_peer"

    id: Mapped[str] = uuid_pk()
    code: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(200))
    signing_public: Mapped[bytes] = mapped_column(LargeBinary)
    age_recipient: Mapped[str] = mapped_column(String(100))
    fingerprint: Mapped[str] = mapped_column(String(40))
    #: when the peer made this identity (from its file)
    key_created_at: Mapped[str] = mapped_column(String(40))
    trusted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    trusted_by: Mapped[str] = mapped_column(String(64))
    #: why (an administrator's reason; a replacement's "signed by the old key")
    reason: Mapped[str | None] = mapped_column(Text)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(64))
    revoked_reason: Mapped[str | None] = mapped_column(Text)


class PeerOldKey(Base):
    """A peer's signing key that a newer one replaced: a bundle signed with it is
    refused with "its key was replaced", not "unknown sender"."""

    __tablename__ = "exchange_peer_old_key"

    id: Mapped[str] = uuid_pk()
    peer_id: Mapped[str] = mapped_column(ForeignKey("exchange_peer.id"), index=True)
    signing_public: Mapped[bytes] = mapped_column(LargeBinary)
    fingerprint: Mapped[str] = mapped_column(String(40))
    trusted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    replaced_by: Mapped[str] = mapped_column(String(64))
