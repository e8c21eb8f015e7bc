"""Where the interview stands on each guide question: asked, answered, probed, clarified, skipped, or not reached.

`Progress` reads the conversation in order, one message at a time. An interviewer's line is matched to the guide
question it asks (or is told which, by the offline conductor or by the model's tag), and each reply is classified
(`agent.replies`) against the question it answers. From that it keeps, per question, its status, the turns that asked
it and the respondent's turns on it: what the record shows and what the interviewer is told is still open. It works
the same on a transcript loaded after a worker died, so a resumed interview knows which question lost its answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from agent.guide import Question, indirect
from agent.replies import Reply, classify, content_words, normalise

# While the interview runs a question is pending (not asked yet) or asked (waiting for its answer); it is settled as
# answered, or skipped by the respondent. Its outcome adds how the answer came: after a probe, or a rephrasing.
OPEN = ("pending", "asked")
OUTCOMES = ("answered", "probed", "clarified", "skipped", "not_reached")
# The interviewer's moves on the current question (a line that asks another question moves on).
MOVES = ("ask", "probe", "clarify", "repeat", "deflect", "redirect", "other")


@dataclass
class QuestionState:
    index: int  # 1-based, in the guide's order
    text: str
    status: str = "pending"
    asked_ids: list[str] = field(default_factory=list)  # the messages that asked it (ask, probe, rephrase…)
    answer_ids: list[str] = field(default_factory=list)  # the respondent's messages on it
    asked_at: datetime | None = None
    probes: int = 0
    clarifications: int = 0
    repeats: int = 0
    deflections: int = 0
    redirects: int = 0
    vague: int = 0
    off_topic: int = 0
    last_reply: Reply | None = None
    last_reply_words: int = 0

    @property
    def open(self) -> bool:
        return self.status in OPEN

    @property
    def outcome(self) -> str:
        if self.status == "answered":
            return "probed" if self.probes else "clarified" if self.clarifications else "answered"
        return self.status

    def as_api(self, seqs: dict[str, int], final: bool = False) -> dict[str, Any]:
        return {
            "index": self.index,
            "question": self.text,
            "outcome": "not_reached" if final and self.open else self.outcome,
            "asked_seqs": [seqs[i] for i in self.asked_ids if i in seqs],
            "answer_seqs": [seqs[i] for i in self.answer_ids if i in seqs],
        }


@dataclass
class _Note:
    text: str
    question: int | None
    move: str
    at: datetime | None


class Progress:
    def __init__(self, questions: list[Question], language: str, context: str = "") -> None:
        self.questions = questions
        self.language = language
        self.context = context
        self.states = [QuestionState(i + 1, q.text) for i, q in enumerate(questions)]
        self.current: int | None = None  # 0-based index of the question being asked
        self.seen: list[str] = []
        self._seen_ids: set[str] = set()
        self._seqs: dict[str, int] = {}
        self._notes: list[_Note] = []
        self.last_agent = ""
        self.last_move = "other"
        self.last_reply: Reply | None = None
        self.replies = 0
        self.changed = False
        self.respondent_languages: list[str] = []
        self.hints: dict[int, int] = {}  # seq of an agent turn -> the question it asked (0-based), from the record

    # What the conversation says.

    @property
    def open(self) -> list[int]:
        return [i for i, s in enumerate(self.states) if s.open]

    @property
    def pending(self) -> list[int]:
        return [i for i, s in enumerate(self.states) if s.status == "pending"]

    def state(self, index: int | None) -> QuestionState | None:
        return self.states[index] if index is not None else None

    def note(self, text: str, question: int | None, move: str, at: datetime | None = None) -> None:
        """Say what a line about to be spoken does: which question (0-based) it asks, and how."""
        self._notes.append(_Note(normalise(text), question, move, at))
        del self._notes[:-4]

    def seq(self, item_id: str, seq: int) -> None:
        """The transcript's number for a message, given when it is posted."""
        if self._seqs.get(item_id) != seq:
            self._seqs[item_id] = seq
            self.changed = True

    def sync(self, messages: list[tuple[str, str, str]], now: datetime | None = None) -> None:
        """Read the messages (id, role, text) not read yet, in order."""
        for item_id, role, text in messages:
            if item_id in self._seen_ids or not text.strip():
                continue
            self._seen_ids.add(item_id)
            if role == "assistant":
                self.agent_said(text, item_id, now)
            elif role == "user":
                self.respondent_said(text, item_id)

    def agent_said(self, text: str, item_id: str, now: datetime | None = None) -> None:
        norm = normalise(text)
        note = next(
            (n for n in self._notes if n.text and (norm.startswith(n.text[:60]) or n.text.startswith(norm))), None
        )
        if note is not None:
            self._notes.remove(note)
            question, move, at = note.question, note.move, note.at or now
        else:
            seq = self._seqs.get(item_id)
            question = self.hints.get(seq) if seq is not None else None
            if question is None:
                question = self.match(text)
            if question is not None and question == self.current and self.states[question].open:
                move = self._inferred_move(text, again=True)
            else:
                move = "ask" if question is not None else self._inferred_move(text)
            at = now
        self.last_agent, self.last_move = text, move
        if move == "anything_else":
            self._leave_current()
            self.current = None
        elif question is not None and question != self.current:
            self._leave_current()
            self.current = question
            state = self.states[question]
            state.status = "asked" if state.open else state.status
            state.asked_at = at
            state.asked_ids.append(item_id)
            self.last_move = "ask"
        elif self.current is not None:
            state = self.states[self.current]
            if move in ("ask", "repeat") and question == self.current:
                state.repeats += move == "repeat"
            elif move == "probe":
                state.probes += 1
            elif move == "clarify":
                state.clarifications += 1
            elif move == "deflect":
                state.deflections += 1
            elif move == "redirect":
                state.redirects += 1
            if move != "other":
                state.asked_ids.append(item_id)
        self.changed = True

    def _inferred_move(self, text: str, again: bool = False) -> str:
        """What a line that asks no guide question does, for a model that says only which question it asks: read
        from the reply it answers (a follow-up to a vague answer is a probe, to "what do you mean?" a rephrasing)."""
        state = self.state(self.current)
        if state is None or state.last_reply is None or not state.open:
            return "repeat" if again else "other"
        kind = state.last_reply.kind
        if kind in ("vague", "answer"):
            return "probe" if "?" in text and not again else ("repeat" if again else "other")
        return {"clarify": "clarify", "repeat": "repeat", "question_back": "deflect", "off_topic": "redirect"}.get(
            kind, "repeat" if again else "other"
        )

    def _leave_current(self) -> None:
        """Moving to another question settles the current one: answered if it got answers, skipped if it got only
        non-answers, and still pending if the respondent never spoke to it."""
        state = self.state(self.current)
        if state is None or not state.open:
            return
        if state.answer_ids:
            state.status = "answered" if state.last_reply is None or state.last_reply.kind != "refusal" else "skipped"
        elif state.last_reply is not None:
            state.status = "skipped"
        else:
            state.status = "pending"

    def respondent_said(self, text: str, item_id: str) -> Reply:
        state = self.state(self.current)
        question = state.text if state else ""
        guide = " ".join(q.text + " " + " ".join(q.probes) for q in self.questions)
        reply = classify(text, question=question, context=f"{self.context} {guide}", said=self.last_agent)
        self.last_reply = reply
        self.replies += 1
        if reply.content_words >= 3 or reply.kind not in ("vague", "repeat"):
            self.respondent_languages.append(reply.language)
        if state is None:
            return reply
        state.last_reply = reply
        state.last_reply_words = len(text.split())
        if reply.kind == "answer":
            state.answer_ids.append(item_id)
            if state.open:
                state.status = "answered"
        elif reply.kind == "vague":
            state.answer_ids.append(item_id)
            state.vague += 1
            if state.open and (state.probes or state.clarifications):
                state.status = "answered"
        elif reply.kind == "refusal":
            state.answer_ids.append(item_id)
            if state.open:
                state.status = "skipped"
        elif reply.kind == "off_topic":
            state.off_topic += 1
        self.changed = True
        return reply

    # Matching a line to the question it asks.

    def match(self, text: str) -> int | None:
        """The guide question a line asks: its words verbatim, its rephrasing, or (for a model's own wording) most
        of its content words."""
        norm = f" {normalise(text)} "
        for i, q in enumerate(self.questions):
            if f" {normalise(q.text)} " in norm:
                return i
        for i, q in enumerate(self.questions):
            clause = indirect(q.text, self.language)
            if clause and f" {normalise(clause)} " in norm:
                return i
        words = set(content_words(normalise(text)))
        best, best_score = None, 0.0
        for i, q in enumerate(self.questions):
            wanted = set(content_words(normalise(q.text)))
            if len(wanted) < 2:
                continue
            score = len(wanted & words) / len(wanted)
            if score > best_score:
                best, best_score = i, score
        return best if best_score >= 0.6 else None

    # What the record keeps.

    def outcomes(self, final: bool = False) -> list[dict[str, Any]]:
        return [s.as_api(self._seqs, final) for s in self.states]

    def load(self, stored: list[dict[str, Any]]) -> None:
        """Hints from what the control plane holds: which agent turn asked which question."""
        for item in stored:
            index = int(item.get("index", 0)) - 1
            if 0 <= index < len(self.states) and _same(item.get("question", ""), self.states[index].text):
                for seq in item.get("asked_seqs") or ():
                    self.hints.setdefault(int(seq), index)


def _same(a: str, b: str) -> bool:
    return re.sub(r"\W+", "", a.lower()) == re.sub(r"\W+", "", b.lower())
