"""Scoring one interview run: what the interviewer said, judged from the text and from what the control plane holds.

The judge reads the guide's questions and the agent's lines as a researcher would: which guide question a line asks
(its words, or with `strict=False` for a model's own wording, most of its content words), whether it probes,
repeats, rephrases, deflects, checks in or says goodbye. Every check is a line in the score table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from agent.guide import Question, detect_language, parse_guide
from tests.agent.evals.scenarios import Say, Scenario, Silent

GOODBYE = re.compile(r"\bgood ?bye\b|\bbye\b|до свидания|всего доброго|всего хорошего", re.I)
CHECK_IN = re.compile(r"still there|are you there|ещё здесь|еще здесь|вы здесь|вы меня слышите", re.I)
DEFLECT = re.compile(
    r"rather than (share|give) (mine|my)|your (own )?views?\b|your opinion|ваше мнение|не делиться|услышать вас", re.I
)
PRAISE = re.compile(r"helpful|thanks for sharing|great (answer|point)|excellent|полезно|отлично|замечательно", re.I)
HASTE = re.compile(r"short|brief|quick|покороче|коротк|кратк|быстр", re.I)
MOVE_ON = re.compile(r"time for the other|move on|next question|успели|дальше|перейд|следующ", re.I)
ANYTHING_ELSE = re.compile(r"anything else|что-нибудь добавить|что-то добавить", re.I)
OTHER_WORDS = re.compile(r"another way|other words|I mean|иначе|другими словами|имею в виду", re.I)
STOP = set(
    "what which when where with your have that this there about would could should does from into ever more most "
    "than then them they their other some like just only also really very will были было быть этот этого которые "
    "когда какие какой чтобы вы вас вам ваш ваши свою свой часто".split()
)


def norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower().replace("ё", "е")))


def stems(text: str) -> set[str]:
    return {w[:5] for w in norm(text).split() if len(w) >= 4 and w not in STOP}


@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""


@dataclass
class Judge:
    questions: list[Question]
    strict: bool = True

    def verbatim(self, line: str, index: int) -> bool:
        return norm(self.questions[index].text) in norm(line)

    def said_as_is(self, line: str, index: int) -> bool:
        """The question is one of the line's sentences, word for word (not worked into a sentence of its own)."""
        wanted = norm(self.questions[index].text)
        return any(norm(s) == wanted for s in re.split(r"(?<=[.!?:])\s+", line))

    def refers(self, line: str, index: int, share: float = 0.5) -> bool:
        wanted = stems(self.questions[index].text)
        return bool(wanted) and len(wanted & stems(line)) / len(wanted) >= share

    def asked(self, line: str) -> list[int]:
        found = [i for i in range(len(self.questions)) if self.verbatim(line, i)]
        if not found and not self.strict:
            found = [i for i in range(len(self.questions)) if self.refers(line, i, 0.6)]
        return found


@dataclass
class Transcript:
    """The run as the judge sees it: the lines in order, the steps that produced them, the control plane's record."""

    scenario: Scenario
    lines: list  # harness.Line
    steps: list[tuple[Say | Silent, int]]  # each step with the number of lines before it
    stored: list[tuple[str, str]]
    stored_seqs: list[int]
    outcomes: list[str]
    completed: list[str]
    notes: list[str]
    started_at: datetime
    duration: int
    checks: list[Check] = field(default_factory=list)


def score(t: Transcript, judge: Judge, speaks: str | None) -> list[Check]:
    checks: list[Check] = []
    agent = [(i, line) for i, line in enumerate(t.lines) if line.speaker == "agent"]

    # The moves answering each step.
    current: int | None = None
    asked_before: set[int] = set()
    step_at = {before: step for step, before in t.steps}
    for i, line in enumerate(t.lines):
        if i in step_at:
            step = step_at[i]
            reply = next((line2 for line2 in t.lines[i:] if line2.speaker == "agent"), None)
            if step.expect:
                ok, why = move(step.expect, reply.text if reply else "", judge, current, asked_before, t)
                checks.append(Check(f"{step.expect} after “{_short(step)}”", ok, why or (reply.text if reply else "")))
            if isinstance(step, Say) and step.expect not in (None, "next", "move_on", "goodbye") and reply:
                checks.append(Check("no praise for a non-answer", not PRAISE.search(reply.text), reply.text))
        if line.speaker == "agent":
            for q in judge.asked(line.text):
                asked_before.add(q)
                current = q

    # Structure.
    many = [line.text for _, line in agent if len(judge.asked(line.text)) > 1]
    checks.append(Check("one guide question per line", not many, "; ".join(many)))
    back_to_back = []
    last_q = None
    for line in t.lines:
        if line.speaker == "respondent":
            last_q = None
        else:
            asked = judge.asked(line.text)
            if asked and last_q is not None and asked[0] != last_q:
                back_to_back.append(line.text)
            if asked:
                last_q = asked[0]
    checks.append(Check("an answer between two questions", not back_to_back, "; ".join(back_to_back)))

    goodbyes = [line for _, line in agent if GOODBYE.search(line.text)]
    ended = bool(t.completed)
    if ended:
        last_agent = agent[-1][1] if agent else None
        checks.append(
            Check(
                "goodbye said once, last",
                len(goodbyes) == 1 and last_agent is goodbyes[0],
                f"{len(goodbyes)} goodbye(s)",
            )
        )
        left = t.duration * 60 - goodbyes[0].at if goodbyes else 0
        open_left = sum(o == "not_reached" for o in t.outcomes)
        early = left >= 30 and open_left > 0 and t.completed[0] == "agent_end" and "silent" not in " ".join(t.notes)
        checks.append(
            Check("no close while questions and time remain", not early, f"{left:.0f} s and {open_left} left")
        )
    else:
        checks.append(
            Check("no goodbye while the interview goes on", not goodbyes, "; ".join(x.text for x in goodbyes))
        )
    want = [t.scenario.reason] if t.scenario.reason else []
    checks.append(Check(f"ended: {t.scenario.reason or 'not yet'}", t.completed == want, str(t.completed)))
    if t.scenario.reason == "respondent":
        checks.append(Check("the reason's note reaches the record", bool(t.notes and t.notes[0]), str(t.notes)))
    if t.scenario.outcomes is not None:
        checks.append(
            Check("question outcomes in the record", t.outcomes == list(t.scenario.outcomes), " ".join(t.outcomes))
        )
    if t.scenario.min_asked:
        asked = {q for _, line in agent for q in judge.asked(line.text)}
        checks.append(
            Check(
                f"at least {t.scenario.min_asked} questions asked", len(asked) >= t.scenario.min_asked, str(len(asked))
            )
        )
    if speaks:
        other = [line.text for _, line in agent if detect_language(line.text) != speaks]
        checks.append(Check(f"every line in {speaks}", not other, "; ".join(other)))
    complete = t.stored_seqs == list(range(1, len(t.stored_seqs) + 1)) and t.stored == [
        ("agent" if line.speaker == "agent" else "respondent", line.text) for line in t.lines
    ]
    checks.append(Check("transcript complete and in order", complete, f"{len(t.stored)} stored, {len(t.lines)} said"))
    if "cut_by_limit" in t.scenario.tags:
        last = t.scenario.steps[-1].text
        said = [line.text for line in t.lines]
        ok = last in said and goodbyes and said.index(last) < said.index(goodbyes[0].text)
        checks.append(Check("the answer cut by the limit is kept, before the goodbye", bool(ok)))
    return checks


def move(
    expect: str, reply: str, judge: Judge, current: int | None, asked_before: set[int], t: Transcript
) -> tuple[bool, str]:
    asked = judge.asked(reply)
    new = [q for q in asked if q not in asked_before]
    same = current is not None and (
        judge.verbatim(reply, current) or (not judge.strict and judge.refers(reply, current))
    )
    refers = current is not None and judge.refers(reply, current)
    if expect == "next":
        left_open = len(asked_before) < len(judge.questions)
        if new:
            return True, ""
        if ANYTHING_ELSE.search(reply) or GOODBYE.search(reply):
            return not left_open or bool(t.completed), "closed or asked for more with questions left"
        return False, f"no new question: {reply}"
    if expect == "guide_probe":
        probes = judge.questions[current].probes if current is not None else ()
        return any(norm(p) in norm(reply) for p in probes) and not new, reply
    if expect == "probe":
        return not new and not same and "?" in reply, reply
    if expect == "repeat":
        return same and not new, reply
    if expect == "rephrase":
        ok = (
            not new
            and current is not None
            and not judge.said_as_is(reply, current)
            and (refers or bool(OTHER_WORDS.search(reply)))
        )
        return ok, reply
    if expect == "redirect":
        return not new and (refers or same) and not PRAISE.search(reply), reply
    if expect == "deflect":
        return bool(DEFLECT.search(reply)) and (same or refers) and not new, reply
    if expect == "keep_short":
        return bool(HASTE.search(reply)) and (same or refers), reply
    if expect == "move_on":
        return bool(new) and bool(MOVE_ON.search(reply)), reply
    if expect == "check_in":
        return bool(CHECK_IN.search(reply)), reply
    if expect == "goodbye":
        return bool(GOODBYE.search(reply)) and bool(t.completed) and "?" not in reply, reply
    raise ValueError(f"unknown move {expect}")


def _short(step: Say | Silent) -> str:
    text = step.text if isinstance(step, Say) else f"{step.seconds:.0f} s of silence"
    return text if len(text) <= 40 else text[:37] + "…"


def judge_for(guide_text: str, strict: bool) -> Judge:
    return Judge(parse_guide(guide_text), strict)
