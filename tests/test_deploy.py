"""docker-compose.yml cannot run here (no Docker engine), so this keeps it honest against the code and livekit.yaml."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from control_plane.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def agent_setting_names() -> set[str]:
    """The variables an agent worker reads, as agent/config.py spells them."""
    return set(re.findall(r'env\.get\("([A-Z][A-Z0-9_]{2,})"', (ROOT / "agent" / "config.py").read_text()))


def setting_names() -> set[str]:
    """The variables the control plane reads: one per Settings field, as load_settings spells them."""
    source = (ROOT / "control_plane" / "settings.py").read_text()
    read = set(re.findall(r'"([A-Z][A-Z0-9_]{2,})"', source))
    assert len(read) >= len(Settings.__dataclass_fields__)
    return read | {"OPENAI_API_KEY", "OPENAI_BASE_URL"}


def test_every_service_of_the_stack_is_there():
    assert set(SERVICES) == {"redis", "postgres", "livekit", "control-plane", "agent"}


def test_the_control_plane_reads_only_settings_it_knows():
    env = SERVICES["control-plane"]["environment"]
    unknown = set(env) - setting_names()
    assert not unknown, f"docker-compose sets variables the control plane does not read: {unknown}"
    assert env["APP_ENV"] == "production"
    assert env["DATABASE_URL"].startswith("postgresql://interviewer:")
    assert "@postgres:5432/interviewer" in env["DATABASE_URL"]
    assert env["LIVEKIT_API_URL"] == "http://livekit:7880"


def test_the_control_plane_serves_on_the_published_port():
    service = SERVICES["control-plane"]
    port = service["command"][service["command"].index("--port") + 1]
    assert f"{port}:{port}" in service["ports"]
    livekit = yaml.safe_load(SERVICES["livekit"]["environment"]["LIVEKIT_CONFIG"])
    assert livekit["webhook"]["urls"] == [f"http://control-plane:{port}/api/livekit/webhook"]


def test_agent_workers_can_scale():
    agent = SERVICES["agent"]
    assert "ports" not in agent and "container_name" not in agent
    assert agent["command"] == ["python", "-m", "agent", "start"]
    unknown = set(agent["environment"]) - agent_setting_names()
    assert not unknown, f"docker-compose sets variables the agent worker does not read: {unknown}"
    assert agent["environment"]["CONTROL_PLANE_URL"] == "http://control-plane:8000"
    assert agent["environment"]["LIVEKIT_URL"] == "ws://livekit:7880"


def test_each_agent_worker_serves_its_metrics_inside_the_stack():
    agent = SERVICES["agent"]
    port = agent["environment"]["AGENT_METRICS_PORT"].split(":-")[1].rstrip("}")
    assert port in [str(p) for p in agent["expose"]]


def test_livekit_ports_match_the_local_config():
    local = yaml.safe_load((ROOT / "livekit.yaml").read_text())
    compose = yaml.safe_load(SERVICES["livekit"]["environment"]["LIVEKIT_CONFIG"])
    assert compose["port"] == local["port"]
    assert compose["rtc"]["tcp_port"] == local["rtc"]["tcp_port"]
    assert compose["rtc"]["udp_port"] == local["rtc"]["udp_port"]
    ports = SERVICES["livekit"]["ports"]
    assert f"{local['port']}:{local['port']}" in ports
    assert f"{local['rtc']['tcp_port']}:{local['rtc']['tcp_port']}" in ports
    assert f"{local['rtc']['udp_port']}:{local['rtc']['udp_port']}/udp" in ports
    assert compose["redis"]["address"] == "redis:6379"
    image = SERVICES["livekit"]["image"]
    setup = (ROOT / "scripts" / "setup").read_text()
    assert image.split(":")[1] in setup, "the compose image and scripts/setup must pin the same LiveKit version"


def test_the_local_livekit_never_looks_beyond_loopback():
    local = yaml.safe_load((ROOT / "livekit.yaml").read_text())
    assert local["bind_addresses"] == ["127.0.0.1"]
    assert local["rtc"]["use_external_ip"] is False
    assert local["rtc"]["node_ip"] == "127.0.0.1"
    assert all(s.startswith("127.0.0.1:") for s in local["rtc"]["stun_servers"])


def test_every_setting_is_documented():
    example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    for name in setting_names():
        assert f"{name}=" in example or f"# {name}=" in example, f"{name} missing from .env.example"
        assert f"`{name}`" in readme, f"{name} missing from the README's settings table"


def test_the_offline_extra_installs_what_the_speech_models_need():
    import tomllib

    from agent.speech import REQUIREMENTS

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert extras["offline"] == REQUIREMENTS
