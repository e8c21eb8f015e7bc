"""The researcher's language on the server: chosen from the switch's cookie or the browser, with Russian plurals,
numbers and dates written the locale's way, and the report's Markdown export in it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from control_plane.i18n import format_datetime, negotiate, template_text, translate
from tests.control_plane.test_reports import completed_record, finished


@pytest.mark.parametrize(
    ("accept_language", "chosen"),
    [
        (None, "en"),
        ("", "en"),
        ("ru-RU,ru;q=0.9,en-US;q=0.8", "ru"),
        ("en-US,en;q=0.9,ru;q=0.8", "en"),
        ("de-DE,de;q=0.9,ru;q=0.5", "ru"),
        ("de-DE,fr;q=0.8", "en"),
        ("en;q=0.2, ru;q=0.7", "ru"),
        ("ru;q=0", "en"),
        ("ru;q=nonsense", "en"),
        ("*", "en"),
    ],
)
def test_the_language_follows_the_browsers_preferences(accept_language, chosen):
    assert negotiate(accept_language) == chosen


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (0, "0 токенов"),
        (1, "1 токен"),
        (2, "2 токена"),
        (4, "4 токена"),
        (5, "5 токенов"),
        (11, "11 токенов"),
        (12, "12 токенов"),
        (21, "21 токен"),
        (22, "22 токена"),
        (111, "111 токенов"),
        (6000, "6\N{NO-BREAK SPACE}000 токенов"),
        (-1, "-1 токен"),
    ],
)
def test_russian_counts_take_their_plural_form(count, text):
    assert translate("ru", "create.tokens", count=count) == text


def test_english_counts_take_their_plural_form_and_group_thousands():
    assert [translate("en", "create.tokens", count=n) for n in (1, 2, 6000)] == ["1 token", "2 tokens", "6,000 tokens"]
    assert translate("en", "room.duration_text", minutes=1).startswith("Up to 1 minute.")
    assert translate("ru", "room.duration_text", minutes=5).startswith("До 5 минут.")
    assert translate("ru", "room.duration_text", minutes=21).startswith("До 21 минуты.")


def test_dates_are_written_the_locales_way():
    moment = datetime(2025, 11, 25, 18, 51, tzinfo=UTC)

    def plain(text: str) -> str:
        return text.replace("\N{NARROW NO-BREAK SPACE}", " ")

    assert plain(format_datetime("ru", moment)) == "25 нояб. 2025 г., 18:51"
    assert plain(format_datetime("en", moment)) == "Nov 25, 2025, 6:51 PM"


def test_templates_escape_values_and_keep_only_their_own_markup():
    assert str(template_text("en", "auth.signed_in_as_html", email="<b>x</b>")) == (
        "You are signed in as <strong>&lt;b&gt;x&lt;/b&gt;</strong>."
    )
    assert str(template_text("en", "links.copied", name="<i>")) == "Copied the link for &lt;i&gt;."


async def test_the_markdown_export_speaks_the_researchers_language(researcher, settings):
    record_id = await completed_record(researcher, settings)
    report = (await researcher.post(f"/api/records/{record_id}/reports")).json()
    assert (await finished(researcher, report["id"]))["status"] == "done"
    url = f"/api/reports/{report['id']}/markdown"

    russian = await researcher.client.get(url, headers={**researcher.headers, "Accept-Language": "ru-RU,ru;q=0.9"})
    assert russian.text.startswith("# Отчёт по интервью: Planning study\n")
    assert "## Резюме" in russian.text and "## Ответы по вопросам" in russian.text
    assert ", 1 запись._" in russian.text and ", реплика " in russian.text
    assert "Summary" not in russian.text

    # The switch's cookie wins over the browser's language.
    english = await researcher.client.get(
        url, headers={**researcher.headers, "Accept-Language": "ru", "Cookie": "lang=en"}
    )
    assert english.text.startswith("# Interview report: Planning study\n")
    assert "## Summary" in english.text and ", 1 record._" in english.text
