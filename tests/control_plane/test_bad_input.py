"""Bad input of any kind answers a 4xx with a JSON code, and writes nothing."""

from __future__ import annotations

import pytest

from control_plane.tables import Link, Project
from tests.control_plane.conftest import token_of

GOOD_LINKS = {"count": 1, "duration_minutes": 5, "expires_in_days": 1, "voice": "alloy", "language": "en"}
BIG = "x" * (1024 * 1024)


def links_with(**changes):
    return {**GOOD_LINKS, **changes}


BAD_LINK_BODIES = [
    links_with(count=0),
    links_with(count=101),
    links_with(count="3"),
    links_with(duration_minutes=61),
    links_with(duration_minutes=0),
    links_with(expires_in_days=91),
    links_with(expires_in_days=1.5),
    links_with(language="de"),
    links_with(topics=[f"topic {i}" for i in range(11)]),
    links_with(topics=["x" * 81]),
    links_with(topics="not a list"),
    links_with(name="n" * 201),
    links_with(unexpected=True),
    {k: v for k, v in GOOD_LINKS.items() if k != "count"},
    [],
    None,
]


@pytest.mark.parametrize("body", BAD_LINK_BODIES)
async def test_bad_link_creation_answers_4xx_and_creates_nothing(researcher, body):
    project = await researcher.project()
    r = await researcher.post(f"/api/projects/{project['id']}/links", body)
    assert 400 <= r.status_code < 500, r.text
    assert set(r.json()) >= {"code", "detail"}
    assert await Link.count().where(Link.project == project["id"]) == 0
    assert (await researcher.wallet())["reserved"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {"research_goals": BIG, "interview_guide": "guide"},
        {"research_goals": "goals", "interview_guide": BIG},
        {"research_goals": "goals"},
        {"research_goals": 1, "interview_guide": "guide"},
    ],
)
async def test_bad_context_answers_4xx_and_keeps_the_old_one(researcher, body):
    project = await researcher.project()
    r = await researcher.put(f"/api/projects/{project['id']}/context", body)
    assert 400 <= r.status_code < 500
    assert r.json()["code"] in ("invalid_input", "payload_too_large")
    row = await Project.select(Project.research_goals).where(Project.id == project["id"]).first()
    assert row["research_goals"] == project["research_goals"]


@pytest.mark.parametrize(
    "method,url,body",
    [
        ("post", "/api/projects", {"name": ""}),
        ("post", "/api/projects", {"name": "n" * 201}),
        ("post", "/api/projects", {"title": "x"}),
        ("patch", "/api/links/{link}", {"name": 5}),
        ("patch", "/api/links/{link}", {"topics": ["a"] * 11}),
        ("patch", "/api/links/{link}", {"status": "completed"}),
        ("post", "/api/interview/{token}/join", {"email": "nope"}),
        ("post", "/api/interview/{token}/join", {}),
        ("post", "/api/interview/{token}/leave", {"email": 12}),
    ],
)
async def test_bad_bodies_answer_4xx_with_a_code(researcher, method, url, body):
    link = await researcher.link()
    url = url.format(link=link["id"], token=token_of(link))
    r = await getattr(researcher, method)(url, body)
    assert 400 <= r.status_code < 500, r.text
    assert r.json()["code"] in ("invalid_input", "malformed_json")
    after = (await researcher.get(f"/api/links/{link['id']}")).json()
    assert (after["status"], after["name"], after["topics"]) == ("pending", "", ["planning"])


async def test_malformed_json_answers_400(researcher):
    project = await researcher.project()
    r = await researcher.client.post(
        f"/api/projects/{project['id']}/links",
        content=b'{"count": 1,',
        headers={**researcher.headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert r.json()["code"] == "malformed_json"


@pytest.mark.parametrize("url", ["/api/projects/not-a-uuid", "/api/links/123", "/api/records/xyz", "/api/nowhere"])
async def test_bad_ids_and_unknown_paths_answer_404_json(researcher, url):
    r = await researcher.get(url)
    assert r.status_code in (400, 404)
    assert "code" in r.json()


async def test_wrong_method_answers_405_json(researcher):
    r = await researcher.client.delete("/api/projects", headers=researcher.headers)
    assert r.status_code == 405
    assert r.json()["code"] == "method_not_allowed"


async def test_a_bad_page_address_answers_a_404_page_not_json(client):
    r = await client.get("/no/such/page")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "does not exist" in r.text
