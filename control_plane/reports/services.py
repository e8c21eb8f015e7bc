"""Reports: created on demand, generated in the background, written once when done, scoped by account.

A report is queued, then run by the `ReportRunner` of the control plane process: each record is summarised (map),
the summaries of a project report are combined (reduce), every quote is checked against its turn, and the content is
stored in one update together with the status `done`. A failure stores the reason and leaves no content; asking
again makes a new report. Reports a stopped process left unfinished are run again at start-up.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any
from uuid import UUID

from control_plane.errors import AppError, InvalidInput, NotFound
from control_plane.interviews.services import questions_of, turns_of
from control_plane.projects import services as projects
from control_plane.reports.generator import (
    PROMPT_VERSION,
    ExtractiveGenerator,
    GenerationFailed,
    Generator,
    OpenAIGenerator,
    verify_quotes,
)
from control_plane.reports.schemas import ReportOut
from control_plane.settings import Settings
from control_plane.tables import Link, Record, Report, ReportStatus
from control_plane.timeutil import aware, utcnow

log = logging.getLogger("control_plane.reports")


class NoRecords(AppError):
    status_code = 409
    code = "no_records"
    detail = "There are no completed interviews to report on yet."


def generator_for(settings: Settings) -> Generator:
    if settings.has_model:
        return OpenAIGenerator(settings.llm_api_key, settings.llm_base_url, settings.report_model)
    return ExtractiveGenerator()


def serialise(row: dict[str, Any]) -> ReportOut:
    return ReportOut(
        id=row["id"],
        kind=row["kind"],
        project_id=row["project"],
        record_id=row["record"],
        record_ids=[UUID(r) for r in json.loads(row["record_ids"])],
        status=row["status"],
        progress=row["progress"],
        error=row["error"] or None,
        model=row["model"],
        prompt_version=row["prompt_version"],
        content=json.loads(row["content"]) if row["content"] else None,
        created_at=aware(row["created_at"]),
        finished_at=aware(row["finished_at"]),
    )


async def _record(account_id: UUID, record_id: UUID) -> dict[str, Any]:
    row = await Record.select().where((Record.id == record_id) & (Record.account == account_id)).first()
    if row is None:
        raise NotFound("No such record.")
    return row


async def create_single(account_id: UUID, record_id: UUID, settings: Settings) -> ReportOut:
    record = await _record(account_id, record_id)
    report = Report(
        account=account_id,
        project=record["project"],
        record=record_id,
        kind="single",
        record_ids=json.dumps([str(record_id)]),
        model=generator_for(settings).model,
        prompt_version=PROMPT_VERSION,
    )
    await report.save()
    return await get(account_id, report.id)


async def create_project(
    account_id: UUID, project_id: UUID, record_ids: list[UUID] | None, settings: Settings
) -> ReportOut:
    await projects.get(account_id, project_id)
    rows = await Record.select(Record.id, Record.is_test).where(
        (Record.project == project_id) & (Record.account == account_id)
    )
    available = {r["id"] for r in rows}
    # By default a report covers the respondents' interviews: test interviews only when chosen by id.
    real = sorted((r["id"] for r in rows if not r["is_test"]), key=str)
    chosen = list(dict.fromkeys(record_ids)) if record_ids is not None else real
    unknown = [r for r in chosen if r not in available]
    if unknown:
        # Ids of records this account does not have look exactly like ids that do not exist: 404, unnamed.
        mine = await Record.select(Record.id).where(Record.id.is_in(unknown) & (Record.account == account_id))
        if len(mine) < len(unknown):
            raise NotFound("No such record.")
        raise InvalidInput(f"record_ids: records of another project: {', '.join(str(r) for r in unknown)}")
    if not chosen:
        raise NoRecords()
    report = Report(
        account=account_id,
        project=project_id,
        kind="project",
        record_ids=json.dumps([str(r) for r in chosen]),
        model=generator_for(settings).model,
        prompt_version=PROMPT_VERSION,
    )
    await report.save()
    return await get(account_id, report.id)


async def get(account_id: UUID, report_id: UUID) -> ReportOut:
    row = await Report.select().where((Report.id == report_id) & (Report.account == account_id)).first()
    if row is None:
        raise NotFound("No such report.")
    return serialise(row)


async def list_for_record(account_id: UUID, record_id: UUID) -> list[ReportOut]:
    await _record(account_id, record_id)
    rows = (
        await Report.select()
        .where((Report.record == record_id) & (Report.account == account_id))
        .order_by(Report.created_at, ascending=False)
    )
    return [serialise(r) for r in rows]


async def list_for_project(account_id: UUID, project_id: UUID) -> list[ReportOut]:
    await projects.get(account_id, project_id)
    rows = (
        await Report.select()
        .where((Report.project == project_id) & (Report.account == account_id) & (Report.kind == "project"))
        .order_by(Report.created_at, ascending=False)
    )
    return [serialise(r) for r in rows]


async def _progress(report_id: UUID, percent: int) -> None:
    await Report.update({Report.progress: percent}).where(Report.id == report_id)


async def generate(report_id: UUID, generator: Generator) -> None:
    """Run one report to its end: done with its content, or failed with a reason."""
    row = await Report.select().where(Report.id == report_id).first()
    await Report.update({Report.status: ReportStatus.running.value, Report.progress: 1, Report.error: ""}).where(
        Report.id == report_id
    )
    try:
        content = await _build(row, generator)
    except GenerationFailed as exc:
        log.warning("report %s failed: %s", report_id, exc)
        await _finish(report_id, ReportStatus.failed, error=str(exc))
        return
    except Exception as exc:  # noqa: BLE001 - stored in words for the researcher; the traceback goes to the log
        log.exception("report %s failed", report_id)
        await _finish(
            report_id, ReportStatus.failed, error=f"The report could not be generated ({type(exc).__name__})."
        )
        return
    await _finish(report_id, ReportStatus.done, content=content)
    log.info("report %s done", report_id)


async def _finish(report_id: UUID, status: ReportStatus, *, content: dict | None = None, error: str = "") -> None:
    await Report.update(
        {
            Report.status: status.value,
            Report.content: json.dumps(content, ensure_ascii=False) if content is not None else None,
            Report.error: error,
            Report.progress: 100 if status == ReportStatus.done else 0,
            Report.finished_at: utcnow(),
        }
    ).where(Report.id == report_id)


async def _build(row: dict[str, Any], generator: Generator) -> dict[str, Any]:
    project = (
        await Report.select(Report.project.research_goals, Report.project.interview_guide)
        .where(Report.id == row["id"])
        .first()
    )
    goals, guide = project["project.research_goals"], project["project.interview_guide"]
    record_ids = [UUID(r) for r in json.loads(row["record_ids"])]
    summaries, turns_by_record, questions_by_record, dropped = [], {}, {}, 0
    for i, record_id in enumerate(record_ids):
        link = await Record.select(Record.link).where(Record.id == record_id).first()
        frozen = (
            await Link.select(Link.frozen_research_goals, Link.frozen_interview_guide)
            .where(Link.id == link["link"])
            .first()
        )
        turns = await turns_of(link["link"])
        questions = await questions_of(link["link"])
        questions_by_record[str(record_id)] = questions
        turns_by_record[str(record_id)] = {t["seq"]: t["text"] for t in turns if t["speaker"] == "respondent"}
        summary = await generator.summarise(
            frozen["frozen_research_goals"] or goals, frozen["frozen_interview_guide"] or guide, turns, questions
        )
        quotes = [{**q, "record": str(record_id)} for q in summary.get("quotes") or [] if isinstance(q, dict)]
        summary["quotes"], lost = verify_quotes(quotes, turns_by_record)
        dropped += lost
        summaries.append({**summary, "record": str(record_id)})
        await _progress(row["id"], 5 + int(85 * (i + 1) / len(record_ids)))
    coverage = guide_coverage(questions_by_record)
    if row["kind"] == "single":
        return {**summaries[0], "coverage": coverage, "dropped_quotes": dropped}
    combined = await generator.combine(goals, summaries)
    combined_quotes = [q for q in combined.get("quotes") or [] if isinstance(q, dict)]
    combined["quotes"], lost = verify_quotes(combined_quotes, turns_by_record)
    return {**combined, "coverage": coverage, "records": summaries, "dropped_quotes": dropped + lost}


def guide_coverage(questions_by_record: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Per guide question, how many interviews got each outcome, with the turns that answer it in each record;
    counted from the stored outcomes, not by a model."""
    by_question: dict[tuple[int, str], dict[str, Any]] = {}
    for record_id, questions in questions_by_record.items():
        for q in questions:
            entry = by_question.setdefault(
                (q["index"], q["question"]),
                {"index": q["index"], "question": q["question"], "outcomes": {}, "answers": []},
            )
            entry["outcomes"][q["outcome"]] = entry["outcomes"].get(q["outcome"], 0) + 1
            if q["answer_seqs"] and q["outcome"] not in ("skipped", "not_reached"):
                entry["answers"].append({"record": record_id, "seqs": q["answer_seqs"]})
    return [by_question[key] for key in sorted(by_question)]


class ReportRunner:
    """Runs reports in the background of the control plane, two at a time."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.tasks: set[asyncio.Task] = set()
        self.slots = asyncio.Semaphore(2)

    def submit(self, report_id: UUID | str) -> None:
        task = asyncio.get_running_loop().create_task(self._run(UUID(str(report_id))))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _run(self, report_id: UUID) -> None:
        async with self.slots:
            await generate(report_id, generator_for(self.settings))

    async def resume_unfinished(self) -> None:
        rows = await Report.select(Report.id).where(
            Report.status.is_in([ReportStatus.queued.value, ReportStatus.running.value])
        )
        for row in rows:
            self.submit(row["id"])

    async def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
