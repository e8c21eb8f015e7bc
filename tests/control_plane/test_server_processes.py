"""Several server processes per host (`WEB_CONCURRENCY`): one port, one set of metrics, PostgreSQL only.

The PostgreSQL test starts `python -m control_plane serve` itself, on the suite's PostgreSQL database, so it runs in
the suite's PostgreSQL pass (TEST_DATABASE_URL set, as in CI).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from control_plane.settings import HTTP_SERVERS, SettingsError, load_settings
from scripts.stack import Stack
from tests.metrics import sample

POSTGRES = os.environ.get("TEST_DATABASE_URL", "")
MISSING = "/api/interview/no-such-link"


def test_several_server_processes_are_refused_on_sqlite():
    with pytest.raises(SettingsError, match="WEB_CONCURRENCY"):
        load_settings({"WEB_CONCURRENCY": "2"})
    assert load_settings({"WEB_CONCURRENCY": "4", "DATABASE_URL": "postgresql://db/x"}).web_concurrency == 4
    assert load_settings({}).web_concurrency == 1


def test_serve_says_why_it_refuses_several_processes_on_sqlite(tmp_path):
    stack = Stack(tmp_path, extra_env={"WEB_CONCURRENCY": "2"})
    proc = stack._spawn("control-plane", [sys.executable, "-m", "control_plane", "serve", "--port", "0"])
    try:
        assert proc.popen.wait(timeout=60) == 2
    finally:
        stack.stop_all()
    assert "WEB_CONCURRENCY above 1 needs PostgreSQL" in proc.log_text()


def get(url: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Connection": "close"})  # a new connection: any process takes it
    try:
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def cpu_seconds(pid: str) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.postgres
@pytest.mark.parametrize("server", HTTP_SERVERS)
def test_two_server_processes_share_one_port_and_metrics_count_every_request_once(server):
    stack = Stack(
        Path(tempfile.mkdtemp(prefix="web-concurrency-")),
        database_url=POSTGRES,
        extra_env={
            "HTTP_SERVER": server,
            "WEB_CONCURRENCY": "2",
            "DISPATCH_AGENTS": "false",
            "SWEEP_INTERVAL_SECONDS": "3600",
            "RECONCILE_INTERVAL_SECONDS": "3600",
        },
    )
    proc = stack.start_control_plane()
    try:
        base = stack.control_plane_url
        children = [  # the server processes (multiprocessing's resource tracker may be a child too)
            pid
            for pid in Path(f"/proc/{proc.popen.pid}/task/{proc.popen.pid}/children").read_text().split()
            if b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes()
        ]
        assert len(children) == 2, f"the supervisor runs {len(children)} server processes"
        # Requests on new connections until each process has worked on some (the kernel spreads them; with the
        # housekeeping loops slowed down, an idle process spends next to no CPU).
        idle = {pid: cpu_seconds(pid) for pid in children}
        sent, deadline = 0, time.monotonic() + 60
        while time.monotonic() < deadline:
            with ThreadPoolExecutor(20) as pool:  # at once: a process busy with some leaves the rest to the other
                answers = list(pool.map(get, [base + MISSING] * 100))
            assert all(status == 404 and '"code"' in body for status, body in answers)
            sent += len(answers)
            if all(cpu_seconds(pid) - idle[pid] >= 0.1 for pid in children):
                break
        assert all(cpu_seconds(pid) - idle[pid] >= 0.1 for pid in children), f"one process answered {sent} requests"
        for _ in range(4):
            # Whichever process answers the scrape, it counts the requests both served, each once.
            metrics = get(base + "/metrics")[1]
            assert sample(metrics, "control_plane_requests_total", path="/api/interview/{token}") == sent
    finally:
        stack.stop_all()
    assert "2 server processes" in proc.log_text()
