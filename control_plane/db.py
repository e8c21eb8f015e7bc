"""Transactions and migrations, the same way on SQLite and PostgreSQL, and SQLite set up for concurrent writers.

Every write that must be all-or-nothing goes through `transaction()`. On SQLite it takes the write lock at the start
(`BEGIN IMMEDIATE`), so two concurrent requests queue instead of failing half-way.

SQLite allows one writer at a time. `SQLite` runs the file in WAL mode (readers and the writer never wait for each
other) with a 30 s busy timeout, and every transaction starts with `BEGIN IMMEDIATE`, so a writer queues for the
lock instead of failing half-way: no request is refused with "database is locked" with a hundred clients writing
at once. `bench/sqlite_writers.py` measured this against the rollback journal, against one serialised writer per
process (`serialise_writes`, kept for the benchmark) and against wrapping every single write in its own immediate
transaction; WAL alone had the best median latency and throughput (docs/benchmarks.md). Under an open-loop load
in one server process (`bench/load.py`) the busy handler's sleeps made the tail: a turn post at 200/s waited seconds
for the lock. So the server's writers now queue on the process's own lock (`serialise_writes`) and reach SQLite one
at a time, while other processes (the CLI, a second server) still meet the busy timeout.

While the app serves, the write-ahead log is copied back into the database file by a connection of its own, every
`CHECKPOINT_SECONDS`, beside the writers (a passive checkpoint waits for no one). Left to SQLite, that checkpoint ran
inside the commit that filled the log to 1,000 pages, with the process's write lock held and every writer queued
behind it; now a commit does that only once the log passes `AUTOCHECKPOINT_PAGES`, which bounds it: the log starts
over from its beginning only when a writer finds all of it copied, which writes arriving without a pause can put off
(or a stopped checkpointer), and that commit's checkpoint then has little left to copy. Every commit still syncs the
log first (`synchronous=FULL`, SQLite's default): a committed answer or charge survives a crash of the process or of
the machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import re
import weakref
from typing import Any

from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType
from piccolo.querystring import QueryString

os.environ.setdefault("PICCOLO_CONF", "control_plane.piccolo_conf")
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
CHECKPOINT_SECONDS = 0.5
AUTOCHECKPOINT_PAGES = 10_000  # about 40 MB of log: SQLite's own checkpoint, when the checkpointer falls behind
log = logging.getLogger(__name__)


class SQLite(SQLiteEngine):
    """Piccolo's SQLite engine in WAL mode (optionally with one serialised writer per process)."""

    def __init__(self, path: str, timeout: float = 30, serialise_writes: bool = False, journal_mode: str = "wal"):
        super().__init__(path=path, timeout=timeout)
        self.serialise_writes = serialise_writes
        self.immediate_writes = False  # measured by the benchmark only
        self.journal_mode = journal_mode
        self._writers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()
        self._idle: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, list] = weakref.WeakKeyDictionary()
        self._checkpointers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task] = (
            weakref.WeakKeyDictionary()
        )
        self._pool_size = 0
        self.checkpoints = 0  # passive checkpoints run by the checkpointer

    def writer(self) -> asyncio.Lock:
        """The write lock of the running event loop (a lock belongs to one loop)."""
        loop = asyncio.get_running_loop()
        lock = self._writers.get(loop)
        if lock is None:
            lock = self._writers[loop] = asyncio.Lock()
        return lock

    # Connections kept open while the app serves (`connection_pool`). Piccolo opens a new connection (a thread, the
    # file, a PRAGMA) for every query and every transaction, and closes it after: under load that was most of a
    # request's CPU. A pooled connection is returned only when no transaction is open on it.
    #
    # A query is one trip to the connection's thread (`execute_fetchall`), not three (execute, fetch, close the
    # cursor): each trip waits for the event loop to come round, and a write holds the process's write lock
    # throughout, so under load the extra trips were what the queue of writers waited on.

    def start_pool(self, size: int) -> None:
        loop = asyncio.get_running_loop()
        self._pool_size = size
        self._idle[loop] = []
        if self.journal_mode == "wal":
            self._checkpointers[loop] = loop.create_task(self._checkpoint_forever())

    async def close_pool(self) -> None:
        loop = asyncio.get_running_loop()
        checkpointer = self._checkpointers.pop(loop, None)
        if checkpointer is not None:
            checkpointer.cancel()
            await asyncio.gather(checkpointer, return_exceptions=True)
        idle = self._idle.pop(loop, [])
        for connection in idle:
            await connection.close()

    async def get_connection(self):
        loop = asyncio.get_running_loop()
        idle = self._idle.get(loop)
        if idle:
            return idle.pop()
        connection = await super().get_connection()
        if loop in self._checkpointers:
            await connection.execute(f"PRAGMA wal_autocheckpoint = {AUTOCHECKPOINT_PAGES}")
        return connection

    async def _checkpoint_forever(self) -> None:
        """Copy the log into the database file every `CHECKPOINT_SECONDS` on a connection (and so a thread) of its
        own, off the writers' path; a failed round is logged and the next one tries again."""
        connection = await super().get_connection()
        try:
            while True:
                await asyncio.sleep(CHECKPOINT_SECONDS)
                try:
                    await connection.execute_fetchall("PRAGMA wal_checkpoint(PASSIVE)")
                    self.checkpoints += 1
                except Exception:  # noqa: BLE001 - logged; a commit checkpoints if the log grows too long
                    log.exception("SQLite checkpoint failed")
        finally:
            await connection.close()

    async def release(self, connection) -> None:
        idle = self._idle.get(asyncio.get_running_loop())
        if idle is None or len(idle) >= self._pool_size or connection.in_transaction:
            await connection.close()
        else:
            idle.append(connection)

    async def _run_in_new_connection(self, query: str, args=None, query_type: str = "generic", table=None):
        if asyncio.get_running_loop() not in self._idle:
            return await super()._run_in_new_connection(query, args, query_type, table)
        connection = await self.get_connection()
        try:
            rows = await connection.execute_fetchall(query, args or [])  # autocommit: done once stepped through
        except BaseException:
            await connection.close()
            raise
        await self.release(connection)
        return rows

    async def _run_in_existing_connection(self, connection, query: str, args=None, query_type="generic", table=None):
        # Piccolo sets `PRAGMA foreign_keys` again before each query of a transaction; its connections already have it
        return await connection.execute_fetchall(query, args or [])

    async def prepare(self) -> None:
        """Set the journal mode; WAL is a property of the file and stays set."""
        await self._run_in_new_connection(f"PRAGMA journal_mode={self.journal_mode}")

    def transaction(
        self, transaction_type: TransactionType = TransactionType.immediate, allow_nested: bool = True
    ) -> SQLiteTransaction:
        return SerialisedTransaction(engine=self, transaction_type=transaction_type, allow_nested=allow_nested)

    async def run_querystring(self, querystring: QueryString, in_pool: bool = False):
        if self.current_transaction.get() is None and _is_write(querystring, self):
            if self.serialise_writes:
                async with self.writer():
                    return await super().run_querystring(querystring, in_pool)
            if self.immediate_writes:
                async with super().transaction(TransactionType.immediate):
                    return await super().run_querystring(querystring, in_pool)
        return await super().run_querystring(querystring, in_pool)


def _is_write(querystring: QueryString, engine: SQLiteEngine) -> bool:
    if querystring.query_type == "insert":
        return True
    query, _ = querystring.compile_string(engine_type=engine.engine_type)
    return query.lstrip().upper().startswith(WRITES)


class SerialisedTransaction(SQLiteTransaction):
    """An outermost transaction of a `SQLite` engine that serialises writes holds the process's write lock."""

    __slots__ = ("_lock",)

    async def __aenter__(self) -> SQLiteTransaction:
        self._lock = None
        if self._parent is None and getattr(self.engine, "serialise_writes", False):
            self._lock = self.engine.writer()
            await self._lock.acquire()
        try:
            return await super().__aenter__()
        except BaseException:
            if self._lock is not None:
                self._lock.release()
            raise

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        try:
            if self._parent:
                return exception is None
            # Piccolo's own exit, except that the connection goes back to the pool instead of being closed
            try:
                if exception and not self._rolled_back:
                    await self.rollback()
                elif not exception and not self._committed and not self._rolled_back:
                    await self.commit()
            except BaseException:
                await self.connection.close()
                raise
            finally:
                self.engine.current_transaction.reset(self.context)
            await self.engine.release(self.connection)
            return exception is None
        finally:
            if self._lock is not None:
                self._lock.release()


def engine():
    from control_plane.piccolo_conf import DB

    return DB


class Statement:
    """A hot path's SQL, written once instead of built by Piccolo on every request (building a query's string was a
    fifth of the event loop under load). Written with PostgreSQL's numbered parameters (`$1`, `$2`, …; SQLite is
    given `?1`, `?2`, …); values are always passed as parameters, never formatted into the text. The values go to
    the same drivers, through the same adapters, as Piccolo's own queries (a UUID, an aware datetime), so what is
    stored and read back is the same. `write`: the statement changes rows (on SQLite it queues for the process's
    write lock, like every other write outside a transaction)."""

    __slots__ = ("postgres", "sqlite", "write")

    def __init__(self, sql: str, write: bool = False) -> None:
        self.postgres = " ".join(sql.split())
        self.sqlite = re.sub(r"\$(\d+)", r"?\1", self.postgres)
        self.write = write


async def run(statement: Statement, *args: Any) -> list[dict[str, Any]]:
    """Run a `Statement` on the app's database, inside the current transaction when there is one (as Piccolo's
    queries do); answer the rows as dicts."""
    db = engine()
    current = db.current_transaction.get()
    if isinstance(db, SQLiteEngine):
        sql, values = statement.sqlite, list(args)
        if current is not None:
            return await db._run_in_existing_connection(current.connection, sql, values)
        if statement.write and getattr(db, "serialise_writes", False):
            async with db.writer():
                return await db._run_in_new_connection(sql, values)
        if statement.write and getattr(db, "immediate_writes", False):
            async with db.transaction(TransactionType.immediate) as transaction:
                return await db._run_in_existing_connection(transaction.connection, sql, values)
        return await db._run_in_new_connection(sql, values)
    if current is not None:
        rows = await current.connection.fetch(statement.postgres, *args)
    elif db.pool:
        rows = await db._run_in_pool(statement.postgres, args)
    else:
        rows = await db._run_in_new_connection(statement.postgres, args)
    return [dict(row) for row in rows]


def transaction():
    db = engine()
    if isinstance(db, SQLiteEngine):
        return db.transaction(transaction_type=TransactionType.immediate)
    return db.transaction()


async def _keep_session(connection) -> None:
    """What asyncpg's pool does to a connection given back, after rolling back a transaction left open (which it
    always does first): nothing. Its default resets the session (`RESET ALL`, `UNLISTEN *`, releasing advisory
    locks, closing cursors), one more round trip to PostgreSQL for every query outside a transaction; the control
    plane changes no session state on pooled connections (its one advisory lock, the migration's, is held on a
    connection of its own)."""


@contextlib.asynccontextmanager
async def connection_pool(size: int):
    """Keep database connections open for the app's life (without a pool, Piccolo connects once per query and
    per transaction): PostgreSQL through asyncpg's pool, SQLite through `SQLite`'s own. The pool belongs to the
    event loop that opened it; `size` 0 keeps none open."""
    db = engine()
    if isinstance(db, SQLite):
        db.start_pool(size)
        try:
            yield
        finally:
            await db.close_pool()
        return
    pooled = size > 0 and not isinstance(db, SQLiteEngine)
    if pooled:
        await db.start_connection_pool(min_size=min(2, size), max_size=size, reset=_keep_session)
    try:
        yield
    finally:
        if pooled:
            await db.close_connection_pool()


async def prepare() -> None:
    """What the database needs before serving: on SQLite, WAL mode."""
    db = engine()
    if isinstance(db, SQLite):
        await db.prepare()


# Any constant: the PostgreSQL advisory lock that lets one control-plane replica at a time migrate.
MIGRATION_LOCK = 7_041_820_251


@contextlib.asynccontextmanager
async def migration_lock():
    """Let one process at a time migrate: control planes started together migrate one after the other (the later
    ones find nothing left to do) instead of racing to create the same tables. On PostgreSQL an advisory lock held
    on a connection of its own; on SQLite an exclusive lock on a file beside the database."""
    db = engine()
    if isinstance(db, SQLiteEngine):
        import fcntl

        with open(f"{db.path}.migrate.lock", "a") as handle:
            await asyncio.to_thread(fcntl.flock, handle, fcntl.LOCK_EX)
            yield  # closing the file releases the lock
        return
    import asyncpg

    conn = await asyncpg.connect(db.config["dsn"])
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
        yield
    finally:
        await conn.close()  # closing the session releases the lock


async def migrate() -> None:
    """Apply every migration in `migrations/` that the database has not seen yet."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    out = io.StringIO()
    async with migration_lock():
        await prepare()
        with contextlib.redirect_stdout(out):
            result = await run_forwards(app_name="all", migration_id="all", fake=False)
    if not result.success:
        raise RuntimeError(f"database migration failed: {result.message}\n{out.getvalue()}")
