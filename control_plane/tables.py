"""The database tables. Rules about them live in the services; this file only says what is stored."""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import (
    UUID,
    Boolean,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class LinkStatus(StrEnum):
    pending = "pending"
    active = "active"
    completed = "completed"
    expired = "expired"
    cancelled = "cancelled"


class LedgerKind(StrEnum):
    grant = "grant"
    reserve = "reserve"
    charge = "charge"
    release = "release"


class Account(Table):
    id = UUID(primary_key=True)
    email = Varchar(length=254, unique=True, index=True)
    password_hash = Text()
    api_key_hash = Varchar(length=64, unique=True, index=True)
    # The wallet's balances; moved only by wallet.services, always with a ledger entry.
    granted = Integer(default=0)
    available = Integer(default=0)
    reserved = Integer(default=0)
    spent = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())


class Session(Table):
    id = UUID(primary_key=True)
    account = ForeignKey(references=Account, null=False)
    token_hash = Varchar(length=64, unique=True, index=True)
    csrf_token = Varchar(length=64)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()


class LedgerEntry(Table):
    id = UUID(primary_key=True)
    account = ForeignKey(references=Account, null=False, index=True)
    kind = Varchar(length=16, choices=LedgerKind)
    amount = Integer()
    link = UUID(null=True, default=None)
    # Set for movements that must happen at most once (a link's charge, its release).
    key = Varchar(length=80, null=True, default=None, unique=True)
    detail = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())


class Project(Table):
    id = UUID(primary_key=True)
    account = ForeignKey(references=Account, null=False, index=True)
    name = Varchar(length=200)
    research_goals = Text(default="")
    interview_guide = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())


class Link(Table):
    id = UUID(primary_key=True)
    account = ForeignKey(references=Account, null=False, index=True)
    project = ForeignKey(references=Project, null=False, index=True)
    # The links created together in one request share it (copied and exported together); null for older links.
    batch = UUID(null=True, default=None, index=True)
    # A researcher's own test interview: charges nothing, and reports leave its record out unless asked for it.
    is_test = Boolean(default=False)
    token = Varchar(length=64, unique=True, index=True)
    name = Varchar(length=200, default="")
    status = Varchar(length=16, choices=LinkStatus, default=LinkStatus.pending, index=True)
    duration_minutes = Integer()
    expires_at = Timestamptz()
    voice = Varchar(length=40)
    language = Varchar(length=8)
    topics = Text(default="[]")  # a JSON list of strings
    # The link's own context; null means "use the project's".
    research_goals = Text(null=True, default=None)
    interview_guide = Text(null=True, default=None)
    # The context the interview runs with, frozen on the first join.
    frozen_research_goals = Text(null=True, default=None)
    frozen_interview_guide = Text(null=True, default=None)
    respondent_email = Varchar(length=254, null=True, default=None)
    started_at = Timestamptz(null=True, default=None)
    ends_at = Timestamptz(null=True, default=None)
    completed_at = Timestamptz(null=True, default=None)
    completion_reason = Varchar(length=16, null=True, default=None)
    # Why the interview ended, in the interviewer's words (e.g. what the respondent said when they asked to stop).
    end_note = Text(null=True, default=None)
    reserved_tokens = Integer(default=0)
    charged_tokens = Integer(default=0)
    agent_dispatched_at = Timestamptz(null=True, default=None)
    # The agent's lease (its worker's last heartbeat) and where the interview stands with its agent:
    # "" none sent yet, "dispatched", "unavailable" (no worker took it), "present" (lease held), "lost" (lapsed).
    agent_seen_at = Timestamptz(null=True, default=None)
    agent_state = Varchar(length=16, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class Turn(Table):
    id = UUID(primary_key=True)
    link = ForeignKey(references=Link, null=False, index=True)
    # "<link id>:<seq>", unique, so that a retried post can never store a turn twice.
    key = Varchar(length=80, unique=True)
    seq = Integer()
    speaker = Varchar(length=16)
    text = Text()
    started_at = Timestamptz()
    ended_at = Timestamptz()
    created_at = Timestamptz(default=TimestamptzNow())


class QuestionOutcome(StrEnum):
    pending = "pending"  # not asked yet
    asked = "asked"  # asked, no answer yet
    answered = "answered"
    probed = "probed"  # answered after a follow-up
    clarified = "clarified"  # answered after the question was put another way
    skipped = "skipped"  # the respondent declined it (or gave no answer after it was asked again)
    not_reached = "not_reached"  # the interview ended before it was asked or answered


UNRESOLVED = (QuestionOutcome.pending, QuestionOutcome.asked)


class GuideQuestion(Table):
    """Where one guide question of one interview stands: posted by the agent as the interview goes, settled at
    completion (unresolved questions become not_reached). One row per question, keyed by link and index."""

    id = UUID(primary_key=True)
    link = ForeignKey(references=Link, null=False, index=True)
    key = Varchar(length=80, unique=True)  # "<link id>:<index>"
    position = Integer()  # 1-based, in the guide's order as the agent parsed it (the API calls it `index`)
    question = Text()
    outcome = Varchar(length=16, choices=QuestionOutcome, default=QuestionOutcome.pending)
    asked_seqs = Text(default="[]")  # JSON: the agent turns that asked, probed or rephrased it
    answer_seqs = Text(default="[]")  # JSON: the respondent turns on it (answers, answers to probes, a refusal)
    through_seq = Integer(default=0)  # the last turn this state reflects; an older state never replaces a newer one
    updated_at = Timestamptz(default=TimestamptzNow())


class Record(Table):
    id = UUID(primary_key=True)
    account = ForeignKey(references=Account, null=False, index=True)
    project = ForeignKey(references=Project, null=False, index=True)
    link = ForeignKey(references=Link, null=False, unique=True)
    respondent_email = Varchar(length=254)
    language = Varchar(length=8)
    started_at = Timestamptz()
    completed_at = Timestamptz()
    duration_seconds = Integer()
    is_test = Boolean(default=False, index=True)  # the link's, kept here so every query that picks records sees it
    created_at = Timestamptz(default=TimestamptzNow())


class Worker(Table):
    """An agent worker as its heartbeats tell it: its LiveKit worker id, the interviews whose leases it last renewed
    (a JSON list of ids) and when. Written by `POST /api/agent/heartbeat`; read by the operator's page."""

    id = Varchar(length=80, primary_key=True)
    interviews = Text(default="[]")
    seen_at = Timestamptz(default=TimestamptzNow())


class WebhookEvent(Table):
    """LiveKit webhook events already handled, so a redelivered event is ignored."""

    id = Varchar(length=120, primary_key=True)
    kind = Varchar(length=40)
    processed = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class ReportStatus(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class Report(Table):
    """A generated report: of one record, or of a project across records. Its content is written once, when done."""

    id = UUID(primary_key=True)
    account = ForeignKey(references=Account, null=False, index=True)
    project = ForeignKey(references=Project, null=False, index=True)
    record = UUID(null=True, default=None, index=True)  # set for a single report
    kind = Varchar(length=16)  # "single" | "project"
    status = Varchar(length=16, choices=ReportStatus, default=ReportStatus.queued)
    progress = Integer(default=0)
    error = Text(default="")
    record_ids = Text(default="[]")  # JSON: the records it covers
    model = Varchar(length=120, default="")
    prompt_version = Varchar(length=40, default="")
    content = Text(null=True, default=None)  # JSON, set with status done
    created_at = Timestamptz(default=TimestamptzNow())
    finished_at = Timestamptz(null=True, default=None)
    # The replica generating it holds it until then, renewing as it goes; a lapsed lease lets another take it over.
    lease_until = Timestamptz(null=True, default=None)


class HookEndpoint(Table):
    """An HTTPS address a project sends its events to, each POST signed with the endpoint's own secret."""

    id = UUID(primary_key=True)
    account = ForeignKey(references=Account, null=False, index=True)
    project = ForeignKey(references=Project, null=False, index=True)
    url = Varchar(length=2000)
    secret = Varchar(length=80)  # shown to the researcher once, when the endpoint is added
    created_at = Timestamptz(default=TimestamptzNow())


class DeliveryStatus(StrEnum):
    pending = "pending"  # waiting for its next attempt
    delivered = "delivered"  # the endpoint answered 2xx
    failed = "failed"  # every attempt failed


class HookDelivery(Table):
    """The outbox: one event for one endpoint, written in the transaction that made the event happen, then sent by
    whichever control-plane replica claims it (`lease_until`), retried with backoff until delivered or failed."""

    id = UUID(primary_key=True)  # also the event's id, sent as Webhook-Id (receivers deduplicate on it)
    endpoint = ForeignKey(references=HookEndpoint, null=False, index=True)
    project = UUID(index=True)
    event = Varchar(length=40)
    body = Text()  # the JSON sent, fixed when the event happened
    status = Varchar(length=16, choices=DeliveryStatus, default=DeliveryStatus.pending, index=True)
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(default=TimestamptzNow(), index=True)
    lease_until = Timestamptz(null=True, default=None)
    leased_by = Varchar(length=64, null=True, default=None)
    last_status_code = Integer(null=True, default=None)
    last_error = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    delivered_at = Timestamptz(null=True, default=None)
