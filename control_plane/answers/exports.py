"""The grid as files a researcher opens in a spreadsheet: CSV (the answers) and XLSX (answers, outcomes and who the
respondents are), with headings in the researcher's language.

Whatever a respondent said is data, never a formula: a CSV cell that a spreadsheet would read as one (it starts with
`=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading apostrophe, and XLSX cells are written as strings.
"""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from control_plane.answers.schemas import Answer, AnswerGrid
from control_plane.i18n import translate

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defused(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def _answer_cell(answer: Answer, lang: str) -> str:
    if answer.text:
        return answer.text
    if answer.outcome is None:
        return f"({translate(lang, 'answers.no_cell')})"
    return f"({translate(lang, f'outcome.{answer.outcome}')})"


def _header(grid: AnswerGrid, lang: str) -> list[str]:
    return [
        "#",
        translate(lang, "answers.col_question"),
        translate(lang, "answers.col_coverage"),
        *(f"{r.label} {r.email}".strip() for r in grid.respondents),
    ]


def _coverage(row, lang: str) -> str:
    return translate(lang, "answers.coverage", answered=row.coverage.answered, total=row.coverage.of)


def answers_table(grid: AnswerGrid, lang: str) -> list[list[str]]:
    return [_header(grid, lang)] + [
        [str(row.index), row.question, _coverage(row, lang), *(_answer_cell(a, lang) for a in row.answers)]
        for row in grid.questions
    ]


def to_csv(grid: AnswerGrid, lang: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for line in answers_table(grid, lang):
        writer.writerow([defused(cell) for cell in line])
    # With a byte order mark, spreadsheets read the file as UTF-8 (Cyrillic answers stay readable).
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _sheet(book: Workbook, title: str, table: list[list[str]], widths: dict[int, int], freeze: str = "A2") -> None:
    sheet = book.create_sheet(title[:31])
    for r, line in enumerate(table, start=1):
        for c, value in enumerate(line, start=1):
            cell = sheet.cell(row=r, column=c, value=value)
            cell.data_type = "s"  # text as written, even when it starts with "="
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if r == 1:
                cell.font = Font(bold=True)
    for c in range(1, len(table[0]) + 1):
        sheet.column_dimensions[sheet.cell(row=1, column=c).column_letter].width = widths.get(c, 40)
    sheet.freeze_panes = freeze


def to_xlsx(grid: AnswerGrid, lang: str, base_url: str) -> bytes:
    book = Workbook()
    book.remove(book.active)
    widths = {1: 5, 2: 45, 3: 16}
    _sheet(book, translate(lang, "answers.sheet_answers"), answers_table(grid, lang), widths, "D2")
    outcomes = [_header(grid, lang)] + [
        [
            str(row.index),
            row.question,
            _coverage(row, lang),
            *(translate(lang, f"outcome.{a.outcome}") if a.outcome else "" for a in row.answers),
        ]
        for row in grid.questions
    ]
    _sheet(
        book, translate(lang, "answers.sheet_outcomes"), outcomes, {**widths, **{c: 20 for c in range(4, 400)}}, "D2"
    )
    people = [
        [
            translate(lang, "answers.col_respondent"),
            translate(lang, "answers.col_email"),
            translate(lang, "answers.col_link"),
            translate(lang, "answers.col_completed"),
            translate(lang, "answers.col_alignment"),
            translate(lang, "answers.col_record"),
        ]
    ] + [
        [
            r.label,
            r.email,
            r.link_name,
            r.completed_at.strftime("%Y-%m-%d %H:%M UTC"),
            translate(lang, f"answers.alignment_{r.alignment}"),
            f"{base_url}/records/{r.record_id}",
        ]
        for r in grid.respondents
    ]
    _sheet(book, translate(lang, "answers.sheet_respondents"), people, {1: 8, 2: 30, 3: 24, 4: 20, 5: 28, 6: 70})
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
