"""Several control-plane replicas on one database: each runs the sweeper, the reconciler and takes webhooks.

Two replicas here are two app instances (or two dispatchers) in this process, on the same database as every other
test — PostgreSQL when TEST_DATABASE_URL is set, as in CI. Their loops run concurrently over the same due links and
interviews, each with its own database connections, and every move, charge, record and dispatch must happen once.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from dataclasses import replace
from datetime import timedelta
from uuid import UUID

from litestar.testing import AsyncTestClient

from control_plane.app import create_app
from control_plane.dispatcher import JOIN_GRACE, Dispatcher
from control_plane.links.lifecycle import complete, sweep
from control_plane.reports.services import REPORT_LEASE_SECONDS, ReportRunner, generate
from control_plane.tables import LedgerEntry, Link, Record, Report
from control_plane.timeutil import utcnow
from tests.control_plane.conftest import new_researcher, token_of
from tests.control_plane.test_dispatch import dispatches, live_settings, signed
from tests.control_plane.test_reports import completed_record

ROUNDS = 3


async def started(researcher, client, count: int, **overrides) -> list[dict]:
    project = await researcher.project()
    links = (await researcher.links(project["id"], count=count, **overrides))["links"]
    for link in links:
        r = await client.post(f"/api/interview/{token_of(link)}/join", json={"email": "r@example.com"})
        assert r.status_code == 200, r.text
    return links


async def test_two_replicas_send_one_agent_into_each_interview(researcher, client, settings, livekit_server):
    live = live_settings(settings, livekit_server)
    links = await started(researcher, client, count=4)  # dispatch is off in this app: no agent was sent yet
    ids = [link["id"] for link in links]
    one, two = Dispatcher(live), Dispatcher(live)
    try:
        # Every path of both replicas at once: the join's first dispatch, the reconciler, an agent_left webhook.
        await asyncio.gather(
            one.reconcile(),
            two.reconcile(),
            *(one._dispatch(i) for i in ids),
            *(two.ensure_agent(i, ignore_grace=True) for i in ids),
        )
        for link_id in ids:
            assert len(await dispatches(live, link_id)) == 1, f"interview {link_id} got more than one agent"

        # Past the join grace, the room still has no agent (no worker runs): both reconcile again, one re-dispatches.
        await Link.update({Link.agent_dispatched_at: utcnow() - JOIN_GRACE - timedelta(seconds=1)}).where(
            Link.id.is_in(ids)
        )
        await asyncio.gather(one.reconcile(), two.reconcile(), one.reconcile(), two.reconcile())
        for link_id in ids:
            assert len(await dispatches(live, link_id)) == 2
    finally:  # their followers would go on writing to the database after the test
        await one.close()
        await two.close()


async def test_two_replicas_sweeping_move_charge_and_record_each_link_once(researcher, client, settings):
    before = await researcher.wallet()
    pending = (await researcher.links((await researcher.project())["id"], count=4, duration_minutes=5))["links"]
    active = await started(researcher, client, count=4, duration_minutes=5)
    now = utcnow()
    ends_at = now - timedelta(minutes=1, seconds=settings.interview_grace_seconds)
    await Link.update({Link.expires_at: now - timedelta(minutes=1)}).where(Link.id.is_in([x["id"] for x in pending]))
    await Link.update({Link.started_at: ends_at - timedelta(minutes=5), Link.ends_at: ends_at}).where(
        Link.id.is_in([x["id"] for x in active])
    )

    # Two replicas' sweepers, twice each, racing the agents' and respondents' own completions of the same interviews.
    moved = await asyncio.gather(
        *(sweep(settings) for _ in range(2 * ROUNDS)),
        *(complete(x["id"], "agent_end", settings) for x in active),
        *(client.post(f"/api/interview/{token_of(x)}/leave", json={"email": "r@example.com"}) for x in active),
    )
    assert all(r.status_code == 200 for r in moved[2 * ROUNDS + len(active) :])

    for link in pending:
        row = (await researcher.get(f"/api/links/{link['id']}")).json()
        assert row["status"] == "expired"
    for link in active:
        row = (await researcher.get(f"/api/links/{link['id']}")).json()
        assert row["status"] == "completed"
        assert row["charged_tokens"] == 5
        assert await Record.count().where(Record.link == link["id"]) == 1
    ids = [x["id"] for x in pending + active]
    entries = await LedgerEntry.select(LedgerEntry.kind, LedgerEntry.link).where(LedgerEntry.link.is_in(ids))
    kinds = sorted((str(e["link"]), e["kind"]) for e in entries)
    assert kinds == sorted([(x["id"], "release") for x in pending] + [(x["id"], "charge") for x in active]), (
        "a link was charged or released twice"
    )
    after = await researcher.wallet()
    assert after["reserved"] == before["reserved"] == 0
    assert after["spent"] == before["spent"] + 4 * 5
    assert after["available"] + after["spent"] == after["granted"]


async def test_a_webhook_delivered_to_both_replicas_is_handled_once(settings):
    body = json.dumps(
        {
            "event": "participant_left",
            "id": "EV_two_replicas",
            "room": {"name": "interview-00000000-0000-0000-0000-000000000000"},
            "participant": {"identity": "agent-x", "kind": "AGENT"},
        }
    )
    headers = {"Authorization": signed(settings, body), "Content-Type": "application/webhook+json"}
    async with (
        AsyncTestClient(app=create_app(settings)) as one,
        AsyncTestClient(app=create_app(settings)) as two,
    ):
        answers = await asyncio.gather(
            *(c.post("/api/livekit/webhook", content=body, headers=headers) for c in (one, two, one, two))
        )
    assert [a.status_code for a in answers] == [200] * 4
    assert sorted(a.json()["handled"] for a in answers) == [False, False, False, True]


async def test_a_session_opened_at_one_replica_works_at_the_other(client, settings):
    researcher = await new_researcher(client)
    async with AsyncTestClient(app=create_app(replace(settings))) as other:
        r = await client.post("/api/auth/login", json={"email": researcher.email, "password": "correct horse"})
        assert r.status_code == 200
        for name in ("session", "csrf_token"):
            other.cookies.set(name, client.cookies[name])
        csrf = client.cookies["csrf_token"]
        client.cookies.clear()
        assert (await other.get("/api/auth/me")).json()["email"] == researcher.email
        forged = await other.post("/api/projects", json={"name": "forged"})
        assert (forged.status_code, forged.json()["code"]) == (403, "csrf_failed")
        created = await other.post("/api/projects", json={"name": "mine"}, headers={"X-CSRF-Token": csrf})
        assert created.status_code == 201, created.text
        await other.post("/api/auth/logout", headers={"X-CSRF-Token": csrf})
    assert [p["name"] for p in (await researcher.get("/api/projects")).json()] == ["mine"]


async def test_replicas_started_together_migrate_one_after_the_other(settings, tmp_path):
    if settings.database_url.startswith("sqlite"):
        fresh_url, drop = f"sqlite:///{tmp_path / 'fresh.sqlite3'}", None
    else:
        import asyncpg

        base, _, name = settings.database_url.rpartition("/")
        fresh = f"{name}_migrate_race"
        admin = await asyncpg.connect(settings.database_url)
        await admin.execute(f'DROP DATABASE IF EXISTS "{fresh}"')
        await admin.execute(f'CREATE DATABASE "{fresh}"')
        fresh_url = f"{base}/{fresh}"

        async def drop() -> None:
            await admin.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
            await admin.close()

    try:
        env = {**os.environ, "DATABASE_URL": fresh_url}
        replicas = [
            await asyncio.create_subprocess_exec(
                sys.executable, "-m", "control_plane", "migrate", env=env, stderr=asyncio.subprocess.PIPE
            )
            for _ in range(3)
        ]
        outcomes = await asyncio.gather(*(r.communicate() for r in replicas))
        failed = [err.decode()[-2000:] for r, (_, err) in zip(replicas, outcomes, strict=True) if r.returncode]
        assert not failed, f"a replica's migration failed: {failed[0]}"
    finally:
        if drop:
            await drop()


async def test_two_replicas_generate_a_report_once_and_take_over_one_a_stopped_replica_left(researcher, settings):
    record_id = await completed_record(researcher, settings)
    project_id = (await researcher.get(f"/api/records/{record_id}")).json()["project_id"]

    async def report(**state) -> UUID:
        row = Report(
            account=UUID(researcher.account_id),
            project=UUID(project_id),
            kind="project",
            record_ids=json.dumps([record_id]),
            **state,
        )
        await row.save()
        return row.id

    queued = await report()
    claims = await asyncio.gather(*(generate(queued, None) for _ in range(4)))
    assert sorted(claims) == [False, False, False, True]
    assert (await Report.select(Report.status).where(Report.id == queued).first())["status"] == "done"

    # A replica stopped mid-report: its lease lapses and another replica's runner finishes the report; a report whose
    # lease is being renewed is left to the replica holding it.
    left = await report(status="running", lease_until=utcnow() - timedelta(seconds=1))
    held = await report(status="running", lease_until=utcnow() + timedelta(seconds=REPORT_LEASE_SECONDS))
    runner = ReportRunner(settings)
    try:
        await runner.resume_unfinished()
        await asyncio.gather(*runner.tasks.values())
    finally:
        await runner.close()
    states = {
        r["id"]: r["status"] for r in await Report.select(Report.id, Report.status).where(Report.id.is_in([left, held]))
    }
    assert states == {left: "done", held: "running"}
