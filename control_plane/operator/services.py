"""The operator's view: workers (from their heartbeats), LiveKit's rooms, interviews in progress, today's counts;
and granting tokens, through the wallet, once per request id."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta
from uuid import UUID

from livekit import api
from piccolo.query.functions.aggregate import Count

from control_plane import livekit
from control_plane.accounts.services import account_by_email, normalise_email
from control_plane.operator.schemas import Granted, InterviewView, Overview, RoomView, Today, WorkerView
from control_plane.settings import Settings
from control_plane.tables import Link, LinkStatus, Worker
from control_plane.timeutil import aware, utcnow
from control_plane.wallet import services as wallet

log = logging.getLogger("control_plane.operator")

# A worker not heard from for this long is no longer listed (it holds no interview, or it is gone).
WORKER_SHOWN_FOR = timedelta(minutes=10)
MAX_ROOMS = 500


async def workers(active: set[str], now: datetime) -> list[WorkerView]:
    rows = (
        await Worker.select().where(Worker.seen_at >= now - WORKER_SHOWN_FOR).order_by(Worker.seen_at, ascending=False)
    )
    return [
        WorkerView(
            id=row["id"],
            interviews=[i for i in json.loads(row["interviews"]) if i in active],
            last_heartbeat=aware(row["seen_at"]),
            seconds_since_heartbeat=round((now - aware(row["seen_at"])).total_seconds(), 1),
        )
        for row in rows
    ]


async def rooms(settings: Settings) -> list[RoomView]:
    """Every room LiveKit has, with whether an agent and the respondent are in it."""
    async with livekit.api_client(settings) as lk:
        listed = (await lk.room.list_rooms(api.ListRoomsRequest())).rooms[:MAX_ROOMS]
        answers = await asyncio.gather(
            *(lk.room.list_participants(api.ListParticipantsRequest(room=room.name)) for room in listed),
            return_exceptions=True,
        )
    views = []
    for room, answer in zip(listed, answers, strict=True):
        people = [] if isinstance(answer, BaseException) else list(answer.participants)
        prefix = livekit.room_name("")
        views.append(
            RoomView(
                name=room.name,
                interview_id=room.name.removeprefix(prefix) if room.name.startswith(prefix) else None,
                participants=len(people) if people else room.num_participants,
                has_agent=any(p.kind == api.ParticipantInfo.Kind.AGENT for p in people),
                has_respondent=any(p.identity.startswith(livekit.respondent_identity("")) for p in people),
            )
        )
    return sorted(views, key=lambda r: (r.has_agent, r.name))


async def today(now: datetime) -> Today:
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    completed = (
        await Link.select(Link.completion_reason, Count(alias="n"))
        .where((Link.status == LinkStatus.completed.value) & (Link.completed_at >= midnight))
        .group_by(Link.completion_reason)
    )
    by_reason = {row["completion_reason"] or "unknown": row["n"] for row in completed}
    started = await Link.count().where(Link.started_at >= midnight)
    expired = await Link.count().where((Link.status == LinkStatus.expired.value) & (Link.expires_at >= midnight))
    return Today(
        started=started,
        completed=sum(by_reason.values()),
        failed=by_reason.get("server", 0),
        expired=expired,
        by_reason=by_reason,
    )


async def overview(settings: Settings) -> Overview:
    now = utcnow()
    active = (
        await Link.select(Link.id, Link.started_at, Link.ends_at, Link.agent_state, Link.agent_seen_at)
        .where(Link.status == LinkStatus.active.value)
        .order_by(Link.started_at)
    )
    ids = {str(row["id"]) for row in active}
    known = await workers(ids, now)
    worker_of = {interview: w.id for w in known for interview in w.interviews}
    try:
        listed, rooms_error = await rooms(settings), None
    except Exception as exc:  # noqa: BLE001 - LiveKit away: the page says so and shows the rest
        log.warning("cannot list LiveKit's rooms: %s", exc)
        listed, rooms_error = [], f"LiveKit did not answer: {exc}"[:300]
    interviews = [
        InterviewView(
            id=row["id"],
            started_at=aware(row["started_at"]),
            ends_at=aware(row["ends_at"]),
            agent_state=row["agent_state"],
            agent_seen_at=aware(row["agent_seen_at"]),
            worker=worker_of.get(str(row["id"])),
        )
        for row in active
    ]
    return Overview(workers=known, rooms=listed, rooms_error=rooms_error, interviews=interviews, today=await today(now))


async def grant_tokens(email: str, amount: int, reason: str, request_id: UUID, operator: str) -> Granted:
    email = normalise_email(email)
    account = await account_by_email(email)
    done = await wallet.grant(account.id, amount, reason.strip(), key=f"grant:{request_id}")
    balance = await wallet.balance(account.id)
    if done:
        log.info("account %s: %d tokens granted by operator account %s", account.id, amount, operator)
    return Granted(email=email, amount=amount, available=balance.available, granted_now=done)
