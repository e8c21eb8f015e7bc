"""SQLite connections kept open while the app serves: a connection goes back to the pool only with no transaction
open on it, so a failed transaction leaves nothing behind for the next request."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from control_plane.db import SQLite


@pytest.fixture
async def db(tmp_path):
    db = SQLite(path=str(tmp_path / "pool.sqlite3"))
    await db.prepare()
    db.start_pool(4)
    await db.run_ddl("CREATE TABLE t (x INTEGER)")
    yield db
    await db.close_pool()


async def count(db) -> int:
    return (await db.run_ddl("SELECT count(*) AS n FROM t"))[0]["n"]


async def test_a_failed_transaction_leaves_nothing_on_the_pooled_connection(db):
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await db.run_ddl("INSERT INTO t VALUES (1)")
            raise RuntimeError("the request failed half-way")
    assert await count(db) == 0
    async with db.transaction():
        await db.run_ddl("INSERT INTO t VALUES (2)")
    assert await count(db) == 1
    idle = db._idle[asyncio.get_running_loop()]
    assert idle and not any(connection.in_transaction for connection in idle)


async def test_pooled_connections_are_reused_and_bounded_under_concurrent_writers(db):
    async def write(i: int) -> None:
        async with db.transaction():
            await db.run_ddl(f"INSERT INTO t VALUES ({i})")
        await count(db)

    await asyncio.gather(*(write(i) for i in range(30)))
    assert await count(db) == 30
    idle = db._idle[asyncio.get_running_loop()]
    assert 1 <= len(idle) <= 4
    first = idle[-1]
    await count(db)
    assert db._idle[asyncio.get_running_loop()][-1] is first  # the same connection, not a new one


async def test_without_a_pool_every_query_has_a_connection_of_its_own(tmp_path):
    db = SQLite(path=str(tmp_path / "plain.sqlite3"))
    await db.run_ddl("CREATE TABLE t (x INTEGER)")
    assert await count(db) == 0
    assert asyncio.get_running_loop() not in db._idle


async def test_the_log_is_copied_into_the_database_beside_the_writers_not_in_their_commits(db):
    """Commits leave the write-ahead log to the checkpointer (SQLite's own checkpoint ran inside the commit that
    filled the log, with every writer queued behind it): the database file takes the rows without a commit doing it,
    and no commit would checkpoint before the log reaches `AUTOCHECKPOINT_PAGES`."""
    from control_plane.db import AUTOCHECKPOINT_PAGES

    main = Path(db.path)
    before = main.stat().st_size
    checkpoints = db.checkpoints
    for i in range(300):  # a page of log or more for each commit
        async with db.transaction():
            await db.run_ddl(f"INSERT INTO t VALUES ({i})")
    pooled = db._idle[asyncio.get_running_loop()][-1]
    assert (await pooled.execute_fetchall("PRAGMA wal_autocheckpoint"))[0]["wal_autocheckpoint"] == AUTOCHECKPOINT_PAGES
    deadline = time.monotonic() + 20
    # the checkpoint grows the file before its count goes up (when its statement returns): wait for both
    while (main.stat().st_size <= before or db.checkpoints <= checkpoints) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)  # polling the file and the count, with a deadline
    assert main.stat().st_size > before
    assert db.checkpoints > checkpoints
    assert await count(db) == 300


async def test_the_checkpointer_stops_with_the_pool(tmp_path):
    db = SQLite(path=str(tmp_path / "stop.sqlite3"))
    await db.prepare()
    db.start_pool(2)
    checkpointer = db._checkpointers[asyncio.get_running_loop()]
    await db.close_pool()
    assert checkpointer.done() and asyncio.get_running_loop() not in db._checkpointers
