"""The part of every report that is counted and quoted, not written: built from the answers by question.

Per guide question: how many respondents answered it, each outcome's count, every answer side by side with its
respondent's label, and the most specific answers as quotes (whole respondent turns, linked to the record). Then the
questions respondents asked themselves (open questions), and the guide questions fewer than half answered. Without a
language model this is the whole report; with one, the model's summary, themes and contrasts are added to it.
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from control_plane.answers.schemas import AnswerGrid
from control_plane.answers.services import Study

QUOTES_PER_QUESTION = 2
MAX_OPEN_QUESTIONS = 10
_WORD = re.compile(r"[^\W\d_]{4,}")
_NUMBER = re.compile(r"\d")
_ASKED = re.compile(r"[^.!?…\n]*[^\W_][^.!?…\n]*\?")
_COMMON = set(
    "about after again also because been before being could does doing done every from going have just know like "
    "maybe more most much only other really should some something than that their them then there these they thing "
    "things think this those through very want well were what when which while will with would yeah your "
    "было быть буду будет вообще всегда если есть знаю когда которые могу может можно наверное нужно очень потому "
    "просто теперь тоже чтобы этого этот".split()
)


def specificity(text: str) -> float:
    """How much an answer says: its distinct uncommon words, figures, and a little for length."""
    words = {w for w in _WORD.findall(text.casefold()) if w not in _COMMON}
    return len(words) + 2 * min(3, len(_NUMBER.findall(text))) + len(text) / 200


def attribution(study: Study, record_id: UUID) -> dict[str, str]:
    respondent = study.by_record[record_id]
    return {"record": str(record_id), "respondent": respondent.label, "email": respondent.email}


def _turn_quotes(study: Study, record_id: UUID, seqs: list[int]) -> list[dict[str, Any]]:
    turns = study.turns.get(record_id, {})
    return [
        {**attribution(study, record_id), "seq": s, "text": turns[s]["text"].strip()}
        for s in seqs
        if s in turns and turns[s]["speaker"] == "respondent" and turns[s]["text"].strip()
    ]


def by_question(study: Study, grid: AnswerGrid) -> list[dict[str, Any]]:
    questions = []
    for row in grid.questions:
        answers, candidates = [], []
        for answer in row.answers:
            if answer.outcome is None:
                continue
            answers.append(
                {
                    **attribution(study, answer.record_id),
                    "outcome": answer.outcome,
                    "text": answer.text,
                    "seqs": answer.answer_seqs,
                }
            )
            if answer.outcome not in ("skipped", "not_reached"):
                candidates += _turn_quotes(study, answer.record_id, answer.answer_seqs)
        quotes, quoted = [], set()
        for quote in sorted(candidates, key=lambda q: specificity(q["text"]), reverse=True):
            if quote["record"] not in quoted and len(quotes) < QUOTES_PER_QUESTION:
                quotes.append(quote)
                quoted.add(quote["record"])
        questions.append(
            {
                "index": row.index,
                "question": row.question,
                "coverage": {"answered": row.coverage.answered, "of": row.coverage.of},
                "outcomes": row.outcomes,
                "answers": answers,
                "quotes": quotes,
            }
        )
    return questions


def questions_respondents_asked(study: Study) -> list[dict[str, Any]]:
    """Open questions as the respondents put them: the questions in their own turns, word for word."""
    found = []
    for respondent in study.respondents:
        turns = study.turns.get(respondent.record_id, {})
        for seq in sorted(turns):
            if turns[seq]["speaker"] != "respondent":
                continue
            for asked in _ASKED.findall(turns[seq]["text"]):
                if len(asked.split()) >= 3:
                    found.append({**attribution(study, respondent.record_id), "seq": seq, "text": asked.strip()})
    return found[:MAX_OPEN_QUESTIONS]


def from_answers(study: Study, grid: AnswerGrid) -> dict[str, Any]:
    questions = by_question(study, grid)
    answered = sum(q["coverage"]["answered"] for q in questions)
    return {
        "overview": {
            "interviews": len(study.respondents),
            "questions": len(questions),
            "answered": answered,
            "possible": len(questions) * len(study.respondents),
        },
        "respondents": [
            {"label": r.label, "email": r.email, "record": str(r.record_id), "alignment": r.alignment}
            for r in study.respondents
        ],
        "questions": questions,
        "open_questions": questions_respondents_asked(study),
        "guide_gaps": [
            {"index": q["index"], "question": q["question"], **q["coverage"]}
            for q in questions
            if q["coverage"]["answered"] * 2 < q["coverage"]["of"]
        ],
    }
