"""SQLite under concurrent writers: which setup serves many clients at once without refusing any of them.

    .venv/bin/python -m bench.sqlite_writers [--clients 24] [--rounds 3] [--modes before,wal,wal-serial,immediate]

For each setup it starts `python -m control_plane serve` on a fresh SQLite file, runs `--clients` concurrent
clients over loopback HTTP, each doing `--rounds` times what a busy hour does (create two links, a respondent joins,
the agent posts four turns, the researcher lists links, the respondent leaves: 8 requests), and prints how many requests
failed with a 5xx, how many `database is locked` errors the server logged, the median and 95th-percentile latency
and the requests per second. The setups:

- `before`:     rollback journal, 30 s busy timeout, `BEGIN IMMEDIATE` in transactions (as shipped before WAL)
- `wal`:        the same in WAL mode (readers never wait for the writer, the writer never waits for readers)
- `wal-serial`: WAL, and every write of the process queued behind one lock (one serialised writer)
- `immediate`:  WAL, and every single-statement write also in its own `BEGIN IMMEDIATE` transaction
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import httpx

from control_plane.livekit import agent_key
from control_plane.settings import load_settings
from control_plane.timeutil import utcnow
from scripts.stack import ROOT, free_port, http_ok, wait_until

SECRET = "bench-sqlite-writers-secret-key-0123456789"
MODES = ("before", "wal", "wal-serial", "immediate")


def serve(mode: str, port: int) -> None:
    """The server side of one setup: configure the engine as `mode` says, migrate, serve."""
    import uvicorn

    from control_plane import db
    from control_plane.app import create_app

    asyncio.run(db.migrate())
    engine = db.engine()
    if mode == "before":
        engine.journal_mode = "delete"
        engine.serialise_writes = False
    elif mode == "wal":
        engine.serialise_writes = False
    elif mode == "wal-serial":
        engine.serialise_writes = True
    elif mode == "immediate":
        engine.serialise_writes = False
        engine.immediate_writes = True
    asyncio.run(db.prepare())
    uvicorn.run(create_app(load_settings()), host="127.0.0.1", port=port, log_level="warning", access_log=False)


async def client_work(i: int, http: httpx.AsyncClient, auth: dict, project: str, rounds: int, out: dict) -> None:
    settings = load_settings({"SECRET_KEY": SECRET})

    async def call(method: str, url: str, **kw) -> httpx.Response:
        start = time.perf_counter()
        r = await http.request(method, url, **kw)
        out["latency"].append((time.perf_counter() - start) * 1000)
        out["codes"][r.status_code] += 1
        return r

    body = {"count": 2, "duration_minutes": 1, "expires_in_days": 1, "voice": "alloy", "language": "en"}
    for round_ in range(rounds):
        created = await call("POST", f"/api/projects/{project}/links", json=body, headers=auth)
        if created.status_code != 201:
            continue
        link = created.json()["links"][0]
        token = link["url"].rsplit("/", 1)[1]
        email = {"email": f"r{i}-{round_}@example.com"}
        if (await call("POST", f"/api/interview/{token}/join", json=email)).status_code != 200:
            continue
        key = {"Authorization": f"Bearer {agent_key(settings, link['id'])}"}
        for seq in range(1, 5):
            t = (utcnow() + timedelta(seconds=seq)).isoformat()
            turn = {"speaker": "agent", "text": f"turn {seq}", "started_at": t, "ended_at": t}
            await call("PUT", f"/api/agent/interviews/{link['id']}/turns/{seq}", json=turn, headers=key)
        await call("GET", f"/api/projects/{project}/links", headers=auth)
        await call("POST", f"/api/interview/{token}/leave", json=email)


async def drive(base: str, clients: int, rounds: int) -> dict:
    out = {"latency": [], "codes": Counter()}
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=httpx.Limits(max_connections=clients + 4)) as http:
        auths, projects = [], []
        for n in range(4):
            signup = await http.post("/api/auth/signup", json={"email": f"b{n}@example.com", "password": "bench pw 1"})
            http.cookies.clear()
            auth = {"Authorization": f"Bearer {signup.json()['api_key']}"}
            project = (await http.post("/api/projects", json={"name": "Bench"}, headers=auth)).json()["id"]
            context = {"research_goals": "g", "interview_guide": "1. q?"}
            await http.put(f"/api/projects/{project}/context", json=context, headers=auth)
            auths.append(auth)
            projects.append(project)
        start = time.perf_counter()
        await asyncio.gather(
            *(client_work(i, http, auths[i % 4], projects[i % 4], rounds, out) for i in range(clients))
        )
        out["seconds"] = time.perf_counter() - start
    return out


def run_mode(mode: str, clients: int, rounds: int) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix=f"bench-sqlite-{mode}-"))
    port = free_port()
    env = {
        "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}",
        "SECRET_KEY": SECRET,
        "DISPATCH_AGENTS": "false",
        "STARTER_TOKENS": "100000",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "PATH": "/usr/bin:/bin",
    }
    log = tmp / "server.log"
    with log.open("wb") as handle:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench.sqlite_writers", "--serve", mode, "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until(lambda: http_ok(f"http://127.0.0.1:{port}/healthz"), "control plane", 60, proc, log)
        out = asyncio.run(drive(f"http://127.0.0.1:{port}", clients, rounds))
    finally:
        proc.terminate()
        proc.wait(30)
    out["locked"] = log.read_text(errors="replace").count("database is locked")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=24)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--serve", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.port)
        return 0
    print(f"{args.clients} concurrent clients × {args.rounds} rounds (8 requests each) on SQLite")
    print(f"{'setup':<12} {'requests':>8} {'5xx':>5} {'locked':>7} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>7}")
    for mode in args.modes.split(","):
        out = run_mode(mode, args.clients, args.rounds)
        n = len(out["latency"])
        errors = sum(v for k, v in out["codes"].items() if k >= 500)
        p95 = sorted(out["latency"])[int(0.95 * (n - 1))] if n else 0
        print(
            f"{mode:<12} {n:>8} {errors:>5} {out['locked']:>7} {statistics.median(out['latency']):>8.0f} "
            f"{p95:>8.0f} {n / out['seconds']:>7.1f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
