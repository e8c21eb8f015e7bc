"""The interview as the respondent and the agent see it: join, leave, the agent's config, its turns.

The respondent is known by the link's token and the email given on the first join; the agent by the key derived
from the interview id (see `control_plane.livekit.agent_key`). Status changes go through `links.lifecycle`.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from control_plane import livekit
from control_plane.accounts.services import normalise_email
from control_plane.auth import same_secret
from control_plane.db import Statement, run, transaction
from control_plane.errors import EmailMismatch, InvalidInput, InvalidStatus, LinkGone, NotFound, TurnConflict
from control_plane.interviews.schemas import (
    AgentInterview,
    CompletionState,
    GuideQuestionIn,
    GuideQuestionOut,
    LeftInterview,
    PublicInterview,
    RoomAccess,
    TranscriptTurn,
)
from control_plane.links import lifecycle
from control_plane.settings import Settings
from control_plane.tables import GuideQuestion, Link, LinkStatus, Turn
from control_plane.timeutil import aware, utcnow

log = logging.getLogger("control_plane.interviews")


# Link tokens are `secrets.token_urlsafe`: anything else cannot be one, and is not looked up.
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


async def _row_by_token(token: str, read: Statement | None = None) -> dict[str, Any]:
    """The link at this address: the whole row, or what `read` selects by token."""
    row = None
    if TOKEN_RE.fullmatch(token):
        if read is None:
            row = await Link.select().where(Link.token == token).first()
        else:
            row = next(iter(await run(read, token)), None)
    if row is None:
        raise NotFound("No interview at this address.")
    return row


async def _by_token(token: str, settings: Settings, read: Statement | None = None) -> dict[str, Any]:
    return await lifecycle.refresh(await _row_by_token(token, read), settings)


def _usable(row: dict[str, Any]) -> None:
    if row["status"] not in (LinkStatus.pending.value, LinkStatus.active.value):
        raise LinkGone(row["status"])


# Where an interview in progress stands with its agent, as the respondent's page shows it.
INTERVIEWER = {"present": "present", "lost": "reconnecting", "unavailable": "busy"}


async def public_view(token: str, settings: Settings) -> PublicInterview:
    row = await _by_token(token, settings)
    _usable(row)
    active = row["status"] == LinkStatus.active.value
    return PublicInterview(
        status=row["status"],
        duration_minutes=row["duration_minutes"],
        language=row["language"],
        topics=json.loads(row["topics"]),
        ends_at=aware(row["ends_at"]),
        interviewer=INTERVIEWER.get(row["agent_state"], "connecting") if active else None,
        test=row["is_test"],
    )


# What a join reads, in one query: the link's columns the join and the clock need (`lifecycle.refresh`, `expire`),
# and its project's context (frozen at the first join when the link has none of its own).
LINK_FOR_JOIN = Statement(
    """
    SELECT l.id, l.account, l.project, l.name, l.is_test, l.status, l.duration_minutes, l.expires_at, l.ends_at,
        l.research_goals, l.interview_guide, l.respondent_email, l.reserved_tokens,
        p.research_goals AS project_research_goals, p.interview_guide AS project_interview_guide
    FROM link l JOIN project p ON p.id = l.project
    WHERE l.token = $1
    """
)


async def join(token: str, email: str, settings: Settings) -> tuple[RoomAccess, bool]:
    """Join (or rejoin) the interview; answer the room credentials and whether this join started it."""
    email = normalise_email(email)
    if TOKEN_RE.fullmatch(token) and (moved := await lifecycle.start_by_token(token, email)) is not None:
        return _room_access(moved, settings), True
    row = await _by_token(token, settings, LINK_FOR_JOIN)
    _usable(row)
    started = False
    if row["status"] == LinkStatus.pending.value:
        moved = await lifecycle.start(
            row,
            email,
            row["research_goals"] or row["project_research_goals"],
            row["interview_guide"] or row["project_interview_guide"],
        )
        started = moved is not None
        if moved is None:  # another join started it first: as it is now, only what the answer needs
            moved = (
                await Link.select(Link.id, Link.status, Link.respondent_email, Link.ends_at)
                .where(Link.id == row["id"])
                .first()
            )
            _usable(moved)
        row = moved
    if row["respondent_email"] != email:
        raise EmailMismatch()
    return _room_access(row, settings), started


def _room_access(row: dict[str, Any], settings: Settings) -> RoomAccess:
    ends_at = aware(row["ends_at"])
    return RoomAccess(
        livekit_url=livekit.node_url(settings),
        token=livekit.room_token(settings, row["id"], ends_at),
        room=livekit.room_name(row["id"]),
        identity=livekit.respondent_identity(row["id"]),
        ends_at=ends_at,
        interview_id=row["id"],
    )


async def leave(token: str, email: str, settings: Settings) -> LeftInterview:
    email = normalise_email(email)
    row = await _row_by_token(token)
    if row["respondent_email"] is not None and row["respondent_email"] != email:
        raise EmailMismatch()
    if row["status"] == LinkStatus.active.value:
        await lifecycle.complete(row["id"], "left", settings)
    elif row["status"] != LinkStatus.completed.value:
        raise InvalidStatus(f"Only an interview in progress can be left; this link is {row['status']}.")
    row = await Link.select(Link.id, Link.status, Link.completed_at).where(Link.id == row["id"]).first()
    return LeftInterview(interview_id=row["id"], status=row["status"], completed_at=aware(row["completed_at"]))


# The agent's side.


# The columns of the interview the agent's endpoints use (`agent_config` the most), read on every agent call.
INTERVIEW_FOR_AGENT = Statement(
    """
    SELECT id, status, started_at, ends_at, duration_minutes, language, voice, topics,
        frozen_research_goals, frozen_interview_guide
    FROM link WHERE id = $1
    """
)


async def for_agent(interview_id: str, key: str, settings: Settings) -> dict[str, Any]:
    """The interview the key opens; another interview's id, or a wrong key, is not found."""
    try:
        link_id = UUID(interview_id)
    except ValueError:
        raise NotFound("No such interview.") from None
    if not same_secret(key, livekit.agent_key(settings, link_id)):
        raise NotFound("No such interview.")
    rows = await run(INTERVIEW_FOR_AGENT, link_id)
    if not rows or rows[0]["started_at"] is None:
        raise NotFound("No such interview.")
    return rows[0]


async def completion_state(link_id: UUID) -> CompletionState:
    row = (
        await Link.select(Link.id, Link.status, Link.completed_at, Link.completion_reason, Link.end_note)
        .where(Link.id == link_id)
        .first()
    )
    return CompletionState(
        interview_id=row["id"],
        status=row["status"],
        completed_at=aware(row["completed_at"]),
        completion_reason=row["completion_reason"],
        end_note=row["end_note"],
    )


async def turns_of(link_id: UUID) -> list[dict[str, Any]]:
    rows = (
        await Turn.select(Turn.seq, Turn.speaker, Turn.text, Turn.started_at, Turn.ended_at)
        .where(Turn.link == link_id)
        .order_by(Turn.seq)
    )
    return [{**r, "started_at": aware(r["started_at"]), "ended_at": aware(r["ended_at"])} for r in rows]


async def agent_config(row: dict[str, Any]) -> AgentInterview:
    return AgentInterview(
        interview_id=row["id"],
        room=livekit.room_name(row["id"]),
        status=row["status"],
        research_goals=row["frozen_research_goals"],
        interview_guide=row["frozen_interview_guide"],
        topics=json.loads(row["topics"]),
        language=row["language"],
        voice=row["voice"],
        duration_minutes=row["duration_minutes"],
        started_at=aware(row["started_at"]),
        ends_at=aware(row["ends_at"]),
        turns=[TranscriptTurn(**t) for t in await turns_of(row["id"])],
        questions=[GuideQuestionOut(**q) for q in await questions_of(row["id"])],
    )


async def questions_of(link_id: UUID) -> list[dict[str, Any]]:
    """Where each guide question of the interview stands, in the guide's order."""
    rows = (
        await GuideQuestion.select(
            GuideQuestion.position,
            GuideQuestion.question,
            GuideQuestion.outcome,
            GuideQuestion.asked_seqs,
            GuideQuestion.answer_seqs,
        )
        .where(GuideQuestion.link == link_id)
        .order_by(GuideQuestion.position)
    )
    return [
        {
            "index": r["position"],
            "question": r["question"],
            "outcome": r["outcome"],
            "asked_seqs": json.loads(r["asked_seqs"]),
            "answer_seqs": json.loads(r["answer_seqs"]),
        }
        for r in rows
    ]


async def put_questions(row: dict[str, Any], through_seq: int, questions: list[GuideQuestionIn]) -> bool:
    """Store where the guide questions stand as of turn `through_seq`, replacing an older state; answer whether it
    was stored. The same state again changes nothing, an older one (a late retry) is ignored. After completion,
    questions still open are stored as not reached (`lifecycle.settled_outcome`)."""
    if row["status"] not in (LinkStatus.active.value, LinkStatus.completed.value):
        raise LinkGone(row["status"])
    indexes = [q.index for q in questions]
    if len(set(indexes)) != len(indexes):
        raise InvalidInput("questions: each index may appear once")
    async with transaction():
        # Holding the link, concurrent posts for this interview and its completion take turns: the status read here
        # stays true until this commits, so a question left open is never stored after completion settled the rest.
        status = await lifecycle.locked_status(row["id"])
        if await _newer_questions(row["id"], through_seq):
            return False
        await GuideQuestion.delete().where(GuideQuestion.link == row["id"])
        if questions:
            now = utcnow()
            await GuideQuestion.insert(
                *(
                    GuideQuestion(
                        link=row["id"],
                        key=f"{row['id']}:{q.index}",
                        position=q.index,
                        question=q.question,
                        outcome=lifecycle.settled_outcome(status, q.outcome),
                        asked_seqs=json.dumps(q.asked_seqs),
                        answer_seqs=json.dumps(q.answer_seqs),
                        through_seq=through_seq,
                        updated_at=now,
                    )
                    for q in questions
                )
            )
    return True


async def _newer_questions(link_id: UUID, through_seq: int) -> bool:
    newest = (
        await GuideQuestion.select(GuideQuestion.through_seq)
        .where(GuideQuestion.link == link_id)
        .order_by(GuideQuestion.through_seq, ascending=False)
        .first()
    )
    return newest is not None and newest["through_seq"] > through_seq


# A turn is stored once: the unique key decides between concurrent posts of one seq (one inserts, the others insert
# nothing). The columns are the `Turn` table's, with its defaults (a new id, the time stored) given here.
INSERT_TURN = Statement(
    """
    INSERT INTO turn (id, link, key, seq, speaker, text, started_at, ended_at, created_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
    ON CONFLICT (key) DO NOTHING
    RETURNING id
    """,
    write=True,
)
TURN_BY_KEY = Statement("SELECT speaker, text FROM turn WHERE key = $1")


async def put_turn(
    row: dict[str, Any], seq: int, speaker: str, text: str, started_at: datetime, ended_at: datetime
) -> bool:
    """Store a turn once; answer whether this call stored it. The same turn again is fine, another is a conflict."""
    if row["status"] not in (LinkStatus.active.value, LinkStatus.completed.value):
        raise LinkGone(row["status"])
    key = f"{row['id']}:{seq}"
    if await run(INSERT_TURN, uuid4(), row["id"], key, seq, speaker, text, started_at, ended_at, utcnow()):
        return True
    existing = (await run(TURN_BY_KEY, key))[0]
    if existing["speaker"] != speaker or existing["text"] != text:
        raise TurnConflict()
    return False
