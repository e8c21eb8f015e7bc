"""Reports: created on demand, generated in the background, written once when done, scoped by account.

A report is queued, then run by the `ReportRunner` of the control plane process. Its backbone is the answers by
question (`from_answers`: per guide question, coverage, outcome counts, the answers side by side, the most specific
as quotes); without a language model that is the whole report. With one, each record is summarised (map), the
summaries of a project report are combined (reduce), and every quote the model gives is checked against its turn and
attributed to its respondent. The content is stored in one update together with the status `done`. A failure stores the reason and leaves no content; asking
again makes a new report. Reports a stopped process left unfinished are run again at start-up.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta
from typing import Any
from uuid import UUID

from control_plane.answers import services as answers
from control_plane.errors import AppError, InvalidInput, NotFound
from control_plane.projects import services as projects
from control_plane.reports.from_answers import attribution, from_answers
from control_plane.reports.generator import (
    OFFLINE,
    PROMPT_VERSION,
    GenerationFailed,
    Generator,
    OpenAIGenerator,
    verify_quotes,
)
from control_plane.reports.schemas import ReportOut
from control_plane.settings import Settings
from control_plane.tables import Record, Report, ReportStatus
from control_plane.timeutil import aware, utcnow

log = logging.getLogger("control_plane.reports")


class NoRecords(AppError):
    status_code = 409
    code = "no_records"
    detail = "There are no completed interviews to report on yet."


def generator_for(settings: Settings) -> Generator | None:
    """The report model (REPORT_LLM_*, else the language model's settings); None: reports from the answers alone."""
    if settings.has_report_model:
        return OpenAIGenerator(settings.report_llm_api_key, settings.report_llm_base_url, settings.report_model)
    return None


def model_name(settings: Settings) -> str:
    return settings.report_model if settings.has_report_model else OFFLINE


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
        model=model_name(settings),
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
        model=model_name(settings),
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


REPORT_LEASE_SECONDS = 60


async def claim(report_id: UUID) -> dict[str, Any] | None:
    """Take a report to generate: a queued one, or a running one whose replica stopped renewing its lease. One
    conditional UPDATE, so of several replicas asking at once exactly one gets it; the others get None."""
    now = utcnow()
    rows = await (
        Report.update(
            {
                Report.status: ReportStatus.running.value,
                Report.progress: 1,
                Report.error: "",
                Report.lease_until: now + timedelta(seconds=REPORT_LEASE_SECONDS),
            }
        )
        .where(
            (Report.id == report_id)
            & (
                (Report.status == ReportStatus.queued.value)
                | ((Report.status == ReportStatus.running.value) & (Report.lease_until.is_null()))
                | ((Report.status == ReportStatus.running.value) & (Report.lease_until < now))
            )
        )
        .returning(Report.id)
    )
    if not rows:
        return None
    return await Report.select().where(Report.id == report_id).first()


async def _hold(report_id: UUID) -> None:
    """Renew the lease while the report is being generated."""
    while True:
        await asyncio.sleep(REPORT_LEASE_SECONDS / 3)
        await Report.update({Report.lease_until: utcnow() + timedelta(seconds=REPORT_LEASE_SECONDS)}).where(
            (Report.id == report_id) & (Report.status == ReportStatus.running.value)
        )


async def generate(report_id: UUID, generator: Generator | None) -> bool:
    """Run one report to its end: done with its content, or failed with a reason. False when another replica holds
    it (or it is finished already)."""
    row = await claim(report_id)
    if row is None:
        return False
    holding = asyncio.get_running_loop().create_task(_hold(report_id))
    try:
        content = await _build(row, generator)
    except GenerationFailed as exc:
        log.warning("report %s failed: %s", report_id, exc)
        await _finish(report_id, ReportStatus.failed, error=str(exc))
        return True
    except Exception as exc:  # noqa: BLE001 - stored in words for the researcher; the traceback goes to the log
        log.exception("report %s failed", report_id)
        await _finish(
            report_id, ReportStatus.failed, error=f"The report could not be generated ({type(exc).__name__})."
        )
        return True
    finally:
        holding.cancel()
    await _finish(report_id, ReportStatus.done, content=content)
    log.info("report %s done", report_id)
    return True


async def _finish(report_id: UUID, status: ReportStatus, *, content: dict | None = None, error: str = "") -> None:
    await Report.update(
        {
            Report.status: status.value,
            Report.content: json.dumps(content, ensure_ascii=False) if content is not None else None,
            Report.error: error,
            Report.progress: 100 if status == ReportStatus.done else 0,
            Report.finished_at: utcnow(),
            Report.lease_until: None,
        }
    ).where(Report.id == report_id)


async def _build(row: dict[str, Any], generator: Generator | None) -> dict[str, Any]:
    record_ids = [UUID(r) for r in json.loads(row["record_ids"])]
    study = (await answers.study(row["account"], row["project"], tests=True)).only(record_ids)
    content = from_answers(study, answers.grid(study))
    if generator is None:
        return {**content, "dropped_quotes": 0}
    project = await Report.select(Report.project.research_goals).where(Report.id == row["id"]).first()
    goals = project["project.research_goals"]
    turns_by_record = {
        str(r): {seq: t["text"] for seq, t in turns.items() if t["speaker"] == "respondent"}
        for r, turns in study.turns.items()
    }
    summaries, dropped = [], 0
    for i, respondent in enumerate(study.respondents):
        record_id = respondent.record_id
        frozen = (
            await Record.select(Record.link.frozen_research_goals, Record.link.frozen_interview_guide)
            .where(Record.id == record_id)
            .first()
        )
        turns = [{"seq": s, **t} for s, t in sorted(study.turns.get(record_id, {}).items())]
        summary = await generator.summarise(
            frozen["link.frozen_research_goals"] or goals,
            frozen["link.frozen_interview_guide"] or "",
            turns,
            study.questions.get(record_id, []),
        )
        quotes = [{**q, "record": str(record_id)} for q in summary.get("quotes") or [] if isinstance(q, dict)]
        summary["quotes"], lost = _attributed(study, *verify_quotes(quotes, turns_by_record))
        dropped += lost
        summaries.append({**summary, "record": str(record_id), "respondent": respondent.label})
        await _progress(row["id"], 5 + int(85 * (i + 1) / max(1, len(study.respondents))))
    if row["kind"] == "single" or not summaries:
        written = summaries[0] if summaries else {}
    else:
        written = await generator.combine(goals, [_without_emails(s) for s in summaries])
        combined = [q for q in written.get("quotes") or [] if isinstance(q, dict)]
        written["quotes"], lost = _attributed(study, *verify_quotes(combined, turns_by_record))
        dropped += lost
        written["records"] = summaries
        if not written.get("open_questions"):
            written["open_questions"] = [q for s in summaries for q in s.get("open_questions") or []][:10]
    return {
        **content,
        **{k: written[k] for k in MODEL_PARTS if written.get(k) not in (None, "", [])},
        "guide_gaps": [*content["guide_gaps"], *(written.get("guide_gaps") or [])],
        "open_questions": written.get("open_questions") or content["open_questions"],
        "dropped_quotes": dropped,
    }


# What a model's answer may add to a report; the counted parts (`from_answers`) are never the model's to change.
MODEL_PARTS = ("summary", "findings", "themes", "contrasts", "quotes", "records")


def _without_emails(summary: dict[str, Any]) -> dict[str, Any]:
    """What the model reads of a summary: respondents by label only."""
    return {**summary, "quotes": [{k: v for k, v in q.items() if k != "email"} for q in summary.get("quotes") or []]}


def _attributed(study: answers.Study, quotes: list[dict[str, Any]], lost: int) -> tuple[list[dict[str, Any]], int]:
    """Each verified quote with the label and email of the respondent who said it."""
    return [
        {**q, **attribution(study, UUID(q["record"]))} for q in quotes if UUID(q["record"]) in study.by_record
    ], lost


class ReportRunner:
    """Runs reports in the background of the control plane, two at a time. Every replica runs one: each report is
    claimed with a lease (`claim`), so it is generated once, and one a stopped replica left is taken over when its
    lease lapses (`resume_unfinished`, at start and then periodically)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.tasks: dict[UUID, asyncio.Task] = {}
        self.slots = asyncio.Semaphore(2)

    def submit(self, report_id: UUID | str) -> None:
        report_id = UUID(str(report_id))
        if report_id in self.tasks:
            return
        task = asyncio.get_running_loop().create_task(self._run(report_id))
        self.tasks[report_id] = task
        task.add_done_callback(lambda _: self.tasks.pop(report_id, None))

    async def _run(self, report_id: UUID) -> None:
        async with self.slots:
            await generate(report_id, generator_for(self.settings))

    async def resume_unfinished(self) -> int:
        """Submit the queued reports and the running ones whose lease lapsed; answer how many."""
        now = utcnow()
        rows = await Report.select(Report.id).where(
            (Report.status == ReportStatus.queued.value)
            | ((Report.status == ReportStatus.running.value) & (Report.lease_until.is_null()))
            | ((Report.status == ReportStatus.running.value) & (Report.lease_until < now))
        )
        fresh = [row["id"] for row in rows if row["id"] not in self.tasks]
        for report_id in fresh:
            log.info("report %s: queued or left by a stopped replica; generating it here", report_id)
            self.submit(report_id)
        return len(fresh)

    async def close(self) -> None:
        for task in list(self.tasks.values()):
            task.cancel()
        await asyncio.gather(*self.tasks.values(), return_exceptions=True)
