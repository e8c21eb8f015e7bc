"""The interview's behaviours, each attached to a text-mode session as the worker attaches it: the clock, the quiet
respondent, the dropped respondent, and the transcript of an interview taken over by a new worker."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from livekit import rtc
from livekit.agents import AgentSession

from agent.behaviors.clock import keep_time
from agent.behaviors.presence import check_in_when_respondent_is_quiet, end_when_respondent_is_gone_for_good
from agent.behaviors.transcript import post_turns_to_control_plane
from agent.control_plane import ControlPlaneClient
from agent.interview import Turn
from agent.interviewer import Interviewer
from tests.agent.conftest import make_config
from tests.agent.fake_control_plane import KEY, FakeControlPlane
from tests.agent.scripted_llm import ScriptedLLM, system_text

IDENTITY = "respondent-11111111-2222-3333-4444-555555555555"


class Ending:
    """What the worker's `end(reason)` would do, recorded, with an event to wait on."""

    def __init__(self) -> None:
        self.reasons: list[str] = []
        self.done = asyncio.Event()

    async def __call__(self, reason: str) -> None:
        self.reasons.append(reason)
        self.done.set()

    async def wait(self, timeout: float = 10.0) -> list[str]:
        await asyncio.wait_for(self.done.wait(), timeout)
        return self.reasons


def cues_seen(brain: ScriptedLLM) -> list[str]:
    """The moments the model was asked to speak for, in order (one cue per request at most)."""
    return [cue for ctx in brain.contexts for cue in re.findall(r"\(cue: (\w+)\)", system_text(ctx))]


def assistant_lines(session: AgentSession) -> list[str]:
    return [m.text_content for m in session.history.items if getattr(m, "role", None) == "assistant"]


async def test_the_agent_warns_before_time_runs_out_and_closes_at_the_limit():
    config = make_config()
    end = Ending()
    brain = ScriptedLLM(
        [
            "Hello! How do you plan your week?",
            "We are almost out of time, so one last question: what would make planning easier?",
            "Thank you very much for your time. Goodbye!",
        ]
    )
    async with AgentSession(llm=brain) as session:
        await session.start(Interviewer(config, llm_model=brain, on_end=end))
        ends_at = datetime.now(UTC) + timedelta(seconds=1.2)
        clock = asyncio.create_task(
            keep_time(session, ends_at, end, config.interview_id, warning_seconds=0.9, closing_seconds=0.3)
        )
        assert await end.wait() == ["timer"]
        await clock
    assert cues_seen(brain) == ["greeting", "time_warning", "closing"]
    assert assistant_lines(session)[-1] == "Thank you very much for your time. Goodbye!"


async def test_a_resumed_interview_past_the_warning_only_closes():
    config = make_config()
    end = Ending()
    brain = ScriptedLLM(["Hello!", "Thank you for your time. Goodbye!"])
    async with AgentSession(llm=brain) as session:
        await session.start(Interviewer(config, llm_model=brain, on_end=end))
        ends_at = datetime.now(UTC) + timedelta(seconds=0.5)
        await keep_time(session, ends_at, end, config.interview_id, warning_seconds=60, closing_seconds=0.2)
    assert end.reasons == ["timer"]
    assert cues_seen(brain) == ["greeting", "closing"]


async def test_a_quiet_respondent_is_asked_whether_they_are_still_there_then_the_interview_ends():
    config = make_config()
    end = Ending()
    brain = ScriptedLLM(
        ["Hello! How do you plan your week?", "Are you still there?", "Thank you for your time. Goodbye!"]
    )
    async with AgentSession(llm=brain, user_away_timeout=0.3) as session:
        check_in_when_respondent_is_quiet(session, end, config.interview_id)
        await session.start(Interviewer(config, llm_model=brain, on_end=end))
        assert await end.wait() == ["agent_end"]
    assert cues_seen(brain) == ["greeting", "check_in", "closing"]
    assert assistant_lines(session) == [
        "Hello! How do you plan your week?",
        "Are you still there?",
        "Thank you for your time. Goodbye!",
    ]


async def test_a_respondent_who_answers_the_check_in_carries_on():
    config = make_config()
    end = Ending()
    brain = ScriptedLLM(["Hello! How do you plan your week?", "Are you still there?", "Thanks. Go on, please."])
    async with AgentSession(llm=brain, user_away_timeout=0.3) as session:
        check_in_when_respondent_is_quiet(session, end, config.interview_id)
        checked_in = asyncio.Event()
        session.on(
            "conversation_item_added", lambda ev: "still there" in (ev.item.text_content or "") and checked_in.set()
        )
        await session.start(Interviewer(config, llm_model=brain, on_end=end))
        await asyncio.wait_for(checked_in.wait(), 10)
        session.interrupt()
        await session.run(user_input="Yes, sorry, I was thinking.")
    assert "Thanks. Go on, please." in assistant_lines(session)


def participant(identity: str = IDENTITY) -> SimpleNamespace:
    return SimpleNamespace(identity=identity)


async def test_a_dropped_respondent_who_does_not_come_back_ends_the_interview_as_left():
    room = rtc.Room()
    end = Ending()
    end_when_respondent_is_gone_for_good(room, IDENTITY, 0.2, end, "interview")
    room.emit("participant_disconnected", participant("someone-else"))
    room.emit("participant_disconnected", participant())
    assert await end.wait() == ["left"]


async def test_a_respondent_who_rejoins_within_the_grace_period_finds_the_interview_going_on():
    room = rtc.Room()
    end = Ending()
    end_when_respondent_is_gone_for_good(room, IDENTITY, 0.2, end, "interview")
    room.emit("participant_disconnected", participant())
    room.emit("participant_connected", participant())
    # Nothing may happen now: wait well past the grace period for an ending that must not come.
    with pytest.raises(TimeoutError):
        await end.wait(timeout=0.6)
    assert end.reasons == []


async def test_a_taken_over_interview_numbers_its_turns_after_the_ones_it_loaded():
    earlier = make_config()
    turns = (
        Turn(1, "agent", "Hello! How do you plan your week?", earlier.started_at, earlier.started_at),
        Turn(2, "respondent", "On Sundays, with a list.", earlier.started_at, earlier.started_at),
    )
    config = make_config(turns=turns)
    plane = await FakeControlPlane().start()
    client = ControlPlaneClient(plane.url, config.interview_id, KEY, max_backoff=0.05)
    brain = ScriptedLLM(["I'm back, sorry. What gets in the way of your plans?", "Thank you. Anything else?"])
    try:
        async with AgentSession(llm=brain) as session:
            post_turns_to_control_plane(session, client, config.next_seq)
            await session.start(Interviewer(config, llm_model=brain, on_end=Ending()))
            await plane.until(lambda: 3 in plane.stored)
            await session.run(user_input="Meetings.")
        await plane.until(lambda: len(plane.stored) == 3)
        assert await client.flush(timeout=10)
    finally:
        await client.aclose()
        await plane.stop()
    assert plane.transcript() == [
        ("agent", "I'm back, sorry. What gets in the way of your plans?"),
        ("respondent", "Meetings."),
        ("agent", "Thank you. Anything else?"),
    ]
    assert sorted(plane.stored) == [3, 4, 5]
    assert cues_seen(brain)[0] == "resume"
