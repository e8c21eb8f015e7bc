"""The control plane's `/metrics`: Prometheus' format, by route template, readable only with the token (or from the
loopback address when no token is set)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from litestar.testing import AsyncTestClient

from control_plane.app import create_app
from control_plane.links.lifecycle import sweep
from control_plane.tables import Link
from control_plane.timeutil import utcnow
from tests.control_plane.conftest import token_of
from tests.metrics import sample

TOKEN = "metrics-token-0123456789"


@pytest.fixture
async def scraper(settings):
    app = create_app(dataclasses.replace(settings, metrics_token=TOKEN))
    async with AsyncTestClient(app=app) as c:
        yield c


async def scrape(scraper) -> str:
    r = await scraper.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    return r.text


async def test_metrics_are_refused_without_the_token_and_off_the_loopback_address(scraper, client):
    r = await scraper.get("/metrics")
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"
    r = await scraper.get("/metrics", headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401
    # No token set: only the loopback address may read them (the test client is not on it).
    r = await client.get("/metrics")
    assert r.status_code == 403 and r.json()["code"] == "forbidden"


async def test_requests_are_counted_by_route_template_and_status_never_by_token(researcher, scraper):
    link = await researcher.link()
    before = await scrape(scraper)
    r = await scraper.post(f"/api/interview/{token_of(link)}/join", json={"email": "r@example.com"})
    assert r.status_code == 200, r.text
    r = await scraper.post("/api/interview/no-such-token/join", json={"email": "r@example.com"})
    assert r.status_code == 404
    after = await scrape(scraper)
    route = "/api/interview/{token}/join"
    for status in ("200", "404"):
        counted = sample(after, "control_plane_requests_total", path=route, status_code=status)
        assert counted == sample(before, "control_plane_requests_total", path=route, status_code=status) + 1
    assert sample(after, "control_plane_request_duration_seconds_count", path=route) >= 2
    assert token_of(link) not in after and "no-such-token" not in after


async def test_interviews_by_status_are_counted_in_the_database_when_scraped(researcher, scraper):
    before = await scrape(scraper)
    link = await researcher.link()
    await scraper.post(f"/api/interview/{token_of(link)}/join", json={"email": "r@example.com"})
    after = await scrape(scraper)
    assert sample(after, "control_plane_interviews", status="active") == (
        sample(before, "control_plane_interviews", status="active") + 1
    )


async def test_the_sweepers_moves_are_counted_by_the_status_they_lead_to(researcher, scraper, settings):
    link = await researcher.link()
    # Read before the link expires: the apps' own sweeper loops may move it before this test's sweep does, and a
    # move by any of them counts.
    before = await scrape(scraper)
    await Link.update({Link.expires_at: utcnow() - timedelta(minutes=1)}).where(Link.id == link["id"])
    await sweep(settings)
    assert (await researcher.get(f"/api/links/{link['id']}")).json()["status"] == "expired"
    after = await scrape(scraper)
    assert sample(after, "control_plane_sweeper_moves_total", to="expired") >= (
        sample(before, "control_plane_sweeper_moves_total", to="expired") + 1
    )
