"""post_turns_to_control_plane: every finished turn of either side goes to the control plane as it happens."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from livekit.agents import AgentSession, ConversationItemAddedEvent, llm

from agent.control_plane import ControlPlaneClient, OutgoingTurn

log = logging.getLogger("agent.transcript")
SPEAKERS = {"assistant": "agent", "user": "respondent"}


def _time(value: float | None, fallback: datetime) -> datetime:
    return datetime.fromtimestamp(value, UTC) if value else fallback


def post_turns_to_control_plane(session: AgentSession, client: ControlPlaneClient, first_seq: int) -> None:
    """Number the session's finished messages from `first_seq` and queue each for the control plane. An agent
    message cut by an interruption carries only the words that were spoken."""
    next_seq = first_seq

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
        next_seq += 1
