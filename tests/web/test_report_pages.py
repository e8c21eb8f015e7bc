"""Reports as the researcher sees them: generated from the record page and the project page, quotes linked to turns."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.web.conftest import Researcher, screenshot
from tests.web.test_records_pages import complete_an_interview


def test_a_report_is_generated_from_the_record_and_its_quotes_lead_to_the_turn(page, researcher: Researcher):
    project = researcher.project()
    complete_an_interview(researcher, project["id"])
    page.goto(f"/projects/{project['id']}")
    page.locator("#records-table tbody tr").first.get_by_role("link").click()
    expect(page.get_by_text("No report yet.")).to_be_visible()

    page.get_by_role("button", name="Generate report").click()
    expect(page.get_by_role("heading", name="Interview report")).to_be_visible()
    expect(page.get_by_role("heading", name="Summary")).to_be_visible(timeout=15_000)
    expect(page.get_by_role("heading", name="Answers by question")).to_be_visible()
    expect(page.get_by_role("heading", name="Open questions")).to_be_visible()
    quote = page.locator("blockquote.quote").first
    expect(quote).to_contain_text("the checkout asked for my address twice")
    expect(quote).to_contain_text("ann@example.com")
    expect(page.get_by_role("link", name="Markdown")).to_be_visible()
    screenshot(page, "report")

    quote.get_by_role("link", name="R1, turn 2").click()
    expect(page.locator("#turn-2")).to_contain_text("the checkout asked for my address twice")
    expect(page.locator("#reports-list li")).to_have_count(1)


def test_a_project_report_without_a_model_puts_answers_side_by_side_and_infers_no_themes(page, researcher: Researcher):
    project = researcher.project()
    complete_an_interview(researcher, project["id"])
    complete_an_interview(researcher, project["id"])
    page.goto(f"/projects/{project['id']}")
    expect(page.locator("#records-table tbody tr")).to_have_count(2)
    page.get_by_role("button", name="Project report").click()
    expect(page.get_by_role("heading", name="Project report")).to_be_visible()
    expect(page.get_by_role("heading", name="Answers by question")).to_be_visible(timeout=15_000)
    expect(page.get_by_text("2 records ·")).to_be_visible()
    expect(page.get_by_text("2 interviews, 2 guide questions: 2 of 4 answers given.")).to_be_visible()
    expect(page.get_by_role("heading", name="Themes")).to_have_count(0)
    question = page.locator(".report-question").first
    expect(question).to_contain_text("answered by 2 of 2")
    expect(question.locator(".report-answers tr")).to_have_count(2)
    expect(question.locator(".report-answers th")).to_have_text(["R1", "R2"])
    screenshot(page, "project-report")


def test_a_project_without_records_explains_why_there_is_no_report(page, researcher: Researcher):
    project = researcher.project()
    page.goto(f"/projects/{project['id']}")
    page.get_by_role("button", name="Project report").click()
    expect(page.get_by_text("There are no completed interviews to report on yet.")).to_be_visible()
