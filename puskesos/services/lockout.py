"""The wrong-password count and lock of each account, kept outside the database too.

The ``app_user`` row holds the count and the lock, but anyone who can write the
database file can clear them with one ``UPDATE``.  So :class:`LockoutFile` keeps
the same state in a small file in the user's data folder, written atomically
(``files.write_bytes``), keyed by the database's identity and the user name.
:class:`~puskesos.services.auth.AuthService` honours the later lock and the
higher count of the two, and writes both; the window and the command line both
log in through it, so they share one lockout.

:meth:`LockoutFile.held` takes an exclusive lock of the operating system on a
file beside it while one login attempt is checked, so attempts on this computer
are taken one at a time: guesses made in parallel cannot outrun the lock, and
no database write lock is needed for that (a command still runs while another
program writes).

A database has two identities here: where it is (the file or the server) and,
once set up, the village it holds.  A state is written under both and read from
both, so copying the file elsewhere or restoring it from a backup does not lift
a lock either.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from ..files import write_bytes

log = logging.getLogger(__name__)

#: the file's name in the data folder
FILE_NAME = "lockout.json"


@dataclass(frozen=True)
class LockState:
    """Wrong passwords in a row, and until when the account is locked."""

    failed: int = 0
    locked_until: datetime | None = None


#: wrong passwords in a row that lock an account, and for how long (window and
#: command line alike, before or after an encrypted file is opened)
MAX_FAILED_ATTEMPTS = 5
LOCK_MINUTES = 15


def after_wrong_password(failed_before: int, at: datetime,
                         locked_until: datetime | None = None) -> LockState:
    """The count and lock after one more wrong password: the fifth in a row locks the
    account for 15 minutes and starts the count again (the one rule, kept here)."""
    failed = failed_before + 1
    if failed >= MAX_FAILED_ATTEMPTS:
        return LockState(0, at + timedelta(minutes=LOCK_MINUTES))
    return LockState(failed, locked_until)


def _key(identity: str, username: str) -> str:
    # hashed: the file names no user and no database in clear
    return hashlib.sha256(f"{identity}\0{username}".encode()).hexdigest()


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None or b is None:
        return a or b
    return max(a, b)


class LockoutFile:
    """The lock states of the accounts of every database used on this computer."""

    def __init__(self, path: Path):
        self.path = Path(path)

    @contextmanager
    def held(self) -> Iterator[None]:
        """One login attempt at a time on this computer (an exclusive lock of the
        operating system on ``lockout.lock``, released when the block ends or the
        process dies)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.stem + ".lock"), "a+b") as fh:
            if os.name == "nt":
                import msvcrt
                fh.seek(0)
                while True:
                    try:  # LK_LOCK tries for ten seconds, then raises: try again
                        msvcrt.locking(fh.fileno(), msvcrt.LK_LOCK, 1)
                        break
                    except OSError:
                        continue
                try:
                    yield
                finally:
                    fh.seek(0)
                    msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
            else:
                import fcntl
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def _load(self) -> dict[str, dict]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("lockout file %s unreadable (%s); starting a new one", self.path, exc)
            return {}
        return data if isinstance(data, dict) else {}

    def state(self, identities: list[str], username: str) -> LockState:
        """The state recorded for ``username`` under any of the database's identities:
        the highest count and the latest lock."""
        data = self._load()
        failed, until = 0, None
        for identity in identities:
            entry = data.get(_key(identity, username))
            if not isinstance(entry, dict):
                continue
            failed = max(failed, int(entry.get("failed") or 0))
            try:
                stamp = entry.get("locked_until")
                until = _later(until, datetime.fromisoformat(stamp) if stamp else None)
            except (TypeError, ValueError):
                continue
        return LockState(failed, until)

    def failed_before_open(self, identities: list[str], username: str,
                           at: datetime) -> LockState:
        """A wrong password that could not even open the (encrypted) database: the
        count and the lock are kept here alone, and the attempt is remembered for the
        audit trail, which the next login writes (:meth:`take_attempts`)."""
        kept = self.state(identities, username)
        state = after_wrong_password(kept.failed, at, kept.locked_until)
        failed, until = state.failed, state.locked_until
        self.record(identities, username, state)
        data = self._load()
        key = _key(identities[0], username)
        entry = data.setdefault(key, {"failed": 0, "locked_until": None})
        entry.setdefault("attempts", []).append(
            {"at": at.isoformat(), "locked": failed == 0})
        self._save(data)
        return LockState(failed, until)

    def take_attempts(self, identities: list[str], username: str) -> list[dict]:
        """The wrong passwords remembered for ``username`` (and forget them)."""
        data = self._load()
        found: list[dict] = []
        for identity in identities:
            entry = data.get(_key(identity, username))
            if isinstance(entry, dict) and entry.get("attempts"):
                found += [a for a in entry.pop("attempts") if isinstance(a, dict)]
                if not entry.get("failed") and not entry.get("locked_until"):
                    data.pop(_key(identity, username))
        if found:
            self._save(data)
        return found

    def _save(self, data: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(self.path, json.dumps(data, indent=1, sort_keys=True).encode())

    def record(self, identities: list[str], username: str, state: LockState) -> None:
        """Keep ``state`` for ``username`` under every identity of the database (a
        state with nothing to remember removes the entries)."""
        data = self._load()
        before = json.dumps(data, sort_keys=True)
        for identity in identities:
            key = _key(identity, username)
            attempts = (data.get(key) or {}).get("attempts") if isinstance(
                data.get(key), dict) else None
            if state.failed or state.locked_until or attempts:
                data[key] = {"failed": state.failed,
                             "locked_until": state.locked_until.isoformat()
                             if state.locked_until else None}
                if attempts:
                    data[key]["attempts"] = attempts
            else:
                data.pop(key, None)
        if json.dumps(data, sort_keys=True) == before:
            return
        self._save(data)
