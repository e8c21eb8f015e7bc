"""A simulated clock for the interview: time moves only when the test says so.

`advance(seconds)` wakes every sleeper that falls due on the way, in order, letting what each one starts settle
(`settle`, e.g. waiting until the session is idle) before time moves on. `jump(seconds)` moves time without waking
anyone yet (for the seconds a line takes to be spoken); the next `advance` wakes whoever fell due.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta


class SimClock:
    def __init__(self, start: datetime) -> None:
        self._now = start
        self._sleepers: list[tuple[datetime, int, asyncio.Future]] = []
        self._order = itertools.count()
        self.settle: Callable[[], Awaitable[None]] | None = None

    def now(self) -> datetime:
        return self._now

    async def sleep_until(self, moment: datetime) -> None:
        if moment <= self._now:
            await asyncio.sleep(0)
            return
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (moment, next(self._order), future))
        await future

    def jump(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)

    async def _settle(self) -> None:
        for _ in range(5):
            await asyncio.sleep(0)
        if self.settle is not None:
            await self.settle()

    async def advance(self, seconds: float = 0.0) -> None:
        target = self._now + timedelta(seconds=seconds)
        while self._sleepers and self._sleepers[0][0] <= target:
            moment, _, future = heapq.heappop(self._sleepers)
            if future.done():
                continue
            self._now = max(self._now, moment)
            future.set_result(None)
            await self._settle()
            target = max(target, self._now)
        self._now = max(self._now, target)
        await self._settle()

    @property
    def next_wakeup(self) -> datetime | None:
        live = [m for m, _, f in self._sleepers if not f.done()]
        return min(live) if live else None
