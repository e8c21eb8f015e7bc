"""Which records the researcher asked for: the query of `GET /api/projects/{id}/records`, read and checked once.

Each parameter arrives as text and is parsed here, so a bad one answers `400 {"code": "invalid_filter"}` naming
the parameter, whatever the framework would have said. Dates are calendar days in UTC, both ends included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

from control_plane.body import check_value
from control_plane.errors import AppError, InvalidInput

LANGUAGES = ("auto", "en", "ru")
MAX_EMAIL_QUERY = 254


class InvalidFilter(AppError):
    status_code = 400
    code = "invalid_filter"


@dataclass(frozen=True)
class RecordFilter:
    link: UUID | None = None
    language: str | None = None
    completed_from: datetime | None = None  # inclusive
    completed_before: datetime | None = None  # exclusive: the day after `to`
    email: str | None = None  # a part of the respondent's email, any case

    def matches_email(self, email: str) -> bool:
        return self.email is None or self.email in email.casefold()


def _day(name: str, raw: str) -> date:
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise InvalidFilter(f"{name}: a date as YYYY-MM-DD is expected, got {raw[:40]!r}") from None
    if not 1970 <= day.year <= 9998:
        raise InvalidFilter(f"{name}: a date between 1970 and 9998 is expected")
    return day


def parse(
    link: str | None, language: str | None, start: str | None, end: str | None, email: str | None
) -> RecordFilter:
    for name, raw in (("link", link), ("language", language), ("from", start), ("to", end), ("email", email)):
        try:
            check_value(raw, name)
        except InvalidInput as exc:
            raise InvalidFilter(exc.detail) from None
    # A parameter that is given must be valid, even empty (`?to=` is not a day); only `email` may be empty (any).
    link_id = None
    if link is not None:
        try:
            link_id = UUID(link)
        except ValueError:
            raise InvalidFilter(f"link: a link id (UUID) is expected, got {link[:40]!r}") from None
    if language is not None and language not in LANGUAGES:
        raise InvalidFilter(f"language: one of {', '.join(LANGUAGES)} is expected, got {language[:40]!r}")
    first = _day("from", start) if start is not None else None
    last = _day("to", end) if end is not None else None
    if first and last and first > last:
        raise InvalidFilter("from: the first day comes after the last (to)")
    email = (email or "").strip().casefold() or None
    if email and len(email) > MAX_EMAIL_QUERY:
        raise InvalidFilter(f"email: at most {MAX_EMAIL_QUERY} characters")
    return RecordFilter(
        link=link_id,
        language=language,
        completed_from=datetime.combine(first, time(), UTC) if first else None,
        completed_before=datetime.combine(last + timedelta(days=1), time(), UTC) if last else None,
        email=email,
    )
