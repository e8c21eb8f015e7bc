"""`python -m control_plane serve` under each HTTP server it can run (`HTTP_SERVER`: uvicorn, the default, or granian):
the whole app is served, not only its routes. Each test starts the server as a process (a few seconds each)."""

from __future__ import annotations

import contextlib
import signal
import sqlite3
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from control_plane.settings import HTTP_SERVERS
from scripts.stack import Stack, api_call


def status(url: str, headers: dict[str, str] | None = None) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


@pytest.mark.parametrize("server", HTTP_SERVERS)
def test_the_server_judges_the_client_a_local_proxy_names_runs_the_clock_and_stops_on_sigterm(server):
    workdir = Path(tempfile.mkdtemp(prefix=f"http-server-{server}-"))
    stack = Stack(workdir, extra_env={"HTTP_SERVER": server, "DISPATCH_AGENTS": "false", "SWEEP_INTERVAL_SECONDS": "1"})
    proc = stack.start_control_plane()
    try:
        base = stack.control_plane_url
        assert f"served by {server}" in proc.log_text()
        # `/metrics` answers the loopback only; a proxy on the loopback that forwards another client is refused, as
        # sign-in limits count that client and not the proxy.
        assert status(base + "/metrics") == 200
        assert status(base + "/metrics", {"X-Forwarded-For": "203.0.113.7"}) == 403
        assert status(base + "/metrics", {"X-Forwarded-For": "203.0.113.7, 127.0.0.1"}) == 403

        # The app's startup ran in the serving process: its clock expires a link that is past its time, and the move
        # is logged by the interview's id.
        key = api_call(base, "POST", "/api/auth/signup", {"email": "r@example.com", "password": "a pass word"})[
            "api_key"
        ]
        project = api_call(base, "POST", "/api/projects", {"name": "Served"}, key)
        context = {"research_goals": "Goals.", "interview_guide": "1. How do you plan your week?"}
        api_call(base, "PUT", f"/api/projects/{project['id']}/context", context, key)
        body = {"duration_minutes": 5, "expires_in_days": 1, "voice": "alloy", "language": "en", "topics": []}
        link = api_call(base, "POST", f"/api/projects/{project['id']}/links", {**body, "count": 1}, key)["links"][0]
        with sqlite3.connect(workdir / "interviewer.sqlite3") as db:
            db.execute("UPDATE link SET expires_at = '2000-01-01 00:00:00+00:00' WHERE id = ?", (link["id"],))
        moved = f"interview {link['id']}: pending -> expired"
        deadline = time.monotonic() + 30
        while moved not in proc.log_text():
            assert proc.popen.poll() is None and time.monotonic() < deadline, proc.log_text()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.popen.wait(0.1)  # between looks, wake at once if the server dies
    except BaseException:
        stack.stop_all()
        raise
    assert moved in proc.log_text()

    # SIGTERM (what a container's stop sends): the server stops taking requests, the app shuts down, the process ends.
    proc.popen.send_signal(signal.SIGTERM)
    assert proc.popen.wait(30) in (0, -signal.SIGTERM)
    stack.stop_all()
    assert "Traceback" not in proc.log_text()
