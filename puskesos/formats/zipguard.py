"""Refusing a hostile zip before anything parses it: :func:`check_zip`.

Every zip-based file the program reads (an .xlsx/.xlsm/.ods workbook, a
backup, later exchange bundles) is checked here first, against limits the
caller chooses (:class:`ZipLimits`):

* how many members it has;
* each member's declared size, their sum, and the ratio of declared to
  compressed size (a 2 GB sheet squeezed into 2 MB is refused by its
  numbers alone, without decompressing a byte);
* each member's *actual* size: the declared sizes can lie, and python-calamine
  (like any other reader) decompresses until the data ends, so every member
  is decompressed once, a few megabytes at a time and thrown away, and refused
  as soon as it gives more than it declared or more than the limit.

Decompressing costs little (deflate gives gigabytes a second on the XML of a
workbook) and the memory is one megabyte, so a bomb is refused in seconds
whatever it holds.  A refusal is a :class:`~puskesos.errors.UserError` of the
caller's kind whose message says what is wrong with the file and, in the
caller's words (``advice``), what to do.
"""

from __future__ import annotations

import copy
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..errors import UserError
from ..i18n import _

MB = 1 << 20
GB = 1 << 30
_READ = 1 << 20                      # compressed bytes read at a time
_OUT = 4 << 20                       # bytes decompressed at a time


@dataclass(frozen=True)
class ZipLimits:
    """What a zip may hold: at most ``members`` members, none larger than
    ``member_bytes`` nor all together than ``total_bytes`` uncompressed, and no
    member above ``ratio_floor`` bytes compressed more than ``ratio`` times
    (small members, like an empty sheet's few lines, compress well by nature)."""

    member_bytes: int
    total_bytes: int
    ratio: float
    ratio_floor: int = 4 * MB
    members: int = 10_000


#: a workbook (.xlsx, .xlsm, .ods): the XML of a million-row sheet is about 1 GB,
#: and compresses 5-30 times; a bomb compresses hundreds of times
SPREADSHEET = ZipLimits(member_bytes=4 * GB, total_bytes=6 * GB, ratio=200)
#: a backup: one SQLite database and its manifest; a database compresses a few times
BACKUP = ZipLimits(member_bytes=16 * GB, total_bytes=16 * GB, ratio=300, members=16)


class _Refused(Exception):
    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def human_size(n: int) -> str:
    """A byte count as people read it (MB below a gigabyte, GB above)."""
    return f"{n / GB:.1f} GB" if n >= GB else f"{max(n / MB, 0.1):.1f} MB"


def _check_declared(infos: list[zipfile.ZipInfo], limits: ZipLimits) -> None:
    if len(infos) > limits.members:
        raise _Refused(_("it holds {n} parts, more than the {limit} such a file can have")
                       .format(n=len(infos), limit=limits.members))
    total = 0
    for info in infos:
        if info.file_size > limits.member_bytes:
            raise _Refused(_("its part {member} would unpack to {size}, more than the limit "
                             "of {limit}").format(member=info.filename,
                                                  size=human_size(info.file_size),
                                                  limit=human_size(limits.member_bytes)))
        total += info.file_size
        if total > limits.total_bytes:
            raise _Refused(_("its contents would unpack to more than {limit}")
                           .format(limit=human_size(limits.total_bytes)))
        if (info.file_size > limits.ratio_floor
                and info.file_size > limits.ratio * max(info.compress_size, 1)):
            raise _Refused(_("its part {member} is packed {ratio:.0f} times smaller than it "
                             "unpacks ({size} from {packed}); no program that makes "
                             "such files packs that tightly, so it is a file made to exhaust "
                             "the computer's memory").format(
                                 member=info.filename,
                                 ratio=info.file_size / max(info.compress_size, 1),
                                 size=human_size(info.file_size),
                                 packed=human_size(info.compress_size)))


def _lie(info: zipfile.ZipInfo) -> _Refused:
    return _Refused(_("its part {member} says it holds {size} but unpacks to more: the file "
                      "was made to mislead the programs that read it").format(
                          member=info.filename, size=human_size(info.file_size)))


def _check_actual(z: zipfile.ZipFile, raw, info: zipfile.ZipInfo, limits: ZipLimits) -> None:
    """Decompress ``info`` a few megabytes at a time and throw the bytes away; refuse it
    once it gives more than it declared.  A member whose data is damaged is left to the
    reader: it fails there after no more bytes than were counted here (a damaged
    thumbnail nobody reads stops nothing)."""
    if info.compress_type == zipfile.ZIP_STORED:
        if info.compress_size > info.file_size:
            raise _lie(info)
        return
    if info.compress_type != zipfile.ZIP_DEFLATED:
        _check_other(z, info, limits)
        return
    raw.seek(info.header_offset)
    header = raw.read(30)
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        return
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    raw.seek(info.header_offset + 30 + name_length + extra_length)
    inflate = zlib.decompressobj(-15)
    left, done = info.compress_size, 0
    try:
        while left > 0 and not inflate.eof:
            data = raw.read(min(left, _READ))
            if not data:
                return
            left -= len(data)
            while data:
                done += len(inflate.decompress(data, _OUT))
                if done > info.file_size:
                    raise _lie(info)
                data = inflate.unconsumed_tail
    except zlib.error:
        return


def _check_other(z: zipfile.ZipFile, info: zipfile.ZipInfo, limits: ZipLimits) -> None:
    """:func:`_check_actual` for the rarer methods (bzip2, lzma), through zipfile."""
    probe = copy.copy(info)
    probe.file_size = limits.member_bytes + 1
    done = 0
    try:
        with z.open(probe) as stream:
            while chunk := stream.read(_OUT):
                done += len(chunk)
                if done > info.file_size:
                    raise _lie(info)
    except NotImplementedError:
        raise _Refused(_("its part {member} is packed in a way this program cannot check")
                       .format(member=info.filename)) from None
    except (zipfile.BadZipFile, EOFError, zlib.error, OSError):
        return


def check_zip(source: Path | str | BinaryIO, limits: ZipLimits, *, advice: str,
              error: type[UserError] = UserError, name: str | None = None) -> None:
    """Refuse the zip at ``source`` when it breaks ``limits``, with an ``error`` whose
    message names the file, says what is wrong and ends with ``advice`` (what the
    user should do).  Reads the file once, in bounded memory.  A file that is not a
    readable zip at all is left to its reader, which says so in its own words.

    ``source`` is a path, or a seekable binary file already open (an exchange
    bundle's zip, decrypted in memory), which is left open; ``name`` is the file's
    name in the message (by default the path's)."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            with path.open("rb") as raw:
                _check_open(raw, limits, advice=advice, error=error, name=name or path.name)
        except OSError:
            return
        return
    _check_open(source, limits, advice=advice, error=error, name=name or "")


def _check_open(raw: BinaryIO, limits: ZipLimits, *, advice: str,
                error: type[UserError], name: str) -> None:
    try:
        with zipfile.ZipFile(raw) as z:
            # (not ZipInfo.is_dir, which fails on an empty name)
            infos = [i for i in z.infolist() if not i.filename.endswith("/")]
            _check_declared(infos, limits)
            for info in infos:
                if info.flag_bits & 0x1:
                    continue        # encrypted: nothing reads it, the reader says so
                _check_actual(z, raw, info, limits)
    except _Refused as exc:
        raise error(_("The file {name} was not opened: {problem}. {advice}").format(
            name=name, problem=exc.problem, advice=advice)) from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error, ValueError,
            RuntimeError, OSError):
        return
