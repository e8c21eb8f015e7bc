"""The interview guide as questions: parsed once, in the guide's own language, with each question's probes.

A listed guide's items are its questions; indented items and `Probe:` lines under an item are that question's
probes; a guide written as prose is asked sentence by sentence. An item that asks two things at once ("How often do
you cook, and what do you make?") becomes two questions, asked one at a time. `indirect()` turns a question into
the words the offline interviewer uses to put it another way ("I'd like to know how often you cook").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MARKER = re.compile(r"^\s*(?:\d+[.)]|[-*•–]|[a-zа-я][.)])\s*", re.I)
_PROBE_LINE = re.compile(r"^\s*(?:probes?|follow[- ]?ups?|зонд\w*|уточн\w*|доп\w*)\s*:\s*", re.I)
_HEADING = re.compile(r"^\s*(?:#+\s|.{0,60}:\s*$)")
# ", and what …" / ", и как …": the second half of a double-barrelled question starts with a question word.
_SECOND_HALF = re.compile(
    r",?\s+(?:and|or)\s+(?=(?:what|how|why|when|where|who|which|do|does|did|is|are|would|could|can|have)\b)"
    r"|,\s*(?:а\s+)?и\s+(?=(?:что|как|почему|зачем|когда|где|кто|какие|какой|какая|какое|сколько|чем|насколько)\b)",
    re.I,
)


@dataclass(frozen=True)
class Question:
    text: str
    probes: tuple[str, ...] = ()


def _split_double(text: str) -> list[str]:
    """One question per thing asked: "How often do you cook, and what do you make?" is two."""
    if not text.rstrip().endswith("?"):
        return [text]
    parts = [p.strip(" ,") for p in _SECOND_HALF.split(text) if p.strip(" ,")]
    if len(parts) < 2 or any(len(p.split()) < 3 for p in parts):
        return [text]
    return [p[0].upper() + p[1:].rstrip("?").rstrip() + "?" for p in parts]


def parse_guide(guide: str) -> list[Question]:
    lines = [line.rstrip() for line in guide.splitlines() if line.strip()]
    if not any(_MARKER.match(line) for line in lines):
        sentences = [s.strip() for s in re.split(r"(?<=[?.!])\s+", guide.strip()) if s.strip()]
        return [Question(q) for s in sentences for q in _split_double(s)]
    questions: list[Question] = []
    for raw in lines:
        indented = raw[:1] in (" ", "\t") and bool(questions)
        stripped = raw.strip()
        if questions and (_PROBE_LINE.match(stripped) or (indented and _MARKER.match(raw))):
            probe = _PROBE_LINE.sub("", _MARKER.sub("", raw).strip()).strip()
            if probe:
                last = questions[-1]
                questions[-1] = Question(last.text, (*last.probes, probe))
        elif _MARKER.match(raw) or stripped.endswith("?"):
            text = _MARKER.sub("", raw).strip()
            if text and not (_HEADING.match(text) and not text.endswith("?")):
                questions.extend(Question(q) for q in _split_double(text))
    return questions


def detect_language(text: str) -> str:
    """ "ru" when a good part of the letters are Cyrillic, else "en"."""
    letters = [c for c in text if c.isalpha()]
    cyrillic = sum("а" <= c.lower() <= "я" or c.lower() == "ё" for c in letters)
    return "ru" if letters and cyrillic / len(letters) > 0.3 else "en"


# Turning a direct question into an indirect one, for "let me put it another way: I'd like to know …".
_EN_WH = r"(?:what|how|why|when|where|who|which|whom|whose)"
_EN_AUX = r"(?:do|does|did|are|is|was|were|have|has|had|can|could|would|will|should)"
_EN_SUBJ = r"(?:you|we|they|he|she|it|your \w+|the \w+)"


def _indirect_en(q: str) -> str | None:
    s = q.strip().rstrip("?.!").strip()
    low = s[0].lower() + s[1:] if s else s
    # "How often do you cook at home" -> "how often you cook at home"; "What is your role" -> "what your role is"
    m = re.match(rf"^({_EN_WH}(?:\s+\w+){{0,2}}?)\s+({_EN_AUX})\s+({_EN_SUBJ})\b\s*(.*)$", low, re.I)
    if m:
        head, aux, subj, rest = m.groups()
        aux_l = aux.lower()
        if aux_l == "did":
            return None  # "why did you choose" needs the past tense of a verb we cannot conjugate
        if aux_l in ("do", "does"):
            return f"know {head} {subj} {rest}".strip()
        if aux_l in ("is", "are", "was", "were") and rest and not re.match(r"^\w+ing\b", rest):
            return f"know {head} {subj} {rest} {aux_l}".strip()
        return f"know {head} {subj} {aux_l} {rest}".strip()
    # "What gets in the way of your plans" (the question word is the subject): the order stays.
    if re.match(rf"^{_EN_WH}\b", low, re.I):
        return f"know {low}"
    m = re.match(rf"^({_EN_AUX})\s+(you|there)\s+(.*)$", low, re.I)
    if m:
        aux, subj, rest = m.groups()
        aux_l = aux.lower()
        if aux_l == "did":
            return None
        if aux_l in ("do", "does"):
            return f"know whether {subj} {rest}"
        return f"know whether {subj} {aux_l} {rest}"
    m = re.match(r"^(?:please\s+)?(?:tell me|talk|describe|walk me through)\s+(?:about\s+)?(.*)$", low, re.I)
    if m and m.group(1):
        return f"hear about {m.group(1)}"
    return None


_RU_WH = r"(?:что|как|почему|зачем|когда|где|куда|откуда|кто|какие|какой|какая|какое|каких|каким|сколько|чем|насколько|в каких|в какой|с какими|о чём|о чем)"


def _indirect_ru(q: str) -> str | None:
    s = q.strip().rstrip("?.!").strip()
    low = s[0].lower() + s[1:] if s else s
    if re.match(rf"^{_RU_WH}\b", low, re.I) or re.search(r"\bли\b", low):
        return f"узнать, {low}"
    m = re.match(r"^вы\s+(\w+)\s*(.*)$", low, re.I)
    if m:
        verb, rest = m.groups()
        return f"узнать, {verb} ли вы {rest}".strip()
    m = re.match(r"^(?:расскажите|опишите)(?:,?\s*пожалуйста,?)?\s+(о|об|про)\s+(.*)$", low, re.I)
    if m:
        return f"услышать {m.group(1)} {m.group(2)}"
    return None


def indirect(question: str, language: str) -> str | None:
    """What the interviewer would like, as a clause after "I'd like to" / "мне хотелось бы" ("know how often you
    cook", "узнать, как вы планируете неделю"), or None when the question cannot be turned that way."""
    return (_indirect_ru if language == "ru" else _indirect_en)(question)
