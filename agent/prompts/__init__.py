"""Authored language, kept in Markdown beside this file and loaded once.

`prompt(name)` answers a file's text; `cue(name)` answers the instruction for one moment of the interview (greeting,
resume, time warning, closing, check-in), whose first line names it, so that the offline conductor can recognise
the moment while a real model reads the words. `phrases()` answers the conductor's lines by key and language.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
CUE_RE = re.compile(r"\(cue: ([a-z_]+)\)")


@cache
def prompt(name: str) -> str:
    return (HERE / f"{name}.md").read_text(encoding="utf-8").strip()


def cue(name: str) -> str:
    text = prompt(f"cue_{name}")
    assert CUE_RE.search(text.splitlines()[0]), f"cue_{name}.md must name its cue on the first line"
    return text


def cue_name(text: str) -> str | None:
    match = CUE_RE.search(text or "")
    return match.group(1) if match else None


@cache
def phrases() -> dict[str, dict[str, list[str]]]:
    """`## key` sections of conductor.md, each with `en:` and `ru:` lines (several lines are variants)."""
    table: dict[str, dict[str, list[str]]] = {}
    key = None
    for line in prompt("conductor").splitlines():
        if line.startswith("## "):
            key = line[3:].strip()
            table[key] = {}
        elif key and re.match(r"^(en|ru): ", line):
            lang, text = line.split(": ", 1)
            table[key].setdefault(lang, []).append(text.strip())
    return table


def render(template: str, **values: object) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(values.get(m.group(1), m.group(0))), template)
