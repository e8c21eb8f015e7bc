"""Scale-out on the real stack: two LiveKit nodes on one Redis, a worker on each, two control-plane replicas on one
PostgreSQL database, and several respondents talking at once.

Each respondent is a LiveKit participant (the `livekit` rtc package, the same client the agents use) that joins
through a replica of its own, connects to the node its join answer names, and answers with espeak-ng speech when the
agent has finished speaking. Nothing else is simulated: the agents hear them through LiveKit, transcribe, and answer.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import re
import shutil
import time
import wave
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
import pytest

from scripts.stack import DEV_SECRET, Proc, Stack, livekit_binary
from tests.conftest import TEST_TMP, require

pytestmark = pytest.mark.e2e

SECRET_KEY = "e2e-multinode-secret-key"
GUIDE = "1. How do you plan your week?\n2. What tools do you use for planning?\n3. What would make planning easier?"
INTERVIEWS = 3
RATE = 16_000
FRAME = RATE // 100  # 10 ms
ANSWERS = {
    "plan your week": "I plan my week on Monday morning with a paper calendar and a long list of tasks.",
    "tools": "I use a paper notebook and the calendar on my phone for most of my planning.",
    "easier": "Fewer meetings and a shared calendar with my team would make planning much easier.",
    "anything else": "No, that is all, thank you.",
}
MORE = "I write everything down on Sunday evening and I check the list every single morning."


@dataclass
class MultiNode:
    stack: Stack
    workers: list[Proc]


def run_async(coroutine) -> None:
    """Run a coroutine on a loop of its own thread: Playwright's sync API may hold this thread's loop."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coroutine).result()


def reset_database(url: str) -> None:
    """The multi-node test owns its database: it starts from an empty schema (the replicas migrate it)."""
    import asyncpg

    async def reset() -> None:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public")
        finally:
            await conn.close()

    run_async(reset())


@pytest.fixture(scope="module")
def multinode() -> Iterator[MultiNode]:
    database_url = os.environ.get("E2E_DATABASE_URL", "")
    require(database_url.startswith("postgresql://"), "E2E_DATABASE_URL (a PostgreSQL database) is not set")
    require(shutil.which("redis-server") is not None, "redis-server not found (apt-get install redis-server)")
    try:
        livekit_binary()
    except FileNotFoundError as exc:
        require(False, str(exc))
    reset_database(database_url)
    stack = Stack(
        TEST_TMP / "e2e-multinode",
        database_url=database_url,
        nodes=2,
        replicas=2,
        extra_env={
            "SECRET_KEY": SECRET_KEY,
            "RECONCILE_INTERVAL_SECONDS": "2",
            "SWEEP_INTERVAL_SECONDS": "2",
            "INTERVIEW_GRACE_SECONDS": "20",
            "OPENAI_API_KEY": "",
            "DISPATCH_AGENTS": "true",
            "DB_POOL_SIZE": "5",
            # Both workers share this one host; each would count the other's load as its own and turn jobs away.
            "WORKER_CPU_LIMIT": "0",
        },
    )
    try:
        stack.start_livekit()
        stack.start_control_planes()
        # Worker i is attached to node i (and talks to replica i).
        workers = [stack.start_worker(f"agent-{i + 1}", timeout=240) for i in range(2)]
        yield MultiNode(stack, workers)
    finally:
        stack.stop_all()


def wav_frames(text: str, folder: Path) -> list[bytes]:
    """The answer spoken by espeak-ng, as 10 ms frames of 16 kHz mono PCM with a second of silence after it."""
    import subprocess

    folder.mkdir(parents=True, exist_ok=True)
    raw, wav = folder / "raw.wav", folder / f"{abs(hash(text))}.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(raw), text], check=True, capture_output=True)
    subprocess.run(["sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(wav)], check=True)
    with wave.open(str(wav)) as w:
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    pcm = np.concatenate([pcm, np.zeros(RATE, np.int16)])
    pcm = np.pad(pcm, (0, -len(pcm) % FRAME))
    return [pcm[i : i + FRAME].tobytes() for i in range(0, len(pcm), FRAME)]


def answer_to(question: str) -> str | None:
    words = question.lower()
    if "goodbye" in words or "end of our interview" in words:
        return None
    return next((answer for cue, answer in ANSWERS.items() if cue in words), MORE)


def agent_key(link_id: str) -> str:
    from control_plane.livekit import agent_key
    from control_plane.settings import load_settings

    return agent_key(load_settings({"SECRET_KEY": SECRET_KEY, "LIVEKIT_API_SECRET": DEV_SECRET}), link_id)


@dataclass
class Respondent:
    """One person in one interview: joins through `replica`, talks when the agent has finished speaking."""

    link: dict
    replica: str
    speech: dict[str, list[bytes]]
    livekit_url: str = ""
    answered: list[str] = field(default_factory=list)

    @property
    def link_id(self) -> str:
        return self.link["id"]

    async def agent_turns(self, http: httpx.AsyncClient) -> list[dict]:
        auth = {"Authorization": f"Bearer {agent_key(self.link_id)}"}
        r = await http.get(f"{self.replica}/api/agent/interviews/{self.link_id}", headers=auth)
        return [t for t in r.json()["turns"] if t["speaker"] == "agent"] if r.status_code == 200 else []

    async def run(self, deadline: float) -> None:
        from livekit import rtc

        token = self.link["url"].rsplit("/", 1)[1]
        async with httpx.AsyncClient(timeout=30) as http:
            r = await http.post(f"{self.replica}/api/interview/{token}/join", json={"email": "r@example.com"})
            assert r.status_code == 200, r.text
            grant = r.json()
            self.livekit_url = grant["livekit_url"]

            room = rtc.Room()
            states: asyncio.Queue[str] = asyncio.Queue()
            gone = asyncio.Event()

            def on_attributes(changed: dict, participant) -> None:
                if participant.kind == rtc.ParticipantKind.PARTICIPANT_KIND_AGENT and "lk.agent.state" in changed:
                    states.put_nowait(changed["lk.agent.state"])

            room.on("participant_attributes_changed", on_attributes)
            room.on("disconnected", lambda *_: gone.set())
            await room.connect(self.livekit_url, grant["token"])
            source = rtc.AudioSource(RATE, 1)
            track = rtc.LocalAudioTrack.create_audio_track("microphone", source)
            options = rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
            await room.local_participant.publish_track(track, options)
            outgoing: asyncio.Queue[bytes] = asyncio.Queue()

            async def microphone() -> None:
                silence = bytes(FRAME * 2)
                while True:
                    data = outgoing.get_nowait() if not outgoing.empty() else silence
                    await source.capture_frame(rtc.AudioFrame(data, RATE, 1, FRAME))

            mic = asyncio.get_running_loop().create_task(microphone())
            try:
                answered_seq = 0
                while not gone.is_set() and time.monotonic() < deadline:
                    try:
                        state = await asyncio.wait_for(states.get(), timeout=1)
                    except TimeoutError:
                        continue
                    if state != "listening":
                        continue
                    # The agent has stopped speaking: answer its latest line once it is on the record.
                    until = time.monotonic() + 10
                    latest = None
                    while time.monotonic() < until and latest is None:
                        turns = await self.agent_turns(http)
                        latest = next((t for t in reversed(turns) if t["seq"] > answered_seq), None)
                        if latest is None:
                            await asyncio.sleep(0.3)
                    if latest is None:
                        continue
                    answered_seq = latest["seq"]
                    answer = answer_to(latest["text"])
                    if answer:
                        self.answered.append(answer)
                        for frame in self.speech[answer]:
                            outgoing.put_nowait(frame)
            finally:
                mic.cancel()
                await asyncio.gather(mic, return_exceptions=True)
                await room.disconnect()


class AgentWatch:
    """Samples every interview room's participants through LiveKit's API, to see how many agents each one has."""

    def __init__(self, stack: Stack, link_ids: list[str]) -> None:
        self.stack = stack
        self.link_ids = link_ids
        self.most: dict[str, int] = dict.fromkeys(link_ids, 0)
        self.agents: dict[str, set[str]] = {i: set() for i in link_ids}
        self.samples = 0

    async def run(self, stop: asyncio.Event) -> None:
        from livekit import api

        node = self.stack.livekit_nodes[1]
        async with api.LiveKitAPI(f"http://127.0.0.1:{node.port}", self.stack.api_key, self.stack.api_secret) as lk:
            while not stop.is_set():
                names = [f"interview-{i}" for i in self.link_ids]
                rooms = {r.name for r in (await lk.room.list_rooms(api.ListRoomsRequest(names=names))).rooms}
                for link_id in self.link_ids:
                    if f"interview-{link_id}" not in rooms:
                        continue
                    try:
                        found = await lk.room.list_participants(
                            api.ListParticipantsRequest(room=f"interview-{link_id}")
                        )
                    except api.TwirpError:
                        continue  # the room closed between the two calls
                    agents = [p.identity for p in found.participants if p.kind == api.ParticipantInfo.Kind.AGENT]
                    self.most[link_id] = max(self.most[link_id], len(agents))
                    self.agents[link_id].update(agents)
                self.samples += 1
                await asyncio.sleep(0.5)


def researcher_links(base: str, count: int) -> tuple[dict, list[dict]]:
    with httpx.Client(base_url=base, timeout=30) as http:
        r = http.post("/api/auth/signup", json={"email": "multinode@example.com", "password": "e2e password"})
        assert r.status_code == 201, r.text
        auth = {"Authorization": f"Bearer {r.json()['api_key']}"}
        project = http.post("/api/projects", json={"name": "Multi-node study"}, headers=auth).json()
        context = {"research_goals": "Learn how people plan their week.", "interview_guide": GUIDE}
        http.put(f"/api/projects/{project['id']}/context", json=context, headers=auth).raise_for_status()
        body = {"count": count, "duration_minutes": 3, "expires_in_days": 1, "voice": "alloy", "language": "en"}
        r = http.post(f"/api/projects/{project['id']}/links", json=body, headers=auth)
        assert r.status_code == 201, r.text
        return auth, r.json()["links"]


def final_transcript(http: httpx.Client, auth: dict, record_id: str) -> list[dict]:
    """The record's transcript once the agent's last turns (posted as the room closes) have arrived."""
    deadline, last, since = time.monotonic() + 30, None, time.monotonic()
    while time.monotonic() < deadline:
        turns = http.get(f"/api/records/{record_id}", headers=auth).json()["transcript"]
        if turns and "goodbye" in turns[-1]["text"].lower():
            return turns
        if turns != last:
            last, since = turns, time.monotonic()
        elif time.monotonic() - since > 5:
            return turns
        time.sleep(0.5)
    return last or []


def test_a_session_opened_at_one_replica_is_honoured_by_the_other(multinode: MultiNode):
    one, two = multinode.stack.control_plane_urls
    with httpx.Client(timeout=30) as http:
        r = http.post(f"{one}/api/auth/signup", json={"email": "replicas@example.com", "password": "e2e password"})
        assert r.status_code == 201, r.text
        csrf = http.cookies["csrf_token"]
        assert http.get(f"{two}/api/auth/me").json()["email"] == "replicas@example.com"
        forged = http.post(f"{two}/api/projects", json={"name": "forged"})
        assert (forged.status_code, forged.json()["code"]) == (403, "csrf_failed")
        made = http.post(f"{two}/api/projects", json={"name": "mine"}, headers={"X-CSRF-Token": csrf})
        assert made.status_code == 201, made.text
        assert [p["name"] for p in http.get(f"{one}/api/projects").json()] == ["mine"]


def test_interviews_run_across_nodes_and_survive_a_killed_worker(multinode: MultiNode):
    stack, workers = multinode.stack, multinode.workers
    replicas = stack.control_plane_urls
    auth, links = researcher_links(replicas[0], INTERVIEWS)
    speech = {text: wav_frames(text, TEST_TMP / "multinode-audio") for text in [*ANSWERS.values(), MORE]}
    respondents = [Respondent(link, replicas[i % 2], speech) for i, link in enumerate(links)]
    ids = [r.link_id for r in respondents]
    watch = AgentWatch(stack, ids)
    served_by: dict[str, list[Proc]] = {}
    stopped: list[Proc] = []

    async def scenario() -> None:
        stop = asyncio.Event()
        watching = asyncio.get_running_loop().create_task(watch.run(stop))
        deadline = time.monotonic() + 330
        talking = []
        for respondent in respondents:
            talking.append(asyncio.get_running_loop().create_task(respondent.run(deadline)))
            await asyncio.sleep(2)  # people arrive one after the other; LiveKit sees each worker's load change

        # Mid-interview (every agent has greeted and asked at least one more question), stop the worker of node 1.
        async with httpx.AsyncClient(timeout=30) as http:
            while time.monotonic() < deadline:
                counts = [len(await r.agent_turns(http)) for r in respondents]
                if min(counts) >= 2:
                    break
                await asyncio.sleep(1)
            else:
                raise AssertionError(f"not every interview got going at once (agent turns: {counts})")
        for link_id in ids:
            served_by[link_id] = [w for w in workers if f"interview {link_id}: in room" in w.log_text()]
        victim = next(w for w in workers if any(w in serving for serving in served_by.values()))
        stack.kill(victim)
        stopped.append(victim)

        await asyncio.gather(*talking)
        stop.set()
        await watching

    run_async(scenario())
    [victim] = stopped
    survivor = next(w for w in workers if w is not victim)
    survivor_node = stack.livekit_nodes[workers.index(survivor)]

    # The join answers pointed at both nodes, and the rooms were spread by LiveKit through the shared Redis.
    assert {r.livekit_url for r in respondents} == set(stack.livekit_urls)

    with httpx.Client(base_url=replicas[1], timeout=30) as http:
        for respondent in respondents:
            link = http.get(f"/api/links/{respondent.link_id}", headers=auth).json()
            assert link["status"] == "completed", f"interview {respondent.link_id} did not finish: {link}"
            turns = final_transcript(http, auth, link["record_id"])
            assert [t["seq"] for t in turns] == list(range(1, len(turns) + 1)), "a turn is missing or doubled"
            said = " ".join(t["text"].lower() for t in turns if t["speaker"] == "respondent")
            assert re.search(r"monday|calendar|notebook|meetings", said), f"the answers were not heard: {said!r}"
            agent_lines = [t["text"] for t in turns if t["speaker"] == "agent"]
            assert len(agent_lines) >= 3, agent_lines
            # Never two agents in one room at once, though a worker died under some of them.
            assert watch.most[respondent.link_id] <= 1, f"two agents served interview {respondent.link_id}"

    moved = [link_id for link_id in ids if victim in served_by[link_id]]
    assert moved, "the stopped worker served none of the interviews"
    for link_id in moved:
        assert f"interview {link_id}: in room" in survivor.log_text(), "no other worker took the interview over"
        assert re.search(
            rf"assigned job to worker.*interview-{link_id}", (stack.workdir / f"{survivor_node.name}.log").read_text()
        ), "the interview was not re-dispatched through the other node"
        assert len(watch.agents[link_id]) >= 2, "the room never saw its second agent"
    assert watch.samples > 20
