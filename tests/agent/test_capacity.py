"""A worker reports itself full when its interviews or its host's CPU say so, whichever comes first."""

from __future__ import annotations

import time
from types import SimpleNamespace

from agent.capacity import LOAD_THRESHOLD, HostCPU, worker_load


def test_a_worker_at_max_interviews_is_full_and_one_below_takes_another():
    assert worker_load(4, 4, cpu_used=0.1, cpu_limit=0.85) >= LOAD_THRESHOLD
    assert worker_load(3, 4, cpu_used=0.1, cpu_limit=0.85) < LOAD_THRESHOLD


def test_a_busy_host_makes_a_worker_full_however_few_interviews_it_runs():
    assert worker_load(0, 4, cpu_used=0.9, cpu_limit=0.85) >= LOAD_THRESHOLD
    assert worker_load(1, 4, cpu_used=0.6, cpu_limit=0.85) == 0.6 / 0.85


def test_a_cpu_limit_of_zero_counts_interviews_only():
    assert worker_load(1, 4, cpu_used=1.0, cpu_limit=0) == 0.25


def test_the_host_cpu_is_measured_between_zero_and_one():
    cpu = HostCPU.shared()
    deadline = time.monotonic() + 5
    while not cpu._samples and time.monotonic() < deadline:
        time.sleep(0.1)
    assert 0.0 <= cpu.used() <= 1.0 and cpu._samples


def test_an_idle_worker_accepts_as_many_respondents_joining_together_as_it_may_hold(monkeypatch):
    """The framework counts each job it has accepted but not yet started as LOAD_THRESHOLD / num_idle_processes of
    load; the worker must still say it is available with MAX_INTERVIEWS - 1 such jobs, and full with MAX_INTERVIEWS."""
    from agent import worker

    server, most = worker.server, worker.settings.max_interviews
    # the state `AgentServer.run` sets up, as in production: no job running yet, nothing loaded
    for name, value in {"_proc_pool": SimpleNamespace(processes=[]), "_devmode": False, "_worker_load": 0.0}.items():
        monkeypatch.setattr(server, name, value, raising=False)
    monkeypatch.setattr(server, "_reserved_slots", most - 1, raising=False)
    assert server._is_available()
    monkeypatch.setattr(server, "_reserved_slots", most)
    assert not server._is_available()


async def test_an_interview_that_ends_frees_its_place_at_once(monkeypatch):
    """LiveKit hears that a full worker has a free place as soon as an interview's job ends, not at the framework's
    next status report (2.5 s later), when a respondent who joined meanwhile has been told no interviewer is free."""
    import asyncio
    from dataclasses import replace

    from livekit.agents import utils
    from livekit.protocol import agent as proto

    from agent import worker

    class Pool(utils.EventEmitter):
        def __init__(self) -> None:
            super().__init__()
            self.processes = [SimpleNamespace(running_job=object())]

    server, pool = worker.server, Pool()
    sent: asyncio.Queue = asyncio.Queue()

    async def queue_msg(msg) -> None:
        await sent.put(msg)

    monkeypatch.setattr(worker, "settings", replace(worker.settings, max_interviews=1, worker_cpu_limit=0))
    state = {"_proc_pool": pool, "_devmode": False, "_worker_load": 1.0, "_reserved_slots": 0, "_draining": False}
    for name, value in {**state, "_previous_status": proto.WorkerStatus.WS_FULL, "_queue_msg": queue_msg}.items():
        monkeypatch.setattr(server, name, value, raising=False)

    worker.report_freed_places_at_once(server)
    job = pool.processes[0]
    pool.emit("process_closed", job)  # as the pool does: it says so, then takes the job out of its list
    pool.processes.remove(job)
    update = (await asyncio.wait_for(sent.get(), 5)).update_worker
    assert update.status == proto.WorkerStatus.WS_AVAILABLE
    assert update.load == 0.0 and update.job_count == 0
