"""The interviewer agent: its instructions come from the interview, the clock reaches it on every turn, and it can
end the interview itself.

The instructions are `prompts/interviewer.md` filled with the research goals, the guide (its questions numbered),
the topics and the language rule. Before every reply — to the respondent or to a cue — the brain also gets the
moment (`prompts/turn_context.md`): the time now and left, the guide questions still open and settled, the current
question's time, and the phase of the interview. A model tags a line that asks a guide question (`[Q2]`); the tag
is taken out before the words are spoken, and tells `Progress` which question was asked. A resumed interview starts
with the transcript so far in its chat context.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterable, Awaitable, Callable
from typing import Literal

from livekit.agents import Agent, ModelSettings, RunContext, function_tool, llm

from agent.behaviors.ending import Ending
from agent.conductor import cues_of, messages_of, new_progress
from agent.guide import parse_guide
from agent.interview import InterviewConfig
from agent.progress import Progress
from agent.prompts import cue, prompt, render
from agent.timing import Clock, SystemClock, pace, spoken

log = logging.getLogger("agent.interviewer")

EndReason = Literal["guide_covered", "respondent_wants_to_stop", "time_is_up", "respondent_silent"]
TAG = re.compile(r"\[\s*[QqВв]?\s*(\d{1,2})\s*\]\s*")
LANGUAGE_NAMES = {"en": "English", "ru": "Russian"}


def instructions_for(config: InterviewConfig) -> str:
    questions = parse_guide(config.interview_guide)
    return render(
        prompt("interviewer"),
        research_goals=config.research_goals.strip(),
        interview_guide=config.interview_guide.strip(),
        numbered_questions="\n".join(f"Q{i + 1}. {q.text}" for i, q in enumerate(questions)) or "(none)",
        topics=", ".join(config.topics) or "(none given)",
        language_rule=prompt(f"language_{config.language}"),
        duration_minutes=config.duration_minutes,
    )


def history_of(config: InterviewConfig) -> llm.ChatContext:
    """The transcript so far, as chat history, for an agent that takes over a running interview."""
    ctx = llm.ChatContext.empty()
    for turn in config.turns:
        ctx.add_message(
            role="assistant" if turn.speaker == "agent" else "user", content=turn.text, id=f"turn-{turn.seq}"
        )
    return ctx


def turn_context(config: InterviewConfig, progress: Progress, clock: Clock) -> str:
    """The moment, for the brain, before each of its turns."""
    now = clock.now()
    current = progress.state(progress.current)
    p = pace(now, config.ends_at, config.duration_minutes, len(progress.open), current.asked_at if current else None)
    open_ = [f"Q{s.index}" for s in progress.states if s.open]
    settled = [
        f"Q{s.index} {s.outcome.replace('skipped', 'skipped by the respondent')}" for s in progress.states if not s.open
    ]
    if current is not None and current.open:
        on = f"You are on Q{current.index}, asked {spoken(p.spent)} ago."
    else:
        on = "No guide question is waiting for an answer."
    if p.phase == "over":
        phase = prompt("phase_over")
    elif p.phase == "wrap_up":
        phase = prompt("phase_wrap_up")
    elif p.overrun:
        phase = render(prompt("phase_overrun"), share=spoken(p.share))
    else:
        phase = render(prompt("phase_run"), share=spoken(p.share))
    language = ""
    if config.language == "auto" and progress.respondent_languages:
        language = render(prompt("respondent_language"), language=LANGUAGE_NAMES[progress.respondent_languages[-1]])
    return render(
        prompt("turn_context"),
        now=now.strftime("%H:%M:%S"),
        ends_at=config.ends_at.strftime("%H:%M:%S"),
        left=spoken(p.left),
        duration_minutes=config.duration_minutes,
        open_questions=", ".join(open_) or "none",
        settled=", ".join(settled) or "nothing yet",
        current=on,
        phase=phase,
        language=language,
    ).strip()


class Interviewer(Agent):
    def __init__(
        self,
        config: InterviewConfig,
        *,
        llm_model: llm.LLM,
        on_end: Callable[[str], Awaitable[None]] | None = None,
        progress: Progress | None = None,
        clock: Clock | None = None,
        ending: Ending | None = None,
    ) -> None:
        super().__init__(instructions=instructions_for(config), chat_ctx=history_of(config), llm=llm_model)
        self.config = config
        self.progress = progress or new_progress(config)
        self.clock = clock or SystemClock()
        self.ending = ending
        self._on_end = on_end

    async def on_enter(self) -> None:
        moment = "resume" if self.config.turns else "greeting"
        log.info("interview %s: %s", self.config.interview_id, moment)
        self.session.generate_reply(instructions=cue(moment))

    async def llm_node(
        self, chat_ctx: llm.ChatContext, tools: list[llm.Tool], model_settings: ModelSettings
    ) -> AsyncIterable[llm.ChatChunk | str]:
        cues = cues_of(chat_ctx)
        if self.ending is not None and self.ending.begun and not {"closing", "closing_quiet"} & set(cues):
            return  # the goodbye has been said or is being said: nothing more
        self.progress.sync(messages_of(chat_ctx), self.clock.now())
        chat_ctx.add_message(role="system", content=turn_context(self.config, self.progress, self.clock))
        spoken_text, tag, pending = "", None, ""
        async for chunk in Agent.default.llm_node(self, chat_ctx, tools, model_settings):
            if isinstance(chunk, llm.ChatChunk) and chunk.delta is not None:
                for call in chunk.delta.tool_calls or ():
                    if call.name == "end_interview" and self.ending is not None:
                        self.ending.begin(*_end_arguments(call.arguments))
                if chunk.delta.content:
                    pending += chunk.delta.content
                    clean, pending, found = _strip_tags(pending)
                    tag = tag if found is None else found
                    spoken_text += clean
                    chunk.delta.content = clean
            elif isinstance(chunk, str):
                pending += chunk
                clean, pending, found = _strip_tags(pending)
                tag = tag if found is None else found
                spoken_text += clean
                chunk = clean
            yield chunk
        if pending:
            spoken_text += pending
            yield pending
        if tag is not None and 0 < tag <= len(self.progress.states):
            self.progress.note(spoken_text, tag - 1, "ask", self.clock.now())

    @function_tool
    async def end_interview(self, context: RunContext, reason: EndReason, note: str = "") -> None:
        """End the interview, after you have thanked the respondent and said goodbye in the same reply.

        Call it when the respondent wants to stop (they say they have to go, ask to finish or stop, or say goodbye):
        reason "respondent_wants_to_stop", at once, without asking anything more. Call it when the guide is covered
        and the respondent has nothing to add (reason "guide_covered"), or when you were told that time is up
        (reason "time_is_up").

        Args:
            reason: why the interview ends: guide_covered, respondent_wants_to_stop, time_is_up or respondent_silent.
            note: one short sentence for the researcher's record on why it ended, e.g. what the respondent said.
        """
        if self.ending is not None:
            self.ending.begin(reason, note)
            await context.wait_for_playout()
            await self.ending.finish()
        elif self._on_end is not None:
            await context.wait_for_playout()
            await self._on_end("agent_end")


def _end_arguments(raw: str) -> tuple[str, str]:
    import json

    try:
        data = json.loads(raw or "{}")
    except ValueError:
        data = {}
    return str(data.get("reason") or "guide_covered"), str(data.get("note") or "")


def _strip_tags(text: str) -> tuple[str, str, int | None]:
    """Take `[Q2]` tags out of streamed text. Answer the clean text, what must wait for more text (a tag may be cut
    between chunks), and the last tag's number."""
    found = None
    for m in TAG.finditer(text):
        found = int(m.group(1))
    clean = TAG.sub("", text)
    cut = clean.rfind("[")
    if cut != -1 and len(clean) - cut <= 6 and "]" not in clean[cut:]:
        return clean[:cut], clean[cut:], found
    return clean, "", found
