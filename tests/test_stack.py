"""scripts/stack.py's multi-node layout: what each LiveKit node, replica and worker is told (the e2e tests run it)."""

from __future__ import annotations

import sys

import yaml

from scripts.stack import Stack


def test_two_nodes_share_one_redis_on_loopback_ports_of_their_own(tmp_path):
    stack = Stack(tmp_path, nodes=2, replicas=2)
    configs = [yaml.safe_load(stack.livekit_config(node).read_text()) for node in stack.livekit_nodes]
    assert [c["redis"]["address"] for c in configs] == [stack.redis_address] * 2
    ports = [(c["port"], c["rtc"]["tcp_port"], c["rtc"]["udp_port"]) for c in configs]
    assert len({p for node in ports for p in node}) == 6, f"two nodes share a port: {ports}"
    for config in configs:
        assert config["bind_addresses"] == ["127.0.0.1"] and config["rtc"]["node_ip"] == "127.0.0.1"
        assert config["turn"]["enabled"] is False
        assert config["webhook"]["urls"] == [f"{url}/api/livekit/webhook" for url in stack.control_plane_urls]


def test_one_node_needs_no_redis(tmp_path):
    stack = Stack(tmp_path)
    assert "redis" not in yaml.safe_load(stack.livekit_config().read_text())
    assert stack.livekit_urls == [stack.livekit_url]


def test_a_stopped_worker_is_started_again_on_its_own_node_and_log(tmp_path):
    """`python scripts/stack.py` keeps its workers running: one that stops (a crash, or the end of a drain) is started
    again. A stand-in worker says it registered, then exits when its stop file appears."""
    stop = tmp_path / "stop"
    stand_in = (
        "import os, pathlib, sys, time\n"
        "print('registered worker', os.environ['LIVEKIT_URL'], flush=True)\n"
        f"while not pathlib.Path({str(stop)!r}).exists(): time.sleep(0.02)\n"
        "sys.exit(3)\n"
    )
    stack = Stack(tmp_path / "stack", nodes=2, worker_command=[sys.executable, "-c", stand_in])
    try:
        first = stack.start_worker("agent-1", timeout=30, node=1)
        assert stack.stopped_workers() == []
        stop.touch()
        assert first.popen.wait(30) == 3
        assert stack.stopped_workers() == [first]

        stop.unlink()
        again = stack.restart_worker(first, timeout=30)

        assert again.alive() and again.log == first.log and stack.stopped_workers() == []
        assert again in stack.procs and first not in stack.procs
        assert first.log_text().count(f"registered worker {stack.livekit_nodes[1].url}") == 2
    finally:
        stop.touch()
        stack.stop_all()
