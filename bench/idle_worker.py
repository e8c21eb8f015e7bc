"""What an idle agent worker costs: its CPU per minute with no interview, under each setting given.

    .venv/bin/python -m bench.idle_worker [--seconds 60] [--variant NAME=VALUE[,NAME=VALUE]] ...

A worker waits for interviews with warm job threads (one per interview it may hold, each with its event loop), talks
to LiveKit and the control plane, and reports its load; all of that costs CPU even when nobody is interviewed, on
every worker of a fleet. This starts a LiveKit server and the control plane, then for each variant an offline worker
(`MAX_INTERVIEWS=4`) with those settings; once it has settled (its models warmed up, under 10 % of a core for 2 s) it
measures the worker's CPU (all its threads and processes) over `--seconds`. Without `--variant` it compares the
event-loop monitor at the framework's default (`LIVEKIT_AGENTS_LOOP_BLOCK_WARN_MS=100`), at the worker's own (250)
and turned off (0).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from bench.room_path import WorkerMeter, machine, settle_idle
from scripts.stack import Stack

DEFAULT_VARIANTS = [
    "LIVEKIT_AGENTS_LOOP_BLOCK_WARN_MS=100",
    "LIVEKIT_AGENTS_LOOP_BLOCK_WARN_MS=250",
    "LIVEKIT_AGENTS_LOOP_BLOCK_WARN_MS=0",
]


def parse(variant: str) -> dict[str, str]:
    pairs = [item.split("=", 1) for item in variant.split(",") if item.strip()]
    if any(len(pair) != 2 for pair in pairs):
        raise SystemExit(f"--variant {variant}: give NAME=VALUE pairs, comma-separated")
    return dict(pairs)


async def idle_cpu(pid: int, seconds: float) -> float:
    """The worker's CPU seconds per minute over `seconds`, once it has settled."""
    meter = WorkerMeter(pid)
    await settle_idle(meter)
    before, started = meter.cpu_seconds(), time.monotonic()
    await asyncio.sleep(seconds)
    await asyncio.to_thread(meter.sample)
    return (meter.cpu_seconds() - before) / (time.monotonic() - started) * 60


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="how long each idle worker is measured")
    parser.add_argument("--variant", action="append", help="NAME=VALUE[,NAME=VALUE] for one worker (repeatable)")
    args = parser.parse_args()
    variants = args.variant or DEFAULT_VARIANTS
    stack = Stack(
        Path(tempfile.mkdtemp(prefix="idle-worker-")), extra_env={"OPENAI_API_KEY": "", "MAX_INTERVIEWS": "4"}
    )
    rows = []
    try:
        print("Starting LiveKit server and the control plane …", flush=True)
        stack.start_livekit()
        stack.start_control_plane()
        for i, variant in enumerate(variants):
            print(f"An idle worker with {variant} …", flush=True)
            worker = stack.start_worker(f"agent-{i + 1}", timeout=240, env=parse(variant))
            try:
                rows.append((variant, asyncio.run(idle_cpu(worker.popen.pid, args.seconds))))
            finally:
                stack.stop(worker)
    finally:
        stack.stop_all()
    print()
    print(f"An idle offline worker (MAX_INTERVIEWS=4), {args.seconds:g} s each: {machine()}")
    print()
    print("| worker settings | CPU s per minute |")
    print("| --- | --- |")
    for variant, cpu in rows:
        print(f"| {variant} | {cpu:.2f} |")


if __name__ == "__main__":
    sys.exit(main())
