"""A link's life: the only table of allowed status transitions, the only code that moves a link, and its clock.

Each transition is one conditional UPDATE (`WHERE status = <from>`) inside a transaction together with its token
movement (and, at completion, the record and the guide questions it settles; and the event for the project's
webhooks, written to their outbox), so a double click, a retry or two
concurrent requests move a link at most once, and nothing is half-written. The clock has two rules, written once in `clock()`: a pending link expires at `expires_at`, and an
active interview nobody closed is completed by the server `INTERVIEW_GRACE_SECONDS` after `ends_at`. `refresh`
applies them to one link as it is read; `sweep` finds every link they are due for.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from piccolo.columns import Column
from piccolo.engine.sqlite import SQLiteEngine

from control_plane.db import Statement, engine, run, transaction
from control_plane.errors import InvalidStatus
from control_plane.hooks import services as hooks
from control_plane.metrics import SWEEPER_MOVES
from control_plane.settings import Settings
from control_plane.tables import UNRESOLVED, GuideQuestion, Link, LinkStatus, QuestionOutcome, Record
from control_plane.timeutil import aware, iso, utcnow
from control_plane.wallet import services as wallet

log = logging.getLogger("control_plane.links")

S = LinkStatus
TRANSITIONS: dict[tuple[LinkStatus, LinkStatus], str] = {
    (S.pending, S.active): "the respondent joined",
    (S.active, S.completed): "the interview finished",
    (S.pending, S.expired): "the link's validity ended",
    (S.pending, S.cancelled): "the researcher cancelled it",
}


def allowed(old: LinkStatus, new: LinkStatus) -> bool:
    return (old, new) in TRANSITIONS


async def _move(link_id: UUID, old: LinkStatus, new: LinkStatus, values: dict | None = None) -> bool:
    """Move one link from `old` to `new`; answer whether this call did it (False: it was not in `old`)."""
    if not allowed(old, new):
        raise InvalidStatus(f"A link cannot go from {old.value} to {new.value}.")
    changes = {Link.status: new.value, **(values or {})}
    moved = await Link.update(changes).where((Link.id == link_id) & (Link.status == old.value)).returning(Link.id)
    if moved:
        _log_move(link_id, old, new)
    return bool(moved)


def _log_move(link_id: Any, old: LinkStatus, new: LinkStatus) -> None:
    log.info("interview %s: %s -> %s (%s)", link_id, old.value, new.value, TRANSITIONS[(old, new)])


async def locked_status(link_id: UUID) -> str | None:
    """The link's status, read inside the caller's transaction so that no transition happens before it commits
    (PostgreSQL: the row is locked; SQLite: the transaction already holds the database's write lock)."""
    query = Link.select(Link.status).where(Link.id == link_id)
    if not isinstance(engine(), SQLiteEngine):
        query = query.lock_rows()
    row = await query.first()
    return row["status"] if row else None


async def _settle(row: dict[str, Any], charge: int, detail: str) -> None:
    await wallet.settle(row["account"], row["id"], row["reserved_tokens"], charge, detail)


# The first join's move, written once (`db.Statement`): it runs on every first join. One statement, so it needs no
# transaction of its own to be all-or-nothing; `WHERE status = 'pending'` lets one of two concurrent joins move it.
START = Statement(
    """
    UPDATE link SET status = $1, respondent_email = $2, started_at = $3, ends_at = $4,
        frozen_research_goals = $5, frozen_interview_guide = $6
    WHERE id = $7 AND status = $8
    RETURNING id, status, respondent_email, ends_at
    """,
    write=True,
)


async def start(row: dict[str, Any], email: str, research_goals: str, interview_guide: str) -> dict[str, Any] | None:
    """The respondent's first join: start the clock and freeze the context. Answer the link as this call left it
    (`id`, `status`, `respondent_email`, `ends_at`), or None when it was not pending any more (another join
    started it first)."""
    now = utcnow()
    ends_at = now + timedelta(minutes=row["duration_minutes"])
    moved = await run(
        START, S.active.value, email, now, ends_at, research_goals, interview_guide, row["id"], S.pending.value
    )
    if not moved:
        return None
    _log_move(row["id"], S.pending, S.active)
    return moved[0]


# The same move by the link's token in one round trip, for a link neither read nor due (PostgreSQL only: the clock's
# end, the start plus the link's duration, is computed in SQL). It freezes the link's own context, else its project's
# (`start`'s caller does the same with `or`), and moves only a pending link whose validity has not ended: anything
# else (an interview under way, a link the clock is due for, an unknown token) is left to the caller's read.
START_BY_TOKEN = Statement(
    """
    UPDATE link SET status = $1, respondent_email = $2, started_at = $3,
        ends_at = $3 + make_interval(mins => link.duration_minutes),
        frozen_research_goals = COALESCE(NULLIF(link.research_goals, ''), project.research_goals),
        frozen_interview_guide = COALESCE(NULLIF(link.interview_guide, ''), project.interview_guide)
    FROM project
    WHERE link.token = $4 AND link.status = $5 AND link.expires_at > $3 AND project.id = link.project
    RETURNING link.id, link.status, link.respondent_email, link.ends_at
    """,
    write=True,
)


async def start_by_token(token: str, email: str) -> dict[str, Any] | None:
    """A first join's start in one statement, on PostgreSQL: answer the link as `start` does, or None when it did
    not move it (not pending, due to expire, not found; or SQLite, which reads the link first)."""
    if isinstance(engine(), SQLiteEngine):
        return None
    moved = await run(START_BY_TOKEN, S.active.value, email, utcnow(), token, S.pending.value)
    if not moved:
        return None
    _log_move(moved[0]["id"], S.pending, S.active)
    return moved[0]


async def cancel(row: dict[str, Any]) -> None:
    """The researcher cancels a pending link: its whole reservation is released."""
    async with transaction():
        if not await _move(row["id"], S.pending, S.cancelled):
            raise InvalidStatus(f"Only a pending link can be cancelled; this one is {row['status']}.")
        await _settle(row, 0, "link cancelled")


async def expire(row: dict[str, Any]) -> bool:
    async with transaction():
        if not await _move(row["id"], S.pending, S.expired):
            return False
        await _settle(row, 0, "link expired")
        if not row["is_test"]:
            await hooks.enqueue(
                row["project"],
                "link.expired",
                {
                    "link_id": str(row["id"]),
                    "project_id": str(row["project"]),
                    "name": row["name"],
                    "expires_at": iso(row["expires_at"]),
                },
            )
    return True


def minutes_used(started_at: datetime, completed_at: datetime, duration_minutes: int) -> int:
    seconds = max(0.0, (aware(completed_at) - aware(started_at)).total_seconds())
    return min(duration_minutes, max(1, math.ceil(seconds / 60)))


_UNRESOLVED = [u.value for u in UNRESOLVED]


def settled_outcome(status: str | None, outcome: str) -> str:
    """Where a guide question stands given its link's status: a completed interview has no open questions, so one
    still pending or asked was not reached."""
    if status == S.completed.value and outcome in _UNRESOLVED:
        return QuestionOutcome.not_reached.value
    return outcome


async def complete(link_id: UUID, reason: str, settings: Settings, now: datetime | None = None, note: str = "") -> bool:
    """Complete an active interview: charge the minutes used, release the rest, settle the guide questions still
    open as not reached, keep the interviewer's note on why it ended, write the record. At most once."""
    now = now or utcnow()
    async with transaction():
        row = await Link.select().where(Link.id == link_id).first()
        if row is None or row["status"] != S.active.value:
            return False
        completed_at = min(now, aware(row["ends_at"]))
        minutes = minutes_used(row["started_at"], completed_at, row["duration_minutes"])
        charge = 0 if row["is_test"] else minutes * settings.tokens_per_minute  # a test interview is free
        if not await _move(
            link_id,
            S.active,
            S.completed,
            {
                Link.completed_at: completed_at,
                Link.completion_reason: reason,
                Link.end_note: note.strip() or None,
                Link.charged_tokens: min(charge, row["reserved_tokens"]),
            },
        ):
            return False
        await _settle(row, charge, f"interview completed ({minutes} min)")
        await GuideQuestion.update({GuideQuestion.outcome: QuestionOutcome.not_reached.value}).where(
            (GuideQuestion.link == link_id) & GuideQuestion.outcome.is_in(_UNRESOLVED)
        )
        record = Record(
            account=row["account"],
            project=row["project"],
            link=row["id"],
            respondent_email=row["respondent_email"],
            language=row["language"],
            started_at=row["started_at"],
            completed_at=completed_at,
            duration_seconds=int((completed_at - aware(row["started_at"])).total_seconds()),
            is_test=row["is_test"],
        )
        await record.save()
        if not row["is_test"]:  # a researcher's test interview tells no other system
            await hooks.enqueue(row["project"], "interview.completed", await _completed_event(record, reason))
    return True


async def _completed_event(record: Record, reason: str) -> dict[str, Any]:
    """What `interview.completed` says: the record's id and summary, and how far the guide got."""
    outcomes = [
        q["outcome"] for q in await GuideQuestion.select(GuideQuestion.outcome).where(GuideQuestion.link == record.link)
    ]
    answered = (QuestionOutcome.answered, QuestionOutcome.probed, QuestionOutcome.clarified)
    return {
        "record_id": str(record.id),
        "link_id": str(record.link),
        "project_id": str(record.project),
        "language": record.language,
        "started_at": iso(record.started_at),
        "completed_at": iso(record.completed_at),
        "duration_seconds": record.duration_seconds,
        "completion_reason": reason,
        "questions": {
            "total": len(outcomes),
            "answered": sum(o in answered for o in outcomes),
            "outcomes": {o: outcomes.count(o) for o in sorted(set(outcomes))},
        }
        if outcomes
        else None,
    }


def clock(settings: Settings, now: datetime) -> dict[LinkStatus, tuple[Column, datetime]]:
    """The clock's rules: for each status it acts on, the column holding the deadline and the latest deadline due."""
    return {
        S.pending: (Link.expires_at, now),
        S.active: (Link.ends_at, now - timedelta(seconds=settings.interview_grace_seconds)),
    }


async def _apply(row: dict[str, Any], settings: Settings, now: datetime) -> bool:
    if row["status"] == S.pending.value:
        moved, to = await expire(row), S.expired
    else:
        moved, to = await complete(row["id"], "server", settings, now), S.completed
    if moved:
        SWEEPER_MOVES.labels(to.value).inc()
    return moved


def is_due(row: dict[str, Any], settings: Settings, now: datetime) -> bool:
    rule = clock(settings, now).get(S(row["status"]))
    if rule is None:
        return False
    column, cutoff = rule
    deadline = aware(row[column._meta.name])
    return deadline is not None and deadline <= cutoff


async def refresh(row: dict[str, Any], settings: Settings, now: datetime | None = None) -> dict[str, Any]:
    """Apply the clock to one link: expire it or close its abandoned interview if due; answer it as it is now."""
    now = now or utcnow()
    if not is_due(row, settings, now):
        return row
    await _apply(row, settings, now)
    return await Link.select().where(Link.id == row["id"]).first()


async def sweep(settings: Settings, account_id: UUID | None = None, now: datetime | None = None) -> int:
    """Apply the clock to every link it is due for (of one account, when given); answer how many moved."""
    now = now or utcnow()
    moved = 0
    for status, (column, cutoff) in clock(settings, now).items():
        due = (Link.status == status.value) & (column <= cutoff)
        for row in await Link.select().where(due & (Link.account == account_id) if account_id else due):
            moved += await _apply(row, settings, now)
    return moved
