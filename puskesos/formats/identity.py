"""The public identity file of an office (issue 16): who it is and its two public keys,
exchanged on a USB stick or by e-mail and trusted after its fingerprint is compared
over the phone.  No database here: reading, checking and writing the file, and the
fingerprint.

The file is JSON (``puskesos-identity/1``)::

    {"format": "puskesos-identity/1", "kind": "desa", "code": "35.23.01.2001",
     "name": "Desa Jlodro", "signing_key": "<Ed25519 public key, base64>",
     "age_recipient": "age1…", "created_at": "2026-12-07T02:40:00+00:00",
     "replaces": null | {"signing_key": "<the old key, base64>",
                         "signature": "<the old key's signature, base64>"},
     "signature": "<the signing key's own signature, base64>"}

Both signatures are Ed25519 (``cryptography``) over the same canonical bytes: the
fields above but the signatures, as JSON with sorted keys and no spaces, after a
line naming what is signed (:data:`SELF_CONTEXT`, :data:`REPLACE_CONTEXT`), so a
self-signature can never be taken for a replacement's and neither for a bundle's.
The self-signature proves the file whole and its keys held by whoever made it; it
does not prove who that is: that is what the fingerprint read aloud is for.

The **fingerprint** covers the kind, the code and both public keys (not the name
or the date): SHA-256, its first 16 bytes read as a number, the last 30 decimal
digits of it in six groups of five (``12345 67890 …``), about 100 bits.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass, replace
from datetime import datetime

from ..core.case_codes import OfficeKind
from ..core.normalize import text_problem
from ..core.regions import kabupaten, regions
from ..errors import InvalidInput
from ..i18n import _

FORMAT = "puskesos-identity/1"
#: an identity file is a few hundred bytes; anything over this is not one
MAX_BYTES = 16 * 1024
SELF_CONTEXT = b"puskesos identity/1 self-signature\n"
REPLACE_CONTEXT = b"puskesos identity/1 replaces\n"
FINGERPRINT_CONTEXT = b"puskesos fingerprint/1\0"
FINGERPRINT_GROUPS = 6
_GROUP = 5
NAME_LIMIT = 200
KEY_BYTES = 32
SIGNATURE_BYTES = 64


class IdentityRefused(InvalidInput):
    """An identity file that cannot be trusted as it is: damaged, not one, or signed
    wrongly.  The message says which and what to do."""


def fingerprint(kind: str, code: str, signing_key: bytes, age_recipient: str) -> str:
    """The short number two offices read to each other over the phone (see the module's
    note): 30 digits in six groups of five."""
    digest = hashlib.sha256(FINGERPRINT_CONTEXT + b"\0".join(
        (kind.encode(), code.encode(), signing_key, age_recipient.encode()))).digest()
    digits = f"{int.from_bytes(digest[:16], 'big') % 10 ** (FINGERPRINT_GROUPS * _GROUP):030d}"
    return " ".join(digits[i:i + _GROUP] for i in range(0, len(digits), _GROUP))


def fingerprint_digits(text: str) -> str:
    """Only the digits of a fingerprint as typed or read (spaces, dashes dropped)."""
    return "".join(ch for ch in text if ch.isdigit())


@dataclass(frozen=True)
class Identity:
    """One office's public identity, as a file carries it."""

    kind: str
    code: str
    name: str
    signing_key: bytes              # Ed25519 public key, 32 raw bytes
    age_recipient: str              # "age1…"
    created_at: str                 # ISO 8601, UTC
    replaces_key: bytes | None = None        # the signing key this one replaces
    replaces_signature: bytes | None = None  # that key's signature over this identity
    signature: bytes = b""                   # this key's own signature

    @property
    def fingerprint(self) -> str:
        """See :func:`fingerprint`."""
        return fingerprint(self.kind, self.code, self.signing_key, self.age_recipient)

    @property
    def kind_label(self) -> str:
        return OfficeKind.label_of(self.kind)

    def signed_bytes(self) -> bytes:
        """The canonical bytes both signatures cover (without the context line)."""
        body = {"format": FORMAT, "kind": self.kind, "code": self.code, "name": self.name,
                "signing_key": _b64(self.signing_key), "age_recipient": self.age_recipient,
                "created_at": self.created_at,
                "replaces_key": _b64(self.replaces_key) if self.replaces_key else None}
        return json.dumps(body, sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False).encode("utf-8")

    def self_signed(self) -> bool:
        """Whether :attr:`signature` is this identity's own key's signature over it."""
        return _verifies(self.signing_key, self.signature, SELF_CONTEXT + self.signed_bytes())

    def signed_by_replaced_key(self, old_key: bytes) -> bool:
        """Whether this identity names ``old_key`` as the key it replaces and carries
        that key's signature over it (a replacement the old key agreed to)."""
        return (self.replaces_key == old_key and self.replaces_signature is not None
                and _verifies(old_key, self.replaces_signature,
                              REPLACE_CONTEXT + self.signed_bytes()))

    def to_bytes(self) -> bytes:
        """The identity file's content."""
        data = {"format": FORMAT, "kind": self.kind, "code": self.code, "name": self.name,
                "signing_key": _b64(self.signing_key), "age_recipient": self.age_recipient,
                "created_at": self.created_at,
                "replaces": ({"signing_key": _b64(self.replaces_key),
                              "signature": _b64(self.replaces_signature or b"")}
                             if self.replaces_key else None),
                "signature": _b64(self.signature)}
        return (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def sign(identity: Identity, key, *, previous=None) -> Identity:
    """``identity`` signed with its own Ed25519 private ``key`` and, for a replacement,
    with the ``previous`` private key whose public key it names as replaced."""
    body = identity.signed_bytes()
    signed = replace(identity, signature=key.sign(SELF_CONTEXT + body))
    if previous is not None:
        signed = replace(signed, replaces_signature=previous.sign(REPLACE_CONTEXT + body))
    return signed


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _verifies(public: bytes, signature: bytes, message: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def office_name_problem(kind: str, code: str) -> str | None:
    """What is wrong with an office's kind and code, or None: a village's code on the
    Kemendagri list (35.23.01.2001), or a kabupaten's (35.23)."""
    if kind == OfficeKind.DESA.value:
        if regions().path(code) is None:
            return _("{code} is not a village code on the Kemendagri list.").format(code=code)
    elif kind == OfficeKind.KABUPATEN.value:
        if kabupaten(code) is None:
            return _("{code} is not a kabupaten/kota code on the Kemendagri list.").format(
                code=code)
    else:
        return _("Unknown kind of office: {kind}.").format(kind=kind)
    return None


def read_identity(data: bytes, *, source: str = "") -> Identity:
    """The identity a file holds, checked whole: its format, every field, and its
    self-signature.  Anything else is :class:`IdentityRefused` with what to do."""
    damaged = IdentityRefused(
        _("{file} is not a Puskesos identity file, or it is damaged. Ask the office for "
          "its identity file again (Settings, Exchange keys, Save identity).").format(
              file=source or _("The file")))
    if len(data) > MAX_BYTES:
        raise damaged
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise damaged from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise damaged
    try:
        kind, code, name = (_text(raw, "kind"), _text(raw, "code"), _text(raw, "name"))
        created_at = _text(raw, "created_at")
        datetime.fromisoformat(created_at)
        signing_key = _key(raw.get("signing_key"), KEY_BYTES)
        recipient = _text(raw, "age_recipient")
        _check_recipient(recipient)
        signature = _key(raw.get("signature"), SIGNATURE_BYTES)
        replaces = raw.get("replaces")
        old_key = old_signature = None
        if replaces is not None:
            if not isinstance(replaces, dict):
                raise ValueError("replaces")
            old_key = _key(replaces.get("signing_key"), KEY_BYTES)
            old_signature = _key(replaces.get("signature"), SIGNATURE_BYTES)
    except (TypeError, ValueError):
        raise damaged from None
    problem = office_name_problem(kind, code) or text_problem(_("the office's name"), name,
                                                              NAME_LIMIT)
    if problem or not name.strip():
        raise IdentityRefused(_("{file} names no office this program knows: {problem}")
                              .format(file=source or _("The file"),
                                      problem=problem or _("the name is empty.")))
    identity = Identity(kind=kind, code=code, name=name, signing_key=signing_key,
                        age_recipient=recipient, created_at=created_at, replaces_key=old_key,
                        replaces_signature=old_signature, signature=signature)
    if not identity.self_signed():
        raise IdentityRefused(
            _("{file} was changed after it was made: its signature does not fit its "
              "content. Do not trust it; ask the office for its identity file again.")
            .format(file=source or _("The file")))
    return identity


def _text(raw: dict, key: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str):
        raise ValueError(key)
    return value


def _key(value, size: int) -> bytes:
    if not isinstance(value, str):
        raise ValueError("key")
    try:
        data = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise ValueError("key") from None
    if len(data) != size:
        raise ValueError("key")
    return data


def _check_recipient(text: str) -> None:
    from pyrage import RecipientError, x25519
    try:
        x25519.Recipient.from_str(text)
    except RecipientError as exc:
        raise ValueError("age recipient") from exc
