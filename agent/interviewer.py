"""The interviewer agent: its instructions come from the interview, and it can end the interview itself.

The instructions are the prompt in `prompts/interviewer.md` filled with the research goals, the guide, the topics,
the language rule and the clock. A resumed interview starts with the transcript so far in its chat context.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from livekit.agents import Agent, RunContext, function_tool, llm

from agent.interview import InterviewConfig
from agent.prompts import cue, prompt, render

log = logging.getLogger("agent.interviewer")


def instructions_for(config: InterviewConfig) -> str:
    return render(
        prompt("interviewer"),
        research_goals=config.research_goals.strip(),
        interview_guide=config.interview_guide.strip(),
        topics=", ".join(config.topics) or "(none given)",
        language_rule=prompt(f"language_{config.language}"),
        duration_minutes=config.duration_minutes,
        ends_at=config.ends_at.strftime("%H:%M:%S"),
    )


def history_of(config: InterviewConfig) -> llm.ChatContext:
    """The transcript so far, as chat history, for an agent that takes over a running interview."""
    ctx = llm.ChatContext.empty()
    for turn in config.turns:
        ctx.add_message(role="assistant" if turn.speaker == "agent" else "user", content=turn.text)
    return ctx


class Interviewer(Agent):
    def __init__(
        self,
        config: InterviewConfig,
        *,
        llm_model: llm.LLM,
        on_end: Callable[[str], Awaitable[None]],
    ) -> None:
        super().__init__(instructions=instructions_for(config), chat_ctx=history_of(config), llm=llm_model)
        self.config = config
        self._on_end = on_end

    async def on_enter(self) -> None:
        moment = "resume" if self.config.turns else "greeting"
        log.info("interview %s: %s", self.config.interview_id, moment)
        self.session.generate_reply(instructions=cue(moment))

    @function_tool
    async def end_interview(self, context: RunContext) -> None:
        """End the interview. Call it after you have thanked the respondent and said goodbye, when the guide is
        covered and the respondent has nothing to add, or when you were told that time is up."""
        await context.wait_for_playout()
        await self._on_end("agent_end")
