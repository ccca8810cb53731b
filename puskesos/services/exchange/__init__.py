"""The exchange bundles between a village and its kabupaten (issue 16).

This package owns each office's own keys and the peers it trusts
(:mod:`.keys`, ``KeyService``, ``services.keys``): the bundle code asks it for the
key to sign with (:meth:`KeyService.signing_key`), the identity to open a bundle
with (:meth:`KeyService.age_identity`), a peer's age recipient to encrypt to
(:meth:`KeyService.peer`) and whether a bundle's signer is trusted
(:meth:`KeyService.trusted_signer`).  Its DTOs are in :mod:`.dto`.
"""

from __future__ import annotations

from .dto import IdentityCard, KeysMissing, OwnIdentity, PeerInfo, UntrustedSender
from .keys import KeyService

__all__ = ["IdentityCard", "KeyService", "KeysMissing", "OwnIdentity", "PeerInfo",
           "UntrustedSender"]
