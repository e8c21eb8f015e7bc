"""Turning transcripts into reports: summarise each record (map), then combine the summaries (reduce).

`OpenAIGenerator` asks OpenAI or any OpenAI-compatible server for JSON. Every quote it gives is checked against the
turn it cites (`verify_quotes`): a quote that is not in that turn word for word is dropped and counted, never shown as
if the respondent had said it. Without a model there is no generator: the report is the answers by question alone
(`from_answers`).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any, Protocol

PROMPT_VERSION = "reports-v3"
HERE = Path(__file__).resolve().parent
# A record's summary must fit a small model's context several times over; the transcript is cut past this.
MAX_TRANSCRIPT_CHARS = 24_000


class GenerationFailed(RuntimeError):
    """The model failed or answered something that is not a report; the message says which, in words."""


@cache
def prompt(name: str) -> str:
    return (HERE / "prompts" / f"{name}.md").read_text(encoding="utf-8")


def fill(template: str, **values: str) -> str:
    return re.sub(r"\{(goals|guide|transcript|summaries|questions)\}", lambda m: values[m.group(1)], template)


OUTCOME_WORDS = {
    "answered": "answered",
    "probed": "answered after a probe",
    "clarified": "answered after rephrasing",
    "skipped": "skipped by the respondent",
    "not_reached": "not reached",
}


def questions_text(questions: list[dict[str, Any]]) -> str:
    """The guide questions with what the interview collected on each, as the model reads them."""
    if not questions:
        return "(not recorded)"
    return "\n".join(
        f"{q['index']}. {q['question']} — {OUTCOME_WORDS.get(q['outcome'], q['outcome'])}"
        + (f" (turns {', '.join(map(str, q['answer_seqs']))})" if q.get("answer_seqs") else "")
        for q in questions
    )


def transcript_text(turns: list[dict[str, Any]]) -> str:
    text = "\n".join(f"{t['seq']}, {t['speaker']}: {t['text']}" for t in turns)
    return text[:MAX_TRANSCRIPT_CHARS]


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def verify_quotes(quotes: list[dict[str, Any]], turns_by_record: dict[str, dict[int, str]]) -> tuple[list, int]:
    """Keep the quotes found word for word in the turn they cite; answer them and how many were dropped."""
    kept, dropped = [], 0
    for quote in quotes:
        try:
            turns = turns_by_record[str(quote["record"])]
            turn = turns[int(quote["seq"])]
            text = str(quote["text"]).strip().strip('"“”«»')
        except (KeyError, TypeError, ValueError):
            dropped += 1
            continue
        if text and _norm(text) in _norm(turn):
            kept.append({**quote, "text": text, "seq": int(quote["seq"]), "record": str(quote["record"])})
        else:
            dropped += 1
    return kept, dropped


OFFLINE = "offline-extractive"  # the report's `model` when no language model wrote any of it


class Generator(Protocol):
    model: str

    async def summarise(
        self, goals: str, guide: str, turns: list[dict[str, Any]], questions: list[dict[str, Any]]
    ) -> dict[str, Any]: ...

    async def combine(self, goals: str, summaries: list[dict[str, Any]]) -> dict[str, Any]: ...


class OpenAIGenerator:
    def __init__(self, api_key: str, base_url: str, model: str) -> None:
        from openai import AsyncOpenAI

        self.client = AsyncOpenAI(api_key=api_key, base_url=base_url or None, max_retries=2, timeout=120)
        self.model = model

    async def _json(self, text: str) -> dict[str, Any]:
        try:
            answer = await self.client.chat.completions.create(
                model=self.model,
                messages=[{"role": "user", "content": text}],
                response_format={"type": "json_object"},
                temperature=0.2,
            )
            content = answer.choices[0].message.content or ""
        except Exception as exc:  # noqa: BLE001 - any client error becomes one readable failure
            raise GenerationFailed(f"the model {self.model} could not be reached or refused: {exc}") from exc
        try:
            data = json.loads(content)
        except ValueError:
            raise GenerationFailed(f"the model {self.model} did not answer with JSON") from None
        if not isinstance(data, dict) or not isinstance(data.get("summary"), str):
            raise GenerationFailed(f"the model {self.model} answered JSON without a summary")
        return data

    async def summarise(
        self, goals: str, guide: str, turns: list[dict[str, Any]], questions: list[dict[str, Any]]
    ) -> dict[str, Any]:
        return await self._json(
            fill(
                prompt("summarise_record"),
                goals=goals,
                guide=guide,
                transcript=transcript_text(turns),
                questions=questions_text(questions),
            )
        )

    async def combine(self, goals: str, summaries: list[dict[str, Any]]) -> dict[str, Any]:
        return await self._json(
            fill(prompt("combine_project"), goals=goals, summaries=json.dumps(summaries, ensure_ascii=False))
        )
