"""Open a database: refuse a newer one, back up, then upgrade to the program's schema."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect
from sqlalchemy.exc import SQLAlchemyError

from .. import paths

from ..errors import DatabaseTooNew, DatabaseUnavailable
from ..files import PartFile, owner_only
from ..i18n import _
from .engine import (Database, connect_file, data_key_for, describe, is_encrypted, is_url,
                     open_engine, sqlite_errors, translate_db_error)
from .keys import KEYRING, KeyFile, new_data_key, new_recovery_key

if TYPE_CHECKING:       # alembic is imported only when a schema must be checked or changed
    from alembic.config import Config
    from alembic.script import ScriptDirectory

#: the newest schema revision in migrations/versions: a database at it opens without
#: loading alembic (tests/db/test_migrations.py holds it to alembic's head)
SCHEMA_HEAD = "0021"


def alembic_config() -> Config:
    from alembic.config import Config
    cfg = Config()
    cfg.set_main_option("script_location", str(paths.migrations_dir()))
    return cfg


def script_directory() -> ScriptDirectory:
    from alembic.script import ScriptDirectory
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = script_directory().get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None: no Puskesos schema yet)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def known_revisions() -> set[str]:
    return {rev.revision for rev in script_directory().walk_revisions()}


def sqlite_path(engine: Engine) -> Path | None:
    if engine.dialect.name != "sqlite" or not engine.url.database:
        return None
    return Path(engine.url.database)


def read_only(path: Path, key: bytes | None = None):
    """A read-only connection to a SQLite file whose path may hold '#', '?' or '%'
    (keyed with ``key``, or when this process holds its data key)."""
    return connect_file(path, read_only=True, key=key)


#: pages copied per step of a snapshot (between progress reports and cancel checks)
SNAPSHOT_PAGES = 1024


def snapshot_sqlite(source: Path, dest: Path, *, progress=None, cancel=None,
                    key: bytes | None = None) -> Path:
    """Consistent copy of a live SQLite database (the online backup API).

    Written to ``dest.part`` and renamed when complete; on failure nothing
    is left behind.  The copy of an encrypted database is encrypted with the same
    key (``key``, or the one this process holds for ``source``).  ``progress.report(done, total)`` hears the pages copied;
    ``cancel.raise_if_cancelled()`` may stop the copy between steps.
    """

    def step(_status: int, remaining: int, total: int) -> None:
        if cancel is not None:
            cancel.raise_if_cancelled()
        if progress is not None:
            progress.report(total - remaining, total)

    target = PartFile(dest, sqlite=True)
    try:
        if key is None and is_encrypted(source):
            key = data_key_for(source)
        src = read_only(source, key)
        try:
            out = connect_file(target.part, key=key)
            try:
                src.backup(out, pages=SNAPSHOT_PAGES, progress=step)
                # A copy is one self-contained file, not a WAL database.
                out.execute("PRAGMA journal_mode = DELETE")
            finally:
                out.close()
        finally:
            src.close()
    except BaseException:
        target.discard()
        raise
    owner_only(target.part)
    return target.publish()


def local_backup_dir(db_file: Path) -> Path:
    """Safety copies (before an upgrade or a restore) go beside the database."""
    folder = db_file.parent / "backup"
    folder.mkdir(exist_ok=True)
    return folder


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command
    cfg = alembic_config()
    is_sqlite = engine.dialect.name == "sqlite"
    with engine.execution_options(puskesos_write=True).connect() as conn:
        if is_sqlite:
            # Batch migrations copy tables; foreign keys are checked after.
            # (Outside any transaction, where SQLite honours this pragma.)
            conn.connection.dbapi_connection.execute("PRAGMA foreign_keys = OFF")
        with conn.begin():
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
            if is_sqlite:
                bad = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if bad:
                    raise DatabaseUnavailable(
                        _("The upgrade found {count} broken links between records and "
                          "was undone; nothing was changed. Contact support.")
                        .format(count=len(bad)))
        if is_sqlite:
            conn.connection.dbapi_connection.execute("PRAGMA foreign_keys = ON")


def open_database(target: str, *, create: bool = False,
                  backup_dir: Path | None = None) -> Database:
    """Open (or with ``create`` make) a database at the program's schema.

    An older schema is first backed up (SQLite) and then upgraded in one
    transaction; a schema newer than this program is refused.
    """
    location = describe(target)
    recovery_key = None
    if create and not is_url(target) and not Path(target).expanduser().exists():
        recovery_key = start_encrypted(Path(target).expanduser())
    engine = open_engine(target, must_exist=not create)
    try:
        current = current_revision(engine)
        if current == SCHEMA_HEAD:
            return Database(engine, location)    # the common case: nothing to check
        tables = set(inspect(engine).get_table_names())
    except SQLAlchemyError as exc:
        engine.dispose()
        raise (translate_db_error(exc, location) or DatabaseUnavailable(
            _("The database {path} cannot be opened: {error}").format(
                path=location, error=exc))) from exc
    head = head_revision()
    if current is None:
        if tables - {"alembic_version"}:
            engine.dispose()
            raise DatabaseUnavailable(
                _("{path} holds other tables and is not a Puskesos database. Choose "
                  "the right file.").format(path=location))
        if not create:
            engine.dispose()
            raise DatabaseUnavailable(
                _("{path} is empty: it is not a Puskesos village yet. Create one with "
                  "'puskesos init --village CODE'.").format(path=location))
    elif current not in known_revisions():
        engine.dispose()
        raise DatabaseTooNew(
            _("The database {path} was made by a newer version of Puskesos. Install "
              "the newest version of the program; the data was not touched.")
            .format(path=location))
    if current != head:
        db_file = sqlite_path(engine)
        if current is not None and db_file is not None:
            folder = backup_dir or local_backup_dir(db_file)
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            copy = snapshot_sqlite(db_file, folder / f"before-upgrade-{current}-{stamp}.sqlite")
            if is_encrypted(copy):      # an encrypted copy opens with the same key file
                import shutil
                shutil.copyfile(KeyFile.beside(db_file).path, KeyFile.beside(copy).path)
        try:
            upgrade(engine)
        except SQLAlchemyError as exc:
            engine.dispose()
            raise (translate_db_error(exc, location) or exc) from exc
        if str(sqlite_path(engine) or ":memory:") != ":memory:":
            # the connection that ran the migrations stays slower at writing: the
            # 100,000-member import's inserts took 1.5x the CPU on it (1.85-1.97 s
            # against 1.0-1.3 s on a new connection to the same file, the same rows;
            # its profile shows two to three times the malloc calls, as if what the
            # migrations left on it held SQLite's small-allocation slots); what comes
            # next (an import into a village just made or upgraded) gets a new one
            engine.dispose()
    db = Database(engine, location)
    db.upgraded_from = current
    db.recovery_key = recovery_key
    return db


def start_encrypted(path: Path) -> str:
    """Make the data key and the key file of a new database file at ``path`` (which
    SQLCipher then creates encrypted); the recovery key, to be shown once."""
    data_key, recovery_key = new_data_key(), new_recovery_key()
    KeyFile.beside(path).create(data_key, recovery_key)
    KEYRING.remember(path, data_key)
    return recovery_key


def check_sqlite(path: Path) -> dict:
    """Integrity and foreign-key check of a SQLite file (read only)."""
    con = read_only(path)
    try:
        # a page of an encrypted file that fails its check is "out of memory" to SQLCipher
        try:
            integrity = [r[0] for r in con.execute("PRAGMA integrity_check")]
        except (*sqlite_errors(), MemoryError) as exc:
            integrity = [str(exc) or "page check failed"]
        try:
            fk = len(con.execute("PRAGMA foreign_key_check").fetchall())
        except (*sqlite_errors(), MemoryError):
            fk = None
    finally:
        con.close()
    return {"integrity": integrity, "foreign_key_problems": fk}
