"""A batch of links as CSV, for a mail merge or a panel provider's upload.

Every cell that a spreadsheet would read as a formula (it starts with `=`, `+`, `-`, `@`, a tab or a carriage
return) is prefixed with an apostrophe, so a link name such as `=HYPERLINK(...)` stays text when the file is opened.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from control_plane.links.services import interview_url
from control_plane.settings import Settings
from control_plane.timeutil import aware

COLUMNS = ("name", "url", "status", "language", "duration_minutes", "expires_at", "respondent_email", "completed_at")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return aware(value).isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def links_csv(rows: Iterable[dict[str, Any]], settings: Settings) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        values = {**row, "url": interview_url(settings, row["token"])}
        writer.writerow([safe_cell(values[column]) for column in COLUMNS])
    return out.getvalue()
