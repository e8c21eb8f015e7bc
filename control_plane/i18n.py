"""The words of the researcher's pages and reports, in English and Russian, from one catalogue per language.

The catalogues are `web/static/i18n/<language>.json`, the same files the pages' scripts load, so a string is written
once for the templates, the scripts and the Markdown export. An entry is a string with `{name}` placeholders, or a
plural entry: an object keyed by CLDR plural category (`one`, `few`, `many`, `other`) chosen by the `count` value
(or else the first number given). Numbers are written the locale's way; keys ending in `_html` hold trusted markup.

A page's language is the `lang` cookie set by the header's language switch, else the browser's Accept-Language,
else English.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_time, get_datetime_format
from babel.numbers import format_decimal
from litestar import Request
from markupsafe import Markup

LANGUAGES = ("en", "ru")
DEFAULT_LANGUAGE = "en"
COOKIE = "lang"
CATALOGUE_DIR = Path(__file__).resolve().parents[1] / "web" / "static" / "i18n"

Entry = str | dict[str, str]


@cache
def catalogue(language: str) -> dict[str, Entry]:
    return json.loads((CATALOGUE_DIR / f"{language}.json").read_text(encoding="utf-8"))


def negotiate(accept_language: str | None) -> str:
    """The first of our languages the browser asks for (by its q-values), else English."""
    wanted: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            wanted.append((-quality, position, primary))
    return min(wanted)[2] if wanted else DEFAULT_LANGUAGE


def language_of(request: Request) -> str:
    chosen = request.cookies.get(COOKIE)
    return chosen if chosen in LANGUAGES else negotiate(request.headers.get("accept-language"))


def format_number(language: str, value: int | float) -> str:
    return format_decimal(value, locale=language)


def format_datetime(language: str, moment: datetime) -> str:
    """Date and time in UTC the way the pages' scripts write them (`dateStyle: medium, timeStyle: short`)."""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    date = format_date(moment.astimezone(UTC), "medium", locale=language)
    time = format_time(moment, "short", tzinfo=UTC, locale=language)
    return get_datetime_format("medium", locale=language).replace("{1}", date).replace("{0}", time)


@cache
def _locale(language: str) -> Locale:
    return Locale.parse(language)


def _entry(language: str, key: str, values: dict[str, Any]) -> str:
    entry = catalogue(language).get(key, catalogue(DEFAULT_LANGUAGE).get(key, key))
    if isinstance(entry, dict):
        count = values.get("count", next((v for v in values.values() if isinstance(v, int | float)), 0))
        entry = entry.get(_locale(language).plural_form(abs(count)), entry["other"])
    return entry


def _formatted(language: str, values: dict[str, Any]) -> dict[str, Any]:
    return {
        name: format_number(language, value)
        if isinstance(value, int | float) and not isinstance(value, bool)
        else value
        for name, value in values.items()
    }


def translate(language: str, key: str, **values: Any) -> str:
    """The catalogue's text for `key` as plain text (for Markdown and titles), with `values` filled in."""
    return _entry(language, key, values).format_map(_formatted(language, values))


def template_text(language: str, key: str, **values: Any) -> Markup:
    """The same for a template: values are escaped, and only `_html` entries keep their markup."""
    entry = _entry(language, key, values)
    template = Markup(entry) if key.endswith("_html") else Markup.escape(entry)
    return template.format_map(_formatted(language, values))


def install(engine: Any) -> None:
    """Give every template `t(key, **values)`, `lang()` and `when(datetime)` in the request's language."""

    def language(context: Any) -> str:
        request = context.get("request")
        return language_of(request) if request is not None else DEFAULT_LANGUAGE

    engine.register_template_callable("lang", language)
    engine.register_template_callable(
        "t", lambda context, key, **values: template_text(language(context), key, **values)
    )
    engine.register_template_callable("when", lambda context, moment: format_datetime(language(context), moment))
