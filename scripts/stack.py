"""The whole product on one machine: LiveKit server, the control plane and agent workers as child processes.

`scripts/dev` runs it for people (`python scripts/stack.py`); the end-to-end tests use `Stack` to start the same
processes on free loopback ports. Each process logs to its own file in the stack's folder; readiness is awaited by
polling with a deadline; stopping sends SIGTERM (workers drain) and then SIGKILL to what is left.

With `nodes=2` (`--nodes 2`) it runs LiveKit's multi-node mode: a Redis server (Debian's `redis-server`) and one
`livekit-server` per node, each on its own loopback ports, all sharing that Redis. Workers attach to a node of their
own (round robin), and the control plane hands each join the next node's URL (`LIVEKIT_URL` lists them all). With
`replicas=2` (`--replicas 2`) several control-plane processes serve the same database; every LiveKit node sends its
webhooks to every replica, which handle each event once.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEV_KEY = "devkey"
DEV_SECRET = "devsecret-change-me-0123456789abcdef"


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def livekit_binary() -> str:
    local = ROOT / "tools" / "livekit-server"
    if local.exists():
        return str(local)
    found = shutil.which("livekit-server")
    if found:
        return found
    raise FileNotFoundError(
        "livekit-server is not installed: run scripts/setup (it builds it with Go), or install it with "
        "'curl -sSL https://get.livekit.io | bash' or 'brew install livekit'."
    )


def wait_until(check, what: str, timeout: float, proc: subprocess.Popen | None = None, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            tail = log.read_text()[-3000:] if log and log.exists() else ""
            raise RuntimeError(f"{what} exited with code {proc.returncode} before it was ready.\n{tail}")
        result = check()
        if result:
            return result
        time.sleep(0.1)
    tail = log.read_text()[-3000:] if log and log.exists() else ""
    raise TimeoutError(f"{what} was not ready after {timeout:.0f} s.\n{tail}")


def redis_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    raise FileNotFoundError(
        "redis-server is not installed, and LiveKit's multi-node mode needs it: apt-get install redis-server "
        "(or brew install redis)."
    )


def redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return 200 <= r.status < 500
    except (urllib.error.URLError, OSError):
        return False


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen
    log: Path

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@dataclass
class Node:
    """One livekit-server: its signal port, and its own RTC ports (TCP, and one UDP port for all media)."""

    index: int
    port: int
    tcp_port: int = field(default_factory=free_port)
    udp_port: int = field(default_factory=lambda: free_port(socket.SOCK_DGRAM))

    @property
    def name(self) -> str:
        return "livekit" if self.index == 0 else f"livekit-{self.index + 1}"

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"


@dataclass
class Stack:
    workdir: Path
    database_url: str | None = None
    livekit_port: int = field(default_factory=free_port)
    control_plane_port: int = field(default_factory=free_port)
    api_key: str = DEV_KEY
    api_secret: str = DEV_SECRET
    extra_env: dict[str, str] = field(default_factory=dict)
    procs: list[Proc] = field(default_factory=list)
    # LiveKit nodes (more than one: multi-node mode on a Redis of the stack's own) and control-plane replicas.
    nodes: int = 1
    replicas: int = 1
    redis_port: int = field(default_factory=free_port)
    livekit_nodes: list[Node] = field(init=False)
    control_plane_ports: list[int] = field(init=False)
    # how a worker is started: the tests' own stand-in may take its place
    worker_command: list[str] = field(default_factory=lambda: [sys.executable, "-m", "agent", "start"])
    _workers_started: int = field(default=0, init=False)
    _worker_env: dict[str, dict[str, str]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.database_url = self.database_url or f"sqlite:///{self.workdir / 'interviewer.sqlite3'}"
        self.livekit_nodes = [Node(0, self.livekit_port)] + [Node(i, free_port()) for i in range(1, self.nodes)]
        self.control_plane_ports = [self.control_plane_port] + [free_port() for _ in range(1, self.replicas)]

    @property
    def livekit_url(self) -> str:
        return self.livekit_nodes[0].url

    @property
    def livekit_urls(self) -> list[str]:
        return [node.url for node in self.livekit_nodes]

    @property
    def control_plane_url(self) -> str:
        return f"http://127.0.0.1:{self.control_plane_port}"

    @property
    def control_plane_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.control_plane_ports]

    @property
    def redis_address(self) -> str:
        return f"127.0.0.1:{self.redis_port}"

    def env(self, **overrides: str) -> dict[str, str]:
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "PUBLIC_BASE_URL": self.control_plane_url,
            "LIVEKIT_URL": self.livekit_url,
            "LIVEKIT_API_KEY": self.api_key,
            "LIVEKIT_API_SECRET": self.api_secret,
            "LIVEKIT_KEYS": f"{self.api_key}: {self.api_secret}",
            "CONTROL_PLANE_URL": self.control_plane_url,
            "PYTHONUNBUFFERED": "1",
            "AGENT_HEALTH_PORT": "0",
            **self.extra_env,
            **overrides,
        }
        env.pop("TEST_DATABASE_URL", None)
        return env

    def _spawn(self, name: str, args: list[str], **env: str) -> Proc:
        log = self.workdir / f"{name}.log"
        handle = open(log, "ab")  # noqa: SIM115 - the child keeps writing to it
        popen = subprocess.Popen(
            args, cwd=ROOT, env=self.env(**env), stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        proc = Proc(name, popen, log)
        self.procs.append(proc)
        return proc

    def livekit_config(self, node: Node | None = None) -> Path:
        node = node or self.livekit_nodes[0]
        config = yaml.safe_load((ROOT / "livekit.yaml").read_text())
        config["port"] = node.port
        config["rtc"]["tcp_port"] = node.tcp_port
        config["rtc"]["udp_port"] = node.udp_port
        config["rtc"]["stun_servers"] = [f"127.0.0.1:{node.udp_port}"]
        config["turn"] = {"enabled": False}
        urls = [f"{url}/api/livekit/webhook" for url in self.control_plane_urls]
        config["webhook"] = {"api_key": self.api_key, "urls": urls}
        if self.nodes > 1:
            config["redis"] = {"address": self.redis_address}
        path = self.workdir / f"{node.name}.yaml"
        path.write_text(yaml.safe_dump(config))
        return path

    def start_redis(self, timeout: float = 20) -> Proc:
        args = [redis_binary(), "--bind", "127.0.0.1", "--port", str(self.redis_port)]
        args += ["--save", "", "--appendonly", "no", "--dir", str(self.workdir)]
        proc = self._spawn("redis", args)
        wait_until(lambda: redis_ping(self.redis_port), "Redis", timeout, proc.popen, proc.log)
        return proc

    def start_livekit(self, timeout: float = 30) -> Proc:
        """Start every LiveKit node (and first their Redis, in multi-node mode); answer the first node."""
        if self.nodes > 1:
            self.start_redis()
        started = [self.start_livekit_node(node, timeout) for node in self.livekit_nodes]
        return started[0]

    def start_livekit_node(self, node: Node, timeout: float = 30) -> Proc:
        proc = self._spawn(node.name, [livekit_binary(), "--config", str(self.livekit_config(node))])
        wait_until(
            lambda: http_ok(f"http://127.0.0.1:{node.port}/"),
            f"LiveKit node {node.name}",
            timeout,
            proc.popen,
            proc.log,
        )
        return proc

    def start_control_plane(self, timeout: float = 60, replica: int = 0) -> Proc:
        """Start one control-plane replica. It hands out every node's URL in turn, and reaches LiveKit's API
        through a node of its own (replica i: node i)."""
        port = self.control_plane_ports[replica]
        url = self.control_plane_urls[replica]
        args = [sys.executable, "-m", "control_plane", "serve", "--port", str(port)]
        env = {"LIVEKIT_URL": ",".join(self.livekit_urls)}
        if self.nodes > 1:
            node = self.livekit_nodes[replica % self.nodes]
            env["LIVEKIT_API_URL"] = f"http://127.0.0.1:{node.port}"
        name = "control-plane" if replica == 0 else f"control-plane-{replica + 1}"
        proc = self._spawn(name, args, **env)
        wait_until(lambda: http_ok(f"{url}/healthz"), f"control plane {name}", timeout, proc.popen, proc.log)
        return proc

    def start_control_planes(self, timeout: float = 60) -> list[Proc]:
        return [self.start_control_plane(timeout, replica) for replica in range(self.replicas)]

    def start_worker(
        self, name: str = "agent", timeout: float = 120, node: int | None = None, env: dict[str, str] | None = None
    ) -> Proc:
        """Start an agent worker attached to one LiveKit node (by default the next one, round robin), talking to
        one control-plane replica (the same round); `env` adds settings of its own (its metrics port, say)."""
        turn = self._workers_started
        self._workers_started += 1
        node = turn % self.nodes if node is None else node
        env = {
            "LIVEKIT_URL": self.livekit_nodes[node].url,
            "CONTROL_PLANE_URL": self.control_plane_urls[turn % self.replicas],
            **(env or {}),
        }
        proc = self._spawn(name, self.worker_command, **env)
        self._worker_env[name] = env
        registered = proc.log_text().count("registered worker")  # a worker started again writes to the same log
        wait_until(
            lambda: proc.log_text().count("registered worker") > registered,
            f"agent worker {name}",
            timeout,
            proc.popen,
            proc.log,
        )
        return proc

    def stopped_workers(self) -> list[Proc]:
        return [proc for proc in self.procs if proc.name in self._worker_env and not proc.alive()]

    def restart_worker(self, proc: Proc, timeout: float = 120) -> Proc:
        """Start a stopped worker again, on the same node and control plane, logging to the same file. A worker
        stops when it crashes, and after draining when it is told to stop: the rtc library tells it so itself when a
        room connection fails in a way it cannot recover from."""
        self.procs.remove(proc)
        return self.start_worker(proc.name, timeout, env=self._worker_env[proc.name])

    def stop(self, proc: Proc, timeout: float = 30) -> None:
        if proc.alive():
            os.killpg(proc.popen.pid, signal.SIGTERM)
            try:
                proc.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.popen.pid, signal.SIGKILL)
                proc.popen.wait()

    def kill(self, proc: Proc) -> None:
        os.killpg(proc.popen.pid, signal.SIGKILL)
        proc.popen.wait()

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            self.stop(proc)


def api_call(base: str, method: str, path: str, body: dict | None = None, key: str | None = None) -> dict:
    request = urllib.request.Request(
        base + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {key}"} if key else {})},
    )
    with urllib.request.urlopen(request, timeout=30) as r:
        return json.loads(r.read())


DEMO_GOALS = "Learn how people plan their week, and what gets in the way."
DEMO_GUIDE = """1. How do you usually plan your week?
2. What gets in the way of your plans?
3. What would make planning easier for you?"""


def demo_link(stack: Stack) -> tuple[str, str, str]:
    """Create (or reuse) a demo account and project, and a fresh 5-minute link; answer email, password, link URL."""
    email, password = "demo@example.com", "demo-password"
    base = stack.control_plane_url
    try:
        key = api_call(base, "POST", "/api/auth/signup", {"email": email, "password": password})["api_key"]
    except urllib.error.HTTPError as exc:
        if exc.code != 409:
            raise
        key_file = stack.workdir / "demo-api-key"
        key = key_file.read_text().strip() if key_file.exists() else None
        if key is None:
            return email, password, ""
    (stack.workdir / "demo-api-key").write_text(key)
    projects = api_call(base, "GET", "/api/projects", key=key)
    project = projects[0] if projects else api_call(base, "POST", "/api/projects", {"name": "Demo study"}, key)
    api_call(
        base,
        "PUT",
        f"/api/projects/{project['id']}/context",
        {"research_goals": DEMO_GOALS, "interview_guide": DEMO_GUIDE},
        key,
    )
    body = {"count": 1, "duration_minutes": 5, "expires_in_days": 7, "voice": "alloy", "language": "auto"}
    link = api_call(base, "POST", f"/api/projects/{project['id']}/links", body, key)["links"][0]
    return email, password, link["url"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run LiveKit server, the control plane and agent workers.")
    parser.add_argument("--workers", type=int, default=1, help="how many agent workers to start (default 1)")
    parser.add_argument("--port", type=int, default=8000, help="the control plane's port (default 8000)")
    parser.add_argument("--livekit-port", type=int, default=7880, help="the first LiveKit node's port (default 7880)")
    parser.add_argument(
        "--nodes", type=int, default=1, help="LiveKit nodes; more than 1 runs multi-node mode on Redis (default 1)"
    )
    parser.add_argument(
        "--replicas", type=int, default=1, help="control-plane replicas on one database (default 1; use PostgreSQL)"
    )
    parser.add_argument("--data", default=str(ROOT / "data"), help="folder for the database and the logs")
    args = parser.parse_args(argv)

    stack = Stack(
        Path(args.data),
        database_url=os.environ.get("DATABASE_URL"),
        livekit_port=args.livekit_port,
        control_plane_port=args.port,
        api_key=os.environ.get("LIVEKIT_API_KEY", DEV_KEY),
        api_secret=os.environ.get("LIVEKIT_API_SECRET", DEV_SECRET),
        nodes=max(1, args.nodes),
        replicas=max(1, args.replicas),
    )
    if stack.replicas > 1 and stack.database_url.startswith("sqlite"):
        print("Control-plane replicas share a PostgreSQL database: set DATABASE_URL=postgresql://…", file=sys.stderr)
        return 2
    stopping = False

    def on_signal(signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        if stack.nodes > 1:
            print(f"Starting Redis on {stack.redis_address} for LiveKit's multi-node mode …", flush=True)
            stack.start_redis()
        for node in stack.livekit_nodes:
            print(f"Starting LiveKit node {node.name} on {node.url} …", flush=True)
            stack.start_livekit_node(node)
        for replica, url in enumerate(stack.control_plane_urls):
            print(f"Starting the control plane on {url} …", flush=True)
            stack.start_control_plane(replica=replica)
        for i in range(args.workers):
            node = stack.livekit_nodes[i % stack.nodes]
            print(
                f"Starting agent worker {i + 1} on {node.name} (the first start loads the speech models) …", flush=True
            )
            stack.start_worker(f"agent-{i + 1}")
        email, password, url = demo_link(stack)
        print()
        print(f"  Researcher UI:   {stack.control_plane_url}/login   (demo account {email} / {password})")
        if url:
            print(f"  Interview link:  {url}")
        print(f"  Logs:            {stack.workdir}/*.log")
        print("\nPress Ctrl-C to stop.", flush=True)
        while not stopping:
            for proc in stack.stopped_workers():
                print(
                    f"{proc.name} stopped (exit code {proc.popen.returncode}; see {proc.log}); starting it again …",
                    flush=True,
                )
                try:
                    stack.restart_worker(proc)
                except (RuntimeError, TimeoutError) as exc:
                    print(f"{proc.name} could not start again: {exc}", file=sys.stderr, flush=True)
                    return 1
                print(f"{proc.name} is serving interviews again.", flush=True)
            for proc in stack.procs:
                if not proc.alive():
                    print(f"{proc.name} stopped (exit code {proc.popen.returncode}); see {proc.log}", flush=True)
                    stopping = True
            time.sleep(0.5)
    except (RuntimeError, TimeoutError, FileNotFoundError) as exc:
        print(f"Could not start the stack: {exc}", file=sys.stderr)
        return 1
    finally:
        print("Stopping …", flush=True)
        stack.stop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
