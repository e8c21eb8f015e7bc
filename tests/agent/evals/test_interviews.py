"""The interviewer, scored on scripted respondents: the worker's own session composition in text mode on a
simulated clock, with the control plane at the HTTP boundary, for every case in `scenarios.py`.

It runs on three brains: the offline conductor; the model path through an OpenAI-compatible fake at the network
boundary (whose answers come from a conductor reading only the messages it is sent), which also checks that the
instructions, the rules, the guide and the time left reach the model on every turn; and, when a language model is
configured (LLM_BASE_URL, LLM_API_KEY or OPENAI_API_KEY, as for the worker), that real model, whose score is reported
but does not fail the suite.
"""

from __future__ import annotations

import os
import re
from datetime import datetime

import pytest
from livekit.agents import llm

from agent.conductor import Conductor, ConductorLLM
from agent.config import load_worker_settings
from agent.interview import InterviewConfig
from agent.prompts import prompt
from agent.providers import build_brain
from tests.agent.evals.checks import Check, Transcript, judge_for, score
from tests.agent.evals.conftest import record
from tests.agent.evals.guides import GUIDES
from tests.agent.evals.scenarios import SCENARIOS, A, AnswerUntil, Say, Scenario, Silent
from tests.agent.harness import SIM_START, Run
from tests.agent.sim_clock import SimClock
from tests.fake_openai import FakeOpenAI

REAL = load_worker_settings(os.environ)
# The configured model is scored only where one is configured: it is a paid extra, not a part the product needs.
BRAINS = ["offline", "fake-model", *(["real-model"] if REAL.has_model else [])]


def config_for(scenario: Scenario) -> InterviewConfig:
    guide = GUIDES[scenario.guide]
    from datetime import timedelta

    return InterviewConfig(
        interview_id="11111111-2222-3333-4444-555555555555",
        room="interview-11111111-2222-3333-4444-555555555555",
        status="active",
        research_goals=guide.goals,
        interview_guide=guide.text,
        topics=guide.topics,
        language=scenario.language,
        voice="alloy",
        duration_minutes=scenario.duration,
        started_at=SIM_START,
        ends_at=SIM_START + timedelta(minutes=scenario.duration),
    )


def conductor_model(conductor: Conductor):
    """The fake model's mind: a conductor that knows only the messages of each request, as a model does."""

    def answer(messages: list[dict], body: dict) -> tuple[str, dict | None]:
        ctx = llm.ChatContext.empty()
        said = 0
        for m in messages:
            content = m.get("content")
            text = content if isinstance(content, str) else "".join(p.get("text", "") for p in content or ())
            if m["role"] in ("system", "developer"):
                ctx.add_message(role="system", content=text)
            elif m["role"] in ("user", "assistant") and text.strip():
                ctx.add_message(role=m["role"], content=text, id=f"m{said}")
                said += 1
        decision = conductor.reply(ctx)
        tag = f"[Q{decision.question + 1}] " if decision.question is not None and decision.move == "ask" else ""
        call = {"name": "end_interview", "arguments": {"reason": decision.end, "note": decision.note}}
        return tag + decision.text, call if decision.end else None

    return answer


async def drive(run: Run, scenario: Scenario) -> list:
    steps = []
    for step in scenario.steps:
        if run.ended:
            break
        if isinstance(step, AnswerUntil):
            i = 0
            while run.left > step.left and not run.ended:
                await run.say(f"{A[i % len(A)]} {A[(i + 1) % len(A)]}")
                i += 1
            continue
        steps.append((step, len(run.lines)))
        if isinstance(step, Say):
            await run.say(step.text, step.seconds)
        elif isinstance(step, Silent):
            await run.silent(step.seconds)
    if scenario.reason:
        await run.finish(limit_seconds=scenario.duration * 60)
    await run.client.flush(timeout=10)
    return steps


def transcript(run: Run, scenario: Scenario, steps: list) -> Transcript:
    return Transcript(
        scenario=scenario,
        lines=list(run.lines),
        steps=steps,
        stored=run.plane.transcript(),
        stored_seqs=sorted(run.plane.stored),
        outcomes=run.plane.outcomes(),
        completed=list(run.plane.completed),
        notes=list(run.plane.notes),
        started_at=run.config.started_at,
        duration=scenario.duration,
    )


def offline_language(config: InterviewConfig) -> str:
    from agent.conductor import interview_language

    return interview_language(config)


def what_reached_the_model(fake: FakeOpenAI, config: InterviewConfig, scenario: Scenario) -> list[Check]:
    """On every request: the instructions with the guide and the rules, and the moment with the right time left."""
    checks: list[Check] = []
    rules = [
        "A guide question stays open until",
        "a wish to end",
        "a refusal",
        "rephrase the question",
        "`end_interview`",
    ]
    missing_rules, wrong_clock, no_tool = [], [], []
    for n, request in enumerate(fake.interview_requests, start=1):
        system = [m["content"] for m in request.messages if m["role"] in ("system", "developer")]
        instructions = system[0] if system else ""
        if config.interview_guide not in instructions or any(r not in instructions for r in rules):
            missing_rules.append(n)
        clock = [s for s in system if s.startswith("(clock)")]
        expected_left = (config.ends_at - request.seen["now"]).total_seconds()
        found = re.search(r"(?:(\d+) min )?(\d+) s left", clock[0]) if len(clock) == 1 else None
        left = int(found.group(1) or 0) * 60 + int(found.group(2)) if found else None
        if left is None or abs(left - max(0, expected_left)) > 1.5 or "Guide questions still open" not in clock[0]:
            wrong_clock.append(f"#{n}: {clock}")
        if request.tool_choice != "none" and "end_interview" not in request.tools:
            no_tool.append(n)
    total = len(fake.interview_requests)
    checks.append(
        Check(f"guide and rules reach the model ({total} turns)", total > 0 and not missing_rules, str(missing_rules))
    )
    checks.append(
        Check(
            "the time left reaches the model on every turn", total > 0 and not wrong_clock, "; ".join(wrong_clock)[:300]
        )
    )
    checks.append(Check("end_interview offered", not no_tool, str(no_tool)))
    if "switch" in scenario.tags:
        told = any(
            "answering in Russian" in m["content"]
            for r in fake.interview_requests
            for m in r.messages
            if m["role"] == "system"
        )
        checks.append(Check("told the respondent's language", told))
    if scenario.language in ("en", "ru"):
        rule = prompt(f"language_{scenario.language}")
        checks.append(
            Check(
                "the link's language rule reaches the model",
                all(rule in r.messages[0]["content"] for r in fake.interview_requests),
            )
        )
    return checks


@pytest.mark.parametrize("brain", BRAINS)
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
async def test_the_interviewer_handles_the_respondent(scenario: Scenario, brain: str):
    config = config_for(scenario)
    clock = SimClock(config.started_at)
    fake = None
    if brain == "offline":
        factory = lambda cfg, clk, progress: ConductorLLM(cfg, clk, progress)  # noqa: E731
        speaks, strict = scenario.speaks or offline_language(config), True
    elif brain == "fake-model":
        fake = await FakeOpenAI(conductor_model(Conductor(config, clock)), note=lambda: {"now": clock.now()}).start()
        settings = load_worker_settings({"LLM_BASE_URL": fake.url, "LLM_MODEL": "fake-interviewer"})
        factory = lambda cfg, clk, progress: build_brain(settings, cfg, clk, progress)  # noqa: E731
        speaks, strict = scenario.speaks or offline_language(config), True
    else:
        factory = lambda cfg, clk, progress: build_brain(REAL, cfg, clk, progress)  # noqa: E731
        speaks, strict = (scenario.language if scenario.language != "auto" else None), False
    try:
        async with Run(config, factory, clock=clock) as run:
            steps = await drive(run, scenario)
            checks = score(transcript(run, scenario, steps), judge_for(config.interview_guide, strict), speaks)
    finally:
        if fake is not None:
            await fake.stop()
    if fake is not None:
        checks += what_reached_the_model(fake, config, scenario)
    record(scenario.name, brain, checks)
    misses = [f"{c.name}: {c.detail}" for c in checks if not c.ok]
    if brain != "real-model":
        assert not misses, "\n".join(misses)


_ = datetime  # the table's time stamps come from the simulated clock
