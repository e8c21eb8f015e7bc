"""Control-plane latency: the calls on an interview's hot path, against a real server on each database.

    .venv/bin/python -m bench.control_plane [--rounds 200] [--postgres postgresql://…]

Starts `python -m control_plane serve` (SQLite, and PostgreSQL when a URL is given), drives it over loopback HTTP,
and prints the median and 95th percentile of each call, and how many turn posts per second four concurrent agents
get through. Medians, because this machine is noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from control_plane.livekit import agent_key
from control_plane.settings import load_settings
from scripts.stack import Stack

SECRET = "bench-secret-key"


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


async def timed(samples: dict[str, list[float]], name: str, call):
    start = time.perf_counter()
    response = await call
    samples.setdefault(name, []).append((time.perf_counter() - start) * 1000)
    assert response.status_code < 400, response.text
    return response


async def run(base: str, rounds: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {}
    settings = load_settings({"SECRET_KEY": SECRET})
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        key = (
            await http.post("/api/auth/signup", json={"email": "bench@example.com", "password": "bench pw 1"})
        ).json()
        http.cookies.clear()
        auth = {"Authorization": f"Bearer {key['api_key']}"}
        project = (await http.post("/api/projects", json={"name": "Bench"}, headers=auth)).json()
        await http.put(
            f"/api/projects/{project['id']}/context",
            json={"research_goals": "g", "interview_guide": "1. q?"},
            headers=auth,
        )
        body = {"count": 1, "duration_minutes": 1, "expires_in_days": 1, "voice": "alloy", "language": "en"}
        for _ in range(rounds):
            link = (
                await timed(
                    samples, "create 1 link", http.post(f"/api/projects/{project['id']}/links", json=body, headers=auth)
                )
            ).json()["links"][0]
            token = link["url"].rsplit("/", 1)[1]
            await timed(samples, "join", http.post(f"/api/interview/{token}/join", json={"email": "r@example.com"}))
            agent = {"Authorization": f"Bearer {agent_key(settings, link['id'])}"}
            now = datetime.now(UTC)
            turn = {
                "speaker": "agent",
                "text": "How do you plan your week?",
                "started_at": now.isoformat(),
                "ended_at": (now + timedelta(seconds=3)).isoformat(),
            }
            await timed(
                samples, "post turn", http.put(f"/api/agent/interviews/{link['id']}/turns/1", json=turn, headers=agent)
            )
            await timed(
                samples,
                "post turn (retry)",
                http.put(f"/api/agent/interviews/{link['id']}/turns/1", json=turn, headers=agent),
            )
            await timed(
                samples, "complete", http.post(f"/api/interview/{token}/leave", json={"email": "r@example.com"})
            )

        # Throughput: four agents posting turns at once into four interviews.
        links = []
        for _ in range(4):
            link = (await http.post(f"/api/projects/{project['id']}/links", json=body, headers=auth)).json()["links"][0]
            await http.post(f"/api/interview/{link['url'].rsplit('/', 1)[1]}/join", json={"email": "r@example.com"})
            links.append(link)

        async def agent_posts(link: dict, n: int) -> None:
            agent = {"Authorization": f"Bearer {agent_key(settings, link['id'])}"}
            for seq in range(1, n + 1):
                now = datetime.now(UTC).isoformat()
                r = await http.put(
                    f"/api/agent/interviews/{link['id']}/turns/{seq}",
                    headers=agent,
                    json={"speaker": "respondent", "text": f"answer {seq}", "started_at": now, "ended_at": now},
                )
                assert r.status_code == 200

        start = time.perf_counter()
        await asyncio.gather(*(agent_posts(link, rounds) for link in links))
        samples["turns/s, 4 agents at once"] = [4 * rounds / (time.perf_counter() - start)]
    return samples


def bench(database_url: str | None, rounds: int) -> dict[str, list[float]]:
    stack = Stack(
        Path(tempfile.mkdtemp(prefix="bench-cp-")),
        database_url=database_url,
        extra_env={
            "SECRET_KEY": SECRET,
            "STARTER_TOKENS": str(rounds * 10 + 100),
            "DISPATCH_AGENTS": "false",
            "LOG_LEVEL": "warning",
        },
    )
    stack.start_control_plane()
    try:
        return asyncio.run(run(stack.control_plane_url, rounds))
    finally:
        stack.stop_all()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--postgres", help="a PostgreSQL URL for an empty database to compare with")
    args = parser.parse_args()
    results = {"SQLite": bench(None, args.rounds)}
    if args.postgres:
        results["PostgreSQL"] = bench(args.postgres, args.rounds)
    names = list(next(iter(results.values())))
    print(f"\ncontrol plane, {args.rounds} rounds (ms: median / p95)")
    print(f"{'call':<28}" + "".join(f"{db:>22}" for db in results))
    for name in names:
        cells = []
        for samples in results.values():
            values = samples[name]
            cells.append(
                f"{values[0]:>22.0f}"
                if len(values) == 1
                else f"{statistics.median(values):>12.1f} / {pct(values, 0.95):>6.1f}"
            )
        print(f"{name:<28}" + "".join(cells))


if __name__ == "__main__":
    main()
