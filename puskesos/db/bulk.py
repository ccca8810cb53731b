"""Writing many new rows in the caller's transaction, fast: :class:`BulkWriter`.

An import (and later an exchange bundle) writes tens of thousands of rows in
one transaction.  Through the ORM, per-row parameter processing was a third
of an import's time; random UUID4 keys scattered the inserts over the
indexes.  This module owns what makes bulk writing fast, behind one small
API, so a service keeps only its rules:

- :class:`OrderedIds`: primary keys in the UUID version 7 layout, ascending,
  so new rows append to the primary key and foreign key indexes;
- on SQLite, rows go straight through the driver in multi-row ``INSERT``
  statements (:func:`write_rows`) written by a second thread
  (:class:`WriterThread`) while the caller reads its next block; elsewhere
  they go through SQLAlchemy Core;
- values are given as the database stores them (:meth:`BulkWriter.stamp`,
  :func:`sqlite_converter`);
- a large write may raise SQLite's page cache and drop named secondary
  indexes for the length of the transaction (:meth:`BulkWriter.defer_index`);
  they are created again, exactly as they were, before commit
  (:meth:`BulkWriter.restore_indexes`), and a rollback puts them back with
  everything else.

Identifiers in the SQL written here are quoted by the dialect; the only values
written into SQL text are the shared values of :meth:`BulkWriter.insert_tuples`
(integers, NULL, and plain time stamps and ids, checked by :func:`_literal`).
Everything else is bound.
"""

from __future__ import annotations

import json
import os
import queue
import random
import re
import threading
import time
from datetime import timezone
from itertools import chain
from typing import Any

from sqlalchemy import Table, func, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from ..models import utcnow
from ..models.base import UTCDateTime
from ..threads import lower_priority


class OrderedIds:
    """New primary keys for one job: UUIDs in the version 7 layout (the time in
    milliseconds, 26 random bits, then a counter from a random start), so they
    come in ascending order.

    Random UUID4 keys land all over the primary key and household_id indexes,
    which made writing 100,000 members several times slower than appending.
    """

    _COUNTER = 1 << 40

    def __init__(self) -> None:
        self._random = random.Random(os.urandom(16))
        self._ms = 0
        self._restart()

    def _restart(self) -> None:
        self._ms = max(time.time_ns() // 1_000_000, self._ms + 1)
        high = ((self._ms & (1 << 48) - 1) << 80 | 0x7 << 76
                | self._random.getrandbits(12) << 64 | 0b10 << 62
                | self._random.getrandbits(14) << 48)
        h = "%032x" % high
        self._prefix = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-"
        # the last 48 bits: a counter from a random start (at most 2**47 ids apart)
        self._count = self._random.getrandbits(47)
        self._end = self._count + self._COUNTER

    def __call__(self) -> str:
        count = self._count
        if count >= self._end:
            self._restart()
            count = self._count
        self._count = count + 1
        return f"{self._prefix}{count:012x}"

    def take(self, n: int) -> list[str]:
        """``n`` new keys at once (the same as ``n`` calls)."""
        if self._count + n > self._end:
            self._restart()
        count, prefix = self._count, self._prefix
        self._count = count + n
        return [f"{prefix}{c:012x}" for c in range(count, count + n)]


def variable_limit(dbapi_connection) -> int:
    """Bound values per statement: 32766 since SQLite 3.32 (SQLCipher's driver cannot
    ask the connection, so the library's version tells), 999 in older ones."""
    from .engine import sqlite_driver, sqlite_errors
    try:
        return dbapi_connection.getlimit(9)          # SQLITE_LIMIT_VARIABLE_NUMBER
    except AttributeError:
        return 32766 if sqlite_driver().sqlite_version_info >= (3, 32) else 999
    except sqlite_errors():
        return 999


def write_rows(cursor, head: str, one: str, rows: list[tuple], variables: int,
               most: int) -> None:
    """Insert ``rows`` with statements ``head`` + ``one, one, ...`` of up to ``most``
    rows each (and at most ``variables`` bound values)."""
    if not rows:
        return
    width = len(rows[0])
    per = max(1, min(most, variables // max(width, 1)))
    full = len(rows) - len(rows) % per
    flat = chain.from_iterable
    if full:
        cursor.executemany(head + ", ".join([one] * per),
                           [tuple(flat(rows[i:i + per])) for i in range(0, full, per)])
    if full < len(rows):
        cursor.execute(head + ", ".join([one] * (len(rows) - full)),
                       tuple(flat(rows[full:])))


class WriterThread:
    """A second thread that writes rows on SQLite while the job reads and checks
    its next block.

    sqlite3 lets go of the interpreter lock while SQLite runs a statement and
    takes it back after; with ``executemany`` of one row per statement the
    writer thread would wait for the lock row by row.  Here one statement
    inserts up to :attr:`ROWS` rows (``VALUES (...), (...), ...``), so SQLite
    writes a block on the other core for each hand-over of the lock (and per
    row it does less work than for a one-row statement).

    The connection serves one thread at a time: whoever uses it for anything
    else first calls :meth:`sync`, which waits until every block sent is
    written (and raises the writer's error, if it had one).  The queue is
    bounded, so a slow disk holds the reading back instead of filling memory.
    A connection that cannot be used from another thread (an in-memory
    database) leaves :attr:`usable` false: the caller then writes itself.
    """

    DEPTH = 4          # blocks waiting to be written at most
    ROWS = 5000        # rows per statement at most
    NAME = "puskesos-import-writer"

    def __init__(self, dbapi_connection) -> None:
        self._conn = dbapi_connection
        self._variables = variable_limit(dbapi_connection)
        self._jobs: queue.Queue = queue.Queue(self.DEPTH)
        self._error: BaseException | None = None
        self._raised = False
        self._skip = False
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._work, name=self.NAME, daemon=True)
        self._thread.start()
        self._ready.wait()
        #: False when the thread could not use the connection (it has ended then)
        self.usable = self._error is None

    def _work(self) -> None:
        try:
            lower_priority()
            cursor = self._conn.cursor()
        except BaseException as exc:     # e.g. a connection bound to its thread
            self._error = exc
            return
        finally:
            self._ready.set()
        try:
            while True:
                job = self._jobs.get()
                try:
                    if job is None:
                        return
                    if self._error is None and not self._skip:
                        write_rows(cursor, *job, self._variables, self.ROWS)
                except BaseException as exc:   # handed to the calling thread
                    self._error = exc
                finally:
                    self._jobs.task_done()
        finally:
            cursor.close()

    def _check(self) -> None:
        if self._error is not None and not self._raised:
            self._raised = True
            raise self._error

    def submit(self, head: str, one: str, rows: list[tuple]) -> None:
        """Write ``rows`` with the statement ``head`` + ``one, one, ...`` (``one``:
        the VALUES tuple of one row, with a ``?`` for each of its values); returns
        at once unless :attr:`DEPTH` blocks are waiting.  ``rows`` must not change
        afterwards."""
        self._check()
        if rows:
            self._jobs.put((head, one, rows))

    def sync(self) -> None:
        """Wait until every block sent is written; raise the writer's error."""
        self._jobs.join()
        self._check()

    def close(self, *, abort: bool = False) -> None:
        """Stop the thread (``abort``: the transaction is being rolled back, blocks
        not yet written are dropped).  Returns when the thread has ended."""
        if abort:
            self._skip = True
        if self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join()


def sqlite_converter(column):
    """How SQLAlchemy would store a value of ``column`` in SQLite, for raw inserts
    (None: the value is stored as it is)."""
    from sqlalchemy import JSON, Boolean, Date, DateTime
    kind = column.type
    if isinstance(kind, (UTCDateTime, DateTime)):
        last: list = [None, None]

        def dt(value):
            if value is None:
                return None
            if value is last[0]:
                return last[1]
            text = value
            if text.tzinfo is not None:
                text = text.astimezone(timezone.utc).replace(tzinfo=None)
            last[:] = [value, text.strftime("%Y-%m-%d %H:%M:%S.%f")]
            return last[1]
        return dt
    if isinstance(kind, Date):
        return lambda value: None if value is None else value.isoformat()
    if isinstance(kind, Boolean):
        return lambda value: None if value is None else int(bool(value))
    if isinstance(kind, JSON):
        return lambda value: None if value is None else json.dumps(value)
    return None


#: text that may be written into SQL as a literal: time stamps and ids
_PLAIN_TEXT = re.compile(r"[0-9A-Za-z .:_+-]{0,64}")


def _literal(value: Any) -> str:
    """``value`` as an SQL literal: NULL, an integer, or plain text (a time stamp, an
    id).  Anything else is refused: such a value must be bound."""
    if value is None:
        return "NULL"
    if type(value) is int:
        return str(value)
    if type(value) is str and _PLAIN_TEXT.fullmatch(value):
        return f"'{value}'"
    raise ValueError(f"not a plain SQL literal: {value!r}")


class BulkWriter:
    """The writes of one long job, in the transaction of ``connection``.

    ``dry_run``: a preview that computes everything and writes nothing; every
    write method then returns at once.  Before the connection is used for
    anything else on the calling thread, call :meth:`sync`; when the job ends,
    :meth:`close` (``failed=True`` when the transaction will be rolled back),
    then :meth:`reset_cache`.
    """

    def __init__(self, connection: Connection, *, dry_run: bool = False) -> None:
        self.connection = connection
        self.dry_run = dry_run
        #: on SQLite dates and times are given as the ISO text SQLite stores
        self.sqlite = connection.dialect.name == "sqlite"
        self.new_id = OrderedIds()
        self._quote = connection.dialect.identifier_preparer.quote
        self._stamps: tuple[Any, Any] | None = None
        self._deferred: list[str] = []          # CREATE INDEX of indexes dropped for now
        self._cache_size: int | None = None     # the page cache size before the job
        self._thread: WriterThread | None = None
        if self.sqlite and not dry_run:
            thread = WriterThread(connection.connection.dbapi_connection)
            if thread.usable:
                self._thread = thread
            else:
                thread.close()

    # ------------------------------------------------------------ values
    def stamp(self) -> tuple[Any, Any]:
        """(now, now as the database stores it) for the records a job writes: one
        time for the whole job, which is one transaction."""
        if self._stamps is None:
            now = utcnow()
            self._stamps = (now, now.astimezone(timezone.utc).replace(tzinfo=None).strftime(
                "%Y-%m-%d %H:%M:%S.%f") if self.sqlite else now)
        return self._stamps

    # ------------------------------------------------------------ writing
    def insert_tuples(self, table: Table, columns: tuple[str, ...], rows: list[tuple],
                      same: tuple[tuple[str, Any], ...] = ()) -> None:
        """Insert rows given as tuples in ``columns`` order, with values as the database
        stores them (see :meth:`stamp`; dates as ISO text on SQLite); ``same`` gives
        (column, value) pairs that every row has (on SQLite written once, in the
        statement: see :func:`_literal`).

        On SQLite the rows go to the writer thread and are written while the job
        goes on; ``rows`` must not change afterwards."""
        if self.dry_run or not rows:
            return
        if not self.sqlite:
            more = dict(same)
            self.connection.execute(insert(table),
                                    [dict(zip(columns, r), **more) for r in rows])
            return
        quote = self._quote
        names = ", ".join(quote(c) for c in (*columns, *(c for c, _v in same)))
        head = f"INSERT INTO {quote(table.name)} ({names}) VALUES "
        one = "(" + ", ".join(["?"] * len(columns) + [_literal(v) for _c, v in same]) + ")"
        if self._thread is not None:
            self._thread.submit(head, one, rows)
            return
        dbapi = self.connection.connection.dbapi_connection
        cursor = dbapi.cursor()
        try:
            write_rows(cursor, head, one, rows, variable_limit(dbapi), WriterThread.ROWS)
        finally:
            cursor.close()

    def insert_dicts(self, table: Table, rows: list[dict]) -> None:
        """Insert rows given as dicts with the same keys; on SQLite straight through
        the driver, each value converted as SQLAlchemy would store it."""
        if self.dry_run or not rows:
            return
        self.sync()
        if not self.sqlite:
            self.connection.execute(insert(table), rows)
            return
        columns = [c for c in table.columns if c.key in rows[0]]
        convert = [sqlite_converter(c) for c in columns]
        quote = self._quote
        sql = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(c.name) for c in columns)}) "
               f"VALUES ({', '.join('?' * len(columns))})")
        keys = [c.key for c in columns]
        data = [tuple(f(r[k]) if f else r[k] for k, f in zip(keys, convert)) for r in rows]
        self.connection.exec_driver_sql(sql, data)

    def execute(self, statement, params=None) -> None:
        """Run a statement that writes (a preview writes nothing)."""
        if self.dry_run:
            return
        self.sync()
        if params is None:
            self.connection.execute(statement)
        else:
            self.connection.execute(statement, params)

    def sync(self) -> None:
        """Wait for the rows sent to the writer thread (before any other statement on
        this thread); raises the writer's error."""
        if self._thread is not None:
            self._thread.sync()

    def close(self, *, failed: bool) -> None:
        """Stop the writer thread; ``failed``: the transaction is being rolled back,
        rows not yet written are dropped.  Nothing else may use the connection
        before this returns."""
        if self._thread is not None:
            self._thread.close(abort=failed)     # interrupted: called again, waits again
            self._thread = None

    # ------------------------------------------------------------ large writes (SQLite)
    def count(self, table: Table) -> int:
        """Rows in ``table`` now."""
        self.sync()
        return self.connection.execute(select(func.count()).select_from(table)).scalar_one()

    def enlarge_cache(self, kib: int) -> None:
        """A page cache of ``kib`` KiB for this connection until :meth:`reset_cache`
        (SQLite), so the pages of a large write are not spilled and read back."""
        if self.dry_run or not self.sqlite or self._cache_size is not None:
            return
        self._cache_size = int(self.connection.exec_driver_sql("PRAGMA cache_size").scalar())
        self.connection.exec_driver_sql(f"PRAGMA cache_size = -{int(kib)}")

    def defer_index(self, name: str) -> bool:
        """Drop the index ``name`` for the rest of the transaction (SQLite); it is made
        again by :meth:`restore_indexes`.  Returns whether it was dropped.

        SQLite's DDL is transactional: a rolled back job gets the index back with
        everything else, and other connections keep reading their snapshot."""
        if self.dry_run or not self.sqlite:
            return False
        self.sync()
        sql = self.connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ? "
            "AND sql IS NOT NULL", (name,)).scalar()
        if not sql:
            return False
        self.connection.exec_driver_sql(f"DROP INDEX {self._quote(name)}")
        self._deferred.append(sql)
        return True

    def restore_indexes(self) -> None:
        """Create again, exactly as they were, the indexes :meth:`defer_index` dropped."""
        self.sync()
        for sql in self._deferred:
            self.connection.exec_driver_sql(sql)
        self._deferred = []

    def reset_cache(self) -> None:
        """Put back the page cache size :meth:`enlarge_cache` changed (also after a
        failed job)."""
        if self._cache_size is not None:
            size, self._cache_size = self._cache_size, None
            try:
                self.connection.exec_driver_sql(f"PRAGMA cache_size = {int(size)}")
            except DBAPIError:
                pass   # a connection that failed: it is discarded with its cache
