"""Interview links as the researcher manages them: created in batches, listed by tab, edited while pending.

Status changes and the clock are `links.lifecycle`'s; every read here applies the clock first, so a researcher never
sees a link that should have expired.
"""

from __future__ import annotations

import json
import logging
import secrets
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

from control_plane.db import transaction
from control_plane.errors import ContextMissing, InvalidStatus, NotFound, UnknownVoice
from control_plane.links import lifecycle
from control_plane.links.schemas import CreatedLinks, LinkOut, LinkWarning
from control_plane.projects import services as projects
from control_plane.settings import Settings
from control_plane.tables import Link, LinkStatus, Record
from control_plane.timeutil import aware, utcnow
from control_plane.wallet import services as wallet

log = logging.getLogger("control_plane.links")

S = LinkStatus
TABS = {
    "active": (S.pending, S.active),
    "completed": (S.completed,),
    "archived": (S.expired, S.cancelled),
}


def interview_url(settings: Settings, token: str) -> str:
    return f"{settings.public_base_url}/interview/{token}"


def serialise(row: dict[str, Any], settings: Settings, record_id: UUID | None = None) -> LinkOut:
    return LinkOut(
        id=row["id"],
        project_id=row["project"],
        batch_id=row["batch"],
        is_test=row["is_test"],
        name=row["name"],
        url=interview_url(settings, row["token"]),
        status=row["status"],
        duration_minutes=row["duration_minutes"],
        expires_at=aware(row["expires_at"]),
        voice=row["voice"],
        language=row["language"],
        topics=json.loads(row["topics"]),
        research_goals=row["research_goals"],
        interview_guide=row["interview_guide"],
        respondent_email=row["respondent_email"],
        started_at=aware(row["started_at"]),
        ends_at=aware(row["ends_at"]),
        completed_at=aware(row["completed_at"]),
        completion_reason=row["completion_reason"],
        end_note=row["end_note"],
        reserved_tokens=row["reserved_tokens"],
        charged_tokens=row["charged_tokens"],
        record_id=record_id,
        created_at=aware(row["created_at"]),
    )


LANGUAGE_NAMES = {"en": "English", "ru": "Russian"}


def language_of(text: str) -> str:
    """ "ru" when a good part of the letters are Cyrillic, else "en" (as the offline interviewer reads a guide)."""
    letters = [c for c in text if c.isalpha()]
    cyrillic = sum("а" <= c.lower() <= "я" or c.lower() == "ё" for c in letters)
    return "ru" if letters and cyrillic / len(letters) > 0.3 else "en"


def warnings_for(guide: str, language: str, settings: Settings) -> list[LinkWarning]:
    """What the researcher should know about links in `language` with this guide. Without a language model the
    interviewer cannot translate the guide, so it holds the interview in the guide's language, not the link's."""
    guide_language = language_of(guide)
    if settings.has_model or language == "auto" or language == guide_language:
        return []
    return [
        LinkWarning(
            code="guide_language",
            detail=(
                f"The interview guide is written in {LANGUAGE_NAMES[guide_language]}, but these links are in "
                f"{LANGUAGE_NAMES[language]}, and no language model is configured to translate it. The offline "
                f"interviewer will hold these interviews in {LANGUAGE_NAMES[guide_language]}, the guide's language. "
                f"Write the guide in {LANGUAGE_NAMES[language]}, choose {LANGUAGE_NAMES[guide_language]} or auto "
                "for the links, or have the operator configure a model (LLM_BASE_URL or LLM_API_KEY)."
            ),
        )
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
) -> CreatedLinks:
    project = await projects.get(account_id, project_id)
    if not project.research_goals.strip() or not project.interview_guide.strip():
        raise ContextMissing()
    if voice not in settings.voices:
        raise UnknownVoice(f"voice: {voice!r} is not one of {', '.join(settings.voices)}")
    per_link = duration_minutes * settings.tokens_per_minute
    total = count * per_link
    now = utcnow()
    batch = uuid4()
    rows = [
        Link(
            account=account_id,
            project=project_id,
            batch=batch,
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
    return CreatedLinks(
        links=[serialise(r, settings) for r in created],
        reserved_tokens=total,
        warnings=warnings_for(project.interview_guide, language, settings),
    )


# A test link is made to be opened at once; it expires after a day if it is not.
TEST_LINK_VALIDITY = timedelta(days=1)


async def create_test(
    account_id: UUID, project_id: UUID, settings: Settings, *, duration_minutes: int, language: str, voice: str | None
) -> LinkOut:
    """A link for the researcher's own test interview: the same page, room and agent as a respondent's, with the
    project's context as it is when the interview starts. It reserves and charges nothing, and its record is
    marked as a test, which reports leave out unless it is chosen."""
    project = await projects.get(account_id, project_id)
    if not project.research_goals.strip() or not project.interview_guide.strip():
        raise ContextMissing()
    voice = voice or settings.voices[0]
    if voice not in settings.voices:
        raise UnknownVoice(f"voice: {voice!r} is not one of {', '.join(settings.voices)}")
    now = utcnow()
    link = Link(
        account=account_id,
        project=project_id,
        is_test=True,
        token=secrets.token_urlsafe(24),
        status=S.pending.value,
        duration_minutes=duration_minutes,
        expires_at=now + TEST_LINK_VALIDITY,
        voice=voice,
        language=language,
        topics="[]",
        reserved_tokens=0,
        created_at=now,
    )
    await link.save()
    log.info("project %s: test interview %s created", project_id, link.id)
    return serialise(await get_row(account_id, link.id), settings)


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


async def get(account_id: UUID, link_id: UUID, settings: Settings) -> LinkOut:
    await lifecycle.sweep(settings, account_id=account_id)
    row = await get_row(account_id, link_id)
    return serialise(row, settings, (await _record_ids([row["id"]])).get(row["id"]))


async def list_for_project(account_id: UUID, project_id: UUID, tab: str, settings: Settings) -> list[LinkOut]:
    await projects.get(account_id, project_id)
    await lifecycle.sweep(settings, account_id=account_id)
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


async def batch_rows(account_id: UUID, batch_id: UUID, settings: Settings) -> list[dict[str, Any]]:
    """The links created together in one request, in the order they were made (their names' numbers)."""
    await lifecycle.sweep(settings, account_id=account_id)
    rows = await Link.select().where((Link.batch == batch_id) & (Link.account == account_id))
    if not rows:
        raise NotFound("No such batch of links.")
    return sorted(rows, key=lambda r: (_number(r["name"]), str(r["id"])))


def _number(name: str) -> int:
    """The number a batch gives each named link ("Wave 3" is 3); 0 for an unnamed one."""
    last = name.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() and len(last) <= 4 else 0


async def edit(account_id: UUID, link_id: UUID, settings: Settings, changes: dict[str, Any]) -> LinkOut:
    """Rename a pending link, or override its context or topics. Other statuses answer invalid_status."""
    await lifecycle.sweep(settings, account_id=account_id)
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


async def cancel(account_id: UUID, link_id: UUID, settings: Settings) -> LinkOut:
    await lifecycle.sweep(settings, account_id=account_id)
    await lifecycle.cancel(await get_row(account_id, link_id))
    return await get(account_id, link_id, settings)
