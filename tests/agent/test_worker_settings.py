"""The worker's capacity, executor and metrics settings are read from the environment, with clear errors."""

from __future__ import annotations

import pytest

from agent.config import ConfigError, hand_to_framework, load_worker_settings


def test_defaults_run_interviews_as_threads_with_a_cpu_limit_and_no_metrics_port():
    settings = load_worker_settings({})
    assert (settings.job_executor, settings.worker_cpu_limit, settings.metrics_port) == ("thread", 0.85, 0)


def test_the_settings_are_read():
    settings = load_worker_settings(
        {"JOB_EXECUTOR": "process", "WORKER_CPU_LIMIT": "0.7", "AGENT_METRICS_PORT": "9300"}
    )
    assert (settings.job_executor, settings.worker_cpu_limit, settings.metrics_port) == ("process", 0.7, 9300)


def test_an_unknown_executor_is_refused_by_name():
    with pytest.raises(ConfigError, match="JOB_EXECUTOR"):
        load_worker_settings({"JOB_EXECUTOR": "fibre"})


@pytest.mark.parametrize(
    ("given", "warn"),
    [({"LIVEKIT_AGENTS_LOOP_BLOCK_WARN_MS": "250"}, 0.25), ({"LIVEKIT_AGENTS_LOOP_BLOCK_WARN_MS": "400"}, 0.4)],
)
def test_the_event_loop_monitors_threshold_reaches_the_framework(monkeypatch, given, warn):
    from livekit.agents.telemetry.loop_monitor import LoopMonitorThresholds

    monkeypatch.delenv("LIVEKIT_AGENTS_LOOP_BLOCK_WARN_MS", raising=False)
    hand_to_framework(load_worker_settings(given))
    assert LoopMonitorThresholds.from_env().warn == warn


@pytest.mark.parametrize("given", [{}, {"LIVEKIT_AGENTS_LOOP_BLOCK_WARN_MS": "0"}])
def test_the_event_loop_monitor_is_off_unless_asked_for(monkeypatch, given):
    from livekit.agents.telemetry.loop_monitor import LoopMonitorThresholds

    monkeypatch.setenv(
        "LIVEKIT_AGENTS_LOOP_BLOCK_WARN_MS", "100"
    )  # what another run left: the worker's own setting wins
    hand_to_framework(load_worker_settings(given))
    assert LoopMonitorThresholds.from_env() is None
