"""Writing files so that nobody ever finds half of one: :func:`atomic_file`.

Every file the program writes for the user (a PDF, a spreadsheet, a report,
a backup, a safety copy) is first written beside its destination as
``NAME.part``, flushed to the disk, and only then renamed over the
destination; on any failure the ``.part`` is removed and the destination is
untouched.  A disk error becomes a :class:`~puskesos.errors.UserError` that
says what to do (:class:`~puskesos.errors.DiskFull` for a full disk).

    with atomic_file(path) as part:
        workbook.save(part)

A writer that must do something between writing and renaming (an export
records its audit event and renames in one transaction) uses
:class:`PartFile` directly: ``write`` the part, then ``publish`` or ``discard``.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import DiskFull, UserError
from .i18n import _

#: errors that mean "no room": a full disk, a file too large for the drive, a quota
_NO_SPACE = frozenset({errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)})
#: files SQLite may leave beside a database being written
_SQLITE_SIDE_FILES = ("-journal", "-wal", "-shm")


def is_no_space(exc: OSError) -> bool:
    """Whether ``exc`` says the disk (or the user's quota) is full."""
    return exc.errno in _NO_SPACE


def file_error(exc: OSError, path: Path | str) -> UserError:
    """The message for a file that could not be written: what happened, what to do."""
    if is_no_space(exc):
        return DiskFull(_("There is not enough space on the disk for {path}. Free some space "
                          "or choose another drive; no file was written.").format(path=path))
    return UserError(_("{path} could not be written ({error}). Check that the folder exists "
                       "and is not read-only and that the file is not open in another "
                       "program, or choose another folder.").format(
                           path=path, error=exc.strerror or exc))


def safe_name(*parts: str | None) -> str:
    """A file name made of ``parts`` (empty ones left out) joined with '-', holding only
    letters, digits, '.', '_' and '-' so that every file system and e-mail takes it:
    ``safe_name("verval", "2026/S2", "Krajan Lor")`` is ``verval-2026-S2-Krajan-Lor``."""
    words = []
    for part in parts:
        if not part:
            continue
        word = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._") else "-"
                       for ch in str(part).strip())
        word = "-".join(w for w in word.split("-") if w)
        if word:
            words.append(word)
    return "-".join(words)


def part_path(path: Path | str) -> Path:
    """Where ``path`` is written before it is complete."""
    path = Path(path)
    return path.with_name(path.name + ".part")


def remove_quietly(path: Path | str, *, sqlite: bool = False) -> None:
    """Remove ``path`` if it is there (with ``sqlite``, its journal files too)."""
    for suffix in ("", *(_SQLITE_SIDE_FILES if sqlite else ())):
        try:
            Path(f"{path}{suffix}").unlink()
        except OSError:
            pass


def sync_file(path: Path | str) -> None:
    """Make sure what was written to ``path`` is on the disk."""
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


class PartFile:
    """``path`` being written as ``path.part``: :meth:`publish` renames it into place,
    :meth:`discard` removes it.  A failure is raised as the ``OSError`` it is, for
    the caller to word (:func:`file_error`, or a message of its own)."""

    def __init__(self, path: Path | str, *, sqlite: bool = False) -> None:
        self.path = Path(path)
        self.part = part_path(self.path)
        self._sqlite = sqlite

    def publish(self) -> Path:
        """Flush the part to the disk and rename it over the destination (on failure
        the part is removed and the destination is as it was)."""
        try:
            sync_file(self.part)
            os.replace(self.part, self.path)
        except BaseException:
            self.discard()
            raise
        return self.path

    def discard(self) -> None:
        """Remove the part (nothing is left behind)."""
        remove_quietly(self.part, sqlite=self._sqlite)


@contextmanager
def atomic_file(path: Path | str, *, sqlite: bool = False) -> Iterator[Path]:
    """Give the ``.part`` path to write; when the block ends normally, the part is
    flushed and renamed over ``path``; on any error it is removed and an
    ``OSError`` becomes a :func:`file_error`.  ``sqlite``: the part is an SQLite
    database (its journal files are removed too)."""
    target = PartFile(path, sqlite=sqlite)
    try:
        yield target.part
        target.publish()
    except OSError as exc:
        target.discard()
        raise file_error(exc, target.path) from exc
    except BaseException:
        target.discard()
        raise


def write_bytes(path: Path | str, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_file`)."""
    with atomic_file(path) as part:
        with open(part, "wb") as fh:
            fh.write(data)
    return Path(path)
