"""How full this worker is, as LiveKit's dispatcher sees it: the larger of its interviews and its host's CPU.

LiveKit sends a job only to a worker whose reported load is under its threshold, so the load is what keeps a worker
from taking an interview it cannot serve well. Counting interviews alone is not enough on a shared host: other
workers, the LiveKit server or anything else may already use the cores a speech pipeline needs, and a respondent
would then wait seconds for every answer. So the load is
- the share of `MAX_INTERVIEWS` in use, and
- the host's CPU use (averaged over 10 s, as the cgroup sees it in a container) against `WORKER_CPU_LIMIT`,
whichever is higher. A worker reports itself full at 1.0, and takes no job at or over `LOAD_THRESHOLD`. The 10 s
average keeps a single transcription (a second of both cores) from turning a respondent away.
"""

from __future__ import annotations

import threading
from collections import deque

from livekit.agents.utils.hw import get_cpu_monitor

# Just under 1: a worker at exactly MAX_INTERVIEWS (load 1.0) takes no more, one below it still does.
LOAD_THRESHOLD = 0.99
CPU_WINDOW = 20  # samples of 0.5 s


class HostCPU:
    """The host's CPU use in [0, 1], averaged over the last 10 s by a background thread."""

    _instance: HostCPU | None = None
    _lock = threading.Lock()

    def __init__(self) -> None:
        self._monitor = get_cpu_monitor()
        self._samples: deque[float] = deque(maxlen=CPU_WINDOW)
        self._thread = threading.Thread(target=self._run, name="interviewer-cpu-load", daemon=True)
        self._thread.start()

    @classmethod
    def shared(cls) -> HostCPU:
        with cls._lock:
            if cls._instance is None:
                cls._instance = HostCPU()
            return cls._instance

    def _run(self) -> None:
        while True:
            self._samples.append(self._monitor.cpu_percent(interval=0.5))

    def used(self) -> float:
        samples = list(self._samples)
        return sum(samples) / len(samples) if samples else 0.0


def worker_load(interviews: int, max_interviews: int, cpu_used: float, cpu_limit: float) -> float:
    """The load to report: 1.0 is full. `cpu_limit` <= 0 leaves the CPU out."""
    by_count = interviews / max(1, max_interviews)
    by_cpu = min(1.0, cpu_used / cpu_limit) if cpu_limit > 0 else 0.0
    return max(by_count, by_cpu)
