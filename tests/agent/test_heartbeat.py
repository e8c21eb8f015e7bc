"""What a worker tells the control plane: the interviews it holds, or, holding none, that it is there."""

from __future__ import annotations

import hashlib
import hmac
from types import SimpleNamespace

from agent.heartbeat import heartbeat


def worker(jobs: list, worker_id: str = "AW_test") -> SimpleNamespace:
    return SimpleNamespace(active_jobs=jobs, id=worker_id)


def test_an_idle_worker_says_it_is_there_with_a_proof_of_the_livekit_secret():
    beat = heartbeat(worker([]), "s3cret", now=1_800_000_000.7)

    expected = hmac.new(b"s3cret", b"worker:AW_test:1800000000", hashlib.sha256).hexdigest()
    assert beat == {"interviews": [], "worker": "AW_test", "at": 1_800_000_000, "proof": expected}


def test_a_worker_not_yet_registered_or_without_the_secret_sends_nothing_while_idle():
    assert heartbeat(worker([], "unregistered"), "s3cret", now=0) is None
    assert heartbeat(worker([], ""), "s3cret", now=0) is None
    assert heartbeat(worker([]), "", now=0) is None


def test_a_worker_holding_interviews_names_them_with_their_keys_and_needs_no_proof():
    job = SimpleNamespace(job=SimpleNamespace(metadata='{"interview_id": "i-1", "agent_key": "k-1"}'))

    beat = heartbeat(worker([job]), "", now=0)

    assert beat == {"interviews": [{"interview_id": "i-1", "agent_key": "k-1"}], "worker": "AW_test"}
