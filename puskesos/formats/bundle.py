"""Exchange bundles (issue 16): write, read and verify the file; no database.

A bundle is one file, ``{source code without dots}-{sequence:06d}-{yyyymmdd}.puskesos``
(a receipt: ``…-tanda-terima.puskesos``): an **age** file (X25519, through
``pyrage``) encrypted to the receiver, holding a ZIP of ``manifest.json``, its
Ed25519 signature ``manifest.sig``, and the members the caller gives (JSON
Lines under ``data/``, attachments under ``files/``).  The manifest holds the
SHA-256 and size of every member.  docs/bundle-format.md is the specification.

* :func:`write_bundle` — sign, zip, encrypt and write the file whole or not at all.
* :func:`read_bundle` — refuse anything not exactly right before a byte of it is
  believed, in this order: the file's size; decryption (not for this office,
  damaged or cut short); the archive (:func:`~.zipguard.check_zip`: a bomb is
  refused without inflating it) and every name in it; the manifest; the
  signature; the caller's ``trust``; the receiver; the schema; every member's
  size and SHA-256.  Only then an :class:`OpenBundle`.
* :func:`inspect_bundle` — the same without the trust, receiver and schema checks
  (``bundle inspect``).

Every refusal is a :class:`~puskesos.errors.BundleRefused` whose message says
what is wrong and what to do, and whose ``reason`` names the check.

**Memory.** The encrypted file is streamed through age, in 64 KiB chunks, both
ways; the *zip* (compressed, about the file's size) is held in memory in between,
so that no decrypted personal data ever touches the disk.  Members are
decompressed a megabyte at a time to be checked; :meth:`OpenBundle.member`
gives one whole (:meth:`OpenBundle.open` a stream).  A bundle is therefore at most
``BundleLimits.file_bytes``, 200 MB: a hostile file at the limit is refused within
the 300 MB of memory every hostile file is held to (issue 13); a 5,000-household
village's data is a few MB, its photos tens, and an export is split at 20 MB.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import zipfile
import zlib
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from pathlib import Path
from typing import BinaryIO

import pyrage
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (Ed25519PrivateKey,
                                                               Ed25519PublicKey)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from ..errors import BundleRefused, UserError
from ..files import atomic_file
from ..i18n import _
from ..jobs import CancelToken, JobCancelled, Progress
from .bundle_manifest import (FORMAT, KINDS, Manifest, Member, Part, Party, _Invalid,
                              member_name_problem, new_bundle_id, shown, signer_key)
from .zipguard import GB, MB, ZipLimits, check_zip, human_size

__all__ = ["BUNDLE_LIMITS", "FORMAT", "KINDS", "REASONS", "SUFFIX", "BundleLimits", "Manifest",
           "Member", "OpenBundle", "Part", "Party", "bundle_name", "inspect_bundle",
           "member_name_problem", "new_bundle_id", "read_bundle", "write_bundle"]

SUFFIX = ".puskesos"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
AGE_MAGIC = b"age-encryption.org/v1\n"
#: the checks a refusal names in ``BundleRefused.reason``
REASONS = ("unreadable", "size", "not_bundle", "identity", "damaged", "archive", "manifest",
           "format", "signature", "untrusted", "receiver", "schema", "member")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class BundleLimits:
    """What a bundle may be: the encrypted file at most ``file_bytes`` (its zip is held
    in memory), the manifest at most ``manifest_bytes``, the zip within ``zip``."""

    file_bytes: int = 200 * MB
    manifest_bytes: int = 8 * MB
    zip: ZipLimits = ZipLimits(member_bytes=512 * MB, total_bytes=2 * GB, ratio=200,
                               members=50_000)


BUNDLE_LIMITS = BundleLimits()


def bundle_name(source_code: str, sequence: int, created: date | datetime,
                kind: str = "data", receiver_code: str | None = None) -> str:
    """The file name of a bundle: no personal data, only the sender's region code,
    the sequence number and the day (UTC) it was made:
    ``bundle_name("35.23.01.2001", 7, d)`` is ``3523012001-000007-20261207.puskesos``.
    A kabupaten numbers its bundles to each village apart, so its names carry the
    receiver too (``3523-3523012001-000007-20261207.puskesos``): bundles to two
    villages written to one folder never share a name."""
    if receiver_code is not None:
        receiver = receiver_code.replace(".", "")
        if not (receiver.isascii() and receiver.isdigit()):
            raise ValueError(f"not a receiver's code: {receiver_code!r}")
        source_code = f"{source_code.replace('.', '')}-{receiver}"
    code = source_code.replace(".", "")
    if not (code.replace("-", "").isascii() and code.replace("-", "").isdigit()) \
            or type(sequence) is not int or sequence < 1:
        raise ValueError(f"not a bundle's source code and sequence: {source_code!r} {sequence!r}")
    if kind not in KINDS:
        raise ValueError(f"not a bundle kind: {kind!r}")
    if isinstance(created, datetime):
        if created.tzinfo is not None:
            created = created.astimezone(timezone.utc)
        created = created.date()
    tail = "-tanda-terima" if kind == "receipt" else ""
    return f"{code}-{sequence:06d}-{created:%Y%m%d}{tail}{SUFFIX}"


# --- writing ---------------------------------------------------------------------------


class _Reader:
    """The zip handed to age: reports progress, and stops when Cancel is pressed
    (age turns the exception into its own, so :attr:`cancelled` says why)."""

    def __init__(self, data: BinaryIO, size: int, progress: Progress | None,
                 cancel: CancelToken | None) -> None:
        self._data, self._size, self._done = data, size, 0
        self._progress, self._cancel = progress, cancel
        self.cancelled = False

    def read(self, n: int = -1) -> bytes:
        if self._cancel is not None and self._cancel.cancelled:
            self.cancelled = True
            raise JobCancelled()
        chunk = self._data.read(n)
        self._done += len(chunk)
        if self._progress is not None and chunk:
            self._progress.report(self._done, self._size, _("Encrypting the bundle…"))
        return chunk

    def readinto(self, buffer) -> int:
        chunk = self.read(len(buffer))
        buffer[:len(chunk)] = chunk
        return len(chunk)


class _Writer:
    """The file age writes to: keeps the disk's error (a full disk), which age would
    turn into its own, so that it is said as every file error is (``atomic_file``)."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out
        self.error: OSError | None = None

    def write(self, data) -> int:
        try:
            return self._out.write(data)
        except OSError as exc:
            self.error = exc
            raise

    def flush(self) -> None:
        self._out.flush()


def _recipient(recipient: str) -> pyrage.x25519.Recipient:
    try:
        return pyrage.x25519.Recipient.from_str(recipient)
    except (pyrage.RecipientError, TypeError, ValueError):
        raise UserError(_("The receiver's key is not a valid age public key, so the bundle "
                          "was not made. Import the receiver's key again.")) from None


def _zip_info(name: str, when: datetime) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
    info.compress_type = zipfile.ZIP_STORED if name.startswith("files/") else zipfile.ZIP_DEFLATED
    info.external_attr = 0o600 << 16
    return info


def _add(zf: zipfile.ZipFile, name: str, content: bytes | bytearray | memoryview | Path,
         when: datetime, limits: BundleLimits, cancel: CancelToken | None) -> Member:
    """Write one member, hashing it as it goes."""
    info = _zip_info(name, when)
    digest, size = hashlib.sha256(), 0
    if isinstance(content, (bytes, bytearray, memoryview)):
        source: BinaryIO = io.BytesIO(content)
        info.file_size = len(content)
    elif isinstance(content, Path):
        source = content.open("rb")
        info.file_size = content.stat().st_size
    else:
        raise TypeError(f"a bundle member is bytes or a Path, not {type(content).__name__}")
    if info.file_size > limits.zip.member_bytes:
        source.close()
        raise UserError(_("The part {name} of the bundle would be {size}, more than a bundle "
                          "may carry ({limit}); the bundle was not made.").format(
                              name=name, size=human_size(info.file_size),
                              limit=human_size(limits.zip.member_bytes)))
    with source, zf.open(info, "w") as out:
        while chunk := source.read(_CHUNK):
            if cancel is not None:
                cancel.raise_if_cancelled()
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return Member(digest.hexdigest(), size)


def write_bundle(path: Path | str, manifest: Manifest,
                 members: Iterable[tuple[str, bytes | Path]], *,
                 signing_key: Ed25519PrivateKey, recipient: str,
                 progress: Progress | None = None, cancel: CancelToken | None = None,
                 limits: BundleLimits = BUNDLE_LIMITS) -> Path:
    """Write the bundle ``path``: ``members`` (``(name, bytes | Path)``, names under
    ``data/`` or ``files/``) zipped with ``manifest`` — its ``members`` and ``signer``
    filled here — and its signature by ``signing_key``, encrypted to the age
    ``recipient``.  The file appears whole or not at all (a cancelled or failed write
    leaves nothing).  A member name that is not a plain relative path under ``data/``
    or ``files/``, or given twice, is a ``ValueError`` (the caller's bug)."""
    if not isinstance(signing_key, Ed25519PrivateKey):
        raise TypeError("signing_key must be an Ed25519PrivateKey")
    if not isinstance(manifest, Manifest):
        raise TypeError("manifest must be a Manifest")
    receiver = _recipient(recipient)
    items = members if isinstance(members, Collection) else None
    buffer = io.BytesIO()
    listed: dict[str, Member] = {}
    seen: set[str] = set()
    with zipfile.ZipFile(buffer, "w", allowZip64=True) as zf:
        for i, (name, content) in enumerate(members, 1):
            if cancel is not None:
                cancel.raise_if_cancelled()
            if problem := member_name_problem(name):
                raise ValueError(problem)
            if name.casefold() in seen:
                raise ValueError(f"bundle member given twice: {name}")
            seen.add(name.casefold())
            listed[name] = _add(zf, name, content, manifest.created_at, limits, cancel)
            if progress is not None:
                progress.report(i, len(items) if items is not None else 0,
                                _("Packing the bundle…"))
        public = signing_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        signed = replace(manifest, members=listed,
                         signer=base64.b64encode(public).decode("ascii"))
        text = signed.to_json()
        zf.writestr(_zip_info(MANIFEST, manifest.created_at), text)
        zf.writestr(_zip_info(SIGNATURE, manifest.created_at),
                    base64.b64encode(signing_key.sign(text)) + b"\n")
    size = buffer.tell()
    # age adds a header (~200 bytes) and 16 bytes per 64 KiB chunk
    if size + (size >> 16) * 16 + 4096 > limits.file_bytes:
        raise UserError(_("The bundle would be {size}, more than the {limit} a bundle may be. "
                          "Split it into smaller files.").format(
                              size=human_size(size), limit=human_size(limits.file_bytes)))
    buffer.seek(0)
    reader = _Reader(buffer, size, progress, cancel)
    with atomic_file(path) as part, open(part, "wb") as out:
        writer = _Writer(out)
        try:
            pyrage.encrypt_io(reader, writer, [receiver])
        except pyrage.EncryptError:
            if reader.cancelled:
                raise JobCancelled() from None
            if writer.error is not None:
                raise writer.error from None
            raise
    return Path(path)


# --- reading ---------------------------------------------------------------------------


def _refused(reason: str, message: str) -> BundleRefused:
    return BundleRefused(message, reason)


def _damaged(name: str) -> BundleRefused:
    return _refused("damaged", _(
        "The bundle {name} is damaged or incomplete (cut short while it was copied or "
        "downloaded); nothing was read from it. Copy it again from the stick or the e-mail, "
        "or ask the sender to make it again.").format(name=name))


def _hostile(name: str, problem: str) -> BundleRefused:
    return _refused("archive", _(
        "The bundle {name} was not opened: {problem}. Puskesos never makes such a bundle; "
        "nothing was read from it. Ask the sender to make it again, and tell whoever looks "
        "after the computers if it happens again.").format(name=name, problem=problem))


def _archive_refused(message: str) -> BundleRefused:
    return _refused("archive", message)


#: this office's age identity, or all it had (the current first): a bundle encrypted to
#: keys since replaced still opens
Identities = pyrage.x25519.Identity | Sequence[pyrage.x25519.Identity]


def _decrypt(path: Path, identity: Identities, limits: BundleLimits) -> io.BytesIO:
    """The zip inside the age file ``path``, in memory."""
    identities = list(identity) if isinstance(identity, (list, tuple)) else [identity]
    try:
        size = path.stat().st_size
        fh = path.open("rb")
    except OSError as exc:
        raise _refused("unreadable", _(
            "The bundle {path} could not be opened ({error}). Check that the file is there "
            "and that the stick is plugged in.").format(
                path=path, error=exc.strerror or exc)) from None
    with fh:
        if size > limits.file_bytes:
            raise _refused("size", _(
                "The bundle {name} is {size}, more than the {limit} a bundle may be; nothing "
                "was read from it. Ask the sender to make it again split into smaller files."
            ).format(name=path.name, size=human_size(size), limit=human_size(limits.file_bytes)))
        if fh.read(len(AGE_MAGIC)) != AGE_MAGIC:
            raise _refused("not_bundle", _(
                "The file {name} is not a Puskesos exchange bundle (or only its beginning "
                "is missing); nothing was read from it. Choose the .puskesos file the sender "
                "made.").format(name=path.name))
        fh.seek(0)
        plain = io.BytesIO()
        try:
            pyrage.decrypt_io(fh, plain, identities)
        except pyrage.DecryptError as exc:
            if "no matching keys" in str(exc).lower():
                raise _refused("identity", _(
                    "The bundle {name} is not addressed to this office: it was encrypted "
                    "for another office's key, so it cannot be opened here. Check who it was "
                    "made for; if it was made for this office, ask the sender to make it "
                    "again with this office's current key.").format(name=path.name)) from None
            raise _damaged(path.name) from None
        except OSError:
            raise _damaged(path.name) from None
    plain.seek(0)
    return plain


def _check_names(infos: list[zipfile.ZipInfo], name: str) -> None:
    """Every name in the archive: the two manifest files, or a member name; no
    directory entries, no duplicates (also by case), nothing encrypted by zip."""
    seen: set[str] = set()
    for info in infos:
        entry = info.orig_filename      # as written, before zipfile cuts it at a NUL
        if entry not in (MANIFEST, SIGNATURE) and member_name_problem(entry):
            raise _hostile(name, member_name_problem(entry) or _(
                "the name '{name}' is not allowed").format(name=shown(entry, 200)))
        if entry.casefold() in seen:
            raise _hostile(name, _("it holds {member} twice").format(member=shown(entry, 200)))
        seen.add(entry.casefold())
        if info.flag_bits & 0x1:
            raise _hostile(name, _("its part {member} is protected with a password")
                           .format(member=shown(entry, 200)))
    for required in (MANIFEST, SIGNATURE):
        if required not in seen:
            raise _refused("manifest", _(
                "The bundle {name} has no {member}, so nobody can tell who made it or what it "
                "holds; nothing was read from it. Ask the sender to make it again.").format(
                    name=name, member=required))


def _read_small(zf: zipfile.ZipFile, entry: str, limit: int, name: str) -> bytes:
    info = zf.getinfo(entry)
    if info.file_size > limit:
        raise _hostile(name, _("its {member} is {size}, more than the {limit} it may be")
                       .format(member=entry, size=human_size(info.file_size),
                               limit=human_size(limit)))
    return zf.read(info)


def _verify_signature(manifest: Manifest, text: bytes, signature: bytes, name: str) -> bytes:
    """The signer's public key, once the signature over ``text`` holds."""
    try:
        raw = base64.b64decode(signature.removesuffix(b"\n"), validate=True)
        key = signer_key(manifest.signer)
        if len(raw) != 64:
            raise ValueError
        Ed25519PublicKey.from_public_bytes(key).verify(raw, text)
    except (InvalidSignature, binascii.Error, ValueError, _Invalid):
        raise _refused("signature", _(
            "The bundle {name} was changed after it was signed, or its signature is damaged: "
            "its manifest does not match the signature; nothing was read from it. Ask the "
            "sender to make it again.").format(name=name)) from None
    return key


def _check_members(zf: zipfile.ZipFile, manifest: Manifest, name: str) -> None:
    """Every member listed is there, nothing else is, each of its size and SHA-256."""
    present = {i.filename for i in zf.infolist()} - {MANIFEST, SIGNATURE}
    for entry in sorted(present - set(manifest.members)):
        raise _refused("member", _(
            "The bundle {name} holds {member}, which its manifest does not list: something "
            "was added after it was made; nothing was read from it. Ask the sender to make it "
            "again.").format(name=name, member=entry))
    for entry in sorted(set(manifest.members) - present):
        raise _refused("member", _(
            "The bundle {name} lacks {member}, which its manifest lists: it is incomplete; "
            "nothing was read from it. Ask the sender to make it again.").format(
                name=name, member=entry))
    for entry, expected in sorted(manifest.members.items()):
        digest, size = hashlib.sha256(), 0
        with zf.open(entry) as stream:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > expected.size:
                    break
                digest.update(chunk)
        if size != expected.size or digest.hexdigest() != expected.sha256:
            raise _refused("member", _(
                "The content of {member} in the bundle {name} is not what its manifest says "
                "(another size or checksum): it was changed or damaged after it was made; "
                "nothing was read from it. Ask the sender to make it again.").format(
                    name=name, member=entry))


@contextmanager
def _unreadable(name: str) -> Iterator[None]:
    """A damaged entry, or one packed in a way zipfile cannot read, as a refusal."""
    try:
        yield
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, ValueError,
            NotImplementedError, OSError, RuntimeError, KeyError):
        raise _refused("archive", _(
            "The archive inside the bundle {name} cannot be read; nothing was read from it. "
            "Ask the sender to make it again.").format(name=name)) from None


@dataclass
class _Opened:
    manifest: Manifest
    signer: bytes
    zip: zipfile.ZipFile


def _open(path: Path | str, identity: Identities, limits: BundleLimits,
          checks: Callable[[Manifest, bytes], None] = lambda m, k: None) -> _Opened:
    """Decrypt, check the archive and its names, read the manifest, verify its
    signature, run ``checks(manifest, signer)``, then every member."""
    path = Path(path)
    plain = _decrypt(path, identity, limits)
    check_zip(plain, limits.zip, error=_archive_refused, name=path.name, advice=_(
        "Puskesos never makes such a bundle; nothing was read from it. Ask the sender to make "
        "it again."))
    with _unreadable(path.name):
        zf = zipfile.ZipFile(plain)
        _check_names(zf.infolist(), path.name)
        text = _read_small(zf, MANIFEST, limits.manifest_bytes, path.name)
        signature = _read_small(zf, SIGNATURE, 1024, path.name)
    manifest = Manifest.from_json(text)
    signer = _verify_signature(manifest, text, signature, path.name)
    checks(manifest, signer)
    with _unreadable(path.name):
        _check_members(zf, manifest, path.name)
    return _Opened(manifest, signer, zf)


def read_bundle(path: Path | str, *, identity: Identities,
                trust: Callable[[str, bytes], object], receiver_code: str,
                schemas: Collection[str], limits: BundleLimits = BUNDLE_LIMITS) -> OpenBundle:
    """Open the bundle ``path`` with this office's age ``identity`` (or the list of
    every identity it had, the current first) and check all of it
    (see the module's docstring for the order).  ``trust(source_code, signer_public)``
    raises a ``UserError`` when the sender's key is not trusted for that code (its
    message, which says what to do, ends the refusal's; a return of ``False`` is
    refused too);
    ``receiver_code`` is this office's; ``schemas`` the schema revisions this program
    reads.  Any refusal is a :class:`~puskesos.errors.BundleRefused`."""
    name = Path(path).name

    def checks(manifest: Manifest, signer: bytes) -> None:
        try:
            if trust(manifest.source.code, signer) is False:
                raise UserError(_("The sender's key is not trusted here. Compare its "
                                  "fingerprint with the sender over the phone and trust it "
                                  "first."))
        except BundleRefused:
            raise
        except UserError as exc:          # its message says what to do
            raise _refused("untrusted", _(
                "The bundle {name} from {source} was not read: {problem}").format(
                    name=name, source=manifest.source.code, problem=exc.message)) from exc
        if manifest.receiver.code != receiver_code:
            raise _refused("receiver", _(
                "The bundle {name} is for {receiver}, not for this office ({ours}); nothing "
                "was read from it. Check who it was made for and give it to them.").format(
                    name=name, receiver=manifest.receiver.code, ours=receiver_code))
        if manifest.schema not in schemas:
            raise _schema_refused(name, manifest.schema, schemas)

    opened = _open(path, identity, limits, checks)
    return OpenBundle(opened.manifest, opened.zip)


def _schema_refused(name: str, schema: str, schemas: Collection[str]) -> BundleRefused:
    numbers = {int(s): s for s in schemas if s.isascii() and s.isdigit()}
    if schema.isdigit() and numbers and int(schema) > max(numbers):
        return _refused("schema", _(
            "The bundle {name} was made by a newer version of Puskesos (database schema "
            "{schema}); this program reads up to {ours}. Install the newest version of "
            "Puskesos, then import it again.").format(name=name, schema=schema,
                                                       ours=numbers[max(numbers)]))
    return _refused("schema", _(
        "The bundle {name} was made by a version of Puskesos whose data this program cannot "
        "read (database schema {schema}). Ask the sender to update Puskesos and make the "
        "bundle again.").format(name=name, schema=schema))


def inspect_bundle(path: Path | str, *, identity: Identities,
                   limits: BundleLimits = BUNDLE_LIMITS) -> Manifest:
    """The manifest of the bundle ``path``, once it is decrypted, its archive is sound,
    its signature holds against the manifest's own ``signer`` and every member matches
    its SHA-256 — whether the signer is trusted, the bundle is for this office or its
    schema readable is not asked (``bundle inspect``).  A signature that does not hold
    is refused like any other fault."""
    return _open(path, identity, limits).manifest


class OpenBundle:
    """A bundle that passed every check: its ``manifest``, the ``names`` of its
    members (sorted), and each member's bytes (:meth:`member`, :meth:`open`).  The
    decrypted archive stays in memory, never on the disk, until this is dropped."""

    def __init__(self, manifest: Manifest, archive: zipfile.ZipFile) -> None:
        self.manifest = manifest
        self.names: tuple[str, ...] = tuple(sorted(manifest.members))
        self._zip = archive

    def member(self, name: str) -> bytes:
        """The whole content of the member ``name`` (checked against its SHA-256 when
        the bundle was read); a name the manifest does not list is a ``KeyError``."""
        with self.open(name) as stream:
            return stream.read()

    def open(self, name: str) -> BinaryIO:
        """The member ``name`` as a binary stream (to read JSON Lines line by line)."""
        if name not in self.manifest.members:
            raise KeyError(name)
        return self._zip.open(name)
