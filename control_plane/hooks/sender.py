"""Sends the outbox's webhook deliveries: signed, retried with backoff, each claimed by one replica at a time.

Every control-plane replica runs a `Sender`. A round claims the deliveries that are due with one conditional UPDATE
per delivery (`lease_until` empty or lapsed), so of several replicas exactly one sends each; a replica that dies
mid-send leaves a lease that lapses after `LEASE`, and the delivery is sent again by whoever claims it next. So a
delivery is sent at least once, and receivers deduplicate on `Webhook-Id`.

Each POST is signed the way LiveKit's own webhooks and the Standard Webhooks scheme sign theirs: an HMAC-SHA256, with
the endpoint's secret, of `"<Webhook-Timestamp>.<body>"`, sent hex-encoded as `Webhook-Signature: v1=<hex>`. A 2xx
answer delivers it; anything else (another status, a refused connection, a timeout) is retried after
`WEBHOOK_RETRY_SECONDS`, doubling each time (at most `MAX_DELAY`), until `WEBHOOK_MAX_ATTEMPTS` are spent.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import socket
import time
import uuid
from datetime import timedelta
from typing import Any

import httpx

from control_plane.settings import Settings
from control_plane.tables import DeliveryStatus, HookDelivery
from control_plane.timeutil import utcnow

log = logging.getLogger("control_plane.hooks")

LEASE = timedelta(seconds=60)  # longer than a send may take
SEND_TIMEOUT = 10.0
MAX_DELAY = timedelta(hours=6)
BATCH = 20
SEND_INTERVAL_SECONDS = 1.0


def sign(secret: str, timestamp: str, body: str) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"v1={digest}"


def headers(secret: str, delivery_id: str, body: str, now: float | None = None) -> dict[str, str]:
    timestamp = str(int(now if now is not None else time.time()))
    return {
        "Content-Type": "application/json",
        "User-Agent": "AI-Interviewer-Webhooks/1",
        "Webhook-Id": delivery_id,
        "Webhook-Timestamp": timestamp,
        "Webhook-Signature": sign(secret, timestamp, body),
    }


def backoff(attempts: int, settings: Settings) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt."""
    seconds = settings.webhook_retry_seconds * 2 ** max(0, attempts - 1)
    return min(timedelta(seconds=seconds), MAX_DELAY)


class Sender:
    def __init__(self, settings: Settings, name: str | None = None) -> None:
        self.settings = settings
        self.name = name or f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"
        self._http: httpx.AsyncClient | None = None

    def http(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=SEND_TIMEOUT, follow_redirects=False)
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def claim(self) -> list[dict[str, Any]]:
        """Take the leases of the deliveries that are due and not held by another replica."""
        now = utcnow()
        free = HookDelivery.lease_until.is_null() | (HookDelivery.lease_until < now)
        due = (HookDelivery.status == DeliveryStatus.pending.value) & (HookDelivery.next_attempt_at <= now) & free
        candidates = (
            await HookDelivery.select(HookDelivery.id).where(due).order_by(HookDelivery.next_attempt_at).limit(BATCH)
        )
        claimed = []
        for candidate in candidates:
            # one conditional UPDATE per delivery: of the replicas that saw it free, only one matches
            won = (
                await HookDelivery.update({HookDelivery.lease_until: now + LEASE, HookDelivery.leased_by: self.name})
                .where((HookDelivery.id == candidate["id"]) & due)
                .returning(HookDelivery.id)
            )
            if won:
                claimed.append(candidate["id"])
        if not claimed:
            return []
        return await HookDelivery.select(
            HookDelivery.id,
            HookDelivery.body,
            HookDelivery.event,
            HookDelivery.attempts,
            HookDelivery.endpoint.url.as_alias("url"),
            HookDelivery.endpoint.secret.as_alias("secret"),
        ).where(HookDelivery.id.is_in(claimed))

    async def send(self, row: dict[str, Any]) -> None:
        code: int | None = None
        error = ""
        try:
            answer = await self.http().post(
                row["url"], content=row["body"].encode(), headers=headers(row["secret"], str(row["id"]), row["body"])
            )
            code = answer.status_code
            if not 200 <= code < 300:
                error = f"the endpoint answered {code}"
        except httpx.HTTPError as exc:
            error = f"could not reach the endpoint: {type(exc).__name__}"
        attempts = row["attempts"] + 1
        now = utcnow()
        if not error:
            values = {HookDelivery.status: DeliveryStatus.delivered.value, HookDelivery.delivered_at: now}
        elif attempts >= self.settings.webhook_max_attempts:
            values = {HookDelivery.status: DeliveryStatus.failed.value}
        else:
            values = {HookDelivery.next_attempt_at: now + backoff(attempts, self.settings)}
        values |= {
            HookDelivery.attempts: attempts,
            HookDelivery.last_status_code: code,
            HookDelivery.last_error: error,
            HookDelivery.lease_until: None,
            HookDelivery.leased_by: None,
        }
        await HookDelivery.update(values).where((HookDelivery.id == row["id"]) & (HookDelivery.leased_by == self.name))
        if error:
            log.warning("webhook %s (%s): attempt %d failed: %s", row["id"], row["event"], attempts, error)
        else:
            log.info("webhook %s (%s): delivered on attempt %d", row["id"], row["event"], attempts)

    async def run_once(self) -> int:
        """Send every delivery that is due and this replica could claim; answer how many were sent (either way)."""
        rows = await self.claim()
        await asyncio.gather(*(self.send(row) for row in rows))
        return len(rows)
