"""scripts/stack.py's multi-node layout: what each LiveKit node, replica and worker is told (the e2e tests run it)."""

from __future__ import annotations

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
