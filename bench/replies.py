"""The offline reply classifier: how long it takes to learn at start, and to read one reply.

    .venv/bin/python -m bench.replies [--rounds 5]

Learns the model from `agent/prompts/replies_examples_*.yaml` in a fresh state `--rounds` times, then reads every
held-out reply (`tests/agent/evals/replies_holdout.yaml`) with the question and goals it answers, `--rounds` times,
and prints medians and the 95th percentile (this machine is noisy), with the held-out score.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from agent import replies

HOLDOUT = Path(__file__).resolve().parent.parent / "tests" / "agent" / "evals" / "replies_holdout.yaml"


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    examples = replies.examples()
    learn = []
    for _ in range(args.rounds):
        replies.lexicon.cache_clear()
        start = time.perf_counter()
        replies.train(replies.examples())
        learn.append((time.perf_counter() - start) * 1000)

    replies.model()
    held_out = replies.examples_in(HOLDOUT)
    reads, right = [], 0
    for round_ in range(args.rounds):
        for e in held_out:
            start = time.perf_counter()
            kind = replies.classify(e.text, question=e.question, context=e.goals).kind
            reads.append((time.perf_counter() - start) * 1e6)
            right += round_ == 0 and kind == e.kind

    print(f"examples learned from: {len(examples)}; features: {len(replies.model().index)}")
    print(f"{'':<32}{'median':>10}{'p95':>10}")
    print(f"{'learn at start (ms)':<32}{statistics.median(learn):>10.0f}{pct(learn, 0.95):>10.0f}")
    print(f"{'read one reply (µs)':<32}{statistics.median(reads):>10.0f}{pct(reads, 0.95):>10.0f}")
    print(f"held-out replies read right: {right}/{len(held_out)} = {right / len(held_out):.1%}")


if __name__ == "__main__":
    main()
