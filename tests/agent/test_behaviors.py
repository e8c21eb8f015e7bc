"""The interview's behaviours on the worker's own composition, in text mode on a simulated clock: the clock's limit,
the quiet respondent, the single way to the end, the dropped respondent, and a worker taking over."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from types import SimpleNamespace

import pytest
from livekit import rtc

from agent.behaviors.ending import Ending
from agent.behaviors.presence import end_when_respondent_is_gone_for_good
from agent.conductor import ConductorLLM
from agent.interview import Turn
from tests.agent.conftest import make_config
from tests.agent.harness import SIM_START, Run

IDENTITY = "respondent-11111111-2222-3333-4444-555555555555"
SIX = "\n".join(
    f"{i}. {q}"
    for i, q in enumerate(
        [
            "How do you plan your week?",
            "What gets in the way of your plans?",
            "What would make planning easier for you?",
            "Who else is involved in your plans?",
            "How do you keep track of what is done?",
            "What would you change first?",
        ],
        start=1,
    )
)
LONG = "I usually sit down on Sunday evening and write a list of everything that has to happen that week."


def offline(config, clock, progress):
    return ConductorLLM(config, clock, progress)


def config(**kw):
    return make_config(now=SIM_START, **kw)


def goodbyes(run: Run) -> list[str]:
    return [line for line in run.agent_lines() if "goodbye" in line.lower() or "до свидания" in line.lower()]


async def test_the_agent_closes_once_at_the_limit_and_the_interview_ends_with_the_timer():
    async with Run(config(guide=SIX, duration_minutes=2), offline) as run:
        for _ in range(8):
            await run.say(f"{LONG} {LONG}")
        await run.finish()
        assert run.plane.completed == ["timer"]
        assert len(goodbyes(run)) == 1
        assert run.agent_lines()[-1] == goodbyes(run)[0]
        assert not any("still there" in line for line in run.agent_lines())
        closed_at = [line.at for line in run.lines if line.text == goodbyes(run)[0]][0]
        assert 100 <= closed_at <= 120


async def test_the_goodbye_at_the_limit_waits_for_the_respondent_and_keeps_their_last_answer():
    async with Run(config(guide=SIX, duration_minutes=2), offline) as run:
        while run.left > 35:
            await run.say(f"{LONG} {LONG}")
        last = "And the last thing I wanted to say is that Fridays are for tidying up the week."
        await run.say(last, seconds=25)  # still talking when the limit comes
        await run.finish()
        spoken = [(line.speaker, line.text) for line in run.lines]
        assert ("respondent", last) in spoken
        assert spoken.index(("respondent", last)) < spoken.index(("agent", goodbyes(run)[0]))
        assert len(goodbyes(run)) == 1
        assert run.plane.transcript()[-2] == ("respondent", last)


async def test_a_quiet_respondent_is_checked_in_once_then_the_interview_closes_with_one_goodbye():
    async with Run(config(), offline) as run:
        await run.silent(21)
        assert "still there" in run.agent_lines()[-1]
        await run.silent(21)
        await run.finish()
        assert run.plane.completed == ["agent_end"]
        assert "silent" in run.plane.notes[0]
        lines = run.agent_lines()
        assert sum("still there" in line for line in lines) == 1 and len(goodbyes(run)) == 1
        assert lines[-1] == goodbyes(run)[0]


async def test_a_respondent_who_answers_the_check_in_carries_on():
    async with Run(config(), offline) as run:
        await run.silent(21)
        await run.say("Yes, sorry, I was thinking. " + LONG)
        assert run.agent_lines()[-1].endswith("What gets in the way of your plans?")
        await run.silent(15)
        assert not run.ended


async def test_the_respondents_wish_to_end_ends_it_once_with_the_reason_and_nothing_after():
    async with Run(config(), offline) as run:
        await run.say("Sorry, I really have to go now. Goodbye.")
        await run.finish()
        assert run.plane.completed == ["respondent"]
        assert run.plane.notes[0]
        assert len(goodbyes(run)) == 1 and run.agent_lines()[-1] == goodbyes(run)[0]
        assert run.plane.outcomes() == ["not_reached", "not_reached", "not_reached"]


def participant(identity: str = IDENTITY) -> SimpleNamespace:
    return SimpleNamespace(identity=identity)


class Session:
    """A session that records being shut down: what the ending does after completing."""

    def __init__(self) -> None:
        self.shut = asyncio.Event()

    def shutdown(self, drain: bool = True) -> None:
        self.shut.set()


def ending() -> tuple[Ending, list[str], Session]:
    reasons: list[str] = []

    async def complete(reason: str, note: str) -> None:
        reasons.append(reason)

    session = Session()
    return Ending(session, complete, "interview"), reasons, session


async def test_a_dropped_respondent_who_does_not_come_back_ends_the_interview_as_left():
    room = rtc.Room()
    end, reasons, session = ending()
    end_when_respondent_is_gone_for_good(room, IDENTITY, 0.2, end, "interview")
    room.emit("participant_disconnected", participant("someone-else"))
    room.emit("participant_disconnected", participant())
    await asyncio.wait_for(session.shut.wait(), 10)
    assert reasons == ["left"]


async def test_a_respondent_who_rejoins_within_the_grace_period_finds_the_interview_going_on():
    room = rtc.Room()
    end, reasons, session = ending()
    end_when_respondent_is_gone_for_good(room, IDENTITY, 0.2, end, "interview")
    room.emit("participant_disconnected", participant())
    room.emit("participant_connected", participant())
    # Nothing may happen now: wait well past the grace period for an ending that must not come.
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(session.shut.wait(), 0.6)
    assert reasons == []


def taken_over(answered: bool) -> tuple:
    start = SIM_START
    turns = [
        Turn(1, "agent", "Hello. Let's begin. How do you plan your week?", start, start + timedelta(seconds=5)),
        Turn(2, "respondent", LONG, start + timedelta(seconds=6), start + timedelta(seconds=12)),
        Turn(
            3,
            "agent",
            "Thank you. What gets in the way of your plans?",
            start + timedelta(seconds=13),
            start + timedelta(seconds=15),
        ),
    ]
    if answered:
        turns.append(
            Turn(
                4,
                "respondent",
                "Meetings that run late, every single week.",
                start + timedelta(seconds=16),
                start + timedelta(seconds=20),
            )
        )
    questions = (
        {
            "index": 1,
            "question": "How do you plan your week?",
            "outcome": "answered",
            "asked_seqs": [1],
            "answer_seqs": [2],
        },
        {
            "index": 2,
            "question": "What gets in the way of your plans?",
            "outcome": "asked",
            "asked_seqs": [3],
            "answer_seqs": [],
        },
    )
    return tuple(turns), questions


@pytest.mark.parametrize("answered", [False, True], ids=["answer-lost", "answer-recorded"])
async def test_a_new_worker_says_it_lost_the_connection_and_asks_again_only_a_question_whose_answer_was_lost(answered):
    turns, questions = taken_over(answered)
    cfg = config(turns=turns)
    cfg = type(cfg)(**{**cfg.__dict__, "questions": questions})
    async with Run(cfg, offline) as run:
        first = run.agent_lines()[0]
        assert first.startswith("Sorry, I lost the connection for a moment") and "Hello" not in first
        expected = "What would make planning easier for you?" if answered else "What gets in the way of your plans?"
        assert first.endswith(expected)
        await run.say("Fewer meetings, honestly, and a shared calendar for the whole family.")
        await run.client.flush(timeout=10)
        seqs = sorted(run.plane.stored)
        assert seqs[0] == len(turns) + 1  # numbered after the turns it loaded
        asked = {q["index"]: q for q in run.plane.questions}
        assert asked[1]["answer_seqs"] == [2]
        if not answered:
            assert asked[2]["asked_seqs"] == [3, len(turns) + 1]
            assert asked[2]["outcome"] == "answered" and asked[2]["answer_seqs"] == [len(turns) + 2]
