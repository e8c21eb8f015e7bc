"""What one interview is, as the control plane tells the worker.

Parsed once from `GET /api/agent/interviews/{id}` into frozen values; everything in the worker that needs the goals,
the guide, the clock or the transcript so far reads it from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Turn:
    seq: int
    speaker: str  # "agent" | "respondent"
    text: str
    started_at: datetime
    ended_at: datetime

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Turn:
        return cls(
            seq=int(data["seq"]),
            speaker=data["speaker"],
            text=data["text"],
            started_at=datetime.fromisoformat(data["started_at"]),
            ended_at=datetime.fromisoformat(data["ended_at"]),
        )


@dataclass(frozen=True)
class InterviewConfig:
    interview_id: str
    room: str
    status: str
    research_goals: str
    interview_guide: str
    topics: tuple[str, ...]
    language: str  # "auto" | "en" | "ru"
    voice: str
    duration_minutes: int
    started_at: datetime
    ends_at: datetime
    turns: tuple[Turn, ...] = ()
    # Where each guide question stood when the interview was loaded (after a worker died): index, outcome, seqs.
    questions: tuple[dict[str, Any], ...] = ()

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> InterviewConfig:
        return cls(
            interview_id=str(data["interview_id"]),
            room=data["room"],
            status=data["status"],
            research_goals=data["research_goals"],
            interview_guide=data["interview_guide"],
            topics=tuple(data.get("topics") or ()),
            language=data["language"],
            voice=data["voice"],
            duration_minutes=int(data["duration_minutes"]),
            started_at=datetime.fromisoformat(data["started_at"]),
            ends_at=datetime.fromisoformat(data["ends_at"]),
            turns=tuple(Turn.from_api(t) for t in data.get("turns") or ()),
            questions=tuple(data.get("questions") or ()),
        )

    @property
    def next_seq(self) -> int:
        return max((t.seq for t in self.turns), default=0) + 1
