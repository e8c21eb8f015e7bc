"""The respondent's interview room. No login: the page knows only the token and asks the public API the rest."""

from __future__ import annotations

from litestar import get
from litestar.response import Template


@get("/interview/{token:str}", include_in_schema=False, sync_to_thread=False)
def interview_room(token: str) -> Template:
    # The token is the respondent's key to the room: keep it out of Referer headers and caches.
    return Template(
        template_name="interview.html",
        context={"token": token},
        headers={"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"},
    )
