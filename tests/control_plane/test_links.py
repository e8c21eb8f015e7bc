"""Interview links: creation, tabs, edits and every status transition, legal or not."""

from __future__ import annotations

from datetime import timedelta

from control_plane.tables import Link
from control_plane.timeutil import utcnow
from tests.control_plane.conftest import token_of


async def test_links_need_both_goals_and_guide(researcher):
    for goals, guide in (("", "a guide"), ("goals", "  "), ("", "")):
        project = await researcher.project(goals=goals, guide=guide)
        r = await researcher.post(
            f"/api/projects/{project['id']}/links",
            {"count": 1, "duration_minutes": 5, "expires_in_days": 1, "voice": "alloy", "language": "en"},
        )
        assert r.status_code == 409
        assert r.json()["code"] == "context_missing"
    assert (await researcher.wallet())["reserved"] == 0


async def test_creating_links_reserves_count_times_duration(researcher):
    project = await researcher.project()
    body = await researcher.links(project["id"], count=3, duration_minutes=15, name="Wave")
    assert body["reserved_tokens"] == 45
    assert len(body["links"]) == 3
    assert {link["name"] for link in body["links"]} == {"Wave 1", "Wave 2", "Wave 3"}
    assert await researcher.wallet() == {
        "granted": 600,
        "available": 555,
        "reserved": 45,
        "spent": 0,
        "tokens_per_minute": 1,
        "buy_tokens_url": None,
    }
    link = body["links"][0]
    assert link["status"] == "pending"
    assert link["url"].startswith("http://127.0.0.1:8000/interview/")
    assert len(token_of(link)) >= 22  # 24 random bytes, at least 128 bits
    assert link["topics"] == ["planning"]
    assert len({token_of(link) for link in body["links"]}) == 3


async def test_too_few_tokens_creates_nothing(researcher):
    project = await researcher.project()
    r = await researcher.post(
        f"/api/projects/{project['id']}/links",
        {"count": 11, "duration_minutes": 60, "expires_in_days": 1, "voice": "alloy", "language": "en"},
    )
    assert r.status_code == 402
    assert r.json() | {"detail": None} == {
        "code": "insufficient_tokens",
        "required": 660,
        "available": 600,
        "detail": None,
    }
    assert (await researcher.get(f"/api/projects/{project['id']}/links")).json() == []
    assert (await researcher.wallet())["available"] == 600


async def test_unknown_voice_is_refused_at_creation(researcher):
    project = await researcher.project()
    r = await researcher.post(
        f"/api/projects/{project['id']}/links",
        {"count": 1, "duration_minutes": 5, "expires_in_days": 1, "voice": "robot", "language": "en"},
    )
    assert r.status_code == 422
    assert r.json()["code"] == "unknown_voice"


async def test_tabs_hold_the_right_statuses_newest_first(researcher, client):
    project = await researcher.project()
    links = (await researcher.links(project["id"], count=4))["links"]
    first, second, third, fourth = links
    await researcher.post(f"/api/links/{first['id']}/cancel")
    await Link.update({Link.expires_at: utcnow() - timedelta(seconds=1)}).where(Link.id == second["id"])
    token = token_of(third)
    await client.post(f"/api/interview/{token}/join", json={"email": "resp@example.com"})
    await client.post(f"/api/interview/{token}/leave", json={"email": "resp@example.com"})

    async def tab(name):
        return [link["id"] for link in (await researcher.get(f"/api/projects/{project['id']}/links?tab={name}")).json()]

    assert await tab("active") == [fourth["id"]]
    assert await tab("completed") == [third["id"]]
    assert set(await tab("archived")) == {first["id"], second["id"]}
    r = await researcher.get(f"/api/projects/{project['id']}/links?tab=everything")
    assert r.status_code in (400, 422)
    assert "code" in r.json()


async def test_rename_and_edit_context_of_a_pending_link(researcher):
    link = await researcher.link()
    r = await researcher.patch(
        f"/api/links/{link['id']}",
        {"name": "Alice", "research_goals": "Own goals", "interview_guide": "Own guide", "topics": ["a", "b"]},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["name"], body["research_goals"], body["topics"]) == ("Alice", "Own goals", ["a", "b"])
    r = await researcher.patch(f"/api/links/{link['id']}", {"research_goals": None})
    assert r.json()["research_goals"] is None
    assert r.json()["interview_guide"] == "Own guide"


async def test_cancel_releases_the_whole_reservation(researcher):
    link = await researcher.link(duration_minutes=20)
    assert (await researcher.wallet())["reserved"] == 20
    r = await researcher.post(f"/api/links/{link['id']}/cancel")
    assert r.status_code == 200
    assert r.json()["status"] == "cancelled"
    assert await researcher.wallet() == {
        "granted": 600,
        "available": 600,
        "reserved": 0,
        "spent": 0,
        "tokens_per_minute": 1,
        "buy_tokens_url": None,
    }
    again = await researcher.post(f"/api/links/{link['id']}/cancel")
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_status"
    assert (await researcher.wallet())["available"] == 600


async def test_expiry_releases_the_reservation_and_the_link_answers_410(researcher, client):
    link = await researcher.link(duration_minutes=30)
    await Link.update({Link.expires_at: utcnow() - timedelta(seconds=1)}).where(Link.id == link["id"])
    r = await client.get(f"/api/interview/{token_of(link)}")
    assert r.status_code == 410
    assert r.json()["code"] == "expired"
    assert (await researcher.get(f"/api/links/{link['id']}")).json()["status"] == "expired"
    assert (await researcher.wallet())["reserved"] == 0
    kinds = [e["kind"] for e in (await researcher.get("/api/wallet/ledger")).json()]
    assert kinds == ["release", "reserve", "grant"]


async def test_edits_and_cancel_are_refused_once_the_link_is_not_pending(researcher, client):
    link = await researcher.link()
    await client.post(f"/api/interview/{token_of(link)}/join", json={"email": "r@example.com"})
    for call in (
        researcher.patch(f"/api/links/{link['id']}", {"name": "late"}),
        researcher.patch(f"/api/links/{link['id']}", {"interview_guide": "changed"}),
        researcher.post(f"/api/links/{link['id']}/cancel"),
    ):
        r = await call
        assert r.status_code == 409
        assert r.json()["code"] == "invalid_status"
    after = (await researcher.get(f"/api/links/{link['id']}")).json()
    assert after["status"] == "active"
    assert after["name"] == ""
    assert after["interview_guide"] is None


async def test_only_the_listed_transitions_exist():
    from control_plane.links.lifecycle import TRANSITIONS
    from control_plane.tables import LinkStatus as S

    assert set(TRANSITIONS) == {
        (S.pending, S.active),
        (S.active, S.completed),
        (S.pending, S.expired),
        (S.pending, S.cancelled),
    }


async def test_only_the_lifecycle_module_changes_a_links_status():
    from pathlib import Path

    import control_plane

    root = Path(control_plane.__file__).parent
    writers = sorted(
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "Link.status:" in path.read_text() or "_move(" in path.read_text()
    )
    assert writers == ["links/lifecycle.py"]


async def test_reads_and_the_sweep_apply_the_same_clock(researcher, client, settings):
    from control_plane.links import lifecycle

    project = await researcher.project()
    links = (await researcher.links(project["id"], count=4, duration_minutes=5))["links"]
    now = utcnow()
    grace = timedelta(seconds=settings.interview_grace_seconds)
    for link in links[2:]:
        await client.post(f"/api/interview/{token_of(link)}/join", json={"email": "r@example.com"})
    await Link.update({Link.expires_at: now - timedelta(seconds=1)}).where(Link.id == links[0]["id"])
    await Link.update({Link.ends_at: now - grace - timedelta(seconds=1)}).where(Link.id == links[2]["id"])
    await Link.update({Link.ends_at: now - grace + timedelta(hours=1)}).where(Link.id == links[3]["id"])
    rows = {r["id"]: r for r in await Link.select().where(Link.project == project["id"])}
    due = {str(i) for i, r in rows.items() if lifecycle.is_due(r, settings, now)}
    assert due == {links[0]["id"], links[2]["id"]}
    assert await lifecycle.sweep(settings, account_id=researcher.account_id, now=now) == 2
    after = {
        str(r["id"]): r["status"] for r in await Link.select(Link.id, Link.status).where(Link.project == project["id"])
    }
    assert after == {
        links[0]["id"]: "expired",
        links[1]["id"]: "pending",
        links[2]["id"]: "completed",
        links[3]["id"]: "active",
    }
