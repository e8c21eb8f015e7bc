"""The worker learns which interview it serves from the dispatch metadata, and refuses metadata it cannot use."""

from __future__ import annotations

import json

import pytest
from livekit.agents import get_job_context
from livekit.agents.testing import fake_job_context

from agent.config import ConfigError, DispatchMetadata, load_worker_settings
from agent.control_plane import ControlPlaneError, open_interview
from tests.agent.conftest import make_config
from tests.agent.fake_control_plane import KEY, FakeControlPlane


def api_body(config) -> dict:
    return {
        "interview_id": config.interview_id,
        "room": config.room,
        "status": "active",
        "research_goals": config.research_goals,
        "interview_guide": config.interview_guide,
        "topics": list(config.topics),
        "language": "ru",
        "voice": "coral",
        "duration_minutes": 10,
        "started_at": config.started_at.isoformat(),
        "ends_at": config.ends_at.isoformat(),
        "turns": [
            {"seq": 1, "speaker": "agent", "text": "Hello!", "started_at": config.started_at.isoformat(),
             "ended_at": config.started_at.isoformat()},
        ],
    }  # fmt: skip


async def test_the_job_fetches_its_interview_with_the_key_from_the_dispatch():
    config = make_config()
    plane = await FakeControlPlane(interview=api_body(config)).start()
    metadata = json.dumps({"interview_id": config.interview_id, "agent_key": KEY})
    try:
        with fake_job_context(job_metadata=metadata) as ctx:
            client, fetched = await open_interview(get_job_context(), plane.url)
        assert plane.authorizations == [f"Bearer {KEY}"]
        assert fetched.interview_id == config.interview_id and fetched.language == "ru" and fetched.voice == "coral"
        assert fetched.next_seq == 2  # a resuming agent numbers its turns after the ones it loaded
        assert len(ctx._shutdown_callbacks) == 1  # the client flushes and closes with the job
    finally:
        await client.aclose()
        await plane.stop()


async def test_a_key_for_another_interview_opens_nothing():
    config = make_config()
    plane = await FakeControlPlane(interview=api_body(config)).start()
    metadata = json.dumps({"interview_id": "another-interview", "agent_key": KEY})
    try:
        with fake_job_context(job_metadata=metadata):
            with pytest.raises(ControlPlaneError, match="404"):
                await open_interview(get_job_context(), plane.url)
    finally:
        await plane.stop()


@pytest.mark.parametrize("raw", ["", "not json", "{}", json.dumps({"interview_id": "x"}), "[1]"])
def test_unusable_metadata_is_a_named_error(raw):
    with pytest.raises(ConfigError, match="dispatch metadata"):
        DispatchMetadata.parse(raw)


def test_settings_pick_openai_only_with_a_key():
    assert not load_worker_settings({}).uses_openai
    settings = load_worker_settings({"OPENAI_API_KEY": "sk-x", "CONTROL_PLANE_URL": "http://cp:8000/"})
    assert settings.uses_openai and settings.control_plane_url == "http://cp:8000"
    with pytest.raises(ConfigError):
        load_worker_settings({"REJOIN_GRACE_SECONDS": "soon"})


def test_a_worker_without_its_livekit_server_names_the_missing_setting():
    with pytest.raises(ConfigError, match="LIVEKIT_API_SECRET"):
        load_worker_settings({"LIVEKIT_URL": "ws://lk:7880", "LIVEKIT_API_KEY": "k"}).require_livekit()
    load_worker_settings({"LIVEKIT_URL": "ws://x", "LIVEKIT_API_KEY": "k", "LIVEKIT_API_SECRET": "s"}).require_livekit()
