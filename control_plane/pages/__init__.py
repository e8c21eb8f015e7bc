"""The browser's pages: the researcher UI and the respondent's interview room, rendered from `web/templates`.

Pages carry no data rules of their own: each renders a shell and its script module calls the JSON API with the
session cookie (and `X-CSRF-Token`), so the API stays the one place where the product's rules live.
`routes` and `template_config` are wired into the app by `create_app`.
"""

from __future__ import annotations

from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from control_plane import i18n
from control_plane.pages.assets import WEB_DIR, asset_routes
from control_plane.pages.interview import interview_room
from control_plane.pages.researcher import researcher_pages

template_config = TemplateConfig(
    directory=WEB_DIR / "templates", engine=JinjaTemplateEngine, engine_callback=i18n.install
)

routes = [*researcher_pages, interview_room, *asset_routes]

__all__ = ["routes", "template_config"]
