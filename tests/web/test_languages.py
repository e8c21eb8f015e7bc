"""The researcher's pages speak the browser's language, English or Russian, and the header's switch changes it for
good: server-rendered words, script-rendered words, plural forms, dates and numbers, reports and their exports."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.web.conftest import Researcher, new_email, screenshot
from tests.web.test_interview_room import interview_path
from tests.web.test_records_pages import complete_an_interview

RUSSIAN_DATE = re.compile(r"\d{1,2} [а-я]{3,4}\.? \d{4}\s?г\., \d{1,2}:\d\d")


@pytest.fixture
def russian_page(browser, server):
    context = browser.new_context(base_url=server.base_url, viewport={"width": 1280, "height": 900}, locale="ru-RU")
    context.set_default_timeout(10_000)
    uncaught: list[str] = []
    context.on("weberror", lambda error: uncaught.append(str(error.error)))
    yield context.new_page()
    context.close()
    assert not uncaught, f"the pages threw: {uncaught}"


def test_a_russian_browser_gets_russian_pages_and_the_switch_brings_english_back(russian_page):
    page = russian_page
    page.goto("/signup")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("heading", name="Регистрация")).to_be_visible()
    page.get_by_label("Email").fill(new_email())
    page.get_by_label("Пароль").fill("short")
    page.get_by_role("button", name="Зарегистрироваться").click()
    expect(page.get_by_role("alert")).to_have_text("Пароль: нужно не меньше 8 символов.")
    page.get_by_label("Пароль").fill("correct horse battery")
    page.get_by_role("button", name="Зарегистрироваться").click()
    expect(page.get_by_text("Аккаунт создан.")).to_be_visible()
    page.get_by_role("link", name="Перейти к проектам").click()

    expect(page.get_by_role("heading", name="Проекты", exact=True)).to_be_visible()
    page.get_by_label("Новый проект").fill("Оформление заказа")
    page.get_by_role("button", name="Создать проект").click()
    expect(page.get_by_role("heading", name="Контекст исследования")).to_be_visible()
    context_form = page.locator("#context-form")
    context_form.get_by_label("Цели исследования").fill("Понять, почему покупатели бросают корзину.")
    context_form.get_by_label("Гайд интервью").fill("1. Расскажите о последней покупке.")
    page.get_by_role("button", name="Сохранить контекст").click()
    expect(page.locator("#context-status")).to_have_text("Сохранено")

    # Plural forms and numbers come from Intl in the page's locale.
    page.get_by_role("button", name="Создать ссылки").click()
    dialog = page.get_by_role("dialog", name="Создание ссылок на интервью")
    dialog.get_by_label("Длительность (в минутах)").fill("1")
    for links, tokens in [("1", "1 токен"), ("2", "2 токена"), ("5", "5 токенов"), ("21", "21 токен")]:
        dialog.get_by_label("Количество ссылок").fill(links)
        expect(dialog.locator("#reservation-total")).to_have_text(tokens)
    expect(dialog.locator("#reservation-formula")).to_have_text("(21 × 1 мин × 1 токен/мин)")
    expect(dialog.locator("#reservation-available")).to_have_text("600 токенов")
    dialog.get_by_label("Количество ссылок").fill("100")
    dialog.get_by_label("Длительность (в минутах)").fill("60")
    expect(dialog.locator("#reservation-total")).to_have_text("6\N{NO-BREAK SPACE}000 токенов")
    dialog.get_by_role("button", name="Купить токены").click()
    expect(dialog.locator("#buy-tokens-numbers")).to_have_text(
        "Для этих ссылок нужно 6\N{NO-BREAK SPACE}000 токенов, а на балансе доступно 600."
    )
    dialog.get_by_label("Количество ссылок").fill("2")
    dialog.get_by_label("Длительность (в минутах)").fill("1")
    dialog.get_by_role("button", name="Создать ссылки").click()
    expect(page.locator("#toast")).to_have_text("Созданы 2 ссылки; зарезервировано 2 токена; на балансе теперь 598.")
    rows = page.locator("#links-table tbody tr[data-link-id]")
    expect(rows).to_have_count(2)
    expect(rows.first.locator(".badge")).to_have_text("ожидает")
    expect(rows.first).to_contain_text("1 мин · Автоматически · alloy")
    expect(rows.first.locator("td").nth(2)).to_have_text(RUSSIAN_DATE)
    expect(page.get_by_role("tab", name="Активные 2")).to_have_attribute("aria-selected", "true")
    screenshot(page, "project-ru")

    page.get_by_role("link", name="Кошелёк").click()
    expect(page.get_by_role("heading", name="Кошелёк")).to_be_visible()
    expect(page.locator('[data-balance="rate"]')).to_have_text("1 токен за минуту интервью")
    expect(page.locator("#ledger-table tbody tr").first).to_contain_text("Зарезервировано")
    screenshot(page, "wallet-ru")

    # The switch: English at once, for this page and the next ones, and Russian again.
    page.get_by_label("Язык интерфейса").select_option("en")
    expect(page.get_by_role("heading", name="Wallet")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator('[data-balance="rate"]')).to_have_text("1 token per interview minute")
    expect(page.locator("#ledger-table tbody tr").first).to_contain_text("Reserved")
    page.get_by_role("link", name="Projects").click()
    expect(page.locator("#project-list")).to_contain_text("Context ready · created")
    page.locator("#project-list a").first.click()
    expect(page.get_by_role("heading", name="Research context")).to_be_visible()
    expect(page.locator("#links-table tbody tr[data-link-id]").first.locator(".badge")).to_have_text("pending")
    expect(page.locator("#links-table tbody tr[data-link-id]").first).to_contain_text("1 min · Auto · alloy")
    page.get_by_label("Interface language").select_option("ru")
    expect(page.get_by_role("heading", name="Контекст исследования")).to_be_visible()


def test_a_report_and_its_exports_follow_the_chosen_language(page, server, researcher: Researcher):
    # An English browser that chose Russian with the switch: the cookie wins over Accept-Language.
    page.context.add_cookies([{"name": "lang", "value": "ru", "url": server.base_url}])
    project = researcher.project()
    complete_an_interview(researcher, project["id"])
    page.goto(f"/projects/{project['id']}")
    expect(page.get_by_role("heading", name="Записи интервью")).to_be_visible()
    expect(page.get_by_role("heading", name="Ответы по вопросам")).to_be_visible()
    expect(page.locator("#answers-grid tbody tr").first.locator(".coverage")).to_have_text("ответили 1 из 1")
    page.locator("#records-table tbody tr").first.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Интервью с ann@example.com")).to_be_visible()
    expect(page.locator('[data-fact="language"]')).to_have_text("Английский")
    expect(page.locator('[data-fact="reason"]')).to_have_text("Респондент вышел")
    expect(page.locator('[data-fact="started"]')).to_have_text(RUSSIAN_DATE)
    expect(page.locator("#transcript li").first).to_contain_text("Интервьюер")
    with page.expect_download() as record_download:
        page.get_by_role("button", name="Markdown").click()
    record_markdown = open(record_download.value.path(), encoding="utf-8").read()
    assert record_markdown.startswith("# Запись интервью")
    assert "- **Респондент:** ann@example.com" in record_markdown and "## Расшифровка" in record_markdown

    page.get_by_role("button", name="Составить отчёт").click()
    expect(page.get_by_role("heading", name="Отчёт по интервью")).to_be_visible()
    expect(page.get_by_role("heading", name="Резюме")).to_be_visible(timeout=15_000)
    expect(page.get_by_role("heading", name="Ответы по вопросам")).to_be_visible()
    expect(page.get_by_text("1 запись ·")).to_be_visible()
    expect(page.locator("blockquote.quote").first.get_by_role("link", name="реплика 2")).to_be_visible()
    screenshot(page, "report-ru")
    with page.expect_download() as report_download:
        page.get_by_role("link", name="Markdown").click()
    report_markdown = open(report_download.value.path(), encoding="utf-8").read()
    assert report_markdown.startswith("# Отчёт по интервью: Checkout study")
    assert "## Резюме" in report_markdown and "## Summary" not in report_markdown


def test_a_russian_link_counts_its_minutes_in_russian(page, researcher: Researcher, context):
    project = researcher.project()
    respondent = context.new_page()
    for minutes, text in [(1, "До 1 минуты."), (2, "До 2 минут."), (5, "До 5 минут."), (21, "До 21 минуты.")]:
        [link] = researcher.links(project["id"], language="ru", duration_minutes=minutes)
        respondent.goto(interview_path(link))
        expect(respondent.locator("#duration-text")).to_contain_text(text)
    expect(respondent.locator("html")).to_have_attribute("lang", "ru")
