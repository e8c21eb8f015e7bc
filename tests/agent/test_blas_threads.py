"""The worker's numpy runs its matrix products on the calling thread: no OpenBLAS pool spinning beside the speech."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

THREADS_AFTER_NUMPY = "import numpy, os; print(len(os.listdir('/proc/self/task')))"


def python(code: str, env: dict[str, str]) -> str:
    """What a fresh interpreter prints running `code` in `env`."""
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads in /proc (Linux)")
def test_importing_the_agent_first_leaves_numpy_without_a_thread_pool():
    env = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    assert int(python(f"import agent; {THREADS_AFTER_NUMPY}", env)) == 1
    if (os.cpu_count() or 1) > 1:  # the pool it would have had: one thread per core
        assert int(python(THREADS_AFTER_NUMPY, env)) > 1


def test_a_thread_count_the_operator_set_is_kept():
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "3"}
    assert python("import agent, os; print(os.environ['OPENBLAS_NUM_THREADS'])", env) == "3"
