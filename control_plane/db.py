"""Transactions and migrations, the same way on SQLite and PostgreSQL.

Every write that must be all-or-nothing goes through `transaction()`. On SQLite it takes the write lock at the start
(`BEGIN IMMEDIATE`), so two concurrent requests queue instead of failing half-way.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os

from piccolo.engine.sqlite import SQLiteEngine, TransactionType

os.environ.setdefault("PICCOLO_CONF", "control_plane.piccolo_conf")


def engine():
    from control_plane.piccolo_conf import DB

    return DB


def transaction():
    db = engine()
    if isinstance(db, SQLiteEngine):
        return db.transaction(transaction_type=TransactionType.immediate)
    return db.transaction()


@contextlib.asynccontextmanager
async def connection_pool(size: int):
    """Keep PostgreSQL connections open for the app's life (without a pool, Piccolo connects once per query).
    The pool belongs to the event loop that opened it; `size` 0 opens none."""
    db = engine()
    pooled = size > 0 and not isinstance(db, SQLiteEngine)
    if pooled:
        await db.start_connection_pool(min_size=min(2, size), max_size=size)
    try:
        yield
    finally:
        if pooled:
            await db.close_connection_pool()


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
        with contextlib.redirect_stdout(out):
            result = await run_forwards(app_name="all", migration_id="all", fake=False)
    if not result.success:
        raise RuntimeError(f"database migration failed: {result.message}\n{out.getvalue()}")
