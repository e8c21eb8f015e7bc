"""Webhooks from the project page: add a local endpoint, keep the secret shown once, and watch the delivery log
follow an event that the receiver refuses once (500) and then accepts, each request's signature checked."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from tests.web.conftest import Researcher, screenshot
from tests.web.test_records_pages import complete_an_interview


class Receiver(ThreadingHTTPServer):
    secret = ""
    answers: list[int]
    received: list[dict]


class Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:  # noqa: N802 - the http.server interface
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        timestamp = self.headers["Webhook-Timestamp"]
        expected = hmac.new(self.server.secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
        valid = hmac.compare_digest(self.headers["Webhook-Signature"], f"v1={expected}")
        self.server.received.append({"valid": valid, "id": self.headers["Webhook-Id"], "body": json.loads(body)})
        self.send_response(self.server.answers.pop(0) if self.server.answers else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver(("127.0.0.1", 0), Handler)
    server.answers, server.received = [500], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_webhook_is_added_from_the_page_and_its_log_shows_the_retry(page, researcher: Researcher, receiver):
    project = researcher.project()
    page.goto(f"/projects/{project['id']}")
    section = page.locator("#webhooks")
    section.get_by_label("Endpoint URL").fill("http://example.com/hooks")
    section.get_by_role("button", name="Add endpoint").click()
    expect(section.locator(".form-error")).to_contain_text("HTTPS only")

    url = f"http://127.0.0.1:{receiver.server_address[1]}/hooks"
    section.get_by_label("Endpoint URL").fill(url)
    section.get_by_role("button", name="Add endpoint").click()
    expect(section.locator("#webhook-secret")).to_contain_text("it is not shown again")
    receiver.secret = section.locator("#webhook-secret-value").text_content()
    assert receiver.secret.startswith("whsec_")
    expect(section.locator("#webhooks-table tbody tr")).to_have_count(1)

    link = complete_an_interview(researcher, project["id"])
    page.reload()
    delivery = page.locator("#deliveries-table tbody tr")
    expect(delivery).to_have_count(1)
    # the receiver answers 500 first; a second later the retry is accepted, and the log follows it
    expect(delivery.locator(".badge")).to_have_text("delivered", timeout=20_000)
    expect(delivery).to_contain_text("interview.completed")
    expect(delivery.locator("td").nth(4)).to_have_text("2")
    expect(delivery.locator("td").nth(5)).to_have_text("200")
    assert [r["valid"] for r in receiver.received] == [True, True]
    assert receiver.received[0]["id"] == receiver.received[1]["id"]
    assert receiver.received[1]["body"]["data"]["link_id"] == link["id"]
    screenshot(page, "webhooks")

    section.get_by_role("button", name=f"Remove {url}").click()
    expect(section.locator("#webhooks-table tbody tr")).to_have_count(0)
