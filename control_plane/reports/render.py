"""A report as Markdown, for export; the HTML page renders the same content from `web/templates/report.html`.

Headings and the lines around the content are in the researcher's language, from the pages' catalogue.
"""

from __future__ import annotations

from typing import Any

from control_plane.i18n import DEFAULT_LANGUAGE, translate
from control_plane.reports.schemas import ReportOut

OUTCOME = "outcome.{}"  # the catalogue's word for a question's outcome


def _said_by(q: dict[str, Any], base_url: str, lang: str) -> str:
    if q.get("respondent"):
        where = translate(lang, "report.quote_by", respondent=q["respondent"], seq=str(q["seq"]))
        where += f" ({q['email']})" if q.get("email") else ""
    else:
        where = translate(lang, "report.quote_turn", seq=str(q["seq"]))
    return f"[{where}]({base_url}/records/{q['record']}#turn-{q['seq']})" if q.get("record") else where


def _quote(q: dict[str, Any], base_url: str, lang: str) -> str:
    why = f" — {q['why']}" if q.get("why") else ""
    return f"> “{q['text']}”  \n> — {_said_by(q, base_url, lang)}{why}"


def to_markdown(report: ReportOut, project_name: str, lang: str = DEFAULT_LANGUAGE, base_url: str = "") -> str:
    def t(key: str, **values: Any) -> str:
        return translate(lang, key, **values)

    c = report.content or {}
    title = t("report.title_project" if report.kind == "project" else "report.title_single")
    records = t("report.records", count=len(report.record_ids))
    out = [
        f"# {title}: {project_name}",
        "",
        f"_{t('report.markdown_meta', model=report.model, prompt=report.prompt_version, records=records)}_",
        "",
        f"## {t('report.summary')}",
        "",
    ]
    if c.get("overview"):
        o = c["overview"]
        out += [
            t(
                "report.overview",
                count=o["interviews"],
                questions=o["questions"],
                answered=o["answered"],
                possible=o["possible"],
            ),
            "",
        ]
    if c.get("summary"):
        out += [c["summary"], ""]
    if not c.get("themes") and not c.get("findings"):
        out += [f"_{t('report.from_answers_only')}_", ""]
    if c.get("themes"):
        out += ["", f"## {t('report.themes')}", ""]
        for theme in c["themes"]:
            out.append(
                f"- **{theme['theme']}** ({t('report.respondents', count=theme['respondents'])}) "
                f"{theme.get('description', '')}".rstrip()
                if isinstance(theme, dict)
                else f"- {theme}"
            )
    if c.get("findings"):
        out += ["", f"## {t('report.findings')}", ""]
        for f in c["findings"]:
            out += [f"### {f.get('goal', '')}", "", f.get("finding", ""), ""]
    if c.get("contrasts"):
        out += ["", f"## {t('report.contrasts')}", "", *[f"- {x}" for x in c["contrasts"]]]
    if c.get("quotes"):
        out += ["", f"## {t('report.quotes')}", ""]
        for q in c["quotes"]:
            out += [_quote(q, base_url, lang), ""]
    if c.get("questions"):
        out += ["", f"## {t('report.by_question')}", ""]
        for q in c["questions"]:
            counts = ", ".join(t(f"outcome.count_{outcome}", count=n) for outcome, n in q["outcomes"].items())
            coverage = t("answers.coverage", answered=q["coverage"]["answered"], total=q["coverage"]["of"])
            out += [f"### {q['index']}. {q['question']}", "", f"_{coverage} · {counts}_", ""]
            for quote in q.get("quotes") or []:
                out += [_quote(quote, base_url, lang), ""]
            for a in q.get("answers") or []:
                said = a["text"] or f"_{t(OUTCOME.format(a['outcome']))}_"
                out.append(f"- **{a['respondent']}**: {said}")
            out.append("")
    out += ["", f"## {t('report.open_questions')}", ""]
    if c.get("open_questions"):
        for x in c["open_questions"]:
            out.append(f"- “{x['text']}” — {_said_by(x, base_url, lang)}" if isinstance(x, dict) else f"- {x}")
    else:
        out.append(f"_{t('report.open_questions_none')}_")
    if c.get("guide_gaps"):
        out += ["", f"## {t('report.guide_gaps')}", ""]
        for x in c["guide_gaps"]:
            if isinstance(x, dict):
                x = t(
                    "report.gap", index=str(x["index"]), question=x["question"], answered=x["answered"], total=x["of"]
                )
            out.append(f"- {x}")
    if c.get("dropped_quotes"):
        out += ["", f"_{t('report.dropped_quotes', count=c['dropped_quotes'])}_"]
    return "\n".join(out).strip() + "\n"
