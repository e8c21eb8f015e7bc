"""Sign-up, sign-in, sessions with CSRF, and who may see what."""

from __future__ import annotations

import pytest

from tests.control_plane.conftest import new_researcher


async def test_signup_grants_the_starter_tokens(researcher):
    assert await researcher.wallet() == {
        "granted": 600,
        "available": 600,
        "reserved": 0,
        "spent": 0,
        "tokens_per_minute": 1,
        "buy_tokens_url": None,
    }
    ledger = (await researcher.get("/api/wallet/ledger")).json()
    assert [(e["kind"], e["amount"]) for e in ledger] == [("grant", 600)]


async def test_signup_with_a_taken_email_is_refused(client, researcher):
    r = await client.post("/api/auth/signup", json={"email": researcher.email.upper(), "password": "another pw"})
    assert r.status_code == 409
    assert r.json()["code"] == "email_taken"


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-email", "password": "long enough"},
        {"email": "short@example.com", "password": "1234567"},
        {"email": "x@example.com"},
        {"email": 5, "password": "long enough"},
        {"email": "x@example.com", "password": "long enough", "admin": True},
    ],
)
async def test_signup_with_bad_input_answers_422_and_creates_nothing(client, body):
    r = await client.post("/api/auth/signup", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["code"] == "invalid_input"
    if isinstance(body.get("email"), str) and "@" in body["email"]:
        login = await client.post("/api/auth/login", json={"email": body["email"], "password": "long enough"})
        assert login.status_code == 401


async def test_requests_without_a_valid_key_answer_401(client):
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        r = await client.get("/api/projects", headers=headers)
        assert r.status_code == 401
        assert r.json()["code"] == "unauthorized"


async def test_session_cookie_needs_the_csrf_header_to_change_anything(client):
    researcher = await new_researcher(client)
    r = await client.post("/api/auth/login", json={"email": researcher.email, "password": "correct horse"})
    assert r.status_code == 200
    csrf = client.cookies["csrf_token"]
    assert (await client.get("/api/auth/me")).json()["email"] == researcher.email
    refused = await client.post("/api/projects", json={"name": "forged"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"
    created = await client.post("/api/projects", json={"name": "mine"}, headers={"X-CSRF-Token": csrf})
    assert created.status_code == 201
    names = [p["name"] for p in (await researcher.get("/api/projects")).json()]
    assert names == ["mine"]
    await client.post("/api/auth/logout", headers={"X-CSRF-Token": csrf})
    assert (await client.get("/api/auth/me")).status_code == 401
    client.cookies.clear()


async def test_login_with_a_wrong_password_is_refused(client, researcher):
    r = await client.post("/api/auth/login", json={"email": researcher.email, "password": "wrong password"})
    assert r.status_code == 401
    assert "session" not in client.cookies


async def test_another_accounts_ids_answer_404(researcher, other_researcher):
    link = await researcher.link()
    project_id = link["project_id"]
    for url in (
        f"/api/projects/{project_id}",
        f"/api/projects/{project_id}/links",
        f"/api/projects/{project_id}/records",
        f"/api/links/{link['id']}",
    ):
        r = await other_researcher.get(url)
        assert r.status_code == 404, url
        assert r.json()["code"] == "not_found"
    r = await other_researcher.post(f"/api/links/{link['id']}/cancel")
    assert r.status_code == 404
    r = await other_researcher.put(
        f"/api/projects/{project_id}/context", {"research_goals": "x", "interview_guide": "y"}
    )
    assert r.status_code == 404
    assert (await researcher.get(f"/api/links/{link['id']}")).json()["status"] == "pending"
