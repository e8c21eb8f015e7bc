"""The interviewer agent in a text-mode session: what the model sees, what it says, and how it ends."""

from __future__ import annotations

import asyncio
import re

from livekit.agents import AgentSession

from agent.conductor import ConductorLLM, messages_of
from agent.interview import Turn
from agent.interviewer import Interviewer
from agent.prompts import cue
from tests.agent.conftest import GUIDE_RU, make_config
from tests.agent.scripted_llm import ScriptedLLM, system_text

LONG = "I usually sit down on Sunday evening and write a list of everything that has to happen."


async def start(session: AgentSession, agent: Interviewer) -> None:
    """Start the session and wait until the agent's opening line is in the history, as a respondent would."""
    spoke = asyncio.Event()
    session.on("conversation_item_added", lambda ev: getattr(ev.item, "role", None) == "assistant" and spoke.set())
    await session.start(agent)
    await asyncio.wait_for(spoke.wait(), 10)


def interviewer(config, brain, ended: list[str]) -> Interviewer:
    async def on_end(reason: str) -> None:
        ended.append(reason)

    return Interviewer(config, llm_model=brain, on_end=on_end)


async def test_the_goals_guide_language_and_clock_reach_the_model():
    config = make_config(language="ru")
    brain = ScriptedLLM(["Здравствуйте! Как вы планируете свою неделю?", "Спасибо. Что мешает вашим планам?"])
    async with AgentSession(llm=brain) as session:
        await start(session, interviewer(config, brain, []))
        result = await session.run(user_input="По воскресеньям составляю список.")
    result.expect.next_event().is_message(role="assistant")
    seen = system_text(brain.contexts[-1])
    assert config.research_goals in seen
    assert "How do you plan your week?" in seen and "What tools do you use for it?" in seen
    assert "Russian" in seen and "10 minutes" in seen and "planning" in seen
    assert "(cue: greeting)" in system_text(brain.contexts[0])


async def test_the_time_left_and_the_open_questions_reach_the_model_before_every_turn():
    config = make_config(minutes_left=4)
    brain = ScriptedLLM(
        ["[Q1] Hello! How do you plan your week?", "[Q2] Thank you. What gets in the way of your plans?"]
    )
    async with AgentSession(llm=brain) as session:
        await start(session, interviewer(config, brain, []))
        await session.run(user_input="On Sundays, with a long list of everything I need to do.")
    for ctx in brain.contexts:
        clock = [line for line in system_text(ctx).splitlines() if line.startswith("(clock)")]
        assert len(clock) == 1 and "left of 10 minutes" in clock[0], system_text(ctx)
        assert re.search(r": (3|4) min \d\d s left", clock[0])
    assert "Guide questions still open: Q1, Q2, Q3." in system_text(brain.contexts[0])
    assert "Guide questions still open: Q2, Q3." in system_text(brain.contexts[1])
    assert "Settled so far: Q1 answered." in system_text(brain.contexts[1])


async def test_a_question_tag_is_never_spoken_and_tells_which_question_was_asked():
    config = make_config()
    brain = ScriptedLLM(["Hello! [Q1] How do you plan your week?", "[Q3] Thanks. What would make it easier?"])
    agent = interviewer(config, brain, [])
    async with AgentSession(llm=brain) as session:
        await start(session, agent)
        await session.run(user_input="With a long list of tasks on Sunday evenings.")
    lines = [m.text_content for m in session.history.items if getattr(m, "role", None) == "assistant"]
    assert lines == ["Hello! How do you plan your week?", "Thanks. What would make it easier?"]
    agent.progress.sync(messages_of(session.history))  # as the transcript posting does after each turn
    assert [s.outcome for s in agent.progress.states] == ["answered", "pending", "asked"]


async def test_a_goodbye_asked_for_without_tools_calls_none():
    config = make_config()
    brain = ConductorLLM(config)
    async with AgentSession(llm=brain) as session:
        await start(session, interviewer(config, brain, []))
        handle = session.generate_reply(instructions=cue("closing"), tool_choice="none")
        await handle
    assert handle.exception() is None
    assert not [i for i in session.history.items if i.type == "function_call"]


async def test_the_offline_interviewer_asks_the_guide_in_order():
    config = make_config()
    async with AgentSession(llm=ConductorLLM(config)) as session:
        await start(session, interviewer(config, ConductorLLM(config), []))
        first = await session.run(user_input=LONG)
        second = await session.run(user_input=LONG)
    assert (
        first.expect.next_event()
        .is_message(role="assistant")
        .event()
        .item.text_content.endswith("What gets in the way of your plans?")
    )
    assert (
        second.expect.next_event()
        .is_message(role="assistant")
        .event()
        .item.text_content.endswith("What would make planning easier for you?")
    )
    history = [m.text_content for m in session.history.items if getattr(m, "role", None) == "assistant"]
    assert history[0].startswith("Hello") and history[0].endswith("How do you plan your week?")


async def test_the_agent_closes_politely_when_time_is_up():
    config = make_config(minutes_left=0.1)
    ended: list[str] = []
    brain = ConductorLLM(config)
    async with AgentSession(llm=brain) as session:
        await start(session, interviewer(config, brain, ended))
        result = await session.run(user_input=LONG)
    message = result.expect.next_event().is_message(role="assistant").event().item.text_content
    assert "thank you" in message.lower() and "goodbye" in message.lower()
    call = result.expect.next_event().is_function_call(name="end_interview").event().item
    assert '"time_is_up"' in call.arguments
    assert ended == ["agent_end"]


async def test_the_language_follows_the_link():
    config = make_config(guide=GUIDE_RU, language="ru")
    brain = ConductorLLM(config)
    async with AgentSession(llm=brain) as session:
        await start(session, interviewer(config, brain, []))
        result = await session.run(user_input="Я составляю подробный список дел каждое воскресенье вечером.")
    reply = result.expect.next_event().is_message(role="assistant").event().item.text_content
    assert reply.endswith("Что мешает вашим планам?")
    assert any("Здравствуйте" in (m.text_content or "") for m in session.history.items if hasattr(m, "role"))


async def test_a_taken_over_interview_starts_from_its_transcript():
    earlier = make_config()
    turns = (
        Turn(1, "agent", "Hello! How do you plan your week?", earlier.started_at, earlier.started_at),
        Turn(2, "respondent", LONG, earlier.started_at, earlier.started_at),
    )
    config = make_config(turns=turns)
    brain = ScriptedLLM(["I'm back, sorry. What gets in the way of your plans?"])
    async with AgentSession(llm=brain) as session:
        await start(session, interviewer(config, brain, []))
        await session.run(user_input="Okay.")
    first = brain.contexts[0]
    texts = [m.text_content for m in first.items if getattr(m, "role", None) in ("user", "assistant")]
    assert texts[:2] == ["Hello! How do you plan your week?", LONG]
    assert "(cue: resume)" in system_text(first)
