// One record: its facts, the transcript, and export as plain text, Markdown or JSON (built here, in the browser).
import { api } from "./api.js";
import { t } from "./i18n.js";
import { badge, download, el, formatDateTime, formatDuration, LANGUAGES, setState, showError } from "./ui.js";

const main = document.getElementById("main");
const SPEAKERS = { agent: t("record.interviewer"), respondent: t("record.respondent") };
const REASONS = {
  timer: t("record.reason_timer"),
  left: t("record.reason_left"),
  agent_end: t("record.reason_agent_end"),
  respondent: t("record.reason_respondent"),
  server: t("record.reason_server"),
  backstop: t("record.reason_backstop"),
};

function outcomeText(question) {
  return `${question.index}. ${question.question} — ${t(`outcome.${question.outcome}`)}`;
}

function offset(record, turn) {
  const seconds = Math.max(0, Math.round((new Date(turn.started_at) - new Date(record.started_at)) / 1000));
  return `${String(Math.floor(seconds / 60)).padStart(2, "0")}:${String(seconds % 60).padStart(2, "0")}`;
}

function facts(record) {
  return [
    [t("record.respondent"), record.respondent_email],
    [t("record.started"), formatDateTime(record.started_at)],
    [t("record.completed"), formatDateTime(record.completed_at)],
    [t("record.duration"), formatDuration(record.duration_seconds)],
    [t("record.language"), LANGUAGES[record.language] || record.language],
  ];
}

function asText(record) {
  const lines = [`${t("record.heading")}${record.link_name ? `: ${record.link_name}` : ""}`, ""];
  for (const [key, value] of facts(record)) lines.push(`${key}: ${value}`);
  if (record.questions?.length) {
    lines.push("", t("record.questions"), "");
    for (const question of record.questions) lines.push(outcomeText(question));
  }
  lines.push("", t("record.transcript"), "");
  for (const turn of record.transcript) lines.push(`[${offset(record, turn)}] ${SPEAKERS[turn.speaker] || turn.speaker}: ${turn.text}`);
  return lines.join("\n") + "\n";
}

function asMarkdown(record) {
  const lines = [`# ${t("record.heading")}${record.link_name ? `: ${record.link_name}` : ""}`, ""];
  for (const [key, value] of facts(record)) lines.push(`- **${key}:** ${value}`);
  if (record.questions?.length) {
    lines.push("", `## ${t("record.questions")}`, "");
    for (const question of record.questions) lines.push(`- ${outcomeText(question)}`);
  }
  lines.push("", `## ${t("record.transcript")}`, "");
  for (const turn of record.transcript) {
    lines.push(`**${SPEAKERS[turn.speaker] || turn.speaker}** (${offset(record, turn)}): ${turn.text}`, "");
  }
  return lines.join("\n");
}

async function load() {
  try {
    const record = await api("GET", `/api/records/${main.dataset.recordId}`);
    document.getElementById("record-title").textContent = t("record.heading_with", { email: record.respondent_email });
    document.title = `${record.respondent_email} · ${t("app.name")}`;
    document.getElementById("test-record").hidden = !record.is_test;
    const crumb = document.getElementById("project-crumb");
    crumb.href = `/projects/${record.project_id}`;
    crumb.textContent = t("record.project");
    crumb.hidden = false;
    api("GET", `/api/projects/${record.project_id}`).then(
      (project) => {
        crumb.textContent = project.name;
      },
      () => {},
    );
    const values = {
      respondent: record.respondent_email,
      started: formatDateTime(record.started_at),
      duration: formatDuration(record.duration_seconds),
      language: LANGUAGES[record.language] || record.language,
      reason: REASONS[record.completion_reason] || record.completion_reason || "—",
    };
    for (const [key, value] of Object.entries(values)) main.querySelector(`[data-fact="${key}"]`).textContent = value;
    const note = document.getElementById("end-note");
    note.textContent = record.end_note || "";
    note.hidden = !record.end_note;
    showQuestions(record.questions || []);
    document.getElementById("transcript").replaceChildren(
      ...record.transcript.map((turn) =>
        el(
          "li",
          { class: `turn turn-${turn.speaker}`, id: `turn-${turn.seq}` },
          el("div", { class: "turn-meta" }, el("span", { class: "speaker" }, SPEAKERS[turn.speaker] || turn.speaker), " ",
            el("time", { datetime: turn.started_at, class: "muted" }, offset(record, turn))),
          el("p", {}, turn.text),
        ),
      ),
    );
    setState(main, "empty", record.transcript.length === 0);
    if (location.hash) document.getElementById(location.hash.slice(1))?.scrollIntoView();
    showReports(record.id);
    const stem = `interview-${record.started_at.slice(0, 10)}-${record.id.slice(0, 8)}`;
    const exports = {
      txt: () => download(`${stem}.txt`, asText(record), "text/plain;charset=utf-8"),
      md: () => download(`${stem}.md`, asMarkdown(record), "text/markdown;charset=utf-8"),
      json: () => download(`${stem}.json`, JSON.stringify(record, null, 2) + "\n", "application/json"),
    };
    for (const button of main.querySelectorAll("[data-export]")) {
      button.disabled = false;
      button.addEventListener("click", exports[button.dataset.export]);
    }
  } catch (error) {
    showError(main, error.status === 404 ? { detail: t("record.not_found") } : error);
  } finally {
    setState(main, "loading", false);
  }
}

load();

// Where each guide question ended up, with links to the turns that asked and answered it.
function showQuestions(questions) {
  const turnLinks = (label, seqs) =>
    seqs.length
      ? [label, ...seqs.flatMap((seq, i) => [i ? ", " : " ", el("a", { href: `#turn-${seq}` }, String(seq))])]
      : [];
  document.getElementById("guide-questions").replaceChildren(
    ...questions.map((q) =>
      el(
        "li",
        { "data-outcome": q.outcome },
        el("span", {}, `${q.index}. ${q.question}`),
        el("span", { class: `badge badge-${q.outcome}` }, t(`outcome.${q.outcome}`)),
        el(
          "span",
          { class: "turn-links muted" },
          ...turnLinks(t("record.asked_in_turns", { count: q.asked_seqs.length }), q.asked_seqs),
          q.asked_seqs.length && q.answer_seqs.length ? "; " : "",
          ...turnLinks(t("record.answered_in_turns", { count: q.answer_seqs.length }), q.answer_seqs),
        ),
      ),
    ),
  );
  const counted = {};
  for (const q of questions) counted[q.outcome] = (counted[q.outcome] || 0) + 1;
  const summary = main.querySelector('[data-state="questions-summary"]');
  summary.textContent = Object.entries(counted)
    .map(([outcome, n]) => t(`outcome.count_${outcome}`, { count: n }))
    .join(" · ");
  setState(main, "questions-summary", questions.length > 0);
  setState(main, "questions-empty", questions.length === 0);
}

// Reports of this record: listed, and one more generated on request (it opens when it is ready).
async function showReports(recordId) {
  const list = document.getElementById("reports-list");
  const reports = await api("GET", `/api/records/${recordId}/reports`);
  list.replaceChildren(
    ...reports.map((r) =>
      el("li", {}, el("a", { href: `/reports/${r.id}` }, t("record.report_of", { date: formatDateTime(r.created_at) })), " ", badge(r.status)),
    ),
  );
  setState(main, "reports-empty", reports.length === 0);
}

document.getElementById("generate-report").addEventListener("click", async (event) => {
  event.target.disabled = true;
  try {
    const report = await api("POST", `/api/records/${main.dataset.recordId}/reports`);
    location.href = `/reports/${report.id}`;
  } catch (error) {
    event.target.disabled = false;
    showError(main, error);
  }
});
