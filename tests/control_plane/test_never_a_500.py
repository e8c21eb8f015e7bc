"""Bad input of any kind answers a clear 4xx `{code, detail}`, never a 500, and writes nothing.

The hand-written edge cases a fuzzer finds first: NUL characters (PostgreSQL text cannot hold them), lone
surrogates, bodies that are not UTF-8, numbers past a column's range, deep JSON, oversized bodies, non-ASCII
credentials in headers and bodies sent as something other than JSON. Every case runs on SQLite and, with
TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from control_plane.livekit import agent_key
from control_plane.tables import Account, LedgerEntry, Link, Project, Record, Report, Session, Turn
from control_plane.timeutil import utcnow
from tests.control_plane.conftest import token_of

NUL = "a\u0000b"
SURROGATE = "a\ud800b"
LINKS = {"count": 1, "duration_minutes": 5, "expires_in_days": 1, "voice": "alloy", "language": "en"}


def now_iso(shift: float = 0) -> str:
    return (utcnow() + timedelta(seconds=shift)).isoformat()


def turn(**changes) -> dict:
    return {"speaker": "agent", "text": "Hello.", "started_at": now_iso(), "ended_at": now_iso(1), **changes}


def raw(value) -> bytes:
    """JSON as a client may send it: lone surrogates escaped as \\udXXX, which `json.dumps` keeps."""
    return json.dumps(value).encode()


@dataclass
class Case:
    """One request; `{link}`, `{token}`, `{project}` and `{interview}` are filled in from a fresh pending or
    started link. `auth` is who sends it: the researcher, the link's agent, or nobody."""

    method: str
    path: str
    body: bytes | None = None
    auth: str = "researcher"
    headers: dict = field(default_factory=dict)
    started: bool = False


def strings_in_every_text_field(bad: str) -> list[Case]:
    return [
        Case("POST", "/api/auth/login", raw({"email": bad, "password": "xxxxxxxx"}), auth="nobody"),
        Case("POST", "/api/auth/signup", raw({"email": f"{bad}@example.com", "password": "xxxxxxxx"}), auth="nobody"),
        Case("POST", "/api/auth/signup", raw({"email": "fine@example.com", "password": f"long {bad}"}), auth="nobody"),
        Case("POST", "/api/projects", raw({"name": bad})),
        Case("PATCH", "/api/projects/{project}", raw({"name": bad})),
        Case("PUT", "/api/projects/{project}/context", raw({"research_goals": bad, "interview_guide": "g"})),
        Case("PUT", "/api/projects/{project}/context", raw({"research_goals": "g", "interview_guide": bad})),
        Case("POST", "/api/projects/{project}/links", raw({**LINKS, "name": bad})),
        Case("POST", "/api/projects/{project}/links", raw({**LINKS, "topics": [bad]})),
        Case("POST", "/api/projects/{project}/links", raw({**LINKS, "voice": bad})),
        Case("PATCH", "/api/links/{link}", raw({"name": bad})),
        Case("PATCH", "/api/links/{link}", raw({"research_goals": bad})),
        Case("PATCH", "/api/links/{link}", raw({"interview_guide": bad})),
        Case("PATCH", "/api/links/{link}", raw({"topics": [bad]})),
        Case("POST", "/api/interview/{token}/join", raw({"email": f"r{bad}@example.com"}), auth="nobody"),
        Case("POST", "/api/interview/{token}/leave", raw({"email": bad}), auth="nobody", started=True),
        Case("PUT", "/api/agent/interviews/{interview}/turns/1", raw(turn(text=bad)), auth="agent", started=True),
    ]


def bad_paths(bad: str) -> list[Case]:
    return [
        Case("GET", f"/api/interview/{bad}", auth="nobody"),
        Case("POST", f"/api/interview/{bad}/join", raw({"email": "r@example.com"}), auth="nobody"),
        Case("POST", f"/api/interview/{bad}/leave", raw({"email": "r@example.com"}), auth="nobody"),
        Case("GET", f"/api/agent/interviews/{bad}", auth="agent", started=True),
        Case("GET", f"/api/projects/{{project}}/links?tab={bad}"),
        Case("GET", f"/interview/{bad}", auth="nobody"),
        Case("GET", f"/login?next={bad}", auth="nobody"),
    ]


NOT_UTF8 = b'{"name":"\xff\xfe"}'

CASES: dict[str, Case] = {
    **{f"nul {i}": c for i, c in enumerate(strings_in_every_text_field(NUL))},
    **{f"surrogate {i}": c for i, c in enumerate(strings_in_every_text_field(SURROGATE))},
    **{f"nul path {i}": c for i, c in enumerate(bad_paths("%00"))},
    **{f"surrogate path {i}": c for i, c in enumerate(bad_paths("%ED%A0%80"))},
    **{f"invalid utf-8 path {i}": c for i, c in enumerate(bad_paths("%FF%FE"))},
    "not utf-8: project create": Case("POST", "/api/projects", NOT_UTF8),
    "not utf-8: project rename": Case("PATCH", "/api/projects/{project}", NOT_UTF8),
    "not utf-8: link create": Case("POST", "/api/projects/{project}/links", b'{"name":"\xff","count":1}'),
    "not utf-8: link edit": Case("PATCH", "/api/links/{link}", NOT_UTF8),
    "not utf-8: login": Case("POST", "/api/auth/login", b'{"email":"\xff@x.io","password":"xxxxxxxx"}', auth="nobody"),
    "not utf-8: join": Case("POST", "/api/interview/{token}/join", b'{"email":"\xc3"}', auth="nobody"),
    "not utf-8: turn": Case(
        "PUT", "/api/agent/interviews/{interview}/turns/1", b'{"text":"\xed\xa0\x80"}', auth="agent", started=True
    ),
    "seq past int64": Case(
        "PUT", "/api/agent/interviews/{interview}/turns/9223372036854775808", raw(turn()), auth="agent", started=True
    ),
    "seq past int32": Case(
        "PUT", "/api/agent/interviews/{interview}/turns/2147483648", raw(turn()), auth="agent", started=True
    ),
    "seq negative": Case("PUT", "/api/agent/interviews/{interview}/turns/-1", raw(turn()), auth="agent", started=True),
    "turn from year 1 east of UTC": Case(
        "PUT",
        "/api/agent/interviews/{interview}/turns/1",
        raw(turn(started_at="0001-01-01T00:00:00+14:00")),
        auth="agent",
        started=True,
    ),
    "turn in year 9999 west of UTC": Case(
        "PUT",
        "/api/agent/interviews/{interview}/turns/1",
        raw(turn(ended_at="9999-12-31T23:59:59-14:00")),
        auth="agent",
        started=True,
    ),
    "count past int64": Case("POST", "/api/projects/{project}/links", b'{"count": 99999999999999999999999}'),
    "count as a huge float": Case("POST", "/api/projects/{project}/links", b'{"count": 1e999}'),
    "negative duration": Case("POST", "/api/projects/{project}/links", raw({**LINKS, "duration_minutes": -5})),
    "deep json array": Case("POST", "/api/projects", b"[" * 100_000 + b"]" * 100_000),
    "deep json object": Case("PUT", "/api/projects/{project}/context", b'{"research_goals":' * 50_000 + b"1"),
    "oversized body": Case("POST", "/api/projects", b'{"name":"' + b"x" * (3 * 1024 * 1024) + b'"}'),
    "non-ascii bearer on the agent API": Case(
        "GET", "/api/agent/interviews/{interview}", auth="nobody", headers={"authorization": "Bearer é".encode()}
    ),
    "non-ascii bearer, turn": Case(
        "PUT",
        "/api/agent/interviews/{interview}/turns/1",
        raw(turn()),
        auth="nobody",
        headers={"authorization": "Bearer ключ".encode()},
        started=True,
    ),
    "non-ascii bearer on the researcher API": Case(
        "GET", "/api/projects", auth="nobody", headers={"authorization": "Bearer é".encode()}
    ),
    "non-ascii csrf token": Case(
        "POST", "/api/projects", raw({"name": "x"}), auth="session", headers={"x-csrf-token": "é".encode()}
    ),
    "non-ascii csrf token on logout": Case(
        "POST", "/api/auth/logout", None, auth="session", headers={"x-csrf-token": "ü".encode()}
    ),
    "non-ascii session cookie": Case("GET", "/api/projects", auth="nobody", headers={"cookie": "session=é".encode()}),
    "form body": Case(
        "POST",
        "/api/projects",
        b"name=x",
        headers={"content-type": "application/x-www-form-urlencoded"},
    ),
    "multipart body": Case(
        "POST",
        "/api/projects",
        b'--b\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n--b--\r\n',
        headers={"content-type": "multipart/form-data; boundary=b"},
    ),
    "json sent as text/plain": Case(
        "POST", "/api/projects", raw({"name": "x"}), headers={"content-type": "text/plain"}
    ),
    "xml body": Case("POST", "/api/projects", b"<name>x</name>", headers={"content-type": "application/xml"}),
    "empty body where one is required": Case("POST", "/api/projects", b""),
    "json null body": Case("POST", "/api/projects", b"null"),
    "a string where an object belongs": Case("POST", "/api/projects", b'"name"'),
}


async def counts(account_id: str) -> dict[str, int]:
    """Rows anyone could have written (accounts, sessions), and the rows of this test's own account: the server's
    sweep may complete another test's interview meanwhile, which is not this request writing."""
    mine = {t: t.account == account_id for t in (LedgerEntry, Project, Link, Record, Report)}
    found = {t._meta.tablename: await t.count().where(where) for t, where in mine.items()}
    found["turn"] = await Turn.count().where(Turn.link.account == account_id)
    return {**found, "account": await Account.count(), "session": await Session.count()}


async def fill(case: Case, researcher, client, settings) -> tuple[str, dict]:
    link = await researcher.link()
    if case.started:
        r = await client.post(f"/api/interview/{token_of(link)}/join", json={"email": "r@example.com"})
        assert r.status_code == 200, r.text
    path = case.path.format(link=link["id"], token=token_of(link), project=link["project_id"], interview=link["id"])
    headers = {"content-type": "application/json"} if case.body is not None else {}
    if case.auth == "researcher":
        headers["authorization"] = f"Bearer {researcher.api_key}"
    elif case.auth == "agent":
        headers["authorization"] = f"Bearer {agent_key(settings, link['id'])}"
    elif case.auth == "session":
        r = await client.post("/api/auth/login", json={"email": researcher.email, "password": "correct horse"})
        assert r.status_code == 200, r.text
    headers.update(case.headers)
    return path, headers


@pytest.mark.parametrize("name", list(CASES))
async def test_bad_input_answers_a_clear_4xx_and_writes_nothing(name, researcher, client, settings):
    case = CASES[name]
    path, headers = await fill(case, researcher, client, settings)
    before = await counts(researcher.account_id)
    try:
        r = await client.request(case.method, path, content=case.body, headers=headers)
    finally:
        client.cookies.clear()
    if not path.startswith("/api/"):  # a page: it may render, it must not fail
        assert r.status_code < 500, f"{r.status_code}: {r.text[:300]}"
    else:
        assert 400 <= r.status_code < 500, f"{r.status_code}: {r.text[:300]}"
        body = r.json()
        assert isinstance(body.get("code"), str) and body["code"], body
        assert isinstance(body.get("detail"), str) and body["detail"], body
    assert await counts(researcher.account_id) == before
