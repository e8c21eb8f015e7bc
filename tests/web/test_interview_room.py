"""The respondent's room in a real browser: onboarding, consent, email, microphone, joining, and the error pages.

No LiveKit server runs here, so joining ends in the page's clear "could not connect" state; the control plane
still records the join (the link turns active) and the page keeps the clock and offers to rejoin.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.web.conftest import Researcher, screenshot


def interview_path(link: dict) -> str:
    return "/interview/" + link["url"].rsplit("/interview/", 1)[1]


def test_respondent_reads_onboarding_consents_and_joins(page, researcher: Researcher, context):
    project = researcher.project()
    [link] = researcher.links(
        project["id"], duration_minutes=12, language="en", topics=["Your last purchase", "Payment"]
    )
    respondent = context.new_page()
    respondent.goto(interview_path(link))

    expect(respondent.get_by_role("heading", name="Voice interview")).to_be_visible()
    for title in ("What happens", "Topics", "Duration", "Transcript"):
        expect(respondent.get_by_role("heading", name=title, exact=True)).to_be_visible()
    expect(respondent.locator("#topics-list li")).to_have_text(["Your last purchase", "Payment"])
    expect(respondent.get_by_text("Up to 12 minutes.")).to_be_visible()
    page_text = respondent.locator("body").inner_text()
    assert "Why people abandon" not in page_text and "Walk me through" not in page_text
    screenshot(respondent, "interview-onboarding")

    start = respondent.get_by_role("button", name="Start interview")
    start.click()
    expect(respondent.get_by_role("alert")).to_have_text("Please tick the box to agree before you start.")
    respondent.get_by_label("I agree to take part").check()
    respondent.get_by_label("Your email").fill("not-an-email")
    start.click()
    expect(respondent.get_by_role("alert")).to_contain_text("Enter a valid email address")
    respondent.get_by_label("Your email").fill("ann@example.com")
    start.click()

    expect(respondent.get_by_role("button", name="Leave")).to_be_visible()
    expect(respondent.locator("#conn-state")).to_have_text("Could not connect", timeout=30_000)
    expect(respondent.locator("#call-message")).to_contain_text("We could not reach the interview server")
    expect(respondent.get_by_role("button", name="Rejoin")).to_be_visible()
    expect(respondent.locator("#countdown-value")).to_have_text(re.compile(r"^1[12]:\d\d$"))
    expect(respondent.get_by_role("heading", name="Transcript")).to_be_visible()
    screenshot(respondent, "interview-call-not-connected")

    status, joined = researcher.api("GET", f"/api/links/{link['id']}")
    assert joined["status"] == "active" and joined["respondent_email"] == "ann@example.com"

    # A reload keeps the clock and the email: the respondent rejoins without consenting again.
    respondent.reload()
    expect(respondent.get_by_role("heading", name="Your interview is in progress")).to_be_visible()
    expect(respondent.get_by_label("Your email")).to_have_value("ann@example.com")
    expect(respondent.locator("#consent-row")).to_be_hidden()
    expect(respondent.locator("#countdown-value")).to_have_text(re.compile(r"^1[12]:\d\d$"))
    respondent.get_by_role("button", name="Rejoin interview").click()
    expect(respondent.locator("#conn-state")).to_have_text("Could not connect", timeout=30_000)

    # Leaving asks first, then completes the interview.
    respondent.get_by_role("button", name="Leave").click()
    leave = respondent.get_by_role("dialog", name="Leave the interview?")
    leave.get_by_role("button", name="Stay").click()
    expect(leave).to_be_hidden()
    status, still = researcher.api("GET", f"/api/links/{link['id']}")
    assert still["status"] == "active"
    respondent.get_by_role("button", name="Leave").click()
    leave.get_by_role("button", name="Leave interview").click()
    expect(respondent.get_by_role("heading", name="Thank you!")).to_be_visible()
    screenshot(respondent, "interview-ended")
    status, done = researcher.api("GET", f"/api/links/{link['id']}")
    assert done["status"] == "completed"

    respondent.reload()
    expect(respondent.get_by_role("heading", name="This interview is complete")).to_be_visible()


def test_a_russian_link_speaks_russian(page, researcher: Researcher, context):
    project = researcher.project()
    [link] = researcher.links(project["id"], language="ru", topics=["Покупки"])
    respondent = context.new_page()
    respondent.goto(interview_path(link))
    expect(respondent.get_by_role("heading", name="Голосовое интервью")).to_be_visible()
    expect(respondent.get_by_role("button", name="Начать интервью")).to_be_visible()
    expect(respondent.locator("html")).to_have_attribute("lang", "ru")
    screenshot(respondent, "interview-onboarding-ru")


def test_auto_language_follows_the_browser(browser, server, researcher: Researcher):
    project = researcher.project()
    [link] = researcher.links(project["id"], language="auto")
    russian = browser.new_context(base_url=server.base_url, locale="ru-RU")
    try:
        respondent = russian.new_page()
        respondent.goto(interview_path(link))
        expect(respondent.get_by_role("heading", name="Голосовое интервью")).to_be_visible()
    finally:
        russian.close()


def test_a_refused_microphone_is_explained_with_a_retry(browser_refusing_microphone, server, researcher: Researcher):
    project = researcher.project()
    [link] = researcher.links(project["id"], language="en")
    context = browser_refusing_microphone.new_context(base_url=server.base_url, locale="en-US")
    try:
        respondent = context.new_page()
        respondent.goto(interview_path(link))
        respondent.get_by_label("I agree to take part").check()
        respondent.get_by_label("Your email").fill("bob@example.com")
        respondent.get_by_role("button", name="Start interview").click()
        expect(respondent.get_by_role("heading", name="Microphone access is blocked")).to_be_visible()
        expect(respondent.get_by_text("Allow microphone access for this site")).to_be_visible()
        retry = respondent.get_by_role("button", name="Try again")
        expect(retry).to_be_focused()
        screenshot(respondent, "interview-microphone-blocked")
        status, untouched = researcher.api("GET", f"/api/links/{link['id']}")
        assert untouched["status"] == "pending"

        context.grant_permissions(["microphone"], origin=server.base_url)
        retry.click()
        expect(respondent.get_by_role("button", name="Leave")).to_be_visible()
        status, joined = researcher.api("GET", f"/api/links/{link['id']}")
        assert joined["status"] == "active"
    finally:
        context.close()


def test_an_unknown_link_says_so(page, server):
    page.goto("/interview/no-such-token")
    expect(page.get_by_role("heading", name="Interview not found")).to_be_visible()
    expect(page.get_by_role("button")).to_have_count(0)
    screenshot(page, "interview-not-found")


def test_a_cancelled_link_says_so(page, researcher: Researcher, context):
    project = researcher.project()
    [link] = researcher.links(project["id"], language="en")
    researcher.api("POST", f"/api/links/{link['id']}/cancel")
    respondent = context.new_page()
    respondent.goto(interview_path(link))
    expect(respondent.get_by_role("heading", name="This link was cancelled")).to_be_visible()
    screenshot(respondent, "interview-cancelled")


def test_another_email_cannot_take_over_a_started_interview(page, researcher: Researcher, context):
    project = researcher.project()
    [link] = researcher.links(project["id"], language="en")
    token = interview_path(link).rsplit("/", 1)[1]
    answer = page.request.post(f"/api/interview/{token}/join", data={"email": "first@example.com"})
    assert answer.status == 200

    respondent = context.new_page()
    respondent.goto(interview_path(link))
    expect(respondent.get_by_role("heading", name="Your interview is in progress")).to_be_visible()
    respondent.get_by_label("Your email").fill("someone-else@example.com")
    respondent.get_by_role("button", name="Rejoin interview").click()
    expect(respondent.get_by_role("heading", name="This interview was started with another email")).to_be_visible()
    screenshot(respondent, "interview-email-mismatch")
    respondent.get_by_role("button", name="Use another email").click()
    expect(respondent.get_by_label("Your email")).to_be_visible()


def test_the_livekit_browser_build_is_served(page, server):
    answer = page.request.get("/static/vendor/livekit-client.js")
    assert answer.status == 200, "run `npm ci` in web/ to install livekit-client"
    assert answer.headers["content-type"].startswith("text/javascript")
    assert "registerTextStreamHandler" in answer.text()


def test_live_transcript_joins_streamed_segments_into_turns_that_survive_a_reload(page, server):
    page.goto("/interview/any-token")
    result = page.evaluate(
        """async () => {
          const { LiveTranscript, speakerOf } = await import("/static/js/live-transcript.js");
          const make = () => {
            const panel = document.createElement("section");
            const list = document.createElement("ol");
            const empty = document.createElement("p");
            panel.append(empty, list);
            document.body.append(panel);
            const label = (speaker) => (speaker === "agent" ? "Interviewer" : "You");
            return new LiveTranscript({ list, empty, panel, storageKey: "test-transcript", label });
          };
          const stream = (id, attributes, chunks) => ({
            info: { id, attributes },
            async *[Symbol.asyncIterator]() { for (const chunk of chunks) yield chunk; },
          });
          const local = { identity: "respondent-1", trackPublications: new Map([["mic", { trackSid: "TR_mic" }]]) };
          const agent = { identity: "agent-1" };
          const live = make();
          const spoken = stream("s1", { "lk.segment_id": "SG_1" }, ["Hello, ", "how are ", "you?"]);
          await live.read(spoken, speakerOf(local, spoken, agent));
          for (const [text, final] of [["I am", "false"], ["I am fine, thanks", "true"]]) {
            const heard = stream(`u-${final}`, {
              "lk.segment_id": "SG_2", "lk.transcribed_track_id": "TR_mic", "lk.transcription_final": final,
            }, [text]);
            await live.read(heard, speakerOf(local, heard, agent));
          }
          const restored = make();
          restored.restore();
          const turns = (t) => [...t.list.children].map((li) => [li.className, li.textContent]);
          return { live: turns(live), restored: turns(restored), emptyHidden: live.empty.hidden };
        }"""
    )
    assert result["live"] == [
        ["turn turn-agent", "InterviewerHello, how are you?"],
        ["turn turn-respondent", "YouI am fine, thanks"],
    ]
    assert result["restored"] == result["live"]
    assert result["emptyHidden"] is True
