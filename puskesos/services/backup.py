"""Backups a user can trust: one file with a checksum, the schema version and counts.

A backup is a zip holding ``manifest.json`` and a consistent snapshot of the
SQLite database (taken with SQLite's online backup API, so the program may
stay open).  It is written beside its destination as ``.part`` and renamed
only when complete and verified: a full disk leaves no half backup.
Restoring checks the checksum and the database's integrity first, keeps a
copy of the current database, and accepts a backup of any older schema (it
is upgraded on open) but refuses one from a newer program.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import text

from .. import __version__
from ..db.engine import Database, data_key_for, is_encrypted, sqlite_driver, sqlite_errors
from ..db.keys import KEYRING, KeyFile, key_id
from ..db.migrate import (head_revision, known_revisions, local_backup_dir, read_only,
                          snapshot_sqlite, sqlite_path)
from ..errors import (AuthenticationFailed, DatabaseTooNew, DatabaseUnavailable, DiskFull,
                      InvalidInput, NotFound, UserError)
from ..formats.zipguard import BACKUP, check_zip
from ..files import (RESTORE_PREFIX, is_no_space, owner_only, part_path, remove_quietly,
                     sync_file, working_in)
from ..i18n import _
from ..jobs import CancelToken, Progress
from ..models import Setting, utcnow
from . import audit
from .audit import Change
from .context import Actor
from .settings import SettingsService

FORMAT = "puskesos-backup"
FORMAT_VERSION = 1
DB_NAME = "puskesos.sqlite"
#: the key file of an encrypted database, beside it in the zip (wrapped keys only)
KEYS_NAME = DB_NAME + ".keys"
LAST_BACKUP_KEY = "last_backup"
#: how many busy timeouts the note of a finished backup waits for another writer
RECORD_WAIT = 6


class BackupNotRecorded(UserError):
    """The backup file is complete, but the database could not note it."""


@dataclass(frozen=True)
class BackupInfo:
    path: str
    created_at: str
    schema_revision: str
    program_version: str
    village_code: str
    sha256: str
    size: int
    counts: dict


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _disk_error(exc: OSError) -> UserError:
    if is_no_space(exc):
        return DiskFull(_("There is not enough space on the disk for the backup. Free some "
                          "space or choose another drive; the database was not changed."))
    return UserError(_("The backup could not be written ({error}). Choose another folder; "
                       "the database was not changed.").format(error=exc.strerror or exc))


def _zip_file(zf: zipfile.ZipFile, path: Path, name: str, progress: Progress | None,
              cancel: CancelToken | None, chunk: int = 4 << 20, *,
              compress: bool = True) -> None:
    """Add the file ``path`` to ``zf`` as ``name`` a chunk at a time (progress, cancel);
    without ``compress`` stored as it is (an encrypted file does not compress)."""
    total = path.stat().st_size
    done = 0
    info = zipfile.ZipInfo.from_file(path, name)
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with path.open("rb") as source, zf.open(info, "w") as target:
        while data := source.read(chunk):
            if cancel is not None:
                cancel.raise_if_cancelled()
            target.write(data)
            done += len(data)
            if progress is not None:
                progress.report(done, total, _("Compressing the backup…"))


def _sqlite_counts(path: Path, key: bytes | None = None) -> dict:
    con = read_only(path, key)
    try:
        out = {}
        for table in ("household", "member", "audit_event"):
            try:
                out[table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            except sqlite_errors():
                out[table] = None
        return out
    finally:
        con.close()


def _integrity(path: Path, key: bytes | None = None) -> str:
    con = read_only(path, key)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0]
    except (*sqlite_errors(), MemoryError) as exc:   # not a database, or a page fails its check
        return str(exc) or "page check failed"
    finally:
        con.close()


def _revision(path: Path, key: bytes | None = None) -> str | None:
    con = read_only(path, key)
    try:
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
        return row[0] if row else None
    except sqlite_errors():
        return None
    finally:
        con.close()


def default_backup_name(village_code: str = "") -> str:
    """The file name of a new backup: village code and time, no personal data."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    code = village_code.replace(".", "") or "desa"
    return f"puskesos-{code}-{stamp}.backup.zip"


#: the audit actor of a restore into a new file or over a damaged one (no login)
NO_LOGIN_ACTOR = "no-login"


class BackupService:
    def __init__(self, db: Database, *, settings: SettingsService):
        self._db = db
        self._settings = settings

    def _db_file(self) -> Path:
        path = sqlite_path(self._db.engine)
        if path is None:
            raise UserError(_("Backups of a PostgreSQL database are made on the server with "
                              "pg_dump; this command works on the village's SQLite file."))
        return path

    def backup(self, *, actor: Actor, out: Path | None = None,
               progress: Progress | None = None, cancel: CancelToken | None = None
               ) -> BackupInfo:
        """Write a backup file (a zip of a consistent copy of the database and its
        manifest) to ``out`` (a file or a folder; default: backup/ beside the
        database).  Cancelled or failed, it leaves nothing behind and the database
        as it was."""
        from ..core.permissions import Permission
        from .context import require
        require(actor, Permission.BACKUP)
        source = self._db_file()
        village = self._settings.village().code
        if out is None:
            out = local_backup_dir(source) / default_backup_name(village)
        out = Path(out)
        if out.is_dir() or out.suffix.lower() != ".zip":
            # a folder (only a name ending in .zip is taken as the file): made when
            # missing, never a file named like it
            try:
                out.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise NotFound(_("Folder {path} cannot be made ({error}). Check that the "
                                 "drive is connected, or choose another location.").format(
                                     path=out, error=exc.strerror or exc)) from exc
            out = out / default_backup_name(village)
        if not out.parent.is_dir():
            raise NotFound(_("Folder {path} does not exist. Create it first or choose "
                             "another location.").format(path=out.parent))
        snapshot = out.with_name(out.name + ".db.part")
        part = part_path(out)
        # an encrypted database gives an encrypted copy (its parts too) and its key file
        key = self._db.data_key if is_encrypted(source) else None
        with working_in(out.parent):    # its parts are not leftovers to a new start
            try:
                snapshot_sqlite(source, snapshot, progress=progress, cancel=cancel, key=key)
                if _integrity(snapshot, key) != "ok":
                    raise DatabaseUnavailable(_("The database is damaged, so no backup was made. "
                                                "Run 'puskesos db check' and contact support."))
                manifest = {
                    "format": FORMAT, "format_version": FORMAT_VERSION,
                    "program_version": __version__,
                    "schema_revision": _revision(snapshot, key),
                    "created_at": utcnow().isoformat(), "village_code": village,
                    "database": DB_NAME, "sha256": _sha256(snapshot),
                    "size": snapshot.stat().st_size, "counts": _sqlite_counts(snapshot, key),
                    "encrypted": key is not None,
                    "key_id": key_id(key) if key is not None else None,
                }
                with zipfile.ZipFile(part, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                    zf.writestr("manifest.json", json.dumps(manifest, indent=2))
                    if key is not None:
                        zf.write(KeyFile.beside(source).path, KEYS_NAME)
                    _zip_file(zf, snapshot, DB_NAME, progress, cancel,
                              compress=key is None)
                if cancel is not None:
                    cancel.raise_if_cancelled()
                sync_file(part)
                owner_only(part)          # personal data: its owner's alone
                part.replace(out)
            except OSError as exc:
                raise _disk_error(exc) from exc
            except sqlite_errors() as exc:
                from ..db.engine import translate_db_error
                known = translate_db_error(exc, str(source))
                if known is None:
                    raise    # not the user's world: a bug, logged with its details
                if not isinstance(known, DiskFull):
                    raise known from exc  # damaged or locked database, said as such
                # SQLite reports a full disk as "database or disk is full" and a
                # drive that refuses to grow the file as "disk I/O error".
                raise DiskFull(_("The backup could not be written: the disk is full or the drive "
                                 "failed. Free some space or choose another drive; the database "
                                 "was not changed.")) from exc
            finally:
                remove_quietly(snapshot, sqlite=True)
                remove_quietly(part)
        info = BackupInfo(str(out), manifest["created_at"], manifest["schema_revision"],
                          __version__, village, manifest["sha256"], manifest["size"],
                          manifest["counts"])
        self._record(actor, info, out.name)
        return info

    def _record(self, actor: Actor, info: BackupInfo, name: str) -> None:
        """Note the backup (the "last backup" setting and its audit event).  Another
        program writing keeps the database busy: the note waits for it up to
        :data:`RECORD_WAIT` times the busy timeout, then says that it could not be
        made, never leaving "last backup" stale without a word."""
        from ..db.engine import busy_timeout_ms
        start = time.monotonic()
        deadline = start + RECORD_WAIT * busy_timeout_ms() / 1000
        while True:
            try:
                with self._db.write() as s:
                    row = s.get(Setting, LAST_BACKUP_KEY)
                    value = {"at": info.created_at, "path": info.path}
                    if row is None:
                        s.add(Setting(key=LAST_BACKUP_KEY, value=value))
                    else:
                        row.value = value
                    audit.append(s, actor, "backup", [Change("database", None, None, None,
                                                             name)])
                return
            except DatabaseUnavailable as exc:
                if time.monotonic() < deadline:
                    time.sleep(0.2)  # busy: each try waits the busy timeout again
                    continue
                busy = "locked" in str(exc.__cause__).lower()
                reason = (_("another program or window kept it busy for {n} seconds").format(
                    n=round(time.monotonic() - start)) if busy else exc.message.rstrip("."))
                raise BackupNotRecorded(_(
                    "The backup was saved to {path} and is complete, but it could not be "
                    "noted in the database ({reason}), so the program still shows the "
                    "previous backup as the last one. When the other program or window has "
                    "finished, make the backup again.").format(
                        path=info.path, reason=reason)) from exc

    def record_restore(self, *, actor: Actor | None, manifest: dict, source: str) -> None:
        """Write into the restored database's audit trail that it was restored: from
        which file, of which moment, by whom (a restore replaces the whole history
        after the backup, so the trail says so).  ``actor`` None: nobody logged in,
        as the restore went into a new file or over a damaged one (no user could be
        read); the trail names it ``NO_LOGIN_ACTOR``."""
        from ..core.permissions import Permission
        from .context import require
        if actor is not None:
            require(actor, Permission.BACKUP)
        with self._db.write() as s:
            audit.append(s, actor or NO_LOGIN_ACTOR, "restore", [Change(
                "database", None, "restored_from", None,
                f"{Path(source).name} ({manifest.get('created_at') or '-'}, sha256 "
                f"{str(manifest.get('sha256') or '-')[:16]})")],
                manifest.get("kept") and f"previous database kept as {Path(manifest['kept']).name}")

    def last_backup(self) -> dict | None:
        """When and where the last backup was made (None: never)."""
        with self._db.read() as s:
            row = s.get(Setting, LAST_BACKUP_KEY)
            return row.value if row else None


def _not_a_backup(path: Path) -> InvalidInput:
    return InvalidInput(_("{path} is not a Puskesos backup file (or it is damaged).")
                        .format(path=path))


def _damaged_backup(path: Path) -> InvalidInput:
    """A zip file that cannot be read to its end: the backup file is damaged (a copy
    cut off, a failing stick), not the database in use."""
    return InvalidInput(_("The backup file {path} is damaged: it is incomplete or part of "
                          "it cannot be read (for example a copy that was cut off). Use "
                          "another backup; the database in use was not changed.")
                        .format(path=path))


def _damaged_inside(path: Path) -> InvalidInput:
    return InvalidInput(_("The database inside the backup {path} is damaged. Use another "
                          "backup.").format(path=path))


def _looks_like_zip(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def _check_inside(path: Path, target: Path, key: bytes | None = None) -> None:
    """Refuse an extracted database that SQLite cannot read, that fails its integrity
    check or that holds no village: each is said to be the backup's fault (before,
    SQLite's "file is not a database" here was taken for the database in use)."""
    try:
        if _integrity(target, key) != "ok":
            raise _damaged_inside(path)
        con = read_only(target, key)
        try:
            ours = con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
                               "name = 'household'").fetchone()
        finally:
            con.close()
    except sqlite_errors():
        raise _damaged_inside(path) from None
    if ours is None:
        raise _not_a_backup(path)


def read_backup(path: Path, workdir: Path, *, unlock=None) -> tuple[dict, Path]:
    """Check a backup file and extract its database into ``workdir``.

    Every way the file can be bad is said to be the backup's: not a backup, a
    damaged zip, a checksum that does not match, a damaged database inside.
    The zip is checked against :data:`~puskesos.formats.zipguard.BACKUP` first
    (a small file that unpacks to gigabytes is refused before a byte is written),
    and the database is extracted only when the disk has room for it.

    An encrypted backup's key file is extracted beside it, and ``unlock(key_file)``
    gives its data key (see :func:`restore`); the key is then in ``manifest["key"]``
    (never written anywhere).
    """
    path = Path(path)
    if not path.exists():
        raise NotFound(_("Backup file {path} does not exist.").format(path=path))
    if not path.is_file() or not zipfile.is_zipfile(path):
        if path.is_file() and _looks_like_zip(path):
            raise _damaged_backup(path)
        raise _not_a_backup(path)
    check_zip(path, BACKUP, error=InvalidInput, advice=_(
        "It is not a backup made by Puskesos, or it was damaged; nothing was changed. "
        "Restore another backup."))
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise _damaged_backup(path) from None
    with zf:
        try:
            manifest = json.loads(zf.read("manifest.json"))
            if not (isinstance(manifest, dict) and manifest.get("format") == FORMAT
                    and isinstance(manifest.get("database"), str)
                    and isinstance(manifest.get("format_version", 0), int)
                    and isinstance(manifest.get("size", 0), int)):
                raise ValueError("not a manifest")
            member = zf.getinfo(manifest["database"])
        except (KeyError, ValueError, TypeError):
            raise _not_a_backup(path) from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
            raise _damaged_backup(path) from None
        if manifest.get("format_version", 0) > FORMAT_VERSION:
            raise DatabaseTooNew(_("This backup was made by a newer version of Puskesos. "
                                   "Install the newest version of the program to restore it."))
        target = workdir / DB_NAME
        if member.file_size != manifest.get("size", member.file_size):
            raise InvalidInput(_("The backup {path} is damaged: its database is not the size "
                                 "its manifest says. Use another backup.").format(path=path))
        free = shutil.disk_usage(workdir).free
        if member.file_size * 2 + (64 << 20) > free:
            # the extracted copy and the safety copy of the current database
            raise DiskFull(_("There is not enough space on the disk to restore this backup "
                             "({need} MB needed, {free} MB free). Free some space; nothing "
                             "was changed.").format(need=(member.file_size * 2) >> 20,
                                                    free=free >> 20))
        try:
            if manifest.get("encrypted"):
                KeyFile.beside(target).path.write_bytes(zf.read(KEYS_NAME))
            with zf.open(member) as src, target.open("wb") as dst:
                for block in iter(lambda: src.read(1 << 20), b""):
                    dst.write(block)
        except OSError as exc:
            if is_no_space(exc):
                raise _disk_error(exc) from exc
            raise _damaged_backup(path) from None
        except (KeyError, TypeError):
            raise _not_a_backup(path) from None
        except (zipfile.BadZipFile, zlib.error, EOFError):
            raise _damaged_backup(path) from None
    if _sha256(target) != manifest.get("sha256"):
        raise InvalidInput(_("The backup {path} is damaged: its checksum does not match. Use "
                             "another backup.").format(path=path))
    key = None
    if manifest.get("encrypted"):
        keys = KeyFile.beside(target)
        if keys.key_id != manifest.get("key_id"):
            raise _damaged_backup(path)
        # a backup of a file this process opened opens with the key it holds
        key = KEYRING.find(keys.key_id)
        if key is None and unlock is None:
            raise InvalidInput(_("The backup {path} is encrypted; log in to restore it.")
                               .format(path=path))
        if key is None:
            key = unlock(keys)
        KEYRING.remember(target, key)         # this process may read the copy meanwhile
    manifest["key"] = key
    _check_inside(path, target, key)
    revision = _revision(target, key)
    if revision is not None and revision not in known_revisions():
        raise DatabaseTooNew(_("This backup was made by a newer version of Puskesos. "
                               "Install the newest version of the program to restore it."))
    return manifest, target


def restore(backup_file: Path, database: Path, *, keep_dir: Path | None = None,
            credentials: tuple[str, str] | None = None,
            recovery_key: str | None = None) -> dict:
    """Replace ``database`` with the backup's copy; the current file is kept first.

    Safe while the program has the database open (see :func:`_copy_into`).  An
    encrypted backup is opened with the key this process holds for ``database``
    when it is the same key (a backup of this village's file), else with the
    ``credentials`` (user name, password) of one of the backup's users, or its
    ``recovery_key``; the backup's key file then comes along.
    Returns the backup's manifest with ``kept`` (where the old file went).
    """
    database = Path(database)
    if not database.parent.is_dir():
        raise NotFound(_("Folder {path} does not exist. Create it first or choose "
                         "another location.").format(path=database.parent))

    def unlock(keys: KeyFile) -> bytes:
        held = data_key_for(database)
        if held is not None and key_id(held) == keys.key_id:
            return held
        held = KEYRING.find(keys.key_id)       # a backup of another file opened here
        if held is not None:
            return held
        if recovery_key:
            return keys.unlock_recovery(recovery_key)
        if credentials is not None:
            try:
                return keys.unlock(*credentials).data_key
            except AuthenticationFailed:
                pass
        if credentials is None:
            raise AuthenticationFailed(
                _("This backup is encrypted: it opens with the user name and password of one "
                  "of its users (--user NAME, password from PUSKESOS_PASSWORD or asked) or "
                  "with its recovery key (--recovery-key). Nothing was changed."))
        raise AuthenticationFailed(
            _("This backup is encrypted with another key than the database in use: it "
              "opens with the password of one of its own users (the user logged in here "
              "was not one of them, or had another password then) or with its recovery "
              "key (--recovery-key). Nothing was changed."))

    # what it writes meanwhile is not a leftover to another start of the program
    with working_in(database.parent), \
            tempfile.TemporaryDirectory(dir=database.parent, prefix=RESTORE_PREFIX) as tmp:
        manifest, extracted = read_backup(Path(backup_file), Path(tmp), unlock=unlock)
        key = manifest.pop("key", None)
        kept = None
        if database.exists():
            folder = keep_dir or local_backup_dir(database)
            kept = folder / f"before-restore-{datetime.now():%Y%m%d-%H%M%S}.sqlite"
            with working_in(folder):
                try:
                    snapshot_sqlite(database, kept)
                    if is_encrypted(kept) and KeyFile.beside(database).exists():
                        shutil.copyfile(KeyFile.beside(database).path,
                                        KeyFile.beside(kept).path)
                except sqlite_errors():
                    shutil.copy2(database, kept)
        current = data_key_for(database) if is_encrypted(database) else None
        if key is None and current is not None:
            # a plain backup (an older version's) into an encrypted village: its copy is
            # encrypted with the village's key first, so the village stays encrypted
            from ..db.encrypt import encrypted_copy
            extracted = encrypted_copy(extracted, current)
            key = current
        _copy_into(extracted, database, key, current)
        if key is not None:
            KEYRING.remember(database, key)
    manifest["kept"] = str(kept) if kept else None
    return manifest


def _copy_into(source: Path, database: Path, source_key: bytes | None = None,
               database_key: bytes | None = None) -> None:
    """Put ``source``'s content into ``database``.

    A readable database under the same key (or both plain) is overwritten page by
    page with SQLite's backup API, which takes the database's lock and resets its
    WAL, so a program that has it open sees the restored data (or waits) instead
    of writing into a replaced file.  A file SQLite cannot read at all, or one
    under another key (a backup from another computer), is replaced, with the
    backup's key file.
    """
    from ..db.engine import busy_timeout_ms, connect_file
    driver = sqlite_driver()
    wait = busy_timeout_ms() / 1000
    source_key = source_key or (data_key_for(source) if is_encrypted(source) else None)
    database_key = database_key or (data_key_for(database) if is_encrypted(database)
                                    else None)
    damaged = source_key != database_key
    if not damaged:
        try:
            dst = connect_file(database, timeout=wait, key=database_key)
            try:
                dst.execute("SELECT count(*) FROM sqlite_master").fetchone()
                src = read_only(source, source_key)
                try:
                    # SQLite's backup retries for ever while another program holds the
                    # database's write lock: give up after the usual wait instead
                    started = time.monotonic()

                    def give_up_when_busy(status: int, _remaining: int, _total: int) -> None:
                        if status in (5, 6) and time.monotonic() - started > wait:
                            # SQLITE_BUSY, SQLITE_LOCKED
                            raise driver.OperationalError("database is locked")

                    src.backup(dst, pages=1024, progress=give_up_when_busy, sleep=0.05)
                finally:
                    src.close()
                dst.execute("PRAGMA journal_mode = WAL")
            finally:
                dst.close()
            return
        except driver.OperationalError as exc:
            if "locked" in str(exc).lower() or "busy" in str(exc).lower():
                raise DatabaseUnavailable(
                    _("The database is being used by another program or window. Close it "
                      "and try again; nothing was changed.")) from exc
            if "full" in str(exc).lower() or "i/o" in str(exc).lower():
                raise DiskFull(_("There is not enough space on the disk for the backup. "
                                 "Free some space or choose another drive; the database "
                                 "was not changed.")) from exc
            damaged = True
        except sqlite_errors():
            damaged = True
    if damaged:
        keys = KeyFile.beside(source)
        try:
            if keys.exists():
                shutil.copyfile(keys.path, part_path(KeyFile.beside(database).path))
            os.replace(source, database)
            if keys.exists():
                os.replace(part_path(KeyFile.beside(database).path),
                           KeyFile.beside(database).path)
        except OSError as exc:
            raise _disk_error(exc) from exc
        for suffix in ("-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)


def schema_status(db: Database) -> dict:
    """The database's schema revision and the one this program uses."""
    with db.read() as s:
        current = s.execute(text("SELECT version_num FROM alembic_version")).scalar()
    return {"schema_revision": current, "program_schema": head_revision()}
