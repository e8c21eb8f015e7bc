"""post_turns_to_control_plane: every finished turn of either side goes to the control plane as it happens, and
with it where each guide question stands (`agent.progress`), so the record keeps both even if the worker dies."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from livekit.agents import AgentSession, ConversationItemAddedEvent, llm

from agent.control_plane import ControlPlaneClient, OutgoingTurn
from agent.progress import Progress
from agent.timing import Clock, SystemClock

log = logging.getLogger("agent.transcript")
SPEAKERS = {"assistant": "agent", "user": "respondent"}


def _time(value: float | None, fallback: datetime) -> datetime:
    return datetime.fromtimestamp(value, UTC) if value else fallback


def post_turns_to_control_plane(
    session: AgentSession,
    client: ControlPlaneClient,
    first_seq: int,
    progress: Progress | None = None,
    clock: Clock | None = None,
) -> None:
    """Number the session's finished messages from `first_seq` and queue each for the control plane. An agent
    message cut by an interruption carries only the words that were spoken. After each, the question outcomes are
    queued too when they changed."""
    next_seq = first_seq
    clock = clock or SystemClock()
    posted: list[dict] = []

    @session.on("conversation_item_added")
    def _on_item(event: ConversationItemAddedEvent) -> None:
        nonlocal next_seq
        item = event.item
        if not isinstance(item, llm.ChatMessage) or item.role not in SPEAKERS:
            return
        text = (item.text_content or "").strip()
        if not text:
            return
        now = datetime.now(UTC)
        started = _time(item.metrics.get("started_speaking_at"), _time(item.created_at, now))
        ended = _time(item.metrics.get("stopped_speaking_at"), now)
        client.post_turn(OutgoingTurn(next_seq, SPEAKERS[item.role], text, started, max(started, ended)))
        log.info(
            "interview %s: turn %d (%s%s)",
            client.interview_id,
            next_seq,
            SPEAKERS[item.role],
            ", interrupted" if item.interrupted else "",
        )
        if progress is not None:
            progress.sync([(item.id, item.role, text)], clock.now())
            progress.seq(item.id, next_seq)
            outcomes = progress.outcomes()
            if outcomes != (posted[-1] if posted else None):
                posted.append(outcomes)
                client.post_questions(next_seq, outcomes)
        next_seq += 1
