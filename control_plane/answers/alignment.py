"""Answers of records that have no stored question outcomes (interviews from before the interviewer recorded them):
the guide's questions are found in the interviewer's turns, and the respondent's turns after a question, until the
interviewer asks another one, are its answer.

This is an inference, and the grid says so (`alignment: "from_turns"`); a record where no guide question can be found
in the interviewer's words is shown as not aligned rather than guessed at.
"""

from __future__ import annotations

import re
from typing import Any

_MARKER = re.compile(r"^\s*(?:\d+[.)]|[-*•–]|[a-zа-я][.)])\s*", re.I)
_PROBE_LINE = re.compile(r"^\s*(?:probes?|follow[- ]?ups?|зонд\w*|уточн\w*|доп\w*)\s*:", re.I)
_WORD = re.compile(r"[^\W_]{3,}")
# The share of a question's words an interviewer's turn must contain to count as asking it.
MATCH = 0.6


def guide_questions(guide: str) -> list[str]:
    """The guide's questions: its top-level list items (probes and indented items left out), or its sentences that
    ask something when it is prose."""
    lines = [line.rstrip() for line in guide.splitlines() if line.strip()]
    if any(_MARKER.match(line) for line in lines):
        return [
            _MARKER.sub("", line).strip()
            for line in lines
            if _MARKER.match(line) and line[:1] not in (" ", "\t") and not _PROBE_LINE.match(_MARKER.sub("", line))
        ]
    return [s.strip() for s in re.split(r"(?<=[?.!])\s+", guide.strip()) if s.strip().endswith("?")]


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.casefold()))


def _asks(turn: str, question: str) -> float:
    wanted = _words(question)
    return len(wanted & _words(turn)) / len(wanted) if wanted else 0.0


def align(guide: str, turns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each guide question with the interviewer's turns that asked it and the respondent's turns after them, in the
    shape of stored question outcomes; [] when no question can be found in the interviewer's turns."""
    questions = guide_questions(guide)
    found = [{"asked_seqs": [], "answer_seqs": []} for _ in questions]
    current = None
    for turn in turns:
        if turn["speaker"] == "agent":
            scores = [_asks(turn["text"], q) for q in questions]
            best = max(range(len(questions)), key=scores.__getitem__, default=None)
            if best is not None and scores[best] >= MATCH:
                current = best
                found[current]["asked_seqs"].append(turn["seq"])
        elif current is not None and turn["text"].strip():
            found[current]["answer_seqs"].append(turn["seq"])
    if not any(f["asked_seqs"] for f in found):
        return []
    return [
        {
            "index": i + 1,
            "question": q,
            "outcome": "answered" if f["answer_seqs"] else "not_reached",  # as completion settles an open question
            **f,
        }
        for i, (q, f) in enumerate(zip(questions, found, strict=True))
    ]
