"""Fuzz the control plane over HTTP with schemathesis, driven by its own OpenAPI document: never a 5xx, and every
answer as documented.

    .venv/bin/python -m scripts.fuzz [--database-url postgresql://…] [--max-examples 25]

Starts `python -m control_plane serve` on a fresh database (a temporary SQLite file, or the PostgreSQL database
given, whose schema is emptied first: give it one of its own), creates what the operations need to reach past
"not found" (a researcher and their API key, an operator and theirs, a project with its context, a pending link for the respondent's
endpoints, a started interview with a turn, its guide questions, a worker's lease and its agent key, a completed
record with its question outcomes, a report and a webhook endpoint), then runs schemathesis with `scripts/fuzz.toml` (seeded and
deterministic). Prints the number of requests, the 5xx count and the time, and exits non-zero on any failed check.
The server's log is printed when something failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from control_plane.livekit import agent_key
from control_plane.settings import load_settings
from control_plane.timeutil import utcnow
from scripts.stack import ROOT, Stack

SECRET = "fuzz-secret-key-0123456789abcdef0123456789"
OPERATOR = "fuzz-operator@example.com"


async def empty_postgres(url: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await connection.close()


def seed(base: str) -> dict[str, str]:
    """What the fuzzed operations act on; answered as the variables scripts/fuzz.toml reads."""
    with httpx.Client(base_url=base, timeout=30) as http:

        def ok(r: httpx.Response) -> dict:
            assert r.status_code < 300, f"{r.request.method} {r.request.url}: {r.status_code} {r.text}"
            return r.json()

        signup = ok(http.post("/api/auth/signup", json={"email": "fuzz@example.com", "password": "fuzz password"}))
        http.cookies.clear()
        operator = ok(http.post("/api/auth/signup", json={"email": OPERATOR, "password": "fuzz password"}))
        http.cookies.clear()
        auth = {"Authorization": f"Bearer {signup['api_key']}"}
        project = ok(http.post("/api/projects", json={"name": "Fuzzed study"}, headers=auth))
        context = {"research_goals": "What breaks.", "interview_guide": "1. What happened?"}
        ok(http.put(f"/api/projects/{project['id']}/context", json=context, headers=auth))
        body = {"count": 3, "duration_minutes": 5, "expires_in_days": 7, "voice": "alloy", "language": "en"}
        pending, started, done = ok(http.post(f"/api/projects/{project['id']}/links", json=body, headers=auth))["links"]

        def token(link: dict) -> str:
            return link["url"].rsplit("/", 1)[1]

        respondent = {"email": "respondent@example.com"}
        ok(http.post(f"/api/interview/{token(started)}/join", json=respondent))
        ok(http.post(f"/api/interview/{token(done)}/join", json=respondent))
        settings = load_settings({"SECRET_KEY": SECRET})
        keys = {link["id"]: agent_key(settings, link["id"]) for link in (started, done)}
        t = utcnow().isoformat()
        turn = {"speaker": "respondent", "text": "It broke on Monday.", "started_at": t, "ended_at": t}
        questions = {
            "through_seq": 1,
            "questions": [{"index": 1, "question": "What happened?", "outcome": "answered", "answer_seqs": [1]}],
        }
        for link in (started, done):
            agent = {"Authorization": f"Bearer {keys[link['id']]}"}
            ok(http.put(f"/api/agent/interviews/{link['id']}/turns/1", json=turn, headers=agent))
            ok(http.put(f"/api/agent/interviews/{link['id']}/questions", json=questions, headers=agent))
        held = [{"interview_id": link["id"], "agent_key": keys[link["id"]]} for link in (started, done)]
        assert len(ok(http.post("/api/agent/heartbeat", json={"interviews": held}))["renewed"]) == 2
        ok(http.post(f"/api/interview/{token(done)}/leave", json=respondent))
        record = ok(http.get(f"/api/links/{done['id']}", headers=auth))["record_id"]
        hook = {"url": "https://hooks.invalid/fuzz"}  # never answers: its deliveries are retried, then failed
        endpoint = ok(http.post(f"/api/projects/{project['id']}/webhooks", json=hook, headers=auth))
        report = ok(http.post(f"/api/records/{record}/reports", headers=auth))
        deadline = time.monotonic() + 60
        while ok(http.get(f"/api/reports/{report['id']}", headers=auth))["status"] not in ("done", "failed"):
            assert time.monotonic() < deadline, "the seed report did not finish within 60 s"
            time.sleep(0.2)
    return {
        "FUZZ_RESEARCHER_KEY": signup["api_key"],
        "FUZZ_OPERATOR_KEY": operator["api_key"],
        "FUZZ_PROJECT_ID": project["id"],
        "FUZZ_LINK_ID": pending["id"],
        "FUZZ_BATCH_ID": pending["batch_id"],
        "FUZZ_ENDPOINT_ID": endpoint["id"],
        "FUZZ_RECORD_ID": record,
        "FUZZ_REPORT_ID": report["id"],
        "FUZZ_TOKEN": token(pending),
        "FUZZ_INTERVIEW_ID": started["id"],
        "FUZZ_AGENT_KEY": keys[started["id"]],
    }


def count(report: Path) -> tuple[int, int]:
    """Requests sent and 5xx answers received, from schemathesis' NDJSON event stream."""
    requests = server_errors = 0
    for line in report.read_text().splitlines() if report.exists() else []:
        event = json.loads(line)
        for name, body in event.items():
            if name != "ScenarioFinished":
                continue
            for case in body.get("recorder", {}).get("interactions", {}).values():
                response = case.get("response")
                requests += 1
                if response and response.get("status_code", 0) >= 500:
                    server_errors += 1
    return requests, server_errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="a PostgreSQL database of its own (emptied first); SQLite if omitted")
    parser.add_argument("--max-examples", type=int, help="test cases per operation and phase (default: fuzz.toml)")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="interviewer-fuzz-"))
    if args.database_url:
        asyncio.run(empty_postgres(args.database_url))
    what = "PostgreSQL" if args.database_url else "SQLite"
    stack = Stack(
        workdir,
        database_url=args.database_url,
        extra_env={
            "DISPATCH_AGENTS": "false",
            "SECRET_KEY": SECRET,
            "STARTER_TOKENS": "1000000",
            "DB_POOL_SIZE": "5",
            "OPERATOR_EMAILS": OPERATOR,
        },
    )
    started = time.monotonic()
    try:
        print(f"==> fuzz on {what}: starting the control plane", flush=True)
        stack.start_control_plane()
        variables = seed(stack.control_plane_url)
        report = workdir / "events.ndjson"
        command = [
            str(Path(sys.executable).with_name("schemathesis")),
            "--config-file",
            str(ROOT / "scripts" / "fuzz.toml"),
            "run",
            f"{stack.control_plane_url}/schema/openapi.json",
            "--report",
            "ndjson",
            "--report-ndjson-path",
            str(report),
        ]
        if args.max_examples:
            command += ["--max-examples", str(args.max_examples)]
        fuzz_started = time.monotonic()
        result = subprocess.run(command, env={**os.environ, **variables}, cwd=workdir)
        seconds = time.monotonic() - fuzz_started
        requests, server_errors = count(report)
        print(
            f"==> fuzz on {what}: {requests} requests in {seconds:.0f} s, {server_errors} answered 5xx; "
            f"schemathesis exit code {result.returncode} ({time.monotonic() - started:.0f} s in all)",
            flush=True,
        )
        failed = result.returncode != 0 or server_errors or requests == 0
        if failed:
            print(stack.procs[0].log_text()[-20_000:], file=sys.stderr)
        return 1 if failed else 0
    finally:
        stack.stop_all()


if __name__ == "__main__":
    sys.exit(main())
