"""The offline interviewer's brain: a deterministic, guide-driven conductor that speaks as an `llm.LLM`.

No instruction-tuned model worth using ships in a package we may install, so without a model the interview is led
by this. It keeps each guide question open until it is really answered (`agent.progress`), reads every reply before
moving on (`agent.replies`) and answers it the way a careful interviewer would: a fitting probe for a vague answer,
the question in other words for "what do you mean?" or a digression, a neutral deflection for a question back, a
respectful move on after a refusal, and thanks, goodbye and the end at once when the respondent wants to stop. It
paces itself against the clock (`agent.timing`): a question that takes far more than its share is closed politely,
the wrap-up takes the place of the next question, and it does not close while questions and time remain.

It cannot translate, so it speaks the guide's language from greeting to goodbye, whatever the link says (the
researcher is warned when creating such links). It works only from the chat history, the moment's cue and the
clock, so a resumed interview asks again the question whose answer was lost. When the interview is over it calls
the `end_interview` tool with its reason, as a model would.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from livekit.agents import llm
from livekit.agents.types import DEFAULT_API_CONNECT_OPTIONS, NOT_GIVEN, APIConnectOptions, NotGivenOr
from livekit.agents.utils import shortuuid

from agent.guide import detect_language, indirect, parse_guide
from agent.interview import InterviewConfig
from agent.progress import Progress
from agent.prompts import cue_name, phrases
from agent.timing import SHORT_INTERVIEW_MINUTES, Clock, Pace, SystemClock, pace

END_TOOL = "end_interview"
BRIEF_ANSWER_WORDS = 5
MONOLOGUE_WORDS = 80


@dataclass(frozen=True)
class Decision:
    text: str
    question: int | None = None  # the guide question (0-based) the line asks or works on
    move: str = "other"
    end: str | None = None  # the end_interview reason, when the interview ends with this line
    note: str = ""


def messages_of(chat_ctx: llm.ChatContext) -> list[tuple[str, str, str]]:
    return [
        (m.id, m.role, m.text_content or "")
        for m in chat_ctx.items
        if isinstance(m, llm.ChatMessage) and m.role in ("user", "assistant") and (m.text_content or "").strip()
    ]


def cues_of(chat_ctx: llm.ChatContext) -> list[str]:
    """The cues given for this reply: system messages after the last thing either side said."""
    found: list[str] = []
    for item in reversed(chat_ctx.items):
        if not isinstance(item, llm.ChatMessage):
            continue
        if item.role in ("user", "assistant"):
            break
        if (name := cue_name(item.text_content or "")) is not None:
            found.append(name)
    return found


def interview_language(config: InterviewConfig) -> str:
    """The one language of an offline interview: the guide's, since its questions cannot be translated."""
    return detect_language(config.interview_guide)


GREETINGS = ("greeting", "greeting_short")


def fixed_openings(language: str = "en") -> list[str]:
    """What each greeting says before its first placeholder: the same words for every respondent."""
    return [variant.split("{", 1)[0] for key in GREETINGS for variant in phrases()[key][language]]


def fixed_words(language: str = "en") -> list[str]:
    """What every other line says before its first placeholder ("Thank you. {question}"): the acknowledgements,
    probes and closings every respondent hears."""
    return [
        variant.split("{", 1)[0]
        for key, table in phrases().items()
        if key not in GREETINGS
        for variant in table.get(language, ())
    ]


def new_progress(config: InterviewConfig) -> Progress:
    context = f"{config.research_goals} {' '.join(config.topics)}"
    return Progress(parse_guide(config.interview_guide), interview_language(config), context)


class Conductor:
    def __init__(self, config: InterviewConfig, clock: Clock | None = None, progress: Progress | None = None) -> None:
        self.config = config
        self.clock = clock or SystemClock()
        self.progress = progress or new_progress(config)
        self.lang = interview_language(config)
        self.warned = False
        self.hurry = False
        self.said: list[str] = []

    # Words.

    def line(self, key: str, **values: str) -> str:
        table = phrases()[key]
        variants = table.get(self.lang) or table["en"]
        text = variants[len(self.said) % len(variants)]
        for name, value in values.items():
            text = text.replace("{" + name + "}", value)
        return text.strip()

    def minutes(self) -> str:
        n = self.config.duration_minutes
        if self.lang == "ru":
            form = (
                "минуту"
                if n % 10 == 1 and n % 100 != 11
                else "минуты"
                if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14
                else "минут"
            )
            return f"{n} {form}"
        return f"{n} minute" if n == 1 else f"{n} minutes"

    def question(self, index: int | None) -> str:
        return self.progress.questions[index].text if index is not None else self.line("anything_else")

    def _pace(self) -> Pace:
        state = self.progress.state(self.progress.current)
        return pace(
            self.clock.now(),
            self.config.ends_at,
            self.config.duration_minutes,
            len(self.progress.open),
            state.asked_at if state else None,
        )

    def _next_open(self) -> int | None:
        """The next question still pending, in the guide's order after the current one, then any earlier one."""
        pending = self.progress.pending
        current = self.progress.current if self.progress.current is not None else -1
        later = [i for i in pending if i > current]
        return (later or pending or [None])[0]

    # The moves.

    def decide(self, chat_ctx: llm.ChatContext) -> Decision:
        now = self.clock.now()
        self.progress.sync(messages_of(chat_ctx), now)
        self.said = [text for _, role, text in messages_of(chat_ctx) if role == "assistant"]
        cues = cues_of(chat_ctx)
        p = self._pace()
        state = self.progress.state(self.progress.current)

        if "closing" in cues:
            return Decision(self.line("closing"), end="time_is_up")
        if "closing_quiet" in cues:
            return Decision(self.line("closing_quiet"), end="respondent_silent")
        if "check_in" in cues:
            return Decision(self.line("check_in"), self.progress.current, "other")
        if "resume" in cues:
            return self._resume()
        if "greeting" in cues or not self.said:
            return self._greeting()

        reply = self.progress.last_reply
        last_was_user = bool(messages_of(chat_ctx)) and messages_of(chat_ctx)[-1][1] == "user"
        if reply is None or not last_was_user:
            # Asked to speak with nothing new from the respondent: put the current question again.
            return Decision(
                self.line("repeat", question=self.question(self.progress.current)), self.progress.current, "repeat"
            )

        if reply.kind == "end":
            return Decision(
                self.line("closing_requested"),
                end="respondent_wants_to_stop",
                note="The respondent asked to end the interview.",
            )
        if p.phase == "over":
            return Decision(self.line("closing"), end="time_is_up")
        if self.progress.last_move == "anything_else" or (state is None and not self.progress.open):
            return Decision(self.line("closing_done"), end="guide_covered")
        if reply.hurry:
            self.hurry = True

        q = self.progress.current
        kind = reply.kind
        if kind == "refusal":
            return self._next("refusal", p)
        if kind == "repeat":
            if state.repeats < 2:
                return Decision(self.line("repeat", question=self.question(q)), q, "repeat")
            return self._rephrase(q)
        if kind == "clarify":
            if state.clarifications < 2:
                return self._rephrase(q)
            return self._next("move_on", p)
        if kind == "question_back":
            if state.deflections < 1:
                return Decision(self.line("deflect", question=self.question(q)), q, "deflect")
            return self._next("move_on", p)
        if kind == "off_topic":
            if state.redirects < 1 and state.open:
                clause = indirect(self.question(q), self.lang)
                if clause:
                    return Decision(self.line("off_topic", clause=clause), q, "redirect")
                return Decision(self.line("off_topic_plain", question=self.question(q)), q, "redirect")
            return self._next("move_on", p)
        if kind == "hurry":
            return Decision(self.line("hurry", question=self.question(q)), q, "repeat")
        if kind == "vague":
            if self._may_probe(state, p):
                return self._probe(q, dont_know=reply.content_words == 0 and state.vague == 1)
            return self._next("next", p)
        # A real answer.
        if p.overrun and (state.last_reply_words >= MONOLOGUE_WORDS or p.spent > 2.5 * max(p.share, 20)):
            return self._next("redirect", p)
        if (
            state.last_reply_words <= BRIEF_ANSWER_WORDS
            and self._may_probe(state, p)
            and self.progress.questions[q].probes
        ):
            return self._probe(q)
        return self._next("deflect_then_next" if reply.asks_back else "next", p)

    def _may_probe(self, state, p: Pace) -> bool:
        return (
            state is not None
            and state.probes == 0
            and not self.hurry
            and p.phase == "run"
            and not p.overrun
            and p.share >= 30
        )

    def _probe(self, q: int, dont_know: bool = False) -> Decision:
        guide_probes = self.progress.questions[q].probes
        used = self.progress.states[q].probes
        if guide_probes and used < len(guide_probes):
            return Decision(guide_probes[used], q, "probe")
        return Decision(self.line("probe_dont_know" if dont_know else "probe"), q, "probe")

    def _rephrase(self, q: int) -> Decision:
        clause = indirect(self.question(q), self.lang)
        if clause:
            return Decision(self.line("clarify", clause=clause), q, "clarify")
        return Decision(self.line("clarify_plain", question=self.question(q)), q, "clarify")

    def _next(self, key: str, p: Pace) -> Decision:
        """Move on: to the next open question, with the wrap-up in its place near the end, or to the close."""
        nxt = self._next_open()
        if nxt is None:
            if not p.room_for_another and p.phase != "run":
                return Decision(self.line("closing_done"), end="guide_covered")
            return Decision(self.line(key, question=self.line("anything_else")), None, "anything_else")
        if p.phase == "wrap_up" or not p.room_for_another:
            if not p.room_for_another:
                return Decision(self.line("closing"), end="time_is_up")
            if not self.warned:
                self.warned = True
                return Decision(self.line("last_question", question=self.question(nxt)), nxt, "ask")
            return Decision(self.line("one_more", question=self.question(nxt)), nxt, "ask")
        return Decision(self.line(key, question=self.question(nxt)), nxt, "ask")

    def _greeting(self) -> Decision:
        first = self._next_open()
        if self.config.duration_minutes <= SHORT_INTERVIEW_MINUTES:
            return Decision(
                self.line("greeting_short", minutes=self.minutes(), question=self.question(first)),
                first,
                "ask",
            )
        topics = [t for t in self.config.topics if detect_language(t) == self.lang]
        topic_part = self.line("topics", topics=", ".join(topics)) if topics else ""
        return Decision(
            self.line("greeting", minutes=self.minutes(), topics=topic_part, question=self.question(first)),
            first,
            "ask",
        )

    def _resume(self) -> Decision:
        """Back after a lost worker: the question whose answer was not recorded is asked again, else the next one."""
        state = self.progress.state(self.progress.current)
        if state is not None and state.status == "asked" and not state.answer_ids:
            return Decision(self.line("resume_again", question=state.text), self.progress.current, "ask")
        nxt = self._next_open()
        if nxt is None:
            return Decision(self.line("resume_done"), None, "anything_else")
        return Decision(self.line("resume", question=self.question(nxt)), nxt, "ask")

    def reply(self, chat_ctx: llm.ChatContext) -> Decision:
        decision = self.decide(chat_ctx)
        self.progress.note(decision.text, decision.question, decision.move, self.clock.now())
        return decision


class ConductorLLM(llm.LLM):
    def __init__(self, config: InterviewConfig, clock: Clock | None = None, progress: Progress | None = None) -> None:
        super().__init__()
        self.conductor = Conductor(config, clock, progress)

    @property
    def model(self) -> str:
        return "guide-conductor"

    @property
    def provider(self) -> str:
        return "offline"

    def chat(
        self,
        *,
        chat_ctx: llm.ChatContext,
        tools: list[llm.Tool] | None = None,
        conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS,
        parallel_tool_calls: NotGivenOr[bool] = NOT_GIVEN,
        tool_choice: NotGivenOr[llm.ToolChoice] = NOT_GIVEN,
        extra_kwargs: NotGivenOr[dict] = NOT_GIVEN,
    ) -> llm.LLMStream:
        stream = ConductorStream(self, chat_ctx=chat_ctx, tools=tools or [], conn_options=conn_options)
        stream.tool_choice = tool_choice
        return stream


class ConductorStream(llm.LLMStream):
    tool_choice: NotGivenOr[llm.ToolChoice] = NOT_GIVEN

    async def _run(self) -> None:
        decision = self._llm.conductor.reply(self._chat_ctx)
        request_id = shortuuid("conductor_")
        self._event_ch.send_nowait(
            llm.ChatChunk(id=request_id, delta=llm.ChoiceDelta(role="assistant", content=decision.text))
        )
        names = {getattr(t, "id", None) or getattr(getattr(t, "info", None), "name", None) for t in self._tools}
        # A reply asked for without tools (the clock's or the presence check's goodbye) only speaks: the one who
        # asked for it ends the interview.
        if decision.end and END_TOOL in names and self.tool_choice != "none":
            arguments = json.dumps({"reason": decision.end, "note": decision.note})
            call = llm.FunctionToolCall(name=END_TOOL, arguments=arguments, call_id=shortuuid("call_"))
            self._event_ch.send_nowait(
                llm.ChatChunk(id=request_id, delta=llm.ChoiceDelta(role="assistant", tool_calls=[call]))
            )
