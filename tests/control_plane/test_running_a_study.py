"""Running a study: completed rows say when, how long and what they cost; a batch's links come out together as CSV;
records are found by link, language, day and email; Buy Tokens leads somewhere a researcher can act on."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import timedelta

import pytest
from litestar.testing import AsyncTestClient

from control_plane.app import create_app
from control_plane.settings import SettingsError, load_settings
from control_plane.tables import Record
from control_plane.timeutil import utcnow
from tests.control_plane.conftest import token_of


async def interview(client, link: dict, email: str) -> None:
    r = await client.post(f"/api/interview/{token_of(link)}/join", json={"email": email})
    assert r.status_code == 200, r.text
    r = await client.post(f"/api/interview/{token_of(link)}/leave", json={"email": email})
    assert r.status_code == 200, r.text


async def test_a_completed_link_shows_when_it_finished_how_long_it_took_and_the_tokens_charged(researcher, client):
    link = await researcher.link(duration_minutes=10)
    await interview(client, link, "r@example.com")
    completed = (await researcher.get(f"/api/projects/{link['project_id']}/links?tab=completed")).json()
    assert [c["id"] for c in completed] == [link["id"]]
    row = completed[0]
    assert row["completed_at"] and row["started_at"]
    assert row["charged_tokens"] == 1  # one minute started, at 1 token a minute
    records = (await researcher.get(f"/api/projects/{link['project_id']}/records")).json()
    assert records[0]["charged_tokens"] == 1
    assert records[0]["duration_seconds"] >= 0


async def test_a_batch_downloads_as_csv_with_every_link_and_no_formula(researcher):
    project = await researcher.project()
    batch = await researcher.links(project["id"], count=3, name='=HYPERLINK("http://evil.example")')
    batch_id = batch["links"][0]["batch_id"]
    assert batch_id and {link["batch_id"] for link in batch["links"]} == {batch_id}
    other = await researcher.links(project["id"], count=1)
    assert other["links"][0]["batch_id"] != batch_id

    r = await researcher.get(f"/api/batches/{batch_id}/links.csv")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["url"] for row in rows] == [link["url"] for link in sorted(batch["links"], key=lambda x: x["name"])]
    assert all(row["name"].startswith("'=HYPERLINK") for row in rows)
    assert {row["status"] for row in rows} == {"pending"}


async def test_another_accounts_batch_is_not_found(researcher, other_researcher):
    project = await researcher.project()
    batch_id = (await researcher.links(project["id"], count=2))["links"][0]["batch_id"]
    r = await other_researcher.get(f"/api/batches/{batch_id}/links.csv")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"


async def test_records_are_filtered_by_link_language_day_and_email(researcher, client):
    project = await researcher.project()
    english = (await researcher.links(project["id"], count=2, language="en"))["links"]
    russian = (await researcher.links(project["id"], count=1, language="ru"))["links"][0]
    await interview(client, english[0], "Alice@Example.com")
    await interview(client, english[1], "bob@example.com")
    await interview(client, russian, "carol@example.org")
    url = f"/api/projects/{project['id']}/records"

    async def emails(**query) -> set[str]:
        r = await researcher.get(url, params=query)
        assert r.status_code == 200, r.text
        return {rec["respondent_email"] for rec in r.json()}

    assert await emails() == {"alice@example.com", "bob@example.com", "carol@example.org"}
    assert await emails(link=english[1]["id"]) == {"bob@example.com"}
    assert await emails(language="ru") == {"carol@example.org"}
    assert await emails(email="ALICE") == {"alice@example.com"}
    assert await emails(email="example.com", language="en") == {"alice@example.com", "bob@example.com"}
    today = utcnow().date()
    assert len(await emails(**{"from": today.isoformat(), "to": today.isoformat()})) == 3
    assert await emails(**{"to": (today - timedelta(days=1)).isoformat()}) == set()
    # a record completed two days ago is found by its own day only
    bob = next(r for r in (await researcher.get(url)).json() if r["respondent_email"] == "bob@example.com")
    await Record.update({Record.completed_at: utcnow() - timedelta(days=2)}).where(Record.id == bob["id"])
    two_days_ago = (today - timedelta(days=2)).isoformat()
    assert await emails(**{"from": two_days_ago, "to": two_days_ago}) == {"bob@example.com"}


@pytest.mark.parametrize(
    "query",
    [
        {"link": "not-a-uuid"},
        {"language": "de"},
        {"from": "2026-13-01"},
        {"to": "yesterday"},
        {"from": "2026-05-02", "to": "2026-05-01"},
        {"email": "x" * 300},
        {"email": "a\x00b"},
        {"to": ""},
        {"link": ""},
        {"language": ""},
    ],
)
async def test_a_bad_records_filter_answers_400_and_names_it(researcher, query):
    project = await researcher.project()
    r = await researcher.get(f"/api/projects/{project['id']}/records", params=query)
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "invalid_filter"
    assert next(iter(query)) in r.json()["detail"]


async def project_page(app_settings, researcher, project_id: str) -> tuple[str, dict]:
    async with AsyncTestClient(app=create_app(app_settings)) as browser:
        r = await browser.post("/api/auth/login", json={"email": researcher.email, "password": "correct horse"})
        assert r.status_code == 200, r.text
        page = await browser.get(f"/projects/{project_id}")
        assert page.status_code == 200
        wallet = (await browser.get("/api/wallet")).json()
        return page.text, wallet


async def test_buy_tokens_opens_the_purchase_page_when_one_is_set_and_otherwise_says_whom_to_ask(researcher, settings):
    project = await researcher.project()
    shop = "https://shop.example.com/tokens?plan=research"
    html, wallet = await project_page(replace(settings, buy_tokens_url=shop), researcher, project["id"])
    assert wallet["buy_tokens_url"] == shop
    assert 'id="buy-tokens-button" href="https://shop.example.com/tokens?plan=research"' in html
    assert 'target="_blank"' in html

    html, wallet = await project_page(replace(settings, buy_tokens_url=""), researcher, project["id"])
    assert wallet["buy_tokens_url"] is None
    assert 'id="buy-tokens-ask"' in html and "buy-tokens-button" in html
    assert "shop.example.com" not in html
    assert "python -m" not in html and "grant-tokens" not in html  # words for a researcher, not an operator's command


def test_buy_tokens_url_must_be_https():
    assert load_settings({"BUY_TOKENS_URL": "https://shop.example.com/tokens"}).buy_tokens_url == (
        "https://shop.example.com/tokens"
    )
    for bad in ("http://shop.example.com", "javascript:alert(1)", "https://", "shop.example.com"):
        with pytest.raises(SettingsError, match="BUY_TOKENS_URL"):
            load_settings({"BUY_TOKENS_URL": bad})
