"""Project webhooks: a registered HTTPS endpoint receives `interview.completed` and `link.expired`, each POST signed
with the endpoint's secret, retried with backoff after a failure, sent once however many replicas run the loop,
and logged for the researcher."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import timedelta

import pytest
from aiohttp import web
from litestar.testing import AsyncTestClient

from control_plane.app import create_app
from control_plane.hooks.sender import Sender, backoff
from control_plane.links import lifecycle
from control_plane.tables import HookDelivery, Link
from control_plane.timeutil import utcnow
from tests.control_plane.conftest import token_of


@dataclass
class Receiver:
    """A real HTTP server that checks each delivery's signature and answers what it is told to."""

    secret: str = ""
    answers: list[int] = field(default_factory=list)  # statuses to answer, in order; then 200
    delay: float = 0.0
    received: list[dict] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.text()
        timestamp = request.headers["Webhook-Timestamp"]
        expected = hmac.new(self.secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
        valid = hmac.compare_digest(request.headers["Webhook-Signature"], f"v1={expected}")
        self.received.append({"id": request.headers["Webhook-Id"], "valid": valid, "body": json.loads(body)})
        if self.delay:
            await asyncio.sleep(self.delay)  # a slow endpoint keeps both replicas' sends in flight together
        return web.Response(status=self.answers.pop(0) if self.answers else 200)


@pytest.fixture
async def receiver():
    found = Receiver()
    app = web.Application()
    app.router.add_post("/hooks", found.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    found.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/hooks"
    yield found
    await runner.cleanup()


@pytest.fixture
def local(settings):
    """Settings that allow http://127.0.0.1 endpoints and retry at once."""
    return replace(settings, webhook_allow_local=True, webhook_retry_seconds=0, webhook_max_attempts=3)


async def register(researcher, project_id: str, url: str, app_settings) -> dict:
    async with AsyncTestClient(app=create_app(app_settings)) as api:
        r = await api.post(f"/api/projects/{project_id}/webhooks", json={"url": url}, headers=researcher.headers)
    assert r.status_code == 201, r.text
    return r.json()


async def complete(client, link: dict, email: str = "r@example.com") -> None:
    await client.post(f"/api/interview/{token_of(link)}/join", json={"email": email})
    r = await client.post(f"/api/interview/{token_of(link)}/leave", json={"email": email})
    assert r.status_code == 200, r.text


async def pending(project_id: str) -> int:
    return await HookDelivery.count().where((HookDelivery.project == project_id) & (HookDelivery.status == "pending"))


async def test_a_completed_interview_is_posted_signed_and_retried_after_a_500(researcher, client, receiver, local):
    project = await researcher.project()
    endpoint = await register(researcher, project["id"], receiver.url, local)
    receiver.secret = endpoint["secret"]
    receiver.answers = [500]
    link = (await researcher.links(project["id"]))["links"][0]
    await complete(client, link)
    # written with the status change, before any sender runs
    assert await pending(project["id"]) == 1

    sender = Sender(local, "replica-a")
    try:
        assert await sender.run_once() == 1  # the endpoint answers 500
        log = (await researcher.get(f"/api/projects/{project['id']}/webhook-deliveries")).json()
        assert [(d["status"], d["attempts"], d["last_status_code"]) for d in log] == [("pending", 1, 500)]
        assert await sender.run_once() == 1  # retried (the backoff is 0 s here), and delivered
    finally:
        await sender.close()

    assert [r["valid"] for r in receiver.received] == [True, True]
    assert receiver.received[0]["id"] == receiver.received[1]["id"]  # the same event, for deduplication
    event = receiver.received[1]["body"]
    record_id = (await researcher.get(f"/api/links/{link['id']}")).json()["record_id"]
    assert event["type"] == "interview.completed"
    assert event["data"]["record_id"] == record_id
    assert event["data"]["link_id"] == link["id"]
    assert event["data"]["language"] == "en"
    assert event["data"]["completed_at"] and event["data"]["duration_seconds"] >= 0
    log = (await researcher.get(f"/api/projects/{project['id']}/webhook-deliveries")).json()
    assert [(d["status"], d["attempts"], d["last_status_code"]) for d in log] == [("delivered", 2, 200)]


async def test_a_delivery_that_keeps_failing_is_given_up_after_the_last_attempt(researcher, client, receiver, local):
    project = await researcher.project()
    receiver.secret = (await register(researcher, project["id"], receiver.url, local))["secret"]
    receiver.answers = [503, 500, 502, 200]
    await complete(client, (await researcher.links(project["id"]))["links"][0])
    sender = Sender(local)
    try:
        for _ in range(local.webhook_max_attempts + 1):
            await sender.run_once()
    finally:
        await sender.close()
    assert len(receiver.received) == local.webhook_max_attempts
    [delivery] = (await researcher.get(f"/api/projects/{project['id']}/webhook-deliveries")).json()
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == ("failed", 3, 502)


def test_retries_back_off_exponentially_up_to_a_limit(settings):
    slow = replace(settings, webhook_retry_seconds=30)
    assert [backoff(n, slow).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(20, slow) == timedelta(hours=6)


async def test_two_replicas_send_each_delivery_once(researcher, client, receiver, local):
    project = await researcher.project()
    receiver.secret = (await register(researcher, project["id"], receiver.url, local))["secret"]
    receiver.delay = 0.05
    links = (await researcher.links(project["id"], count=6))["links"]
    for i, link in enumerate(links):
        await complete(client, link, f"r{i}@example.com")
    assert await pending(project["id"]) == 6
    a, b = Sender(local, "replica-a"), Sender(local, "replica-b")
    try:
        while await pending(project["id"]):
            await asyncio.gather(a.run_once(), b.run_once())
    finally:
        await a.close()
        await b.close()
    ids = Counter(r["id"] for r in receiver.received)
    assert len(ids) == 6 and set(ids.values()) == {1}, ids


async def test_an_expired_link_is_posted_and_a_test_interview_is_not(researcher, client, receiver, local, settings):
    project = await researcher.project()
    receiver.secret = (await register(researcher, project["id"], receiver.url, local))["secret"]
    link = (await researcher.links(project["id"], expires_in_days=1))["links"][0]
    test = (await researcher.post(f"/api/projects/{project['id']}/links/test")).json()
    await complete(client, test)
    await lifecycle.sweep(settings, now=utcnow() + timedelta(days=2))
    assert (await Link.select(Link.status).where(Link.id == link["id"]).first())["status"] == "expired"
    sender = Sender(local)
    try:
        await sender.run_once()
    finally:
        await sender.close()
    assert [(r["body"]["type"], r["body"]["data"]["link_id"]) for r in receiver.received] == [
        ("link.expired", link["id"])
    ]


@pytest.mark.parametrize(
    ("url", "allow_local"),
    [
        ("http://example.com/hooks", True),
        ("http://127.0.0.1:9/hooks", False),
        ("ftp://example.com/hooks", True),
        ("https://user:pw@example.com/hooks", True),
        ("https:///hooks", True),
        ("not a url", True),
    ],
)
async def test_only_https_endpoints_are_accepted(researcher, settings, url, allow_local):
    project = await researcher.project()
    async with AsyncTestClient(app=create_app(replace(settings, webhook_allow_local=allow_local))) as api:
        r = await api.post(f"/api/projects/{project['id']}/webhooks", json={"url": url}, headers=researcher.headers)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "invalid_url"


async def test_the_secret_is_shown_once_and_an_endpoint_can_be_removed(researcher, other_researcher):
    project = await researcher.project()
    r = await researcher.post(f"/api/projects/{project['id']}/webhooks", {"url": "https://hooks.example.com/in"})
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["secret"].startswith("whsec_")
    listed = (await researcher.get(f"/api/projects/{project['id']}/webhooks")).json()
    assert [e["id"] for e in listed] == [created["id"]] and "secret" not in listed[0]
    assert (
        await other_researcher.client.delete(f"/api/webhooks/{created['id']}", headers=other_researcher.headers)
    ).status_code == 404
    r = await researcher.client.delete(f"/api/webhooks/{created['id']}", headers=researcher.headers)
    assert r.status_code == 200 and r.json() == {"id": created["id"]}
    assert (await researcher.get(f"/api/projects/{project['id']}/webhooks")).json() == []
