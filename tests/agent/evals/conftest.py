"""The evaluation suite: every test here is marked `evals`, and their scores are printed as one table at the end."""

from __future__ import annotations

import pytest

SCORES: list[tuple[str, str, int, int, str]] = []  # (run, brain, passed, total, what failed)


def record(run: str, brain: str, checks: list) -> None:
    failed = [c for c in checks if not c.ok]
    shown = "; ".join(f"{c.name}: {c.detail}"[:120] for c in failed[:3])
    more = f" (and {len(failed) - 3} more)" if len(failed) > 3 else ""
    SCORES.append((run, brain, len(checks) - len(failed), len(checks), shown + more))


def pytest_collection_modifyitems(items):
    for item in items:
        if "/evals/" in str(item.fspath):
            item.add_marker(pytest.mark.evals)


def pytest_report_header(config):
    from agent.config import load_worker_settings

    if not load_worker_settings().has_model:
        return "evals: no language model configured (LLM_BASE_URL, LLM_API_KEY or OPENAI_API_KEY): real-model runs left out"
    return None


def pytest_terminal_summary(terminalreporter):
    if not SCORES:
        return
    write = terminalreporter.write_line
    write("")
    write("Interviewer evaluations")
    width = max(len(s[0]) for s in SCORES)
    write(f"{'run':<{width}}  {'brain':<12} {'score':>7}  misses")
    for brain in sorted({s[1] for s in SCORES}):
        rows = [s for s in SCORES if s[1] == brain]
        for run, _, passed, total, failed in rows:
            write(f"{run:<{width}}  {brain:<12} {passed:>3}/{total:<3}  {failed}")
        passed, total = sum(r[2] for r in rows), sum(r[3] for r in rows)
        runs_ok = sum(r[2] == r[3] for r in rows)
        write(f"{'total':<{width}}  {brain:<12} {passed:>3}/{total:<3}  {runs_ok}/{len(rows)} runs without a miss")
