"""The real stack for end-to-end tests: LiveKit server, the control plane, two agent workers, and Chromium.

The respondent's voice is a WAV made with espeak-ng, played into the page by Chromium's fake microphone. Nothing
here is faked but the microphone: the agent hears it through LiveKit, transcribes it, and answers.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from scripts.stack import DEV_SECRET, Proc, Stack
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, TEST_TMP

SECRET_KEY = "e2e-secret-key"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
GUIDE = "1. How do you plan your week?\n2. What tools do you use for planning?\n3. What would make planning easier?"
ANSWER = "I plan my week on Monday morning with a paper calendar and a long list of tasks."

pytestmark = pytest.mark.e2e


@dataclass
class E2E:
    stack: Stack
    workers: list[Proc]
    http: httpx.Client

    def researcher(self, email: str) -> dict[str, str]:
        r = self.http.post("/api/auth/signup", json={"email": email, "password": "e2e password"})
        assert r.status_code == 201, r.text
        self.http.cookies.clear()
        return {"Authorization": f"Bearer {r.json()['api_key']}"}

    def link(self, auth: dict, duration_minutes: int, language: str = "en") -> dict:
        project = self.http.post("/api/projects", json={"name": "E2E study"}, headers=auth).json()
        r = self.http.put(
            f"/api/projects/{project['id']}/context",
            json={"research_goals": "Learn how people plan their week.", "interview_guide": GUIDE},
            headers=auth,
        )
        assert r.status_code == 200, r.text
        body = {
            "count": 1,
            "duration_minutes": duration_minutes,
            "expires_in_days": 1,
            "voice": "alloy",
            "language": language,
            "topics": ["planning"],
        }
        r = self.http.post(f"/api/projects/{project['id']}/links", json=body, headers=auth)
        assert r.status_code == 201, r.text
        return r.json()["links"][0]

    def turns(self, link_id: str) -> list[dict]:
        from control_plane.livekit import agent_key
        from control_plane.settings import load_settings

        key = agent_key(load_settings({"SECRET_KEY": SECRET_KEY, "LIVEKIT_API_SECRET": DEV_SECRET}), link_id)
        r = self.http.get(f"/api/agent/interviews/{link_id}", headers={"Authorization": f"Bearer {key}"})
        return r.json()["turns"] if r.status_code == 200 else []


@pytest.fixture(scope="session")
def answers_wav() -> Path:
    """Silence while the agent greets and asks its first question (about 20 s with the offline voice), then the
    spoken answer, then silence; played once, from the moment the page opens the microphone."""
    folder = TEST_TMP / "audio"
    folder.mkdir(parents=True, exist_ok=True)
    speech, wav = folder / "speech.wav", folder / "answers.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(speech), ANSWER], check=True)
    subprocess.run(["sox", str(speech), "-r", "48000", "-c", "1", "-b", "16", str(wav), "pad", "25", "90"], check=True)
    return wav


@pytest.fixture(scope="session")
def e2e() -> Iterator[E2E]:
    stack = Stack(
        TEST_TMP / "e2e",
        extra_env={
            "SECRET_KEY": SECRET_KEY,
            "RECONCILE_INTERVAL_SECONDS": "2",
            "SWEEP_INTERVAL_SECONDS": "2",
            "INTERVIEW_GRACE_SECONDS": "20",
            "OPENAI_API_KEY": "",
            "DISPATCH_AGENTS": "true",
            "DB_POOL_SIZE": "20",
        },
    )
    try:
        stack.start_livekit()
        stack.start_control_plane()
        workers = [stack.start_worker("agent-1", timeout=240), stack.start_worker("agent-2", timeout=240)]
        with httpx.Client(base_url=stack.control_plane_url, timeout=30) as http:
            yield E2E(stack, workers, http)
    finally:
        stack.stop_all()


@pytest.fixture
def respondent_page(playwright, answers_wav, e2e):
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            *CHROMIUM_ARGS,
            "--autoplay-policy=no-user-gesture-required",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-audio-capture={answers_wav}%noloop",
        ],
    )
    context = browser.new_context(base_url=e2e.stack.control_plane_url, locale="en-US")
    page = context.new_page()
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    context.close()
    browser.close()
