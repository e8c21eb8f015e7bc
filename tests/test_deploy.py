"""docker-compose.yml cannot run here (no Docker engine), so this keeps it honest against the code and livekit.yaml."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from agent.config import load_worker_settings
from control_plane.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text()
COMPOSE = yaml.safe_load(COMPOSE_TEXT)
SERVICES = COMPOSE["services"]
# Set by the compose file for its own network, not taken from .env.
FIXED = {
    "control-plane": {"APP_ENV", "DATABASE_URL", "LIVEKIT_URL", "LIVEKIT_API_URL", "PUBLIC_BASE_URL"},
    "agent": {"LIVEKIT_URL", "CONTROL_PLANE_URL", "AGENT_METRICS_PORT"},
}


class ReadRecorder(dict):
    """An empty environment that remembers every name a settings loader asks it for."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def get(self, key, default=None):
        self.names.add(key)
        return default

    def __getitem__(self, key):
        self.names.add(key)
        raise KeyError(key)

    def __contains__(self, key):
        self.names.add(key)
        return False


def reads(loader) -> set[str]:
    env = ReadRecorder()
    loader(env)
    return env.names


READS = {"control-plane": reads(load_settings), "agent": reads(load_worker_settings)}


def test_the_loaders_are_read_for_real():
    assert {"DATABASE_URL", "VOICES", "SECRET_KEY", "REPORT_MODEL"} <= READS["control-plane"]
    assert {"CONTROL_PLANE_URL", "MAX_INTERVIEWS", "LIVEKIT_URL"} <= READS["agent"]


def test_every_service_of_the_stack_is_there():
    assert set(SERVICES) == {"redis", "postgres", "livekit", "control-plane", "agent"}


@pytest.mark.parametrize("service", ["control-plane", "agent"])
def test_compose_passes_every_setting_the_service_reads_and_no_other(service):
    env = SERVICES[service]["environment"]
    missing = READS[service] - set(env)
    unknown = set(env) - READS[service]
    assert not missing, f"docker-compose drops settings that {service} reads: {sorted(missing)}"
    assert not unknown, f"docker-compose sets variables that {service} does not read: {sorted(unknown)}"
    for name, value in env.items():
        if name not in FIXED[service]:
            assert str(value).startswith(f"${{{name}:"), f"{service}: {name} must come from .env as ${{{name}:-…}}"


@pytest.mark.parametrize("loader", [load_settings, load_worker_settings])
def test_a_setting_left_empty_in_env_means_its_default(loader):
    """Compose passes `${NAME:-}`: an unset variable arrives as an empty string and must mean the default."""
    names = reads(loader)
    assert loader(dict.fromkeys(names, "")) == loader({})


def test_the_control_plane_runs_in_production_on_postgres():
    env = SERVICES["control-plane"]["environment"]
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


def test_the_control_plane_and_the_workers_read_the_same_language_model():
    """Whether interviewers have a model decides the control plane's language warning: both must agree."""
    from agent.config import llm_settings as agent_llm
    from control_plane.settings import llm_settings as control_plane_llm

    keys = ("LLM_BASE_URL", "LLM_API_KEY", "OPENAI_API_KEY", "OPENAI_BASE_URL")
    for service in ("control-plane", "agent"):
        env = SERVICES[service]["environment"]
        assert all(env[k] == f"${{{k}:-}}" for k in keys), service
    for env in (
        {},
        {"OPENAI_API_KEY": "sk"},
        {"LLM_BASE_URL": "http://llm:8080/v1"},
        {"LLM_BASE_URL": "http://llm:8080/v1", "OPENAI_API_KEY": "sk"},
        {"LLM_API_KEY": "k", "OPENAI_BASE_URL": "http://speech/v1"},
    ):
        assert agent_llm(env)[:2] == control_plane_llm(env), env


def test_agent_workers_can_scale():
    agent = SERVICES["agent"]
    assert "ports" not in agent and "container_name" not in agent
    assert agent["command"] == ["python", "-m", "agent", "start"]
    assert agent["environment"]["CONTROL_PLANE_URL"] == "http://control-plane:8000"
    assert agent["environment"]["LIVEKIT_URL"] == "ws://livekit:7880"


def test_each_agent_worker_serves_its_metrics_inside_the_stack():
    agent = SERVICES["agent"]
    port = str(agent["environment"]["AGENT_METRICS_PORT"])  # fixed by the compose file, not taken from .env
    assert port.isdigit() and port in [str(p) for p in agent["expose"]]


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
    """Each setting a service reads, and each variable the compose file takes from .env, is in .env.example and
    in the README."""
    example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    from_env = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", COMPOSE_TEXT))
    assert {"POSTGRES_PASSWORD", "LIVEKIT_PUBLIC_URL"} <= from_env
    for name in READS["control-plane"] | READS["agent"] | from_env:
        assert re.search(rf"^#? ?{name}=", example, re.M), f"{name} missing from .env.example"
        assert f"`{name}`" in readme, f"{name} missing from the README's settings tables"


def test_the_offline_extra_installs_what_the_speech_models_need():
    import tomllib

    from agent.speech import REQUIREMENTS

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert extras["offline"] == REQUIREMENTS
