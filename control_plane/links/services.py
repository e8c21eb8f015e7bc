"""Interview links: the only place where a link changes status, and so the only table of allowed transitions.

Each transition is one conditional UPDATE (`WHERE status = <from>`) inside a transaction together with its token
movement, so a double click, a retry or two concurrent requests move a link at most once, and nothing is
half-written.
"""

from __future__ import annotations

import json
import logging
import math
import secrets
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from control_plane.db import transaction
from control_plane.errors import ContextMissing, InvalidStatus, NotFound, UnknownVoice
from control_plane.projects import services as projects
from control_plane.settings import Settings
from control_plane.tables import UNRESOLVED, GuideQuestion, Link, LinkStatus, QuestionOutcome, Record
from control_plane.timeutil import aware, utcnow
from control_plane.wallet import services as wallet

log = logging.getLogger("control_plane.links")

S = LinkStatus
TRANSITIONS: dict[tuple[LinkStatus, LinkStatus], str] = {
    (S.pending, S.active): "the respondent joined",
    (S.active, S.completed): "the interview finished",
    (S.pending, S.expired): "the link's validity ended",
    (S.pending, S.cancelled): "the researcher cancelled it",
}
TABS = {
    "active": (S.pending, S.active),
    "completed": (S.completed,),
    "archived": (S.expired, S.cancelled),
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
        log.info("interview %s: %s -> %s (%s)", link_id, old.value, new.value, TRANSITIONS[(old, new)])
    return bool(moved)


def interview_url(settings: Settings, token: str) -> str:
    return f"{settings.public_base_url}/interview/{token}"


def serialise(row: dict[str, Any], settings: Settings, record_id: UUID | None = None) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "project_id": str(row["project"]),
        "name": row["name"],
        "url": interview_url(settings, row["token"]),
        "status": row["status"],
        "duration_minutes": row["duration_minutes"],
        "expires_at": aware(row["expires_at"]),
        "voice": row["voice"],
        "language": row["language"],
        "topics": json.loads(row["topics"]),
        "research_goals": row["research_goals"],
        "interview_guide": row["interview_guide"],
        "respondent_email": row["respondent_email"],
        "started_at": aware(row["started_at"]),
        "ends_at": aware(row["ends_at"]),
        "completed_at": aware(row["completed_at"]),
        "completion_reason": row["completion_reason"],
        "end_note": row["end_note"],
        "reserved_tokens": row["reserved_tokens"],
        "charged_tokens": row["charged_tokens"],
        "record_id": str(record_id) if record_id else None,
        "created_at": aware(row["created_at"]),
    }


LANGUAGE_NAMES = {"en": "English", "ru": "Russian"}


def language_of(text: str) -> str:
    """ "ru" when a good part of the letters are Cyrillic, else "en" (as the offline interviewer reads a guide)."""
    letters = [c for c in text if c.isalpha()]
    cyrillic = sum("а" <= c.lower() <= "я" or c.lower() == "ё" for c in letters)
    return "ru" if letters and cyrillic / len(letters) > 0.3 else "en"


def warnings_for(guide: str, language: str, settings: Settings) -> list[dict[str, str]]:
    """What the researcher should know about links in `language` with this guide. Without a language model the
    interviewer cannot translate the guide, so it holds the interview in the guide's language, not the link's."""
    guide_language = language_of(guide)
    if settings.has_model or language == "auto" or language == guide_language:
        return []
    return [
        {
            "code": "guide_language",
            "detail": (
                f"The interview guide is written in {LANGUAGE_NAMES[guide_language]}, but these links are in "
                f"{LANGUAGE_NAMES[language]}, and no language model is configured to translate it. The offline "
                f"interviewer will hold these interviews in {LANGUAGE_NAMES[guide_language]}, the guide's language. "
                f"Write the guide in {LANGUAGE_NAMES[language]}, choose {LANGUAGE_NAMES[guide_language]} or auto "
                "for the links, or have the operator configure a model (LLM_BASE_URL or LLM_API_KEY)."
            ),
        }
    ]


async def create_batch(
    account_id: UUID,
    project_id: UUID,
    settings: Settings,
    *,
    count: int,
    duration_minutes: int,
    expires_in_days: int,
    voice: str,
    language: str,
    topics: list[str],
    name: str | None,
) -> tuple[list[dict[str, Any]], int, list[dict[str, str]]]:
    project = await projects.get(account_id, project_id)
    if not project["research_goals"].strip() or not project["interview_guide"].strip():
        raise ContextMissing()
    if voice not in settings.voices:
        raise UnknownVoice(f"voice: {voice!r} is not one of {', '.join(settings.voices)}")
    per_link = duration_minutes * settings.tokens_per_minute
    total = count * per_link
    now = utcnow()
    rows = [
        Link(
            account=account_id,
            project=project_id,
            token=secrets.token_urlsafe(24),
            name=(f"{name} {i + 1}" if count > 1 else name) if name else "",
            status=S.pending.value,
            duration_minutes=duration_minutes,
            expires_at=now + timedelta(days=expires_in_days),
            voice=voice,
            language=language,
            topics=json.dumps(topics, ensure_ascii=False),
            reserved_tokens=per_link,
            created_at=now,
        )
        for i in range(count)
    ]
    async with transaction():
        await wallet.reserve(account_id, total, f"{count} link(s) × {duration_minutes} min")
        await Link.insert(*rows)
    log.info("project %s: created %d link(s), reserved %d tokens", project_id, count, total)
    created = [await get_row(account_id, r.id) for r in rows]
    return (
        [serialise(r, settings) for r in created],
        total,
        warnings_for(project["interview_guide"], language, settings),
    )


async def get_row(account_id: UUID, link_id: UUID) -> dict[str, Any]:
    row = await Link.select().where((Link.id == link_id) & (Link.account == account_id)).first()
    if row is None:
        raise NotFound("No such link.")
    return row


async def _record_ids(link_ids: list[UUID]) -> dict[UUID, UUID]:
    if not link_ids:
        return {}
    rows = await Record.select(Record.id, Record.link).where(Record.link.is_in(link_ids))
    return {r["link"]: r["id"] for r in rows}


async def get(account_id: UUID, link_id: UUID, settings: Settings) -> dict[str, Any]:
    await sweep(settings, account_id=account_id)
    row = await get_row(account_id, link_id)
    return serialise(row, settings, (await _record_ids([row["id"]])).get(row["id"]))


async def list_for_project(account_id: UUID, project_id: UUID, tab: str, settings: Settings) -> list[dict]:
    await projects.get(account_id, project_id)
    await sweep(settings, account_id=account_id)
    rows = (
        await Link.select()
        .where(
            (Link.project == project_id)
            & (Link.account == account_id)
            & Link.status.is_in([s.value for s in TABS[tab]])
        )
        .order_by(Link.created_at, ascending=False)
    )
    records = await _record_ids([r["id"] for r in rows])
    return [serialise(r, settings, records.get(r["id"])) for r in rows]


async def edit(account_id: UUID, link_id: UUID, settings: Settings, changes: dict[str, Any]) -> dict[str, Any]:
    """Rename a pending link, or override its context or topics. Other statuses answer invalid_status."""
    await sweep(settings, account_id=account_id)
    row = await get_row(account_id, link_id)
    values = {getattr(Link, key): value for key, value in changes.items()}
    if "topics" in changes:
        values[Link.topics] = json.dumps(changes["topics"], ensure_ascii=False)
    if values:
        async with transaction():
            updated = (
                await Link.update(values)
                .where((Link.id == link_id) & (Link.status == S.pending.value))
                .returning(Link.id)
            )
        if not updated:
            raise InvalidStatus(f"Only a pending link can be edited; this one is {row['status']}.")
    return await get(account_id, link_id, settings)


async def _settle(row: dict[str, Any], charge: int, detail: str) -> None:
    await wallet.settle(row["account"], row["id"], row["reserved_tokens"], charge, detail)


async def cancel(account_id: UUID, link_id: UUID, settings: Settings) -> dict[str, Any]:
    await sweep(settings, account_id=account_id)
    row = await get_row(account_id, link_id)
    async with transaction():
        if not await _move(link_id, S.pending, S.cancelled):
            raise InvalidStatus(f"Only a pending link can be cancelled; this one is {row['status']}.")
        await _settle(row, 0, "link cancelled")
    return await get(account_id, link_id, settings)


async def expire(row: dict[str, Any]) -> bool:
    async with transaction():
        if not await _move(row["id"], S.pending, S.expired):
            return False
        await _settle(row, 0, "link expired")
    return True


def minutes_used(started_at: datetime, completed_at: datetime, duration_minutes: int) -> int:
    seconds = max(0.0, (aware(completed_at) - aware(started_at)).total_seconds())
    return min(duration_minutes, max(1, math.ceil(seconds / 60)))


async def complete(link_id: UUID, reason: str, settings: Settings, now: datetime | None = None, note: str = "") -> bool:
    """Complete an active interview: charge the minutes used, release the rest, settle the guide questions still
    open as not reached, write the record. At most once."""
    now = now or utcnow()
    async with transaction():
        row = await Link.select().where(Link.id == link_id).first()
        if row is None or row["status"] != S.active.value:
            return False
        completed_at = min(now, aware(row["ends_at"]))
        minutes = minutes_used(row["started_at"], completed_at, row["duration_minutes"])
        charge = minutes * settings.tokens_per_minute
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
            (GuideQuestion.link == link_id) & GuideQuestion.outcome.is_in([u.value for u in UNRESOLVED])
        )
        await Record(
            account=row["account"],
            project=row["project"],
            link=row["id"],
            respondent_email=row["respondent_email"],
            language=row["language"],
            started_at=row["started_at"],
            completed_at=completed_at,
            duration_seconds=int((completed_at - aware(row["started_at"])).total_seconds()),
        ).save()
    return True


async def refresh(row: dict[str, Any], settings: Settings, now: datetime | None = None) -> dict[str, Any]:
    """Apply the clock to one link: expire it or close its abandoned interview if due; answer it as it is now."""
    now = now or utcnow()
    if row["status"] == S.pending.value and aware(row["expires_at"]) <= now:
        await expire(row)
    elif row["status"] == S.active.value and aware(row["ends_at"]) <= now - timedelta(
        seconds=settings.interview_grace_seconds
    ):
        await complete(row["id"], "server", settings, now)
    else:
        return row
    return await Link.select().where(Link.id == row["id"]).first()


async def sweep(settings: Settings, account_id: UUID | None = None, now: datetime | None = None) -> int:
    """Expire pending links past `expires_at`; complete active ones past `ends_at` plus the grace period."""
    now = now or utcnow()
    scope = (Link.account == account_id) if account_id else None
    due_expiry = (Link.status == S.pending.value) & (Link.expires_at <= now)
    due_end = (Link.status == S.active.value) & (
        Link.ends_at <= now - timedelta(seconds=settings.interview_grace_seconds)
    )
    moved = 0
    for row in await Link.select().where(due_expiry & scope if scope else due_expiry):
        moved += await expire(row)
    for row in await Link.select(Link.id).where(due_end & scope if scope else due_end):
        moved += await complete(row["id"], "server", settings, now)
    return moved
