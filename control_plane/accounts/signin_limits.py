"""Sign-in attempts are limited per account and per client address, so passwords cannot be guessed at speed.

Failed attempts are counted in a fixed window (`SIGNIN_WINDOW_SECONDS`) from the first failure: past
`SIGNIN_FAILURES_PER_ACCOUNT` for one email, or `SIGNIN_FAILURES_PER_ADDRESS` from one address, every attempt
(the right password too) answers `429 too_many_attempts` with `Retry-After` until the window ends. A successful
sign-in clears its account's count. Counts live in a Litestar store in this process: behind several replicas each
counts its own attempts, so the limits multiply by the number of replicas.
"""

from __future__ import annotations

import asyncio
import math

from litestar.stores.memory import MemoryStore

from control_plane.errors import TooManyAttempts
from control_plane.settings import Settings


class SignInLimits:
    def __init__(self, settings: Settings) -> None:
        self.window = settings.signin_window_seconds
        self.limits = {"account": settings.signin_failures_per_account, "address": settings.signin_failures_per_address}
        self.store = MemoryStore()
        self.lock = asyncio.Lock()

    @staticmethod
    def _keys(email: str, address: str) -> dict[str, str]:
        return {"account": f"account:{email.strip().lower()}", "address": f"address:{address}"}

    async def check(self, email: str, address: str) -> None:
        """Raise TooManyAttempts while either the account or the address has used up its failures."""
        for kind, key in self._keys(email, address).items():
            count = await self.store.get(key)
            if count is not None and int(count) >= self.limits[kind]:
                left = await self.store.expires_in(key)
                raise TooManyAttempts(max(1, math.ceil(left or self.window)))

    async def failed(self, email: str, address: str) -> None:
        async with self.lock:
            for key in self._keys(email, address).values():
                count = await self.store.get(key)
                left = await self.store.expires_in(key) if count is not None else None
                await self.store.set(key, str(int(count or 0) + 1), expires_in=max(1, left or self.window))

    async def succeeded(self, email: str) -> None:
        await self.store.delete(self._keys(email, "")["account"])
