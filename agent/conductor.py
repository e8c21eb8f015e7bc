"""The offline interviewer's brain: a deterministic, guide-driven conductor that speaks as an `llm.LLM`.

No instruction-tuned model worth using ships in a package we may install, so without an API key the interview is
led by this: it parses the guide into questions, greets, asks them in order in the link's language, probes once on
vague answers, repeats on request, moves on from "I don't know", paces against the clock and closes. It works only
from the chat history and the moment's cue, so a resumed interview continues from the next unanswered question.
When the interview is over it calls the `end_interview` tool, as a real model would.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from livekit.agents import llm
from livekit.agents.types import DEFAULT_API_CONNECT_OPTIONS, NOT_GIVEN, APIConnectOptions, NotGivenOr
from livekit.agents.utils import shortuuid

from agent.interview import InterviewConfig
from agent.prompts import cue_name, phrases

END_TOOL = "end_interview"
WRAP_UP_SECONDS = 60
CLOSE_SECONDS = 15
VAGUE_WORDS = 4

_MARKER = re.compile(r"^\s*(?:\d+[.)]|[-*•–]|[a-zа-я][.)])\s*", re.I)
_PROBE_LINE = re.compile(r"^\s*(?:probe|зонд|уточн\w*)\s*:\s*", re.I)
_REPEAT = re.compile(
    r"\b(repeat|say (that|it) again|pardon|didn'?t (hear|catch|get)|what was the question)\b"
    r"|повтор|не расслышал|ещё раз|еще раз|какой был вопрос",
    re.I,
)
_DONT_KNOW = re.compile(
    r"\b(i )?(don'?t|do not) know\b|\bno idea\b|\bnot sure\b|\bcan'?t say\b|не знаю|затрудняюсь|понятия не имею", re.I
)
_ASKS_AGENT = re.compile(
    r"\b(what|how) (about you|do you think)\b|\bwhat'?s your (opinion|view)\b|а вы как|а как вы думаете|ваше мнение",
    re.I,
)
_NOTHING_MORE = re.compile(r"^\W*(no|nope|nothing|that'?s (all|it)|нет|ничего|всё|все)\b", re.I)


@dataclass(frozen=True)
class Question:
    text: str
    probes: tuple[str, ...] = ()


def parse_guide(guide: str) -> list[Question]:
    """A listed guide's items are its questions, indented or 'Probe:' lines their probes; a guide written as prose
    is asked sentence by sentence."""
    lines = [line for line in guide.splitlines() if line.strip()]
    if not any(_MARKER.match(line) for line in lines):
        return [Question(s.strip()) for s in re.split(r"(?<=[?.!])\s+", guide.strip()) if s.strip()]
    questions: list[Question] = []
    for raw in lines:
        indented = raw[:1] in (" ", "\t") and questions
        if questions and (_PROBE_LINE.match(raw.strip()) or (indented and _MARKER.match(raw))):
            probe = _PROBE_LINE.sub("", _MARKER.sub("", raw).strip()).strip()
            last = questions[-1]
            questions[-1] = Question(last.text, (*last.probes, probe))
        elif _MARKER.match(raw) or raw.strip().endswith("?"):
            questions.append(Question(_MARKER.sub("", raw).strip()))
    return questions


def detect_language(text: str) -> str:
    letters = [c for c in text if c.isalpha()]
    cyrillic = sum("а" <= c.lower() <= "я" or c.lower() == "ё" for c in letters)
    return "ru" if letters and cyrillic / len(letters) > 0.3 else "en"


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


@dataclass
class Conversation:
    """What the history says: which questions were asked, what was last said by whom."""

    agent_lines: list[str] = field(default_factory=list)
    last_agent: str = ""
    answer: str = ""
    respondent_text: str = ""


def read_history(chat_ctx: llm.ChatContext) -> tuple[Conversation, str | None]:
    conv = Conversation()
    cue = None
    items = [i for i in chat_ctx.items if isinstance(i, llm.ChatMessage)]
    answer_parts: list[str] = []
    for item in items:
        text = item.text_content or ""
        if item.role == "assistant" and text:
            conv.agent_lines.append(text)
            conv.last_agent = text
            answer_parts = []
        elif item.role == "user" and text:
            answer_parts.append(text)
            conv.respondent_text += " " + text
    conv.answer = " ".join(answer_parts).strip()
    if items and items[-1].role == "system":
        cue = cue_name(items[-1].text_content or "")
    return conv, cue


class Conductor:
    def __init__(self, config: InterviewConfig, now=lambda: datetime.now(UTC)) -> None:
        self.config = config
        self.questions = parse_guide(config.interview_guide)
        self.now = now

    def language(self, conv: Conversation) -> str:
        if self.config.language in ("en", "ru"):
            return self.config.language
        return detect_language(conv.answer or conv.respondent_text) if conv.respondent_text.strip() else "en"

    def line(self, key: str, lang: str, conv: Conversation, **values: str) -> str:
        variants = phrases()[key].get(lang) or phrases()[key]["en"]
        used = sum(
            any(_norm(v.split("{")[0]) in _norm(a) for v in variants if v.split("{")[0].strip())
            for a in conv.agent_lines
        )
        text = variants[used % len(variants)]
        for name, value in values.items():
            text = text.replace("{" + name + "}", value)
        return text

    def asked(self, conv: Conversation) -> list[int]:
        said = [_norm(a) for a in conv.agent_lines]
        return [i for i, q in enumerate(self.questions) if any(_norm(q.text) in a for a in said)]

    def _said(self, key: str, conv: Conversation, lang: str) -> bool:
        stems = [_norm(v.split("{")[0]) for v in phrases()[key].get(lang, []) + phrases()[key]["en"]]
        return any(stem and stem in _norm(conv.last_agent) for stem in stems)

    def reply(self, chat_ctx: llm.ChatContext) -> tuple[str, bool]:
        """The next thing to say, and whether the interview ends with it."""
        conv, cue = read_history(chat_ctx)
        lang = self.language(conv)
        asked = self.asked(conv)
        upcoming = [i for i in range(len(self.questions)) if i not in asked]
        current = self.questions[asked[-1]].text if asked else (self.questions[0].text if self.questions else "")
        nxt = self.questions[upcoming[0]].text if upcoming else None
        left = (self.config.ends_at - self.now()).total_seconds()

        if cue == "closing" or (cue is None and left < CLOSE_SECONDS and conv.agent_lines):
            return self.line("closing", lang, conv), True
        if cue == "check_in":
            return self.line("check_in", lang, conv), False
        if cue == "resume":
            if nxt:
                return self.line("resume", lang, conv, question=nxt), False
            return self.line("resume_done", lang, conv), False
        if cue == "greeting" or not conv.agent_lines:
            topics = ", ".join(self.config.topics)
            topic_part = self.line("topics", lang, conv, topics=topics) if topics else ""
            first = nxt or ""
            return self.line(
                "greeting", lang, conv, minutes=str(self.config.duration_minutes), topics=topic_part, question=first
            ), False
        if cue == "time_warning":
            if nxt:
                return self.line("last_question", lang, conv, question=nxt), False
            return self.line("anything_else", lang, conv), False

        answer = conv.answer
        if self._said("anything_else", conv, lang) or self._said("last_question", conv, lang):
            if not answer or _NOTHING_MORE.match(answer) or self._said("last_question", conv, lang):
                return self.line("closing", lang, conv), True
            return self.line("closing", lang, conv), True
        if _REPEAT.search(answer):
            return self.line("repeat", lang, conv, question=current), False
        if _ASKS_AGENT.search(answer):
            return self.line("agent_speaks", lang, conv, question=current), False
        if _DONT_KNOW.search(answer) and len(answer.split()) <= 8:
            return (
                (self.line("dont_know", lang, conv, question=nxt), False)
                if nxt
                else (self.line("anything_else", lang, conv), False)
            )
        last_was_question = asked and _norm(self.questions[asked[-1]].text) in _norm(conv.last_agent)
        if last_was_question and len(answer.split()) <= VAGUE_WORDS:
            probes = self.questions[asked[-1]].probes
            return (probes[0] if probes else self.line("probe", lang, conv)), False
        if nxt is None:
            return self.line("anything_else", lang, conv), False
        if left < WRAP_UP_SECONDS:
            return self.line("last_question", lang, conv, question=nxt), False
        return self.line("next", lang, conv, question=nxt), False


class ConductorLLM(llm.LLM):
    def __init__(self, config: InterviewConfig, now=lambda: datetime.now(UTC)) -> None:
        super().__init__()
        self.conductor = Conductor(config, now)

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
        return ConductorStream(self, chat_ctx=chat_ctx, tools=tools or [], conn_options=conn_options)


class ConductorStream(llm.LLMStream):
    async def _run(self) -> None:
        text, end = self._llm.conductor.reply(self._chat_ctx)
        request_id = shortuuid("conductor_")
        self._event_ch.send_nowait(llm.ChatChunk(id=request_id, delta=llm.ChoiceDelta(role="assistant", content=text)))
        names = {getattr(t, "id", None) or getattr(getattr(t, "info", None), "name", None) for t in self._tools}
        if end and END_TOOL in names:
            call = llm.FunctionToolCall(name=END_TOOL, arguments="{}", call_id=shortuuid("call_"))
            self._event_ch.send_nowait(
                llm.ChatChunk(id=request_id, delta=llm.ChoiceDelta(role="assistant", tool_calls=[call]))
            )
