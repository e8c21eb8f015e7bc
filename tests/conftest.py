"""Test-wide setup: the database is chosen here, before any of our modules is imported.

`TEST_DATABASE_URL` (a PostgreSQL URL) runs the suite against PostgreSQL; without it a fresh SQLite file is used.
Either way the schema comes from running the migrations, so they are tested too.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_tmp = Path(tempfile.mkdtemp(prefix="interviewer-tests-"))
os.environ["DATABASE_URL"] = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{_tmp / 'test.sqlite3'}"
os.environ.setdefault("PICCOLO_CONF", "control_plane.piccolo_conf")
os.environ.setdefault("DISPATCH_AGENTS", "false")
# The control plane's own webhook loop stays off; the webhook tests drive senders themselves.
os.environ.setdefault("DELIVER_WEBHOOKS", "false")
# The in-process app and the tests' own queries run on different event loops; a pool belongs to one of them.
os.environ.setdefault("DB_POOL_SIZE", "0")

TEST_TMP = _tmp

# Debian's Chromium, never a downloaded browser; the flags keep it off every network but loopback.
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-device-for-media-stream",
]


import pytest  # noqa: E402


def require(available: bool, what: str) -> None:
    """A missing tool skips a test on a laptop, and fails it loudly in CI, where everything must be installed."""
    if available:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} (CI must install it: see .ci/run and scripts/setup)")
    pytest.skip(what)


@pytest.fixture(scope="session")
def livekit_server():
    """A real LiveKit server on free loopback ports, for the whole test session."""
    from scripts.stack import Stack

    stack = Stack(TEST_TMP / "livekit")
    stack.start_livekit()
    yield stack
    stack.stop_all()


@pytest.fixture(scope="session")
def playwright():
    """One Playwright for the whole session: its sync API runs an event loop of its own, and only one at a time."""
    from pathlib import Path

    from playwright.sync_api import sync_playwright

    require(Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as p:
        yield p


# Fixtures that start a real service or a browser: a test that uses one is not a unit test.
_SLOW_FIXTURES = {"playwright", "livekit_server", "e2e", "respondent_page"}


def pytest_collection_modifyitems(config, items):
    """`-m unit` is the edit-test loop: everything but the real stack (`e2e`), the interviewer's evaluation suite
    (`evals`) and the tests that drive Chromium or a LiveKit server. Tests marked `postgres` are left out of the
    SQLite pass (no TEST_DATABASE_URL): the PostgreSQL pass runs them."""
    if not os.environ.get("TEST_DATABASE_URL"):
        elsewhere = [item for item in items if item.get_closest_marker("postgres")]
        if elsewhere:
            config.hook.pytest_deselected(items=elsewhere)
            items[:] = [item for item in items if not item.get_closest_marker("postgres")]
    for item in items:
        if item.get_closest_marker("e2e") or "/evals/" in str(item.fspath):
            continue
        if _SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            continue
        item.add_marker(pytest.mark.unit)
