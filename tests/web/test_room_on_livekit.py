"""The respondent's room against a real LiveKit server, with a stand-in agent participant instead of a worker.

The stand-in joins the interview's room with the LiveKit SDK, declares its agent state and streams a transcription
the way LiveKit Agents does; the page must connect, show the agent speaking, offer mute, and print the words.
Skipped where `livekit-server` is not installed (scripts/setup builds it into tools/).
"""

from __future__ import annotations

import asyncio
import re
import tempfile
import threading
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from scripts.stack import Stack, livekit_binary
from tests.conftest import require

GUIDE = "1. How do you plan your week?"


@pytest.fixture(scope="module")
def stack():
    try:
        livekit_binary()
    except FileNotFoundError as exc:
        require(False, str(exc))
    stack = Stack(
        Path(tempfile.mkdtemp(prefix="interviewer-web-livekit-")),
        extra_env={"DISPATCH_AGENTS": "false", "SECRET_KEY": "web-livekit-secret"},
    )
    try:
        stack.start_livekit()
        stack.start_control_plane()
        yield stack
    finally:
        stack.stop_all()


def make_link(stack: Stack) -> dict:
    with httpx.Client(base_url=stack.control_plane_url, timeout=30) as http:
        email = f"room-{uuid.uuid4().hex[:8]}@example.com"
        signup = http.post("/api/auth/signup", json={"email": email, "password": "room password"})
        auth = {"Authorization": f"Bearer {signup.json()['api_key']}"}
        http.cookies.clear()
        project = http.post("/api/projects", json={"name": "Room study"}, headers=auth).json()
        context = {"research_goals": "Weekly planning.", "interview_guide": GUIDE}
        http.put(f"/api/projects/{project['id']}/context", json=context, headers=auth).raise_for_status()
        body = {"count": 1, "duration_minutes": 5, "expires_in_days": 1, "voice": "alloy", "language": "en"}
        answer = http.post(f"/api/projects/{project['id']}/links", json=body, headers=auth)
        answer.raise_for_status()
        return answer.json()["links"][0]


class StandInAgent:
    """An `agent`-kind participant in the interview's room, driven from its own thread and event loop."""

    def __init__(self, stack: Stack, link_id: str) -> None:
        self.stack = stack
        self.room_name = f"interview-{link_id}"
        self.speak = threading.Event()
        self.done = threading.Event()
        self.joined = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> StandInAgent:
        self.thread.start()
        assert self.joined.wait(30), f"the stand-in agent could not join: {self.error!r}"
        return self

    def __exit__(self, *exc) -> None:
        self.done.set()
        self.speak.set()
        self.thread.join(30)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # noqa: BLE001 - reported to the test through self.error
            self.error = exc
            self.joined.set()

    async def _main(self) -> None:
        from livekit import api, rtc

        token = (
            api.AccessToken(self.stack.api_key, self.stack.api_secret)
            .with_identity("agent-stand-in")
            .with_kind("agent")
            .with_grants(
                api.VideoGrants(
                    room_join=True, room=self.room_name, can_publish_data=True, can_update_own_metadata=True
                )
            )
            .to_jwt()
        )
        room = rtc.Room()
        await room.connect(self.stack.livekit_url, token)
        try:
            await room.local_participant.set_attributes({"lk.agent.state": "listening"})
            self.joined.set()
            await asyncio.to_thread(self.speak.wait, 60)
            await room.local_participant.set_attributes({"lk.agent.state": "speaking"})
            writer = await room.local_participant.stream_text(
                topic="lk.transcription", attributes={"lk.segment_id": "SG_greeting", "lk.transcription_final": "false"}
            )
            for chunk in ("Hello! ", "How do you ", "plan your week?"):
                await writer.write(chunk)
            await writer.aclose()
            await asyncio.to_thread(self.done.wait, 60)
        finally:
            await room.disconnect()


def test_the_room_connects_shows_the_agent_and_its_words(stack, browser):
    """With the content security policy on: the page must reach LiveKit and play the agent, and break no rule."""
    link = make_link(stack)
    context = browser.new_context(base_url=stack.control_plane_url, locale="en-US")
    violations: list[str] = []
    try:
        page = context.new_page()
        page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
        answer = page.goto(link["url"])
        csp = answer.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and f"connect-src 'self' {stack.livekit_url}" in csp
        assert answer.headers["x-content-type-options"] == "nosniff"
        page.evaluate("document.addEventListener('securitypolicyviolation', e => window.__csp = e.violatedDirective)")
        page.get_by_label("I agree to take part").check()
        page.get_by_label("Your email").fill("ann@example.com")
        page.get_by_role("button", name="Start interview").click()
        expect(page.locator("#conn-state")).to_have_text("Connected", timeout=30_000)
        expect(page.locator("#agent-state")).to_have_text("Waiting for the interviewer…")

        mute = page.get_by_role("button", name="Mute")
        expect(mute).to_be_enabled()
        mute.click()
        unmute = page.get_by_role("button", name="Unmute")
        expect(unmute).to_have_attribute("aria-pressed", "true")
        expect(page.get_by_text("Your microphone is muted.")).to_be_visible()
        unmute.click()
        expect(page.get_by_role("button", name="Mute")).to_have_attribute("aria-pressed", "false")

        with StandInAgent(stack, link["id"]) as agent:
            expect(page.locator("#agent-state")).to_have_text("Listening", timeout=15_000)
            agent.speak.set()
            expect(page.locator("#agent-state")).to_have_text("Speaking", timeout=15_000)
            turn = page.locator("#live-transcript li.turn-agent")
            expect(turn).to_have_text("InterviewerHello! How do you plan your week?", timeout=15_000)
            page.screenshot(path=str(Path(__file__).parent / "artifacts" / "interview-call-connected.png"))

        page.get_by_role("button", name="Leave").click()
        page.get_by_role("dialog", name="Leave the interview?").get_by_role("button", name="Leave interview").click()
        expect(page.get_by_role("heading", name="Thank you!")).to_be_visible()
        expect(page.locator("#live-transcript li.turn-agent")).to_contain_text("How do you plan your week?")
        assert page.evaluate("window.__csp || null") is None
        assert not violations, violations
    finally:
        context.close()


def join_page(browser, stack: Stack, link: dict):
    context = browser.new_context(base_url=stack.control_plane_url, locale="en-US")
    page = context.new_page()
    page.goto(link["url"])
    page.get_by_label("I agree to take part").check()
    page.get_by_label("Your email").fill("ann@example.com")
    page.get_by_role("button", name="Start interview").click()
    expect(page.locator("#conn-state")).to_have_text("Connected", timeout=30_000)
    return context, page


def test_the_page_says_the_interviewer_is_reconnecting_when_it_drops_out(stack, browser):
    link = make_link(stack)
    context, page = join_page(browser, stack, link)
    try:
        with StandInAgent(stack, link["id"]):
            expect(page.locator("#agent-state")).to_have_text("Listening", timeout=15_000)
        # the agent's worker died: LiveKit (or the control plane) took it out of the room
        expect(page.locator("#call-message")).to_have_text(re.compile("lost the connection.*reconnecting"))
        expect(page.locator("#agent-state")).to_have_text("Reconnecting…")
        page.screenshot(path=str(Path(__file__).parent / "artifacts" / "interview-call-reconnecting.png"))
        with StandInAgent(stack, link["id"]):
            expect(page.locator("#agent-state")).to_have_text("Listening", timeout=15_000)
            expect(page.locator("#call-message")).to_be_hidden()
    finally:
        context.close()


@pytest.fixture(scope="module")
def stack_without_workers():
    """Agents are dispatched, but no worker runs: every dispatch stays untaken, as when all workers are full."""
    try:
        livekit_binary()
    except FileNotFoundError as exc:
        require(False, str(exc))
    stack = Stack(
        Path(tempfile.mkdtemp(prefix="interviewer-web-busy-")),
        extra_env={"DISPATCH_AGENTS": "true", "SECRET_KEY": "web-busy-secret"},
    )
    try:
        stack.start_livekit()
        stack.start_control_plane()
        yield stack
    finally:
        stack.stop_all()


def test_the_page_says_in_words_when_no_interviewer_is_free(stack_without_workers, browser):
    link = make_link(stack_without_workers)
    context, page = join_page(browser, stack_without_workers, link)
    try:
        expect(page.locator("#call-message")).to_have_text(
            re.compile("interviewers are busy.*as soon as one is free"), timeout=20_000
        )
        expect(page.locator("#agent-state")).to_have_text("Waiting for the interviewer…")
        page.screenshot(path=str(Path(__file__).parent / "artifacts" / "interview-call-busy.png"))
    finally:
        context.close()
