"""Engine creation with the SQLite settings we rely on, and error translation."""

from __future__ import annotations

import errno
import os
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Iterator

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from ..errors import (Conflict, DatabaseDamaged, DatabaseLocked, DatabaseUnavailable,
                      DiskFull, UserError)
from ..i18n import _
from ..files import owner_only
from .keys import KEYRING, KeyFile, sqlcipher_key

SQLITE_HEADER = b"SQLite format 3\x00"


def sqlite_driver():
    """The one SQLite driver of the program: SQLCipher's (SQLite with encryption; a
    file opened without a key is a plain SQLite file).  Its errors are
    ``sqlite_driver().Error``, not the standard library's ``sqlite3.Error``."""
    from sqlcipher3 import dbapi2
    if not _NULL_ADAPTED:
        _adapt_null(dbapi2)
    return dbapi2


_NULL_ADAPTED: list[bool] = []


def _adapt_null(dbapi2) -> None:
    """Bind None without the driver's search for an adapter.

    The driver binds a str, int or float as it is, but for every other value
    (None included) it looks for an adapter: in the registry, then on the
    protocol and on the value, attribute look-ups that fail.  That made a
    bound NULL ten times as costly as a bound text (1.3 us against 0.12 us),
    on the import's writer thread while it holds the interpreter lock (a
    100,000-member import binds some 250,000 NULLs).  An adapter registered
    for ``NoneType`` is found at the first look-up; it gives None back (the
    bound method ``{}.get`` returns None for any key, without a Python frame),
    which the driver binds as NULL as before.  Not a base type (str, int,
    float), so the driver's fast way for those stays on."""
    dbapi2.register_adapter(type(None), {}.get)
    _NULL_ADAPTED.append(True)


def sqlite_errors() -> tuple[type[BaseException], ...]:
    """The driver errors a raw SQLite connection may raise."""
    import sqlite3
    return (sqlite_driver().Error, sqlite3.Error)


def is_encrypted(path: Path | str) -> bool:
    """Whether ``path`` is an existing database file that is not plain SQLite (an
    encrypted one, when its key file is beside it)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
    except OSError:
        return False
    return bool(head) and head != SQLITE_HEADER


def data_key_for(path: Path | str) -> bytes | None:
    """The data key this process unlocked for the database file ``path``, if any."""
    return KEYRING.get(path)


def _needs_key(path: Path) -> bool:
    try:
        return path.stat().st_size == 0 or is_encrypted(path)
    except OSError:          # not there yet: made now, encrypted when a key is known
        return True


def _key_connection(dbapi_conn, path: Path, key: bytes | None = None) -> None:
    key = key if key is not None else KEYRING.get(path)
    if key is not None and _needs_key(path):     # a plain file is never keyed
        # the first statement on the connection: the raw key, no derivation per connection
        dbapi_conn.execute(f'PRAGMA key = "{sqlcipher_key(key)}"')
    # SQLCipher writes its own complaints (a page failing its check) to stderr, where
    # a user of the command line would read them; the program says what they mean
    dbapi_conn.execute("PRAGMA cipher_log_level = NONE")


def connect_file(path: Path | str, *, read_only: bool = False, timeout: float = 5.0,
                 key: bytes | None = None):
    """A raw connection to the SQLite database file ``path`` (whose path may hold
    '#', '?' or '%'), keyed with ``key`` or, when this process holds the file's data
    key, with that."""
    path = Path(path)
    uri = path.resolve().as_uri() + ("?mode=ro" if read_only else "")
    conn = sqlite_driver().connect(uri, uri=True, timeout=timeout)
    try:
        _key_connection(conn, path, key)
    except BaseException:
        conn.close()
        raise
    return conn


def is_url(target: str) -> bool:
    return "://" in target


def describe(target: str) -> str:
    """A location safe to show: a path, or a URL without its password."""
    if is_url(target):
        return make_url(target).render_as_string(hide_password=True)
    return str(Path(target))


def _check_sqlite_path(path: Path, must_exist: bool) -> None:
    if path.is_dir():
        raise DatabaseUnavailable(
            _("{path} is a folder, not a database file. Give the path of a .sqlite file.")
            .format(path=path))
    if not path.exists():
        if must_exist:
            raise DatabaseUnavailable(
                _("Database file {path} does not exist. Check the path, or create a new "
                  "village with 'puskesos init'.").format(path=path))
        if not path.parent.is_dir():
            raise DatabaseUnavailable(
                _("Folder {path} does not exist. Create it first or choose another "
                  "location.").format(path=path.parent))
        return
    try:
        with path.open("rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise DatabaseUnavailable(
            _("Database file {path} cannot be read ({error}). Check the file's "
              "permissions.").format(path=path, error=exc.strerror)) from exc
    if head and head != SQLITE_HEADER:
        if not KeyFile.beside(path).exists():
            raise DatabaseDamaged(
                _("{path} is not a Puskesos database, or it is an encrypted one whose key "
                  "file ({keys}) is not beside it. Choose the right file, copy its key "
                  "file beside it, or restore a backup.").format(
                      path=path, keys=KeyFile.beside(path).path.name))
        if KEYRING.get(path) is None:
            raise DatabaseLocked(
                _("The database {path} is encrypted: log in to open it.").format(path=path))


def busy_timeout_ms() -> int:
    """How long a write waits for another writer before giving up (ms)."""
    try:
        return int(os.environ.get("PUSKESOS_BUSY_TIMEOUT_MS", "10000"))
    except ValueError:
        return 10000


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # Autocommit at the driver level; we issue BEGIN ourselves (see _begin).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {busy_timeout_ms()}")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA journal_mode = WAL")
    cur.execute("PRAGMA synchronous = FULL")
    cur.close()


def _sqlite_begin(conn) -> None:
    # A write unit takes the write lock at its start (BEGIN IMMEDIATE), so two
    # writers queue on busy_timeout instead of failing half-way; reads use a
    # plain deferred BEGIN and never wait for a writer under WAL.
    if conn.get_execution_options().get("puskesos_write"):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


@contextmanager
def page_cache(connection, kib: int) -> Iterator[None]:
    """A page cache of ``kib`` KiB on this SQLite connection for the block, the size
    it had put back after (a read that scans the same wide, encrypted table several
    times decrypts each page once); nothing on PostgreSQL.  (The bulk writer keeps
    its larger cache for a whole job: ``BulkWriter.enlarge_cache``.)"""
    if connection.dialect.name != "sqlite":
        yield
        return
    before = int(connection.exec_driver_sql("PRAGMA cache_size").scalar())
    connection.exec_driver_sql(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        try:
            connection.exec_driver_sql(f"PRAGMA cache_size = {before}")
        except DBAPIError:
            pass   # a connection that failed: it is discarded with its cache


def open_engine(target: str, *, must_exist: bool = True) -> Engine:
    """An engine for a SQLite file path or a SQLAlchemy URL."""
    if is_url(target):
        url = make_url(target)
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        if url.get_backend_name() == "sqlite" and url.database:
            _check_sqlite_path(Path(url.database), must_exist)
        engine = create_engine(url, pool_pre_ping=True)
    else:
        path = Path(target).expanduser()
        _check_sqlite_path(path, must_exist)
        # URL.create keeps '?', '#' and '%' in the path as they are
        engine = create_engine(URL.create("sqlite", database=str(path)),
                               module=sqlite_driver())
        # keyed before anything else reads the file (inserted before the dialect's own)
        event.listen(engine, "connect", lambda conn, _r: _key_connection(conn, path),
                     insert=True)
        if not path.exists():
            path.touch()
            owner_only(path)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def translate_db_error(exc: BaseException, location: str = "") -> UserError | None:
    """Map a driver error of the user's world to a clear message, else None."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    text = str(orig).lower()
    if isinstance(orig, OSError) and orig.errno == errno.ENOSPC:
        return DiskFull(_("The disk is full. Free some space (or choose another drive) "
                          "and try again; nothing was changed."))
    if "database or disk is full" in text or "no space left" in text:
        return DiskFull(_("The disk is full. Free some space (or choose another drive) "
                          "and try again; nothing was changed."))
    if "disk i/o error" in text:
        return DiskFull(_("The program could not write to the disk: it is full or the drive "
                          "failed. Free some space or check the drive; the change was not "
                          "saved and the data stored before is intact."))
    if "deadlock detected" in text or "could not serialize" in text:
        return Conflict(_("Someone else saved this record meanwhile. Open it again and "
                          "repeat your change."))
    if "database is locked" in text or "database is busy" in text:
        return DatabaseUnavailable(
            _("The database is being used by another program or window. Close it and "
              "try again; nothing was changed."))
    if ("file is not a database" in text or "malformed" in text
            or "file is encrypted" in text):
        return DatabaseDamaged(
            _("The database file {path} is damaged. Restore the latest backup "
              "(puskesos db restore) and contact support.").format(path=location or "?"))
    if "unable to open database" in text or "readonly database" in text:
        return DatabaseUnavailable(
            _("The database file {path} cannot be opened for writing. Check that the "
              "drive is connected and the file is not read-only.").format(path=location or "?"))
    if isinstance(exc, OperationalError) and ("connection" in text or "could not" in text):
        return DatabaseUnavailable(
            _("The database server cannot be reached ({path}). Check the network and "
              "the server, then try again.").format(path=location or "?"))
    return None


class Database:
    """An opened database: the engine plus session factories for reads and writes."""

    def __init__(self, engine: Engine, location: str):
        self.engine = engine
        self.location = location
        #: the recovery key of a database this opening created (shown once, at init)
        self.recovery_key: str | None = None
        #: the schema this opening upgraded the database from (None: no upgrade)
        self.upgraded_from: str | None = None
        self._read = sessionmaker(engine, expire_on_commit=False)
        self._write = sessionmaker(engine.execution_options(puskesos_write=True),
                                   expire_on_commit=False)
        # the households and members a write touched are sealed as it commits
        from .seals import seal_touched
        event.listen(self._write, "before_commit", seal_touched)
        #: the session of :meth:`transaction` in this thread, which reads and writes join
        self._joined: ContextVar[Session | None] = ContextVar(f"joined-{id(self)}",
                                                              default=None)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def file(self) -> Path | None:
        """The SQLite database file (None on a server)."""
        if self.engine.dialect.name != "sqlite" or not self.engine.url.database:
            return None
        return Path(self.engine.url.database)

    @property
    def encrypted(self) -> bool:
        return self.file is not None and self.data_key is not None

    @property
    def data_key(self) -> bytes | None:
        """The data key of an encrypted database file (None: plain, or a server)."""
        return KEYRING.get(self.file) if self.file is not None else None

    @property
    def key_file(self) -> KeyFile | None:
        """The key file of an encrypted database file."""
        return KeyFile.beside(self.file) if self.encrypted else None

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One transaction for a whole task made of many service calls (``demo``): every
        :meth:`write` and :meth:`read` in this thread inside the block joins it, so the
        task is committed whole when the block ends, or not at all."""
        if self._joined.get() is not None:
            yield self._joined.get()
            return
        with self.write() as session:
            token = self._joined.set(session)
            try:
                yield session
            finally:
                self._joined.reset(token)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work (rolled back at the end)."""
        joined = self._joined.get()
        if joined is not None:
            yield joined          # inside a transaction: it sees what was written so far
            return
        try:
            with self._read() as session:
                yield session
                session.rollback()
        except MemoryError as exc:
            raise self._damaged_page(exc) from exc
        except (SQLAlchemyError, *sqlite_errors(), OSError) as exc:
            error = translate_db_error(exc, self.location)
            if error is None:
                raise
            raise error from exc

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: committed when the block ends, rolled back on error
        (inside :meth:`transaction`, a part of that one, flushed when the block ends)."""
        joined = self._joined.get()
        if joined is not None:
            yield joined
            joined.flush()
            return
        try:
            with self._write.begin() as session:
                yield session
        except MemoryError as exc:
            raise self._damaged_page(exc) from exc
        except StaleDataError as exc:
            raise Conflict(_("Someone else saved this record meanwhile. Open it again and "
                             "repeat your change.")) from exc
        except (SQLAlchemyError, *sqlite_errors(), OSError) as exc:
            error = translate_db_error(exc, self.location)
            if error is None:
                raise
            raise error from exc

    def _damaged_page(self, exc: MemoryError) -> BaseException:
        """SQLCipher reports a page that fails its check (a torn write, a bad sector)
        as "out of memory": on an encrypted file that is what it means."""
        if not self.encrypted:
            return exc
        return DatabaseDamaged(
            _("The database file {path} is damaged. Restore the latest backup "
              "(puskesos db restore) and contact support.").format(path=self.location))

    def dispose(self) -> None:
        self.engine.dispose()
