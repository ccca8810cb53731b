"""What the key service hands out: frozen values, never rows, never a private key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ...core.codes import OfficeKind, PeerStanding
from ...errors import UserError


class KeysMissing(UserError):
    """This office has no exchange keys yet (a database made before them)."""


class UntrustedSender(UserError):
    """A bundle's signer is unknown, not trusted, revoked, or its key was replaced."""


@dataclass(frozen=True)
class OwnIdentity:
    """This office's public identity: what its identity file says."""

    kind: str                   # OfficeKind value
    code: str
    name: str
    fingerprint: str
    signing_public: bytes       # Ed25519, 32 raw bytes
    age_recipient: str          # "age1…"
    created_at: datetime
    #: the fingerprint of the keys these replaced (``keys rotate``), if any
    replaces_fingerprint: str | None = None

    @property
    def kind_label(self) -> str:
        return OfficeKind.label_of(self.kind)


@dataclass(frozen=True)
class PeerInfo:
    """An office this one trusts (or trusted: see :attr:`revoked`)."""

    code: str
    kind: str
    name: str
    fingerprint: str
    signing_public: bytes
    age_recipient: str
    key_created_at: str
    trusted_at: datetime
    trusted_by: str
    reason: str | None
    revoked_at: datetime | None
    revoked_by: str | None
    revoked_reason: str | None
    #: how many of its keys were replaced since it was first trusted
    replaced_keys: int = 0

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def kind_label(self) -> str:
        return OfficeKind.label_of(self.kind)

    def to_json(self) -> dict:
        """The peer as ``keys list --json`` prints it (no key bytes but the public ones,
        as base64)."""
        import base64
        return {"code": self.code, "kind": self.kind, "name": self.name,
                "fingerprint": self.fingerprint,
                "signing_key": base64.b64encode(self.signing_public).decode("ascii"),
                "age_recipient": self.age_recipient,
                "trusted_at": self.trusted_at.isoformat(), "trusted_by": self.trusted_by,
                "reason": self.reason, "revoked": self.revoked,
                "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
                "revoked_by": self.revoked_by, "revoked_reason": self.revoked_reason,
                "replaced_keys": self.replaced_keys}


@dataclass(frozen=True)
class IdentityCard:
    """What an identity file says, shown before it is trusted, and what it would be
    to this office (:class:`~puskesos.core.codes.PeerStanding`)."""

    kind: str
    code: str
    name: str
    fingerprint: str
    created_at: str
    standing: str               # PeerStanding value
    #: the fingerprint already trusted for this code (a replacement), if any
    current_fingerprint: str | None = None

    @property
    def kind_label(self) -> str:
        return OfficeKind.label_of(self.kind)

    @property
    def standing_label(self) -> str:
        return PeerStanding.label_of(self.standing)

    @property
    def needs_reason(self) -> bool:
        """Whether trusting it needs an administrator's reason: a replacement the old
        key did not sign, or an office whose trust was revoked."""
        return self.standing in (PeerStanding.REPLACEMENT_UNSIGNED.value,
                                 PeerStanding.REVOKED.value)
