"""The real stack for end-to-end tests: LiveKit server, the control plane, two agent workers, and Chromium.

The respondent's voice is a WAV made with espeak-ng, played into the page by Chromium's fake microphone. Nothing
here is faked but the microphone: the agent hears it through LiveKit, transcribes it, and answers.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page

from scripts.stack import DEV_SECRET, Proc, Stack, free_port
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, TEST_TMP

SECRET_KEY = "e2e-secret-key"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
GUIDE = "1. How do you plan your week?\n2. What tools do you use for planning?\n3. What would make planning easier?"
ANSWER = "I plan my week on Monday morning with a paper calendar and a long list of tasks."
# Said a few seconds into the agent's greeting, to interrupt it.
BARGE_IN = "Sorry, can you hear me well?"
# Said after the greeting; the worker is killed while it is being said.
SHORT_ANSWER = "I plan my week on Monday morning."

pytestmark = pytest.mark.e2e


@dataclass
class E2E:
    stack: Stack
    workers: list[Proc]
    http: httpx.Client
    metrics_ports: dict[str, int]

    def start_worker(self, name: str) -> Proc:
        """A worker with its Prometheus metrics on a port of its own."""
        self.metrics_ports[name] = free_port()
        proc = self.stack.start_worker(name, timeout=240, env={"AGENT_METRICS_PORT": str(self.metrics_ports[name])})
        self.workers.append(proc)
        return proc

    def serving(self, link_id: str) -> Proc:
        """The live worker whose log names the interview."""
        found = [w for w in self.workers if w.alive() and link_id in w.log_text()]
        assert len(found) == 1, f"{len(found)} live workers serve interview {link_id}"
        return found[0]

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


def microphone_wav(name: str, text: str, silence_before: float, silence_after: float = 90) -> Path:
    """What the fake microphone plays, once, from the moment the page opens it: silence, `text` said by espeak-ng,
    silence."""
    folder = TEST_TMP / "audio"
    folder.mkdir(parents=True, exist_ok=True)
    speech, wav = folder / f"{name}-speech.wav", folder / f"{name}.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(speech), text], check=True)
    subprocess.run(
        [
            "sox",
            str(speech),
            "-r",
            "48000",
            "-c",
            "1",
            "-b",
            "16",
            str(wav),
            "pad",
            str(silence_before),
            str(silence_after),
        ],
        check=True,
    )
    return wav


@pytest.fixture(scope="session")
def answers_wav() -> Path:
    """Silence while the agent greets and asks its first question (about 20 s with the offline voice), then the
    spoken answer."""
    return microphone_wav("answers", ANSWER, 25)


@pytest.fixture(scope="session")
def barge_in_wav() -> Path:
    """A question a few seconds into the agent's greeting (it starts 2 to 4 s after the page joins)."""
    return microphone_wav("barge-in", BARGE_IN, 7)


@pytest.fixture(scope="session")
def late_answer_wav() -> Path:
    """A short answer well after the greeting, during which the test kills the worker."""
    return microphone_wav("late-answer", SHORT_ANSWER, 30)


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
            # Chromium and two workers share two cores here: the load counts interviews only, so that a dispatch is
            # not refused for CPU the browser uses (the CPU part is unit-tested and measured by bench/room_path)
            "WORKER_CPU_LIMIT": "0",
        },
    )
    try:
        stack.start_livekit()
        stack.start_control_plane()
        with httpx.Client(base_url=stack.control_plane_url, timeout=30) as http:
            e2e = E2E(stack, [], http, {})
            e2e.start_worker("agent-1")
            e2e.start_worker("agent-2")
            yield e2e
    finally:
        stack.stop_all()


# Loaded before the page's own scripts: every microphone stream the page opens and every audio element it plays
# (the agent's voice) is measured every 20 ms, and the moments each is audible are kept in window.__audible, on the
# page's clock (performance.now(), ms). This is what the respondent hears and says, measured where they are.
AUDIBLE_LEVELS = """
window.__audible = { mic: [], agent: [] };
(() => {
  const watch = (stream, name) => {
    const ctx = new AudioContext();
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 1024;
    ctx.createMediaStreamSource(stream).connect(analyser);
    const buf = new Float32Array(analyser.fftSize);
    setInterval(() => {
      analyser.getFloatTimeDomainData(buf);
      let sum = 0;
      for (const x of buf) sum += x * x;
      if (Math.sqrt(sum / buf.length) > 0.01) window.__audible[name].push(performance.now());
    }, 20);
  };
  const open = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    const stream = await open(constraints);
    if (constraints && constraints.audio) watch(stream, "mic");
    return stream;
  };
  new MutationObserver((records) => {
    for (const r of records) for (const node of r.addedNodes) {
      if (node.tagName === "AUDIO" && node.srcObject) watch(node.srcObject, "agent");
    }
  }).observe(document, { childList: true, subtree: true });
})();
"""


def audible(page: Page) -> dict[str, list[float]]:
    """When the respondent's microphone and the agent's voice were audible, in seconds on the page's clock."""
    levels = page.evaluate("window.__audible")
    return {name: [t / 1000 for t in times] for name, times in levels.items()}


@contextmanager
def chromium_page(playwright, e2e: E2E, microphone: Path) -> Iterator[Page]:
    """A respondent's page in Chromium whose microphone plays `microphone`."""
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=[
            *CHROMIUM_ARGS,
            "--autoplay-policy=no-user-gesture-required",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-audio-capture={microphone}%noloop",
        ],
    )
    context = browser.new_context(base_url=e2e.stack.control_plane_url, locale="en-US")
    context.add_init_script(AUDIBLE_LEVELS)
    try:
        yield context.new_page()
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        context.close()
        browser.close()


@pytest.fixture
def respondent_page(playwright, answers_wav, e2e):
    with chromium_page(playwright, e2e, answers_wav) as page:
        yield page
