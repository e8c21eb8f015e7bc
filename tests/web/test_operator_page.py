"""The operator's page in a real browser: operators see the fleet and grant tokens once per grant; a researcher is
told the page is not for them."""

from __future__ import annotations

import hashlib
import hmac
import re

from playwright.sync_api import expect

from tests.web.conftest import OPERATOR_EMAIL, SECRET_KEY, STARTER_TOKENS, new_email, screenshot, sign_up


def agent_key(link_id: str) -> str:
    return hmac.new(SECRET_KEY.encode(), f"agent:{link_id}".encode(), hashlib.sha256).hexdigest()


def test_a_researcher_is_told_the_operator_page_is_for_operators(page, server):
    sign_up(page)
    expect(page.get_by_role("link", name="Operator")).to_have_count(0)
    answer = page.goto("/operator")
    assert answer.status == 403
    expect(page.get_by_role("heading", name="This page is for operators only")).to_be_visible()


def test_an_operator_sees_interviews_and_workers_and_grants_tokens_once(browser, server):
    # a researcher with an interview in progress, held by a worker that sends its heartbeat
    researcher_context = browser.new_context(base_url=server.base_url)
    researcher = sign_up(researcher_context.new_page(), new_email())
    project = researcher.project()
    link = researcher.links(project["id"])[0]
    token = link["url"].rsplit("/", 1)[1]
    request = researcher_context.request
    assert request.post(f"/api/interview/{token}/join", data={"email": "r@example.com"}).ok
    beat = {"interviews": [{"interview_id": link["id"], "agent_key": agent_key(link["id"])}], "worker": "AW_web"}
    assert request.post("/api/agent/heartbeat", data=beat).ok

    context = browser.new_context(base_url=server.base_url, locale="en-US")
    page = context.new_page()
    try:
        sign_up(page, OPERATOR_EMAIL)
        page.get_by_role("link", name="Operator").click()
        page.wait_for_url("**/operator")
        interview = page.locator(f'#interviews-table tr[data-interview="{link["id"]}"]')
        expect(interview).to_contain_text("AW_web")
        expect(interview).to_contain_text("present")
        expect(page.locator('#workers-table tr[data-worker="AW_web"]')).to_contain_text("1")
        expect(page.locator('[data-today="started"]')).not_to_have_text("–")
        # LiveKit is not running in this test: the page says so in words and shows the rest
        expect(page.get_by_text("LiveKit did not answer")).to_be_visible()

        form = page.locator("#grant-form")
        form.get_by_label("Account email").fill(researcher.email)
        form.get_by_label("Tokens").fill("250")
        form.get_by_label("Reason").fill("pilot study")
        form.get_by_role("button", name="Grant").dblclick()
        expect(form.get_by_role("status")).to_have_text(
            re.compile(rf"Granted 250 tokens to {re.escape(researcher.email)}; available now")
        )
        screenshot(page, "operator")
        status, wallet = researcher.api("GET", "/api/wallet")
        assert status == 200
        # created one 5-minute link (5 tokens reserved), then granted once despite the double click
        assert wallet["available"] == STARTER_TOKENS - 5 + 250 and wallet["granted"] == STARTER_TOKENS + 250
    finally:
        context.close()
        researcher_context.close()
