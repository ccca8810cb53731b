"""An exchange bundle's ``manifest.json``: :class:`Manifest` (docs/bundle-format.md).

The manifest says who made the bundle, for whom, for which database schema,
and the SHA-256 and size of every other member of the archive; the sender
signs its exact bytes.  Every field is checked for its type and range both
when a manifest is made in code (a ``ValueError``: a bug of the caller) and
when one is read from a bundle (:meth:`Manifest.from_json`, a
:class:`~puskesos.errors.BundleRefused`): keys missing or not expected,
duplicate keys, numbers out of range, NaN, text that is not what the field
holds.  Format 1 has exactly the fields listed here; ``extra`` is where a
bundle kind adds its own (a receipt's body).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

from ..core.regions import VILLAGE_CODE_RE
from ..errors import BundleRefused
from ..i18n import _

#: the format this program writes and the newest it reads
FORMAT = 1
#: what a bundle carries: data (households, referrals, …) or a receipt for one
KINDS = ("data", "receipt")
#: who makes and receives bundles: a village office or the kabupaten's
PARTY_KINDS = ("desa", "kabupaten")
#: the largest whole number a field takes (what every JSON reader holds exactly)
MAX_INT = 2**53 - 1

_KABUPATEN_CODE_RE = re.compile(r"^\d{2}\.\d{2}$")
_SCHEMA_RE = re.compile(r"^[0-9A-Za-z_]{1,32}$")
_VERSION_RE = re.compile(r"^[0-9A-Za-z.+_-]{1,64}$")
_AUDIT_HEAD_RE = re.compile(r"^\d{1,12}:[0-9a-f]{16,64}$")
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_ENTITY_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_CREATED_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$")
_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
#: a member's name: one to eight segments of ASCII letters, digits, '.', '_', '-',
#: none starting with '.', under data/ (JSON Lines) or files/
_SEGMENT = r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}"
_MEMBER_RE = re.compile(rf"^(?:data/(?:{_SEGMENT}/){{0,6}}{_SEGMENT}\.jsonl"
                        rf"|files/(?:{_SEGMENT}/){{0,6}}{_SEGMENT})$")
MAX_NAME = 255

_FIELDS = ("format", "schema", "kind", "source", "receiver", "bundle_id", "sequence",
           "created_at", "program_version", "audit_head", "signer", "members", "counts",
           "part", "extra")


class _Invalid(Exception):
    """One field that is not what it should be (the message names it)."""


def shown(text: object, limit: int = 80) -> str:
    """A name read from a bundle as a message may show it: at most ``limit``
    characters, anything invisible or turning the text's direction as '?'."""
    text = str(text)
    cut = text[:limit] + ("…" if len(text) > limit else "")
    return "".join(ch if ch.isprintable() else "?" for ch in cut)


def member_name_problem(name: object) -> str | None:
    """What is wrong with ``name`` as the name of a bundle member, or None: a plain
    relative POSIX path under ``data/`` (``….jsonl``) or ``files/``, of ASCII letters,
    digits, '.', '_' and '-', no segment starting with '.', at most 255 characters."""
    if (not isinstance(name, str) or len(name) > MAX_NAME or not name.isascii()
            or not _MEMBER_RE.fullmatch(name)):
        return _("the name '{name}' is not allowed: a part of a bundle is named data/….jsonl "
                 "or files/…, with letters, digits, '.', '_' and '-' only, no '..', no "
                 "backslash, no drive letter and no leading '/'").format(name=shown(name, 200))
    return None


def _wrong(path: str, what: str) -> _Invalid:
    return _Invalid(_("{field} should be {what}").format(field=path, what=what))


def _int(value: object, path: str, lo: int, hi: int = MAX_INT) -> int:
    if type(value) is not int or not lo <= value <= hi:
        raise _wrong(path, _("a whole number from {lo} to {hi}").format(lo=lo, hi=hi))
    return value


def _text(value: object, path: str, pattern: re.Pattern, what: str) -> str:
    if not isinstance(value, str) or not value.isascii() or not pattern.fullmatch(value):
        raise _wrong(path, what)
    return value


def _keys(value: object, path: str, required: tuple[str, ...]) -> dict:
    if not isinstance(value, dict):
        raise _wrong(path, _("an object"))
    for key in required:
        if key not in value:
            raise _Invalid(_("{field} is missing").format(field=f"{path}.{key}"))
    for key in value:
        if key not in required:
            raise _Invalid(_("{field} is not a field of this format")
                           .format(field=f"{path}.{shown(key)}"))
    return value


@dataclass(frozen=True)
class Party:
    """A sender or receiver: its region code, ``kind`` (desa or kabupaten) and, for the
    sender, its name as the receiver shows it."""

    code: str
    kind: str
    name: str | None = None

    def check(self, path: str, *, named: bool) -> None:
        """Raise :class:`_Invalid` when a field is not what it should be."""
        if self.kind not in PARTY_KINDS:
            raise _wrong(f"{path}.kind", _("one of: {choices}").format(
                choices=", ".join(PARTY_KINDS)))
        pattern = VILLAGE_CODE_RE if self.kind == "desa" else _KABUPATEN_CODE_RE
        _text(self.code, f"{path}.code", pattern,
              _("a village code like 35.23.01.2001") if self.kind == "desa"
              else _("a kabupaten code like 35.23"))
        if not named:
            if self.name is not None:
                raise _Invalid(_("{field} is not a field of this format")
                               .format(field=f"{path}.name"))
            return
        if (not isinstance(self.name, str) or not self.name.strip() or len(self.name) > 120
                or not self.name.isprintable()):
            raise _wrong(f"{path}.name", _("a name of 1 to 120 printable characters"))

    def as_dict(self) -> dict:
        """The party as it is written in the manifest."""
        out = {"code": self.code, "kind": self.kind}
        if self.name is not None:
            out["name"] = self.name
        return out


@dataclass(frozen=True)
class Part:
    """Which file of a bundle split to stay under a size: ``index`` of ``of``."""

    index: int
    of: int


@dataclass(frozen=True)
class Member:
    """What the manifest holds of one member: its SHA-256 (hex) and size in bytes."""

    sha256: str
    size: int


def _created(value: object, path: str) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise _wrong(path, _("a date and time with its time zone"))
        return value.astimezone(timezone.utc).replace(microsecond=0)
    found = (_CREATED_RE.fullmatch(value) if isinstance(value, str) and value.isascii()
             else None)
    try:
        if found:
            return datetime(*map(int, found.groups()), tzinfo=timezone.utc)
    except ValueError:
        pass
    raise _wrong(path, _("a date and time in UTC like 2026-12-07T02:30:00Z"))


def _json_value(value: object, path: str) -> Any:
    """A copy of ``value`` through JSON: a dict of JSON values, no NaN or infinity."""
    if not isinstance(value, dict):
        raise _wrong(path, _("an object"))
    try:
        return json.loads(json.dumps(value, allow_nan=False, sort_keys=True))
    except (TypeError, ValueError, RecursionError):
        raise _wrong(path, _("an object of JSON values")) from None


@dataclass(frozen=True)
class Manifest:
    """The manifest of one bundle (every field: docs/bundle-format.md).  Made by the
    caller with ``members`` empty and ``signer`` empty; :func:`~.bundle.write_bundle`
    fills both.  ``created_at`` is kept in UTC to the second."""

    kind: str
    schema: str
    source: Party
    receiver: Party
    bundle_id: str
    sequence: int
    created_at: datetime
    program_version: str
    audit_head: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    part: Part | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    members: dict[str, Member] = field(default_factory=dict)
    signer: str = ""
    format: int = FORMAT

    def __post_init__(self) -> None:
        try:
            self._check()
        except _Invalid as exc:
            raise ValueError(str(exc)) from None

    def _check(self) -> None:
        put = object.__setattr__
        if self.format != FORMAT or type(self.format) is not int:
            raise _wrong("format", str(FORMAT))
        _text(self.schema, "schema", _SCHEMA_RE, _("a schema revision like 0014"))
        if self.kind not in KINDS:
            raise _wrong("kind", _("one of: {choices}").format(choices=", ".join(KINDS)))
        for name, named in (("source", True), ("receiver", False)):
            if not isinstance(getattr(self, name), Party):
                raise _wrong(name, _("an object"))
            getattr(self, name).check(name, named=named)
        if not isinstance(self.bundle_id, str) or not _UUID_RE.fullmatch(self.bundle_id):
            raise _wrong("bundle_id", _("a UUID like 0f8e…-… in small letters"))
        _int(self.sequence, "sequence", 1)
        put(self, "created_at", _created(self.created_at, "created_at"))
        _text(self.program_version, "program_version", _VERSION_RE,
              _("a version like 0.1.0"))
        if self.audit_head is not None:
            _text(self.audit_head, "audit_head", _AUDIT_HEAD_RE,
                  _("an audit anchor like 1234:9f3a1c2b7d4e5f60, or null"))
        if self.signer != "":
            signer_key(self.signer)
        if not isinstance(self.counts, dict):
            raise _wrong("counts", _("an object"))
        for entity, n in self.counts.items():
            _text(entity, "counts", _ENTITY_RE, _("entity names in small letters, digits "
                                                  "and '_'"))
            _int(n, f"counts.{entity}", 0)
        put(self, "counts", dict(self.counts))
        if self.part is not None:
            if not isinstance(self.part, Part):
                raise _wrong("part", _("an object or null"))
            _int(self.part.of, "part.of", 1, 10_000)
            _int(self.part.index, "part.index", 1, self.part.of)
        put(self, "extra", _json_value(self.extra, "extra"))
        if not isinstance(self.members, dict):
            raise _wrong("members", _("an object"))
        for name, member in self.members.items():
            if problem := member_name_problem(name):
                raise _Invalid(_("members: {problem}").format(problem=problem))
            if not isinstance(member, Member):
                raise _wrong(f"members.{name}", _("an object"))
            _text(member.sha256, f"members.{name}.sha256", _SHA256_RE,
                  _("64 hexadecimal digits in small letters"))
            _int(member.size, f"members.{name}.size", 0)
        put(self, "members", dict(self.members))

    # --- JSON ------------------------------------------------------------------------

    def as_dict(self) -> dict:
        """The manifest as the JSON object it is written as."""
        out = asdict(self)
        out["source"], out["receiver"] = self.source.as_dict(), self.receiver.as_dict()
        out["created_at"] = self.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        return out

    def to_json(self) -> bytes:
        """The exact bytes of ``manifest.json``: UTF-8 JSON, keys sorted."""
        return (json.dumps(self.as_dict(), sort_keys=True, ensure_ascii=False, indent=1,
                           allow_nan=False) + "\n").encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes | str) -> Manifest:
        """The manifest these bytes hold, every field checked; anything else is refused
        with a :class:`~puskesos.errors.BundleRefused` that says what is wrong (a
        manifest of a newer format says so: install the newer program)."""
        try:
            raw = _load(data)
            return _build(raw)
        except _Invalid as exc:
            raise BundleRefused(_(
                "The bundle's manifest is not valid: {problem}. The bundle was not made by "
                "Puskesos or was changed; nothing was read from it. Ask the sender to make it "
                "again.").format(problem=exc), "manifest") from None


def signer_key(text: object) -> bytes:
    """The 32 bytes of an Ed25519 public key written as base64 (``signer``)."""
    try:
        if isinstance(text, str) and len(text) == 44:
            key = base64.b64decode(text, validate=True)
            if len(key) == 32 and base64.b64encode(key).decode() == text:
                return key
    except (binascii.Error, ValueError):
        pass
    raise _wrong("signer", _("an Ed25519 public key in base64 (44 characters)"))


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict:
    out = {}
    for key, value in pairs:
        if key in out:
            raise _Invalid(_("the field {field} is written twice").format(field=shown(key)))
        out[key] = value
    return out


def _no_constant(name: str) -> Any:
    raise _Invalid(_("it holds {value}, which is not a number JSON allows").format(value=name))


def _load(data: bytes | str) -> dict:
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        raw = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except UnicodeDecodeError:
        raise _Invalid(_("it is not UTF-8 text")) from None
    except (ValueError, RecursionError):
        raise _Invalid(_("it is not JSON")) from None
    if not isinstance(raw, dict):
        raise _Invalid(_("it is not a JSON object"))
    version = raw.get("format")
    if type(version) is int and version > FORMAT:
        raise BundleRefused(_(
            "This bundle was made in format {format} by a newer version of Puskesos; this "
            "program reads format {ours}. Install the newest version of Puskesos, then "
            "import the bundle again.").format(format=version, ours=FORMAT), "format")
    return raw


def _build(raw: dict) -> Manifest:
    _keys(raw, "manifest", _FIELDS)
    if type(raw["format"]) is not int or raw["format"] != FORMAT:
        raise _wrong("format", str(FORMAT))
    source = _keys(raw["source"], "source", ("code", "kind", "name"))
    receiver = _keys(raw["receiver"], "receiver", ("code", "kind"))
    part = raw["part"]
    if part is not None:
        part = _keys(part, "part", ("index", "of"))
        part = Part(index=part["index"], of=part["of"])
    members = raw["members"]
    if not isinstance(members, dict):
        raise _wrong("members", _("an object"))
    for name, member in members.items():
        _keys(member, f"members.{shown(name)}", ("sha256", "size"))
    if not isinstance(raw["signer"], str) or raw["signer"] == "":
        raise _wrong("signer", _("an Ed25519 public key in base64 (44 characters)"))
    try:
        return Manifest(
            format=raw["format"], schema=raw["schema"], kind=raw["kind"],
            source=Party(source["code"], source["kind"], source["name"]),
            receiver=Party(receiver["code"], receiver["kind"]),
            bundle_id=raw["bundle_id"], sequence=raw["sequence"],
            created_at=_created(raw["created_at"], "created_at"),
            program_version=raw["program_version"], audit_head=raw["audit_head"],
            counts=raw["counts"], part=part, extra=raw["extra"],
            members={name: Member(m["sha256"], m["size"]) for name, m in members.items()},
            signer=raw["signer"])
    except ValueError as exc:                   # __post_init__'s, worded by _Invalid
        raise _Invalid(str(exc)) from None


def new_bundle_id() -> str:
    """A fresh bundle id (a random UUID, as the manifest writes it)."""
    return str(uuid.uuid4())
