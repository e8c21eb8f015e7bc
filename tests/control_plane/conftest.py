"""Fixtures for the control plane: one migrated database, one app, and fresh researchers per test."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from control_plane.app import create_app
from control_plane.db import engine, migrate
from control_plane.settings import load_settings

GUIDE = "1. How do you plan your week?\n2. What gets in the way?\n3. What would help?"
GOALS = "Understand how small teams plan their work."
_emails = itertools.count(1)


async def _reset_postgres() -> None:
    from piccolo.engine.postgres import PostgresEngine

    db = engine()
    if isinstance(db, PostgresEngine):
        await db.run_ddl("DROP SCHEMA public CASCADE")
        await db.run_ddl("CREATE SCHEMA public")


@pytest.fixture(scope="session")
async def settings():
    return load_settings()


@pytest.fixture(scope="session")
async def client(settings):
    await _reset_postgres()
    await migrate()
    async with AsyncTestClient(app=create_app(settings)) as c:
        yield c


@dataclass
class Researcher:
    client: AsyncTestClient
    email: str
    account_id: str
    api_key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    async def get(self, url: str, **kw: Any):
        return await self.client.get(url, headers=self.headers, **kw)

    async def post(self, url: str, json: Any = None, **kw: Any):
        return await self.client.post(url, json=json, headers=self.headers, **kw)

    async def put(self, url: str, json: Any = None, **kw: Any):
        return await self.client.put(url, json=json, headers=self.headers, **kw)

    async def patch(self, url: str, json: Any = None, **kw: Any):
        return await self.client.patch(url, json=json, headers=self.headers, **kw)

    async def wallet(self) -> dict[str, int]:
        return (await self.get("/api/wallet")).json()

    async def project(self, goals: str = GOALS, guide: str = GUIDE) -> dict:
        project = (await self.post("/api/projects", {"name": "Planning study"})).json()
        if goals or guide:
            r = await self.put(
                f"/api/projects/{project['id']}/context", {"research_goals": goals, "interview_guide": guide}
            )
            assert r.status_code == 200, r.text
            project = r.json()
        return project

    async def links(self, project_id: str, **overrides: Any) -> dict:
        body = {
            "count": 1,
            "duration_minutes": 10,
            "expires_in_days": 7,
            "voice": "alloy",
            "language": "en",
            "topics": ["planning"],
            **overrides,
        }
        r = await self.post(f"/api/projects/{project_id}/links", body)
        assert r.status_code == 201, r.text
        return r.json()

    async def link(self, **overrides: Any) -> dict:
        project = await self.project()
        return (await self.links(project["id"], **overrides))["links"][0]


async def new_researcher(client: AsyncTestClient) -> Researcher:
    email = f"researcher{next(_emails)}@example.com"
    r = await client.post("/api/auth/signup", json={"email": email, "password": "correct horse"})
    assert r.status_code == 201, r.text
    body = r.json()
    client.cookies.clear()
    return Researcher(client, email, body["account_id"], body["api_key"])


@pytest.fixture
async def researcher(client) -> Researcher:
    return await new_researcher(client)


@pytest.fixture
async def other_researcher(client) -> Researcher:
    return await new_researcher(client)


def token_of(link: dict) -> str:
    return link["url"].rsplit("/", 1)[1]
