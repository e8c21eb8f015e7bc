"""A report as Markdown, for export; the HTML page renders the same content from `web/templates/report.html`."""

from __future__ import annotations

from typing import Any


def _quote(q: dict[str, Any], record_id: str | None) -> str:
    where = f"record {q.get('record', record_id)}, turn {q['seq']}" if q.get("record") else f"turn {q['seq']}"
    why = f" — {q['why']}" if q.get("why") else ""
    return f"> “{q['text']}”  \n> ({where}){why}"


def to_markdown(report: dict[str, Any], project_name: str) -> str:
    c = report["content"] or {}
    title = "Project report" if report["kind"] == "project" else "Interview report"
    out = [
        f"# {title}: {project_name}",
        "",
        f"_Model: {report['model']}, prompt {report['prompt_version']}, {len(report['record_ids'])} record(s)._",
        "",
        "## Summary",
        "",
        c.get("summary", ""),
    ]
    if c.get("themes"):
        out += ["", "## Themes", ""]
        for t in c["themes"]:
            out.append(
                f"- **{t['theme']}** ({t['respondents']} respondent(s)) {t.get('description', '')}".rstrip()
                if isinstance(t, dict)
                else f"- {t}"
            )
    if c.get("findings"):
        out += ["", "## Findings by research goal", ""]
        for f in c["findings"]:
            out += [f"### {f.get('goal', '')}", "", f.get("finding", ""), ""]
    if c.get("contrasts"):
        out += ["", "## Contrasting views", "", *[f"- {x}" for x in c["contrasts"]]]
    if c.get("quotes"):
        out += ["", "## Quotes", ""]
        for q in c["quotes"]:
            out += [_quote(q, report["record_id"]), ""]
    if c.get("coverage"):
        out += ["", "## Guide questions", ""]
        for q in c["coverage"]:
            counts = ", ".join(f"{n} {outcome.replace('_', ' ')}" for outcome, n in q["outcomes"].items())
            out.append(f"- {q['index']}. {q['question']} ({counts})")
    if c.get("open_questions"):
        out += ["", "## Open questions", "", *[f"- {x}" for x in c["open_questions"]]]
    if c.get("guide_gaps"):
        out += ["", "## What the guide did not cover", "", *[f"- {x}" for x in c["guide_gaps"]]]
    if c.get("dropped_quotes"):
        out += [
            "",
            f"_{c['dropped_quotes']} quote(s) were left out: they were not found word for word in the "
            "turn they cited._",
        ]
    return "\n".join(out).strip() + "\n"
