"""Database plumbing shared by every repo module: the engine, transactions, row locks.

Queries live in each domain's ``repo.py`` (over ``issuer.db.query``); this module holds what
they all need:

* ``engine_for_url(url)`` / ``configure(settings)``: point every table at one engine. The app
  factory and the CLI call ``configure``; tests get it from the ``db`` fixture.
* ``write_transaction()``: the transaction every write use case runs in. On PostgreSQL it is a
  plain transaction (row locks and unique constraints do the rest); on SQLite, which has a
  single writer, a process-wide ``asyncio.Lock`` serializes writers and the transaction is
  ``BEGIN IMMEDIATE`` so two writers never deadlock on lock upgrade.
* ``lock_row(table, id)``: ``SELECT … FOR UPDATE`` on PostgreSQL (no-op on SQLite, where the
  write transaction already serializes).
"""
from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import aiosqlite
from aiosqlite.core import _STOP_RUNNING_SENTINEL as _STOP_WORKER
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import (
    SQLiteEngine,
    SQLiteTransaction,
    TransactionType,
    dict_factory,
)
from piccolo.table import Table

from issuer.settings import private_dir, private_file

_SQLITE_LOCKS: dict[tuple[str, int], asyncio.Lock] = {}


class _PooledConnection(aiosqlite.Connection):
    """An aiosqlite connection whose worker thread never keeps the process alive (daemon) and
    which is closed quietly when collected: idle pooled connections hold no transaction, so
    dropping them at exit is as safe as a crash is for a WAL database."""

    def __init__(self, connector) -> None:
        super().__init__(connector, 64)
        self._thread.daemon = True

    def __del__(self) -> None:
        sqlite_conn, self._connection, self._running = self._connection, None, False
        if sqlite_conn is None:
            return

        def close_and_stop():
            sqlite_conn.close()
            return _STOP_WORKER

        self._tx.put_nowait((None, close_and_stop))


class _PooledTransaction(SQLiteTransaction):
    """Piccolo's SQLite transaction on a pooled connection, handed back (not closed) at the end."""

    __slots__ = ()

    async def get_connection(self):
        return await self.engine._checkout()  # type: ignore[attr-defined]  # our engine subclass

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent:
            return exception is None
        healthy = True
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        except BaseException:
            healthy = False
            raise
        finally:
            await self.engine._checkin(self.connection, healthy=healthy)  # type: ignore[attr-defined]
            self.engine.current_transaction.reset(self.context)
        return exception is None


class SQLiteWalEngine(SQLiteEngine):
    """SQLite in WAL mode with ``synchronous=NORMAL``: readers no longer wait for the writer
    and a commit needs no fsync (durable at the next checkpoint; a power cut can lose the last
    transactions but never corrupts the file).

    Connections are pooled: stock Piccolo opens a connection (and its worker thread) for every
    query outside a transaction and for every transaction, which costs ~2 ms of CPU each. Here
    a query or transaction checks an idle connection out exclusively (so no two tasks ever
    share one) and hands it back afterwards; a connection that may be left mid-transaction is
    closed instead. Pooled connections are set up once (``foreign_keys``, WAL, ``synchronous``),
    so the per-query ``PRAGMA foreign_keys`` Piccolo repeats inside transactions, a no-op there
    per the SQLite docs, is skipped, and a query is at most one trip to the connection's thread
    (none for a statement that cannot wait on a lock, see ``_never_waits``).
    Usable from any event loop (aiosqlite resolves each call on the caller's loop) and thread
    (the idle list is lock-guarded)."""

    __slots__ = ("_idle", "_idle_lock", "resolved_path")
    MAX_IDLE = 8

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # realpath walks every component with lstat: once per engine, not once per write transaction
        self.resolved_path = str(Path(str(self.path)).resolve())
        self._idle: list[_PooledConnection] = []
        self._idle_lock = threading.Lock()

    async def _connect(self) -> _PooledConnection:
        kwargs = dict(self.connection_kwargs)
        database = kwargs.pop("database")
        # check_same_thread off: statements that never wait run on the loop's thread
        # (``_never_waits``) while the connection is checked out, never concurrently with its worker.
        kwargs["check_same_thread"] = False
        connection = await _PooledConnection(lambda: sqlite3.connect(database, **kwargs))
        connection.row_factory = dict_factory  # type: ignore[assignment]  # aiosqlite's stub says type
        for pragma in ("foreign_keys = 1", "journal_mode = WAL", "synchronous = NORMAL"):
            await connection.execute(f"PRAGMA {pragma}")
        return connection  # type: ignore[return-value]  # a _PooledConnection, awaited into its Connection base

    async def get_connection(self):
        # An exclusive connection the caller closes (Piccolo's ``batch``): never pooled.
        return await self._connect()

    async def _checkout(self) -> _PooledConnection:
        with self._idle_lock:
            if self._idle:
                return self._idle.pop()
        return await self._connect()

    async def _checkin(self, connection: _PooledConnection, *, healthy: bool = True) -> None:
        if healthy and connection._connection is not None and not connection._connection.in_transaction:
            with self._idle_lock:
                if len(self._idle) < self.MAX_IDLE:
                    self._idle.append(connection)
                    return
        with contextlib.suppress(Exception):
            await connection.close()

    async def close_connection_pool(self) -> None:
        with self._idle_lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            with contextlib.suppress(Exception):
                await connection.close()

    def transaction(self, transaction_type: TransactionType = TransactionType.deferred,
                    allow_nested: bool = True) -> SQLiteTransaction:
        return _PooledTransaction(engine=self, transaction_type=transaction_type, allow_nested=allow_nested)

    async def _run_in_new_connection(self, query: str, args=None, query_type: str = "generic", table=None):
        connection = await self._checkout()
        healthy = False
        try:
            response = await self._run_in_existing_connection(connection, query, args, query_type, table)
            if connection._connection.in_transaction:  # type: ignore[union-attr]  # open: checked out above
                await connection.commit()
            healthy = True
            return response
        finally:
            await self._checkin(connection, healthy=healthy)

    async def _run_in_existing_connection(self, connection, query: str, args=None, query_type: str = "generic",
                                          table=None):
        if not isinstance(connection, _PooledConnection) or (query_type == "insert"
                                                              and self.get_version_sync() < 3.35):
            return await super()._run_in_existing_connection(connection, query, args, query_type, table)
        if self._never_waits(connection, query):
            return _fetch_all(connection._conn, query, args or [])
        # execute + fetch + close in one trip to the connection's thread (each trip costs a GIL
        # hand-off; stock Piccolo makes four per query).
        return list(await connection.execute_fetchall(query, args or []))

    def _never_waits(self, connection: _PooledConnection, query: str) -> bool:
        """True when the statement cannot wait on a lock, so it may run on the event loop's own
        thread: a SELECT (WAL readers never wait for the writer), or any statement of the
        IMMEDIATE/EXCLUSIVE transaction this connection holds (it already has the write lock).
        BEGIN, COMMIT, ROLLBACK and writes that may have to wait for the lock (busy timeout)
        keep going through the connection's thread, so the loop never blocks on another writer."""
        if query.lstrip()[:6].upper() == "SELECT":
            return True
        current = self.current_transaction.get()
        return (current is not None and current.connection is connection
                and current.transaction_type in (TransactionType.immediate, TransactionType.exclusive))


def _fetch_all(sqlite_conn: sqlite3.Connection, query: str, args) -> list:
    cursor = sqlite_conn.execute(query, args)
    try:
        return cursor.fetchall()
    finally:
        cursor.close()


def engine_for_url(url: str) -> Engine:
    if url.startswith(("postgres://", "postgresql://")):
        # extensions=(): we use no PG extension, and CREATE EXTENSION needs superuser.
        return PostgresEngine(config={"dsn": url}, extensions=())
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        # 0600 before SQLite first opens it (SQLite would make it 0644; -wal/-shm copy its mode).
        private_file(private_dir(path.parent, tighten=False) / path.name)
        # timeout: readers wait for the single writer instead of failing with "database is locked".
        return SQLiteWalEngine(path=str(path), timeout=30)
    scheme = urlsplit(url).scheme or url
    raise ValueError(f"unsupported database URL scheme {scheme!r}")


def table_classes() -> list[type[Table]]:
    from issuer.db.piccolo_app import APP_CONFIG

    return list(APP_CONFIG.table_classes)


def configure(engine_or_settings) -> Engine:
    """Bind every table of the app to one engine (an Engine or something with ``database_url``)."""
    engine = (engine_or_settings if isinstance(engine_or_settings, Engine)
              else engine_for_url(engine_or_settings.database_url))
    for table in table_classes():
        table._meta.db = engine
    return engine


def current_engine() -> Engine:
    from issuer.db.tables import District

    return District._meta.db


def is_postgres(engine: Engine | None = None) -> bool:
    return (engine or current_engine()).engine_type == "postgres"


_ADD_UNIQUE = re.compile(r'^ALTER TABLE "(?P<table>[^"]+)" ADD CONSTRAINT "?(?P<name>[^" ]+)"? '
                         r'UNIQUE (?P<cols>\(.*\))$')


def _portable_ddl(statement: str, engine: Engine) -> str:
    """SQLite cannot ``ALTER TABLE … ADD CONSTRAINT``, which Piccolo emits for composite
    ``Unique`` constraints; a unique index enforces the same rule there."""
    match = _ADD_UNIQUE.match(statement) if engine.engine_type == "sqlite" else None
    if match is None:
        return statement
    table, name, cols = match.group("table", "name", "cols")
    return f'CREATE UNIQUE INDEX IF NOT EXISTS "{table}__{name}" ON "{table}" {cols}'


async def create_tables(engine: Engine | None = None) -> list[str]:
    """Create every missing table (development, ``badges init`` before migrations, tests).

    Use this rather than ``create_db_tables``: it also works on SQLite for tables with
    composite ``Unique`` constraints. Returns the names of the tables it created.
    """
    from piccolo.table import sort_table_classes

    if engine is not None:
        configure(engine)
    engine = current_engine()
    created = []
    async with engine.transaction():
        for table in sort_table_classes(table_classes()):
            if await table.table_exists():
                continue
            for statement in table.create_table().ddl:
                await engine.run_ddl(_portable_ddl(statement, engine), in_pool=False)
            created.append(table._meta.tablename)
    return created


def _sqlite_lock(engine: Engine) -> asyncio.Lock:
    # Keyed per database file (tests run several databases in one process, and two engines on
    # one file must share the writer lock) and per event loop (an asyncio.Lock belongs to one).
    path = (engine.resolved_path if isinstance(engine, SQLiteWalEngine)
            else str(Path(str(getattr(engine, "path", ""))).resolve()))
    key = (path, id(asyncio.get_running_loop()))
    lock = _SQLITE_LOCKS.get(key)
    if lock is None:
        lock = _SQLITE_LOCKS[key] = asyncio.Lock()
    return lock


def in_transaction(engine: Engine | None = None) -> bool:
    return (engine or current_engine()).current_transaction.get() is not None


@contextlib.asynccontextmanager
async def write_transaction() -> AsyncIterator[None]:
    """Run the block atomically; nested use joins the outer transaction."""
    engine = current_engine()
    if in_transaction(engine):
        yield
        return
    if engine.engine_type == "sqlite":
        async with _sqlite_lock(engine), engine.transaction(transaction_type=TransactionType.immediate):
            yield
    else:
        async with engine.transaction():
            yield


async def lock_row(table: type[Table], row_id: int) -> None:
    """Hold the row until the surrounding transaction ends (PostgreSQL ``FOR UPDATE``)."""
    if is_postgres(table._meta.db):
        await table.select(table._meta.primary_key).where(
            table._meta.primary_key == row_id).lock_rows("UPDATE")
