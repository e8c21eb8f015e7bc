"""The web's basic defences: same-origin redirects, limited sign-in, security headers, CSRF on logout, privacy."""

from __future__ import annotations

from dataclasses import replace

import pytest
from litestar.testing import AsyncTestClient

from control_plane.app import create_app
from control_plane.pages.researcher import safe_next
from tests.control_plane.conftest import new_researcher, token_of
from tests.control_plane.test_reports import completed_record

OFF_SITE = [
    "//evil.example/x",
    "/\t/evil.example/x",
    "/\n/evil.example/x",
    "/\\evil.example/x",
    "\\\\evil.example",
    "https://evil.example/x",
    "javascript:alert(1)",
    "evil.example",
    "/ /evil.example",
    "/%09/evil.example",  # stays encoded: a path on this site, harmless
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_sign_in_redirects_only_to_paths_on_this_site(target):
    assert safe_next(target) in ("/projects", "/%09/evil.example")


def test_sign_in_keeps_a_path_on_this_site():
    assert safe_next("/projects/abc?tab=completed#x") == "/projects/abc?tab=completed#x"


async def test_the_login_page_never_carries_an_off_site_target(client):
    r = await client.get("/login", params={"next": "/\t/evil.example/x"})
    assert r.status_code == 200
    assert 'data-next="/projects"' in r.text
    assert "evil.example" not in r.text


@pytest.fixture
async def limited(settings):
    """An app of its own with small sign-in limits, so its counts do not leak into other tests."""
    small = replace(settings, signin_failures_per_account=3, signin_failures_per_address=5, signin_window_seconds=600)
    async with AsyncTestClient(app=create_app(small)) as c:
        yield c


async def test_sign_in_is_limited_per_account_with_429_and_retry_after(limited):
    researcher = await new_researcher(limited)
    wrong = {"email": researcher.email, "password": "wrong password"}
    assert [(await limited.post("/api/auth/login", json=wrong)).status_code for _ in range(3)] == [401] * 3
    refused = await limited.post("/api/auth/login", json={"email": researcher.email, "password": "correct horse"})
    assert refused.status_code == 429
    assert refused.json()["code"] == "too_many_attempts"
    assert 0 < int(refused.headers["retry-after"]) <= 600
    assert refused.json()["retry_after"] == int(refused.headers["retry-after"])
    assert "session" not in limited.cookies


async def test_a_successful_sign_in_clears_the_accounts_failures(limited):
    researcher = await new_researcher(limited)
    for _ in range(2):
        await limited.post("/api/auth/login", json={"email": researcher.email, "password": "wrong password"})
    ok = await limited.post("/api/auth/login", json={"email": researcher.email, "password": "correct horse"})
    assert ok.status_code == 200
    limited.cookies.clear()
    for _ in range(2):
        r = await limited.post("/api/auth/login", json={"email": researcher.email, "password": "wrong password"})
        assert r.status_code == 401


async def test_sign_in_is_limited_per_address_across_accounts(limited):
    researcher = await new_researcher(limited)
    for i in range(5):
        r = await limited.post("/api/auth/login", json={"email": f"guess{i}@example.com", "password": "guess it"})
        assert r.status_code == 401
    r = await limited.post("/api/auth/login", json={"email": researcher.email, "password": "correct horse"})
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) > 0


@pytest.mark.parametrize("path", ["/login", "/interview/some-token", "/api/projects", "/no/such/page", "/schema"])
async def test_every_response_carries_the_security_headers(client, settings, path):
    r = await client.get(path)
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src", 1)[1].split(";")[0]
    assert "object-src 'none'" in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] in ("same-origin", "no-referrer")


async def test_the_room_may_connect_to_the_livekit_server_and_nowhere_else(client, settings):
    r = await client.get("/interview/some-token")
    connect = next(d for d in r.headers["content-security-policy"].split("; ") if d.startswith("connect-src"))
    host = settings.livekit_url.split("://", 1)[1]
    assert connect.split()[1:] == ["'self'", f"ws://{host}", f"http://{host}"]
    assert r.headers["referrer-policy"] == "no-referrer"  # the token is in the path


def test_the_room_may_connect_to_every_livekit_node_a_join_may_hand_out(settings):
    from dataclasses import replace

    from control_plane.security import content_security_policy

    nodes = replace(
        settings, livekit_url="wss://a.example.com", livekit_urls=("wss://a.example.com", "wss://b.example.com")
    )
    connect = next(d for d in content_security_policy(nodes).split("; ") if d.startswith("connect-src"))
    assert connect.split()[1:] == [
        "'self'",
        "wss://a.example.com",
        "https://a.example.com",
        "wss://b.example.com",
        "https://b.example.com",
    ]


async def test_logout_needs_the_csrf_token(client):
    researcher = await new_researcher(client)
    r = await client.post("/api/auth/login", json={"email": researcher.email, "password": "correct horse"})
    assert r.status_code == 200
    forged = await client.post("/api/auth/logout")
    assert forged.status_code == 403
    assert forged.json()["code"] == "csrf_failed"
    assert (await client.get("/api/auth/me")).status_code == 200
    done = await client.post("/api/auth/logout", headers={"X-CSRF-Token": client.cookies["csrf_token"]})
    assert done.status_code == 200
    assert (await client.get("/api/auth/me")).status_code == 401
    client.cookies.clear()


async def test_another_accounts_record_page_answers_404(researcher, other_researcher, client):
    link = await researcher.link()
    await client.post(f"/api/interview/{token_of(link)}/join", json={"email": "r@example.com"})
    await client.post(f"/api/interview/{token_of(link)}/leave", json={"email": "r@example.com"})
    record_id = (await researcher.get(f"/api/links/{link['id']}")).json()["record_id"]
    r = await client.post("/api/auth/login", json={"email": other_researcher.email, "password": "correct horse"})
    assert r.status_code == 200
    try:
        foreign = await client.get(f"/records/{record_id}")
        missing = await client.get("/records/00000000-0000-0000-0000-000000000000")
    finally:
        client.cookies.clear()
    assert foreign.status_code == missing.status_code == 404
    assert foreign.text == missing.text


async def test_a_project_report_with_another_accounts_record_answers_404(researcher, other_researcher, settings):
    mine = await completed_record(researcher, settings)
    project_id = (await researcher.get(f"/api/records/{mine}")).json()["project_id"]
    theirs = await completed_record(other_researcher, settings)
    foreign = await researcher.post(f"/api/projects/{project_id}/reports", {"record_ids": [mine, theirs]})
    missing = await researcher.post(
        f"/api/projects/{project_id}/reports", {"record_ids": [mine, "00000000-0000-0000-0000-000000000000"]}
    )
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json() == {"code": "not_found", "detail": "No such record."}
    assert theirs not in foreign.text


@pytest.mark.parametrize(
    "url,origins",
    [
        ("wss://lk.example.com", ["wss://lk.example.com", "https://lk.example.com"]),
        ("ws://127.0.0.1:7880", ["ws://127.0.0.1:7880", "http://127.0.0.1:7880"]),
        ("https://lk.example.com/", ["wss://lk.example.com", "https://lk.example.com"]),
    ],
)
def test_the_policy_lets_the_room_reach_its_livekit_server_by_websocket_and_http(url, origins):
    from control_plane.security import livekit_origins

    assert livekit_origins(url) == origins
