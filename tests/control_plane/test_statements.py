"""SQL written once (`control_plane.db.Statement`) behaves as Piccolo's own queries do: inside the current
transaction when there is one, and storing and reading values the same way, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from uuid import uuid4

import pytest

from control_plane.db import Statement, run, transaction
from control_plane.tables import Worker

INSERT = Statement("INSERT INTO worker (id, interviews, seen_at) VALUES ($1, $2, $3) RETURNING id, seen_at", write=True)
READ = Statement("SELECT id, interviews, seen_at FROM worker WHERE id = $1")


async def test_a_statement_reads_back_what_piccolo_stored_and_piccolo_reads_what_it_stored(client):
    seen = datetime(2026, 5, 1, 12, 30, 15, 123456, tzinfo=timezone(timedelta(hours=3)))
    mine, theirs = f"worker-{uuid4()}", f"worker-{uuid4()}"
    stored = await run(INSERT, mine, '["a"]', seen)
    assert stored == [{"id": mine, "seen_at": seen}]
    await Worker.insert(Worker(id=theirs, interviews='["a"]', seen_at=seen))
    by_piccolo = await Worker.select(Worker.id, Worker.interviews, Worker.seen_at).where(
        Worker.id.is_in([mine, theirs])
    )
    by_statement = [(await run(READ, i))[0] for i in (mine, theirs)]
    for row in [*by_piccolo, *by_statement]:
        assert row["interviews"] == '["a"]'
        assert row["seen_at"] == seen and row["seen_at"].utcoffset() is not None
        assert row["seen_at"].astimezone(UTC) == seen  # stored as the same instant, given back in UTC


async def test_a_statement_inside_a_transaction_is_rolled_back_with_it(client):
    worker = f"worker-{uuid4()}"

    async def failing() -> None:
        async with transaction():
            await run(INSERT, worker, "[]", datetime.now(UTC))
            assert await run(READ, worker), "the transaction sees its own write"
            raise RuntimeError("the request failed half-way")

    with pytest.raises(RuntimeError):
        # outside the transaction, SQLite's write would wait for the lock the transaction holds: never
        await asyncio.wait_for(failing(), timeout=30)
    assert await run(READ, worker) == []


async def test_statement_writes_take_turns_with_transactions(client):
    """On SQLite a write outside a transaction queues for the write lock a transaction holds, instead of meeting
    SQLite's busy handler; on PostgreSQL the two simply run. Either way both land, nothing waits forever."""
    workers = [f"worker-{uuid4()}" for _ in range(10)]

    async def in_transaction(worker: str) -> None:
        async with transaction():
            await run(INSERT, worker, "[]", datetime.now(UTC))

    await asyncio.wait_for(
        asyncio.gather(
            *(in_transaction(w) for w in workers[:5]),
            *(run(INSERT, w, "[]", datetime.now(UTC)) for w in workers[5:]),
        ),
        timeout=30,
    )
    assert await Worker.count().where(Worker.id.is_in(workers)) == 10
