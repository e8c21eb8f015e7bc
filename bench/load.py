"""Control-plane load, open loop: respondents' first joins and agents' turn posts sent at fixed rates.

    .venv/bin/python -m bench.load [--rates 50,100,200,400] [--seconds 10] [--postgres postgresql://…/empty_db]

Starts `python -m control_plane serve` (SQLite, and PostgreSQL when a URL is given) and, for each kind of request
and each target rate, sends requests on a fixed schedule whatever the answers do (open loop: a slow server does not
slow the sender, as real respondents and agents would not wait for each other). Latency is measured from each
request's scheduled moment, so time spent queued behind a slow server counts. A request that fails, answers 4xx/5xx
or takes longer than `--timeout` is an error. Prints, per database, kind and rate: the rate achieved (answers per
second over the sending window), p50 and p99 latency, errors, the control plane's CPU time per request (user +
system, from /proc, of every server process; the database server's own CPU is not in it) and the load generator's
own CPU time per request (`load CPU`): on a small machine the generator competes with the server for the same
cores. `--profile out` records the server with py-spy (`pip install py-spy`) into `out-<database>.txt`, folded
stacks to read or to feed a flame graph (py-spy slows the server: read the shares, not the rates).

The PostgreSQL URL is used as given: asyncpg negotiates TLS whenever the server offers it (`sslmode=prefer`), and
on a database on the same host `?sslmode=disable` saves the encryption's CPU (docs/benchmarks.md).

`join` is a first join of a fresh link (the interview starts: status, tokens, room token); `turn` is an agent's
turn post (`PUT /api/agent/interviews/{id}/turns/{seq}`), spread over `--interviews` interviews in progress.
Agent dispatch is off (`DISPATCH_AGENTS=false`), so no LiveKit call is in either. `--processes N` serves
PostgreSQL with N server processes (`WEB_CONCURRENCY`); SQLite is always served by one (it refuses more).
`--server granian` serves it with granian instead of uvicorn (`HTTP_SERVER`), to compare the two; `--healthz` adds
a row of `GET /healthz` at each rate (no database, no work: the floor every request pays for HTTP and the framework).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiohttp

from control_plane.livekit import agent_key
from control_plane.settings import HTTP_SERVERS, Settings, load_settings
from scripts.stack import Stack

SECRET = "bench-secret-key-0123456789abcdef-0123"
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Row:
    database: str
    kind: str
    target: float
    achieved: float
    p50: float
    p99: float
    errors: int
    sent: int
    cpu_ms: float
    load_cpu_ms: float


def cpu_seconds(pid: int) -> float:
    """CPU time of a process and of every process under it (the server processes `--processes` starts)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    own = (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime
    children = [int(c) for task in Path(f"/proc/{pid}/task").iterdir() for c in (task / "children").read_text().split()]
    return own + sum(cpu_seconds(child) for child in children)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


class Load:
    def __init__(self, base: str, pid: int, timeout: float) -> None:
        self.base, self.pid, self.timeout = base, pid, timeout
        self.settings = load_settings({"SECRET_KEY": SECRET})
        self.http: aiohttp.ClientSession

    async def __aenter__(self):
        # idle connections are dropped before the server's keep-alive (5 s) would close them under a request
        connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=3)
        self.http = aiohttp.ClientSession(
            self.base, connector=connector, timeout=aiohttp.ClientTimeout(total=self.timeout)
        )
        self.setup = aiohttp.ClientSession(
            self.base, connector=aiohttp.TCPConnector(force_close=True), timeout=aiohttp.ClientTimeout(total=120)
        )
        return self

    async def __aexit__(self, *exc):
        await self.http.close()
        await self.setup.close()

    async def call(self, method: str, path: str, body: dict, headers: dict | None = None) -> dict:
        """A setup call (not measured): it may take its time, a hundred links at once say."""
        async with self.setup.request(method, path, json=body, headers=headers) as r:
            answer = await r.json()
            assert r.status < 400, answer
            return answer

    async def researcher(self, email: str) -> tuple[dict, str]:
        signed = await self.call("POST", "/api/auth/signup", {"email": email, "password": "bench pw 1"})
        self.setup.cookie_jar.clear()
        auth = {"Authorization": f"Bearer {signed['api_key']}"}
        project = await self.call("POST", "/api/projects", {"name": "Load"}, auth)
        context = {"research_goals": "Goals.", "interview_guide": "1. How do you plan your week?"}
        await self.call("PUT", f"/api/projects/{project['id']}/context", context, auth)
        return auth, project["id"]

    async def links(self, auth: dict, project_id: str, n: int) -> list[dict]:
        body = {"duration_minutes": 1, "expires_in_days": 1, "voice": "alloy", "language": "en", "topics": []}
        made: list[dict] = []
        while len(made) < n:
            count = min(100, n - len(made))
            answer = await self.call("POST", f"/api/projects/{project_id}/links", {**body, "count": count}, auth)
            made += answer["links"]
        return made

    async def fire(self, requests: list[tuple[str, str, dict, dict | None]], rate: float) -> tuple[list[float], int]:
        """Send `requests` at `rate` per second on a fixed schedule; answer the latencies (ms) and the errors."""
        latencies: list[float] = []
        errors = 0

        async def one(at: float, method: str, path: str, body: dict, headers: dict | None) -> None:
            nonlocal errors
            try:
                async with self.http.request(method, path, json=body, headers=headers) as r:
                    await r.read()
                    ok = r.status < 400
            except (TimeoutError, aiohttp.ClientError):
                ok = False
            if ok:
                latencies.append((time.perf_counter() - at) * 1000)
            else:
                errors += 1

        loop = asyncio.get_running_loop()
        start = time.perf_counter() + 0.05
        tasks = []
        for i, request in enumerate(requests):
            at = start + i / rate
            delay = at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(loop.create_task(one(at, *request)))
        await asyncio.gather(*tasks)
        return latencies, errors

    async def measure(self, database: str, kind: str, rate: float, requests: list) -> Row:
        cpu, own = cpu_seconds(self.pid), time.process_time()
        started = time.perf_counter()
        latencies, errors = await self.fire(requests, rate)
        window = max(len(requests) / rate, time.perf_counter() - started)
        used, own = cpu_seconds(self.pid) - cpu, time.process_time() - own
        return Row(
            database,
            kind,
            rate,
            len(latencies) / window,
            pct(latencies, 0.5),
            pct(latencies, 0.99),
            errors,
            len(requests),
            used * 1000 / len(requests),
            own * 1000 / len(requests),
        )


async def run(
    database: str,
    base: str,
    pid: int,
    rates: list[float],
    seconds: float,
    interviews: int,
    timeout: float,
    healthz: bool = False,
):
    rows = []
    async with Load(base, pid, timeout) as load:
        auth, project = await load.researcher(f"load-{time.time_ns()}@example.com")
        # Turn posts go to interviews in progress, each agent posting its next seq.
        live = await load.links(auth, project, interviews)
        for link in live:
            await load.call("POST", f"/api/interview/{link['url'].rsplit('/', 1)[1]}/join", {"email": "r@example.com"})
        seqs = dict.fromkeys((link["id"] for link in live), 0)
        keys = {i: {"Authorization": f"Bearer {agent_key(load.settings, i)}"} for i in seqs}

        def turns(n: int) -> list:
            batch = []
            for k in range(n):
                interview = live[k % len(live)]["id"]
                seqs[interview] += 1
                now = datetime.now(UTC).isoformat()
                body = {"speaker": "respondent", "text": "We plan on Mondays.", "started_at": now, "ended_at": now}
                batch.append(
                    ("PUT", f"/api/agent/interviews/{interview}/turns/{seqs[interview]}", body, keys[interview])
                )
            return batch

        async def joins(n: int) -> list:
            links = await load.links(auth, project, n)
            return [
                ("POST", f"/api/interview/{link['url'].rsplit('/', 1)[1]}/join", {"email": "r@example.com"}, None)
                for link in links
            ]

        await load.fire(turns(50), 50)  # warm up: connections, caches
        await load.fire(await joins(50), 50)
        # the generator's own full garbage collections would stop its sending and timing as the server's did
        gc.collect()
        gc.freeze()
        for rate in rates:
            n = int(rate * seconds)
            rows.append(await load.measure(database, "join", rate, await joins(n)))
            rows.append(await load.measure(database, "turn", rate, turns(n)))
            if healthz:
                rows.append(await load.measure(database, "healthz", rate, [("GET", "/healthz", None, None)] * n))
    return rows


def bench(database_url: str | None, args) -> list[Row]:
    total_links = int(sum(args.rates) * args.seconds) + args.interviews + 200
    stack = Stack(
        Path(tempfile.mkdtemp(prefix="bench-load-")),
        database_url=database_url,
        extra_env={
            "SECRET_KEY": SECRET,
            "STARTER_TOKENS": str(total_links * 2),
            "DISPATCH_AGENTS": "false",
            "DB_POOL_SIZE": str(args.pool) if args.pool is not None else "",
            "WEB_CONCURRENCY": str(args.processes if database_url else 1),
            "HTTP_SERVER": args.server,
        },
    )
    proc = stack.start_control_plane()
    profiler = None
    if args.profile:
        # py-spy samples the server for the whole run; its folded stacks say where the CPU per request goes
        out = f"{args.profile}-{'postgresql' if database_url else 'sqlite'}.txt"
        spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        command = [spy, "record", "--pid", str(proc.popen.pid), "--subprocesses", "--format", "raw", "--rate", "200"]
        command += ["-o", out]
        profiler = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        database = "PostgreSQL" if database_url else "SQLite"
        return asyncio.run(
            run(
                database,
                stack.control_plane_url,
                proc.popen.pid,
                args.rates,
                args.seconds,
                args.interviews,
                args.timeout,
                args.healthz,
            )
        )
    finally:
        if profiler:
            profiler.send_signal(signal.SIGINT)
            profiler.wait(timeout=30)
        stack.stop_all()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="50,100,200,400", help="target requests per second, comma-separated")
    parser.add_argument("--seconds", type=float, default=10, help="how long each rate is held")
    parser.add_argument("--interviews", type=int, default=100, help="interviews the turn posts are spread over")
    parser.add_argument("--timeout", type=float, default=5, help="a slower answer is an error")
    parser.add_argument("--pool", type=int, help="DB_POOL_SIZE for the server (default: its own)")
    parser.add_argument(
        "--processes", type=int, default=1, help="WEB_CONCURRENCY on PostgreSQL (SQLite always runs one process)"
    )
    parser.add_argument("--server", choices=HTTP_SERVERS, default=Settings.http_server, help="the HTTP server")
    parser.add_argument(
        "--healthz",
        action="store_true",
        help="also GET /healthz at each rate: what the HTTP server and the app cost alone",
    )
    parser.add_argument("--profile", help="record the server with py-spy into PROFILE-<database>.txt (folded stacks)")
    parser.add_argument("--postgres", help="a PostgreSQL URL for an empty database to compare with")
    parser.add_argument("--sqlite", action=argparse.BooleanOptionalAction, default=True, help="run on SQLite")
    args = parser.parse_args()
    args.rates = [float(r) for r in args.rates.split(",")]
    rows = (bench(None, args) if args.sqlite else []) + (bench(args.postgres, args) if args.postgres else [])
    print(f"\ncontrol plane under open-loop load, {args.seconds:g} s per rate, {os.cpu_count()} cores, {args.server}")
    print(
        f"{'database':<11}{'kind':<8}{'target/s':>9}{'achieved/s':>11}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
        f"{'CPU ms/req':>11}{'load CPU':>9}"
    )
    for r in rows:
        print(
            f"{r.database:<11}{r.kind:<8}{r.target:>9.0f}{r.achieved:>11.1f}{r.p50:>9.1f}{r.p99:>9.1f}"
            f"{r.errors:>8}{r.cpu_ms:>11.2f}{r.load_cpu_ms:>9.2f}"
        )


if __name__ == "__main__":
    main()
