"""A report as Markdown, for export; the HTML page renders the same content from `web/templates/report.html`.

Headings and the lines around the content are in the researcher's language, from the pages' catalogue.
"""

from __future__ import annotations

from typing import Any

from control_plane.i18n import DEFAULT_LANGUAGE, translate
from control_plane.reports.schemas import ReportOut


def _quote(q: dict[str, Any], record_id: str | None, lang: str) -> str:
    if q.get("record"):
        where = translate(lang, "report.quote_where_record", record=q.get("record", record_id), seq=str(q["seq"]))
    else:
        where = translate(lang, "report.quote_turn", seq=str(q["seq"]))
    why = f" — {q['why']}" if q.get("why") else ""
    return f"> “{q['text']}”  \n> ({where}){why}"


def to_markdown(report: ReportOut, project_name: str, lang: str = DEFAULT_LANGUAGE) -> str:
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
        c.get("summary", ""),
    ]
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
            out += [_quote(q, str(report.record_id) if report.record_id else None, lang), ""]
    if c.get("coverage"):
        out += ["", f"## {t('report.guide_questions')}", ""]
        for q in c["coverage"]:
            counts = ", ".join(t(f"outcome.count_{outcome}", count=n) for outcome, n in q["outcomes"].items())
            out.append(f"- {q['index']}. {q['question']} ({counts})")
    if c.get("open_questions"):
        out += ["", f"## {t('report.open_questions')}", "", *[f"- {x}" for x in c["open_questions"]]]
    if c.get("guide_gaps"):
        out += ["", f"## {t('report.guide_gaps')}", "", *[f"- {x}" for x in c["guide_gaps"]]]
    if c.get("dropped_quotes"):
        out += ["", f"_{t('report.dropped_quotes', count=c['dropped_quotes'])}_"]
    return "\n".join(out).strip() + "\n"
