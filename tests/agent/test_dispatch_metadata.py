"""The worker learns which interview it serves from the dispatch metadata, and refuses metadata it cannot use."""

from __future__ import annotations

import json

import pytest
from livekit.agents import get_job_context
from livekit.agents.testing import fake_job_context

from agent.config import ConfigError, DispatchMetadata, load_worker_settings


def test_the_job_carries_the_interview_and_its_key():
    metadata = json.dumps({"interview_id": "abc", "agent_key": "k" * 64})
    with fake_job_context(job_metadata=metadata):
        parsed = DispatchMetadata.parse(get_job_context().job.metadata)
    assert parsed == DispatchMetadata("abc", "k" * 64)


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
