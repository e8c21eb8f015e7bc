"""The researcher's pages in a real browser: sign-up to links, the Buy Tokens path, records and the wallet."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.web.conftest import STARTER_TOKENS, Researcher, new_email, screenshot, sign_up


def test_signed_out_visitors_are_sent_to_sign_in(page, server):
    for path in ("/projects", "/wallet", "/projects/00000000-0000-0000-0000-000000000000"):
        page.goto(path)
        expect(page).to_have_url(re.compile(r"/login\?next="))
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    screenshot(page, "login")


def test_sign_in_and_out(page, server):
    email = new_email()
    sign_up(page, email)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    page.goto("/wallet")
    page.wait_for_url("**/login?next=%2Fwallet")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("wrong")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/wallet")
    expect(page.locator('[data-balance="available"]')).to_have_text(str(STARTER_TOKENS))


def test_sign_in_never_sends_the_researcher_off_site(page, server):
    email = new_email()
    sign_up(page, email)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    # The server drops the target (a tab makes `/<tab>/evil.example` a `//evil.example` in the browser) ...
    page.goto("/login?next=%2F%09%2Fevil.example%2Fx")
    expect(page.locator("#login-form")).to_have_attribute("data-next", "/projects")
    # ... and the page checks again whatever target it is given.
    page.locator("#login-form").evaluate("form => form.dataset.next = '/\\t/evil.example/x'")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{server.base_url}/projects")


def test_signup_refuses_a_short_password(page, server):
    page.goto("/signup")
    page.get_by_label("Email").fill(new_email())
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_contain_text("at least 8 characters")


def test_researcher_creates_links_and_manages_them(page, researcher: Researcher):
    page.get_by_label("New project").fill("Checkout study")
    page.get_by_role("button", name="Create project").click()
    page.wait_for_url(re.compile(r"/projects/[0-9a-f-]{36}$"))
    expect(page.get_by_role("heading", name="Checkout study")).to_be_visible()

    create = page.get_by_role("button", name="Create Links")
    expect(create).to_be_disabled()
    expect(page.get_by_text("Fill in and save both Research Goals and Interview Guide")).to_be_visible()
    context_form = page.locator("#context-form")
    context_form.get_by_label("Research Goals").fill("Learn why shoppers abandon the checkout.")
    expect(create).to_be_disabled()
    context_form.get_by_label("Interview Guide").fill(
        "1. Tell me about your last online purchase.\n2. What almost stopped you?"
    )
    page.get_by_role("button", name="Save context").click()
    expect(page.locator("#context-status")).to_have_text("Saved")
    expect(create).to_be_enabled()
    screenshot(page, "project")

    create.click()
    dialog = page.get_by_role("dialog", name="Create Interview Links")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Number of links").fill("3")
    dialog.get_by_label("Duration (minutes)").fill("10")
    dialog.get_by_label("Link expires after (days)").fill("14")
    dialog.get_by_label("Voice").select_option("nova")
    dialog.get_by_label("Language").select_option("ru")
    dialog.get_by_label("Interview topics").fill("Your last purchase\nPayment methods")
    expect(dialog.locator("#reservation-total")).to_have_text("30 tokens")
    expect(dialog.locator("#reservation-formula")).to_have_text("(3 × 10 min × 1 token/min)")
    expect(dialog.locator("#reservation-available")).to_have_text(f"{STARTER_TOKENS} tokens")
    expect(dialog.locator("#reservation-after")).to_have_text(f"{STARTER_TOKENS - 30} tokens")
    screenshot(page, "create-links-modal", full_page=False)
    dialog.get_by_role("button", name="Create Links").click()
    expect(dialog).to_be_hidden()
    # An English guide on Russian links: with no language model the interviewer cannot translate it, and says so.
    expect(page.locator("#links-warning")).to_contain_text("written in English, but these links are in Russian")
    expect(page.locator("#toast")).to_contain_text(
        f"3 links created; 30 tokens reserved; balance now {STARTER_TOKENS - 30}."
    )

    rows = page.locator("#links-table tbody tr[data-link-id]")
    expect(rows).to_have_count(3)
    expect(page.locator("#links-table .badge-pending")).to_have_count(3)
    expect(page.get_by_role("tab", name="Active 3")).to_have_attribute("aria-selected", "true")
    expect(rows.first).to_contain_text("10 min · Russian · nova")
    screenshot(page, "project-links")

    first = rows.nth(0)
    first.get_by_role("button", name="Rename").click()
    rename = page.get_by_role("dialog", name="Rename link")
    rename.get_by_label("Name").fill("Pilot respondent")
    rename.get_by_role("button", name="Save").click()
    expect(page.locator("#links-table tbody tr[data-link-id]").filter(has_text="Pilot respondent")).to_have_count(1)

    renamed = page.locator("#links-table tbody tr[data-link-id]").filter(has_text="Pilot respondent")
    renamed.get_by_role("button", name="Copy link").click()
    expect(page.locator("#toast")).to_contain_text("Copied the link for Pilot respondent.")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert re.fullmatch(rf"{re.escape(page.url.split('/projects')[0])}/interview/[\w-]+", copied), copied
    expect(renamed.get_by_role("link", name="Open link")).to_have_attribute("href", copied)

    renamed.get_by_role("button", name="Edit context").click()
    edit = page.get_by_role("dialog", name="Edit link context")
    expect(edit.get_by_label("Research Goals")).to_have_value("Learn why shoppers abandon the checkout.")
    edit.get_by_label("Interview Guide").fill("1. Only ask about payment.")
    edit.get_by_role("button", name="Save").click()
    expect(edit).to_be_hidden()
    link_id = renamed.get_attribute("data-link-id")
    status, link = researcher.api("GET", f"/api/links/{link_id}")
    assert link["interview_guide"] == "1. Only ask about payment."
    assert link["topics"] == ["Your last purchase", "Payment methods"]

    renamed.get_by_role("button", name="Cancel").click()
    confirm = page.get_by_role("dialog", name="Cancel this link?")
    expect(confirm).to_contain_text("Pilot respondent")
    confirm.get_by_role("button", name="Keep link").click()
    expect(confirm).to_be_hidden()
    expect(rows).to_have_count(3)
    renamed.get_by_role("button", name="Cancel").click()
    confirm.get_by_role("button", name="Cancel link").click()
    expect(rows).to_have_count(2)
    expect(page.locator("#toast")).to_contain_text("Link cancelled")

    page.get_by_role("tab", name=re.compile("Archived")).click()
    expect(rows).to_have_count(1)
    expect(rows.first.locator(".badge")).to_have_text("cancelled")
    expect(rows.first.get_by_role("button", name="Cancel")).to_have_count(0)
    expect(rows.first.get_by_role("button", name="Copy link")).to_be_visible()
    page.get_by_role("tab", name=re.compile("Archived")).press("ArrowLeft")
    expect(page.get_by_role("tab", name=re.compile("Completed"))).to_be_focused()
    expect(page.get_by_role("tab", name=re.compile("Completed"))).to_have_attribute("aria-selected", "true")
    expect(page.get_by_text("No completed interviews yet.")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Projects").click()
    expect(page.locator("#project-list li")).to_have_count(1)
    expect(page.locator("#project-list")).to_contain_text("Checkout study")
    expect(page.locator("#project-list")).to_contain_text("Context ready")
    screenshot(page, "projects")

    page.get_by_role("link", name="Wallet").click()
    expect(page.locator('[data-balance="available"]')).to_have_text(str(STARTER_TOKENS - 20))
    expect(page.locator('[data-balance="reserved"]')).to_have_text("20")
    expect(page.locator('[data-balance="spent"]')).to_have_text("0")
    expect(page.locator("#ledger-table tbody tr")).to_have_count(3)
    screenshot(page, "wallet")


def test_too_few_tokens_shows_buy_tokens_and_creates_nothing(page, researcher: Researcher):
    project = researcher.project()
    page.goto(f"/projects/{project['id']}")
    page.get_by_role("button", name="Create Links").click()
    dialog = page.get_by_role("dialog", name="Create Interview Links")
    dialog.get_by_label("Number of links").fill("100")
    dialog.get_by_label("Duration (minutes)").fill("60")
    # Numbers are written the locale's way: thousands grouped in English.
    expect(dialog.locator("#reservation-total")).to_have_text("6,000 tokens")
    expect(dialog.locator("#reservation-after")).to_have_text(f"{STARTER_TOKENS - 6000:,} tokens")
    expect(dialog.get_by_role("button", name="Create Links")).to_be_hidden()
    dialog.get_by_role("button", name="Buy Tokens").click()
    panel = dialog.locator("#buy-tokens")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text(f"These links need 6,000 tokens; your balance has {STARTER_TOKENS} available.")
    # No purchase page is configured here: the panel says in words whom to ask, and for how many.
    expect(panel).to_contain_text("Tokens are added by the operator of this server")
    expect(panel).to_contain_text(f"{researcher.email}: at least {6000 - STARTER_TOKENS:,} more are needed")
    expect(panel).not_to_contain_text("python -m")
    screenshot(page, "buy-tokens", full_page=False)

    # The balance changes while the modal is open: the server's 402 brings up Buy Tokens as well.
    dialog.get_by_label("Number of links").fill("1")
    dialog.get_by_label("Duration (minutes)").fill("11")
    expect(dialog.get_by_role("button", name="Create Links")).to_be_visible()
    researcher.links(project["id"], count=59, duration_minutes=10)
    dialog.get_by_role("button", name="Create Links").click()
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("These links need 11 tokens; your balance has 10 available.")
    expect(panel).to_contain_text("Nothing was created.")
    status, links = researcher.api("GET", f"/api/projects/{project['id']}/links?tab=active")
    assert len(links) == 59
    status, wallet = researcher.api("GET", "/api/wallet")
    assert wallet["available"] == STARTER_TOKENS - 590


def test_project_of_another_account_is_not_found(browser, server, page, researcher: Researcher):
    project = researcher.project()
    other = browser.new_context(base_url=server.base_url)
    try:
        other_page = other.new_page()
        sign_up(other_page)
        answer = other_page.goto(f"/projects/{project['id']}")
        assert answer.status == 404
        expect(other_page.get_by_role("heading", name="This project does not exist")).to_be_visible()
    finally:
        other.close()
