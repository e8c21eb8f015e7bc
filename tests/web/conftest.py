"""Browser tests: the real control plane as a subprocess, driven through Debian's Chromium by Playwright.

The server gets its own SQLite file and a LiveKit URL where nothing listens, so the respondent's page reaches the
point of connecting and has to say clearly that it could not. Screenshots go to `tests/web/artifacts/`.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import playwright.sync_api as playwright_sync
import pytest

from tests.conftest import CHROMIUM, CHROMIUM_ARGS

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
STARTER_TOKENS = 600
SECRET_KEY = "web-tests-secret-key"
OPERATOR_EMAIL = "operator-web@example.com"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, base_url: str, env: dict[str, str]) -> None:
        self.base_url = base_url
        self.env = env


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    tmp = Path(tempfile.mkdtemp(prefix="interviewer-web-"))
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp / 'web.sqlite3'}",
        "PUBLIC_BASE_URL": base_url,
        "LIVEKIT_URL": f"ws://127.0.0.1:{free_port()}",
        "SECRET_KEY": SECRET_KEY,
        "STARTER_TOKENS": str(STARTER_TOKENS),
        "TOKENS_PER_MINUTE": "1",
        "ALLOW_SIGNUP": "true",
        "DISPATCH_AGENTS": "false",
        # Webhooks go to a receiver the test runs on this machine, and a failed one is retried after a second.
        "DELIVER_WEBHOOKS": "true",
        "WEBHOOK_ALLOW_LOCAL": "true",
        "WEBHOOK_RETRY_SECONDS": "1",
        "OPERATOR_EMAILS": OPERATOR_EMAIL,
        # No language model: reports are extractive, and links in another language than the guide warn.
        "LLM_BASE_URL": "",
        "LLM_API_KEY": "",
        "OPENAI_API_KEY": "",
    }
    log_path = tmp / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "control_plane", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"the control plane exited with {process.returncode}:\n{log_path.read_text()}")
            try:
                with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the control plane did not answer within 60 s:\n{log_path.read_text()}")
            try:
                process.wait(timeout=0.1)  # between polls, wake at once if the server dies
            except subprocess.TimeoutExpired:
                pass
        yield Server(base_url, env)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def browser(playwright):
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--use-fake-ui-for-media-stream"]
    )
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def browser_refusing_microphone(playwright):
    """Without the fake permission UI, headless Chromium refuses the microphone like a user who clicks Block."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def context(browser, server):
    context = browser.new_context(base_url=server.base_url, viewport={"width": 1280, "height": 900}, locale="en-US")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.base_url)
    context.set_default_timeout(10_000)
    uncaught: list[str] = []
    context.on("weberror", lambda error: uncaught.append(str(error.error)))
    yield context
    context.close()
    assert not uncaught, f"the pages threw: {uncaught}"


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture(scope="session", autouse=True)
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def screenshot(page, name: str, full_page: bool = True) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def new_email() -> str:
    return f"researcher-{uuid.uuid4().hex[:10]}@example.com"


class Researcher:
    """A signed-in researcher's browser page, with the JSON API at hand for setting up what a test needs."""

    def __init__(self, page, email: str) -> None:
        self.page = page
        self.email = email

    def csrf(self) -> str:
        return next(c["value"] for c in self.page.context.cookies() if c["name"] == "csrf_token")

    def api(self, method: str, path: str, data: dict | None = None):
        answer = self.page.request.fetch(
            path, method=method, data=data, headers={"X-CSRF-Token": self.csrf()}, fail_on_status_code=False
        )
        return answer.status, (answer.json() if answer.body() else None)

    def project(
        self,
        name: str = "Checkout study",
        goals: str = "Why people abandon checkout.",
        guide: str = "1. Walk me through your last purchase.",
    ) -> dict:
        status, project = self.api("POST", "/api/projects", {"name": name})
        assert status == 201, project
        status, project = self.api(
            "PUT", f"/api/projects/{project['id']}/context", {"research_goals": goals, "interview_guide": guide}
        )
        assert status == 200, project
        return project

    def links(self, project_id: str, **overrides) -> list[dict]:
        body = {
            "count": 1,
            "duration_minutes": 5,
            "expires_in_days": 7,
            "voice": "alloy",
            "language": "en",
            "topics": [],
        }
        body.update(overrides)
        status, answer = self.api("POST", f"/api/projects/{project_id}/links", body)
        assert status == 201, answer
        return answer["links"]


def sign_up(page, email: str | None = None, password: str = "correct horse battery") -> Researcher:
    email = email or new_email()
    page.goto("/signup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Create account").click()
    playwright_sync.expect(page.get_by_text("Your account is ready.")).to_be_visible()
    page.get_by_role("link", name="Continue to projects").click()
    page.wait_for_url("**/projects")
    return Researcher(page, email)


@pytest.fixture
def researcher(page) -> Researcher:
    return sign_up(page)
