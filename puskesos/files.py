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
import re
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


def owner_only(path: Path | str) -> None:
    """Make ``path`` readable and writable by its owner only (where the system allows:
    on Windows the folder's permissions apply)."""
    try:
        os.chmod(path, 0o600)
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


# --- leftovers of a killed backup or restore ---------------------------------------------

#: what a backup, a restore or a safety copy writes while it works: the zip and its
#: database copy (``b.zip.part``, ``b.zip.db.part``, with the copy's own ``.part`` and
#: journal), a safety copy (``before-restore-….sqlite.part``)
_LEFTOVER = re.compile(r".+\.(zip|sqlite)(\.db)?\.part(\.part)?(-journal|-wal|-shm|\.keys)?")
#: the folder a restore extracts the backup into (tempfile's prefix)
RESTORE_PREFIX = ".restore-"
#: a process at work in a folder says so with this file, followed by its process id
_BUSY = ".puskesos-busy-"


def process_alive(pid: int) -> bool:
    """Whether the process ``pid`` is running (when unsure: yes)."""
    if pid == os.getpid():
        return True
    if os.name == "nt":
        import ctypes
        kernel = ctypes.windll.kernel32                         # type: ignore[attr-defined]
        handle = kernel.OpenProcess(0x1000, False, pid)        # query limited information
        if not handle:
            return False
        try:
            code = ctypes.c_ulong()
            kernel.GetExitCodeProcess(handle, ctypes.byref(code))
            return code.value == 259                            # STILL_ACTIVE
        finally:
            kernel.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True                                  # someone else's process
    return True


@contextmanager
def working_in(*folders: Path | str) -> Iterator[None]:
    """Mark ``folders`` as holding this process's unfinished files (a backup or a
    restore at work), so that another start of the program leaves them alone."""
    marks = []
    for folder in folders:
        mark = Path(folder) / f"{_BUSY}{os.getpid()}"
        try:
            mark.touch()
            marks.append(mark)
        except OSError:
            pass                      # a folder we cannot write is written by nobody
    try:
        yield
    finally:
        for mark in marks:
            remove_quietly(mark)


def remove_leftovers(*folders: Path | str, zips: bool = True) -> list[Path]:
    """Remove what a killed backup or restore left in ``folders`` (its ``.part``
    files and the restore's temporary folder), unless a running process is at work
    there (:func:`working_in`).  Without ``zips``, a ``NAME.zip.part`` is left alone
    (a web browser names a download in progress so).  Returns what was removed;
    never fails."""
    import shutil
    removed: list[Path] = []
    for folder in map(Path, folders):
        try:
            entries = list(folder.iterdir())
        except OSError:
            continue
        marks = [e for e in entries if e.name.startswith(_BUSY)]
        pids = [int(m.name[len(_BUSY):]) for m in marks if m.name[len(_BUSY):].isdigit()]
        if any(process_alive(pid) for pid in pids):
            continue
        for entry in entries:
            try:
                if entry in marks:
                    entry.unlink()
                elif entry.name.startswith(RESTORE_PREFIX) and entry.is_dir():
                    shutil.rmtree(entry)
                    removed.append(entry)
                elif ((match := _LEFTOVER.fullmatch(entry.name)) and entry.is_file()
                      and (zips or match.group(1) == "sqlite")):
                    entry.unlink()
                    removed.append(entry)
            except OSError:
                pass
    return removed
