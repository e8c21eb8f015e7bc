// Answers by question: the project's guide questions (rows) × its respondents (columns), with coverage per question.
// Each answer opens its first turn in the record; the files to export come straight from the API.
import { api } from "./api.js";
import { t } from "./i18n.js";
import { el, setState, showError } from "./ui.js";

const main = document.getElementById("main");
const root = document.getElementById("answers");
const table = document.getElementById("answers-grid");
const MARKS = { recorded: "", from_turns: " *", not_aligned: " †" };

function head(respondent) {
  return el(
    "th",
    { scope: "col", title: t(`answers.alignment_${respondent.alignment}`), "data-alignment": respondent.alignment },
    el("a", { href: `/records/${respondent.record_id}` }, respondent.label + MARKS[respondent.alignment]),
    el("small", { class: "muted" }, respondent.email),
  );
}

function cell(answer) {
  if (answer.outcome === null) {
    return el("td", { class: "answer-cell muted", "data-label": answer.respondent }, t("answers.no_cell"));
  }
  const body = [
    el("span", { class: `badge badge-${answer.outcome}` }, t(`outcome.${answer.outcome}`)),
    answer.text ? el("p", { class: "answer-text" }, answer.text) : null,
  ];
  const seq = answer.answer_seqs[0] ?? answer.asked_seqs[0];
  const content = seq
    ? el(
        "a",
        {
          href: `/records/${answer.record_id}#turn-${seq}`,
          title: t("answers.open_turns", { respondent: answer.respondent }),
        },
        body,
      )
    : body;
  return el("td", { class: "answer-cell", "data-label": answer.respondent, "data-outcome": answer.outcome }, content);
}

function row(question) {
  const coverage = t("answers.coverage", { answered: question.coverage.answered, total: question.coverage.of });
  return el(
    "tr",
    { "data-index": question.index },
    el("th", { scope: "row" }, `${question.index}. ${question.question}`),
    el("td", { class: "coverage", "data-label": t("answers.col_coverage") }, coverage),
    question.answers.map(cell),
  );
}

function note(id, key, count) {
  const node = document.getElementById(id);
  node.textContent = count ? t(key, { count }) : "";
  node.hidden = !count;
}

async function load() {
  try {
    const grid = await api("GET", `/api/projects/${main.dataset.projectId}/answers`);
    const headRow = table.tHead.rows[0];
    headRow.replaceChildren(...[...headRow.cells].slice(0, 2), ...grid.respondents.map(head));
    table.tBodies[0].replaceChildren(...grid.questions.map(row));
    const count = (alignment) => grid.respondents.filter((r) => r.alignment === alignment).length;
    note("answers-from-turns", "answers.alignment_note_from_turns", count("from_turns"));
    note("answers-not-aligned", "answers.alignment_note_not_aligned", count("not_aligned"));
    table.hidden = grid.questions.length === 0;
    setState(root, "answers-empty", grid.respondents.length === 0);
    setState(root, "answers-no-questions", grid.respondents.length > 0 && grid.questions.length === 0);
  } catch (error) {
    showError(root, error);
  } finally {
    setState(root, "answers-loading", false);
  }
}

load();
