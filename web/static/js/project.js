// A project: its research context, the AI Interviewer's links in three tabs, the create modal, and its records.
import { api } from "./api.js";
import { formatNumber, t } from "./i18n.js";
import { badge, copyText, el, formatDuration, LANGUAGES, setState, showError, toast, when, wireDialogCloseButtons } from "./ui.js";

const main = document.getElementById("main");
const projectId = main.dataset.projectId;
const TABS = ["active", "completed", "archived"];
const EMPTY_TEXT = {
  active: t("links.empty_active"),
  completed: t("links.empty_completed"),
  archived: t("links.empty_archived"),
};

let currentTab = "active";
let saved = {
  research_goals: document.getElementById("research-goals").value,
  interview_guide: document.getElementById("interview-guide").value,
};

// ---- research context -------------------------------------------------------------------------------------------

const contextForm = document.getElementById("context-form");
const contextStatus = document.getElementById("context-status");
const createButton = document.getElementById("create-links");
const createHint = document.getElementById("create-links-hint");
const testButton = document.getElementById("test-interview");

function contextReady() {
  return Boolean(saved.research_goals.trim() && saved.interview_guide.trim());
}

function refreshCreateButton() {
  const ready = contextReady();
  createButton.disabled = !ready;
  testButton.disabled = !ready;
  createHint.hidden = ready;
}

function contextDirty() {
  return (
    contextForm.elements.research_goals.value !== saved.research_goals ||
    contextForm.elements.interview_guide.value !== saved.interview_guide
  );
}

contextForm.addEventListener("input", () => {
  contextStatus.textContent = contextDirty() ? t("project.unsaved") : "";
});

contextForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  showError(contextForm, null);
  const body = {
    research_goals: contextForm.elements.research_goals.value,
    interview_guide: contextForm.elements.interview_guide.value,
  };
  try {
    const project = await api("PUT", `/api/projects/${projectId}/context`, body);
    saved = { research_goals: project.research_goals, interview_guide: project.interview_guide };
    contextStatus.textContent = t("project.saved");
    refreshCreateButton();
  } catch (error) {
    showError(contextForm, error);
  }
});

window.addEventListener("beforeunload", (event) => {
  if (contextDirty()) event.preventDefault();
});

// ---- test interview -----------------------------------------------------------------------------------------------

// The tab is opened on the click itself (a tab opened after an await is taken for a pop-up and blocked), then sent
// to the test link once the server has made it.
testButton.addEventListener("click", async () => {
  const tab = window.open("", "_blank");
  testButton.disabled = true;
  try {
    const link = await api("POST", `/api/projects/${projectId}/links/test`);
    if (tab) {
      tab.opener = null;
      tab.location.href = link.url;
      toast(t("project.test_interview_opened"));
    } else {
      toast(t("project.test_interview_blocked", { url: link.url }));
    }
    refreshAll();
  } catch (error) {
    if (tab) tab.close();
    toast(error.detail);
  } finally {
    refreshCreateButton();
  }
});

// ---- links ------------------------------------------------------------------------------------------------------

const tabButtons = [...document.querySelectorAll('[role="tab"]')];
const panel = document.getElementById("links-panel");
const linksTable = document.getElementById("links-table");

function selectTab(tab, focus = false) {
  currentTab = tab;
  for (const button of tabButtons) {
    const selected = button.dataset.tab === tab;
    button.setAttribute("aria-selected", String(selected));
    button.tabIndex = selected ? 0 : -1;
    if (selected) {
      panel.setAttribute("aria-labelledby", button.id);
      if (focus) button.focus();
    }
  }
  loadLinks();
}

for (const button of tabButtons) {
  button.addEventListener("click", () => selectTab(button.dataset.tab));
  button.addEventListener("keydown", (event) => {
    const index = TABS.indexOf(button.dataset.tab);
    const moves = { ArrowRight: 1, ArrowLeft: -1, Home: -index, End: TABS.length - 1 - index };
    if (!(event.key in moves)) return;
    event.preventDefault();
    selectTab(TABS[(index + moves[event.key] + TABS.length) % TABS.length], true);
  });
}

function linkLabel(link) {
  return link.name || t("links.unnamed", { id: link.id.slice(0, 8) });
}

function actionButton(label, onClick, extra = {}) {
  return el("button", { type: "button", class: "btn btn-small", onclick: onClick, ...extra }, label);
}

function rowActions(link) {
  const label = linkLabel(link);
  const actions = [
    actionButton(t("links.copy"), async () => {
      toast((await copyText(link.url)) ? t("links.copied", { name: label }) : t("links.copy_failed"));
    }, { "aria-label": t("links.copy_label", { name: label }) }),
    el("a", { class: "btn btn-small", href: link.url, target: "_blank", rel: "noopener noreferrer", "aria-label": t("links.open_label", { name: label }) }, t("links.open")),
  ];
  if (link.status === "pending") {
    actions.push(
      actionButton(t("links.rename"), () => openRename(link), { "aria-label": t("links.rename_label", { name: label }) }),
      actionButton(t("links.edit_context"), () => openLinkContext(link), { "aria-label": t("links.edit_context_label", { name: label }) }),
      actionButton(t("links.cancel"), () => openCancel(link), { class: "btn btn-small btn-danger-ghost", "aria-label": t("links.cancel_label", { name: label }) }),
    );
  }
  if (link.record_id) {
    actions.push(el("a", { class: "btn btn-small", href: `/records/${link.record_id}` }, t("links.view_record")));
  }
  return el("div", { class: "row-actions" }, actions);
}

// The completed tab shows how each interview went; the others, where each link stands.
const COLUMNS = {
  completed: [
    [t("links.col_completed"), (link) => when(link.completed_at)],
    [t("links.col_duration"), (link) => formatDuration(link.started_at && link.completed_at ? (new Date(link.completed_at) - new Date(link.started_at)) / 1000 : null)],
    [t("links.col_tokens"), (link) => formatNumber(link.charged_tokens)],
  ],
  other: [
    [t("links.col_created"), (link) => when(link.created_at)],
    [t("links.col_expires"), (link) => when(link.expires_at)],
    [t("links.col_started"), (link) => when(link.started_at)],
  ],
};
const columnsOf = (tab) => COLUMNS[tab] || COLUMNS.other;

function setColumnHeads(tab) {
  columnsOf(tab).forEach(([label], i) => {
    linksTable.querySelector(`th[data-col="${i + 3}"]`).textContent = label;
  });
}

function batchRow(batchId, links) {
  const urls = links.map((link) => link.url);
  return el(
    "tr",
    { class: "batch-row", dataset: { batchId } },
    el(
      "td",
      { colspan: "6" },
      el("span", { class: "muted small" }, t("links.batch", { count: links.length })),
      " ",
      actionButton(t("links.copy_batch"), async () => {
        toast((await copyText(urls.join("\n"))) ? t("links.batch_copied", { count: urls.length }) : t("links.copy_failed"));
      }),
      " ",
      el("a", { class: "btn btn-small", href: `/api/batches/${batchId}/links.csv`, download: `links-${batchId}.csv` }, t("links.download_csv")),
    ),
  );
}

// Rows in order, with a heading row above each batch of several links: copy them all, or download them as CSV.
function linkRows(links, tab) {
  const batches = new Map();
  for (const link of links) {
    if (link.batch_id) batches.set(link.batch_id, [...(batches.get(link.batch_id) || []), link]);
  }
  const rows = [];
  const headed = new Set();
  for (const link of links) {
    const batch = link.batch_id && batches.get(link.batch_id);
    if (batch && batch.length > 1 && !headed.has(link.batch_id)) {
      headed.add(link.batch_id);
      rows.push(batchRow(link.batch_id, batch));
    }
    rows.push(linkRow(link, tab));
  }
  return rows;
}

function testBadge() {
  return el("span", { class: "badge badge-test", title: t("records.test_label") }, t("records.test"));
}

function linkRow(link, tab) {
  const details = [t("time.minutes_short", { minutes: link.duration_minutes }), LANGUAGES[link.language] || link.language, link.voice];
  if (link.respondent_email) details.push(link.respondent_email);
  return el(
    "tr",
    { dataset: { linkId: link.id, status: link.status } },
    el("td", {}, el("div", { class: "link-name" }, linkLabel(link), link.is_test ? [" ", testBadge()] : null), el("div", { class: "muted small" }, details.join(" · "))),
    el("td", {}, badge(link.status)),
    ...columnsOf(tab).map(([label, value]) => el("td", { "data-label": label }, value(link))),
    el("td", {}, rowActions(link)),
  );
}

async function loadCounts() {
  await Promise.all(
    TABS.map(async (tab) => {
      const links = await api("GET", `/api/projects/${projectId}/links?tab=${tab}`);
      document.querySelector(`[data-count="${tab}"]`).textContent = links.length ? String(links.length) : "";
    }),
  );
}

let loadSeq = 0;
async function loadLinks() {
  const seq = ++loadSeq;
  const tab = currentTab;
  setState(panel, "loading", true);
  try {
    const links = await api("GET", `/api/projects/${projectId}/links?tab=${tab}`);
    if (seq !== loadSeq) return;
    setColumnHeads(tab);
    linksTable.tBodies[0].replaceChildren(...linkRows(links, tab));
    linksTable.hidden = links.length === 0;
    const empty = panel.querySelector('[data-state="empty"]');
    empty.textContent = EMPTY_TEXT[tab];
    empty.hidden = links.length !== 0;
    document.querySelector(`[data-count="${tab}"]`).textContent = links.length ? String(links.length) : "";
  } catch (error) {
    toast(error.detail);
  } finally {
    if (seq === loadSeq) setState(panel, "loading", false);
  }
}

function refreshAll() {
  loadLinks();
  loadCounts().catch(() => {});
  loadRecords();
}

// ---- row dialogs ------------------------------------------------------------------------------------------------

function topicsFrom(text) {
  return text.split("\n").map((t) => t.trim()).filter(Boolean);
}

function dialogSubmit(dialog, action) {
  const form = dialog.querySelector("form");
  wireDialogCloseButtons(dialog);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showError(form, null);
    try {
      await action(form);
      dialog.close("done");
      refreshAll();
    } catch (error) {
      showError(form, error);
    }
  });
  return form;
}

const renameDialog = document.getElementById("rename-dialog");
let editing = null;
const renameForm = dialogSubmit(renameDialog, async (form) => {
  await api("PATCH", `/api/links/${editing.id}`, { name: form.elements.name.value.trim() });
  toast(t("links.renamed"));
});

function openRename(link) {
  editing = link;
  showError(renameForm, null);
  renameForm.elements.name.value = link.name || "";
  renameDialog.showModal();
  renameForm.elements.name.select();
}

const linkContextDialog = document.getElementById("link-context-dialog");
const linkContextForm = dialogSubmit(linkContextDialog, async (form) => {
  const topics = topicsFrom(form.elements.topics.value);
  if (topics.length > 10) throw new Error(t("links.too_many_topics"));
  const goals = form.elements.research_goals.value;
  const guide = form.elements.interview_guide.value;
  await api("PATCH", `/api/links/${editing.id}`, {
    research_goals: goals.trim() ? goals : null,
    interview_guide: guide.trim() ? guide : null,
    topics,
  });
  toast(t("links.context_saved"));
});

function openLinkContext(link) {
  editing = link;
  showError(linkContextForm, null);
  linkContextForm.elements.research_goals.value = link.research_goals ?? saved.research_goals;
  linkContextForm.elements.interview_guide.value = link.interview_guide ?? saved.interview_guide;
  linkContextForm.elements.topics.value = (link.topics || []).join("\n");
  linkContextDialog.showModal();
}

const cancelDialog = document.getElementById("cancel-dialog");
const cancelForm = dialogSubmit(cancelDialog, async () => {
  await api("POST", `/api/links/${editing.id}/cancel`);
  toast(t("links.cancelled"));
});

function openCancel(link) {
  editing = link;
  showError(cancelForm, null);
  cancelDialog.querySelector("[data-link-name]").textContent = linkLabel(link);
  cancelDialog.showModal();
}

// ---- create links -----------------------------------------------------------------------------------------------

const createDialog = document.getElementById("create-dialog");
const createForm = document.getElementById("create-form");
const buyPanel = document.getElementById("buy-tokens");
const buyButton = document.getElementById("buy-tokens-button");
const submitButton = document.getElementById("create-submit");
let wallet = null;
wireDialogCloseButtons(createDialog);

function intField(name) {
  const value = Number(createForm.elements[name].value);
  return Number.isInteger(value) ? value : NaN;
}

function showBuyTokens(required, available, open = true) {
  document.getElementById("buy-tokens-numbers").textContent = t("create.need_tokens", { count: required, available });
  const ask = document.getElementById("buy-tokens-ask");  // no purchase page configured: whom to ask, in words
  if (ask) ask.textContent = t("create.buy_ask_operator", { email: ask.dataset.email, missing: formatNumber(required - available) });
  buyPanel.hidden = !open;
  buyButton.hidden = false;
  submitButton.hidden = true;
}

function updateReservation() {
  const count = intField("count");
  const minutes = intField("duration_minutes");
  buyPanel.hidden = true;
  buyButton.hidden = true;
  submitButton.hidden = false;
  const total = document.getElementById("reservation-total");
  const formula = document.getElementById("reservation-formula");
  const after = document.getElementById("reservation-after");
  document.getElementById("reservation-available").textContent = wallet ? t("create.tokens", { count: wallet.available }) : "–";
  if (!wallet || !(count >= 1) || !(minutes >= 1)) {
    total.textContent = "–";
    formula.textContent = "";
    after.textContent = "–";
    return;
  }
  const required = count * minutes * wallet.tokens_per_minute;
  total.textContent = t("create.tokens", { count: required });
  formula.textContent = t("create.formula", { links: count, minutes, rate: t("create.rate", { count: wallet.tokens_per_minute }) });
  after.textContent = t("create.tokens", { count: wallet.available - required });
  after.classList.toggle("negative", wallet.available < required);
  if (wallet.available < required) showBuyTokens(required, wallet.available, false);
}

createButton.addEventListener("click", async () => {
  showError(createForm, null);
  createDialog.showModal();
  createForm.elements.count.focus();
  wallet = null;
  updateReservation();
  try {
    wallet = await api("GET", "/api/wallet");
  } catch (error) {
    showError(createForm, error);
  }
  updateReservation();
});

createForm.addEventListener("input", updateReservation);

// With BUY_TOKENS_URL the button is a link to the operator's purchase page (a new tab); the panel says what next.
buyButton.addEventListener("click", () => {
  buyPanel.hidden = false;
  if (buyButton.tagName !== "A") buyPanel.focus();
});

createForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  showError(createForm, null);
  for (const input of createForm.querySelectorAll("input")) {
    if (!input.checkValidity()) {
      showError(createForm, { detail: t("common.field_problem", { label: input.closest("label").querySelector("span").textContent, problem: input.validationMessage }) });
      input.focus();
      return;
    }
  }
  const topics = topicsFrom(createForm.elements.topics.value);
  if (topics.length > 10) {
    showError(createForm, { detail: t("links.too_many_topics") });
    return;
  }
  const body = {
    count: intField("count"),
    duration_minutes: intField("duration_minutes"),
    expires_in_days: intField("expires_in_days"),
    voice: createForm.elements.voice.value,
    language: createForm.elements.language.value,
    topics,
  };
  const name = createForm.elements.name.value.trim();
  if (name) body.name = name;
  submitButton.disabled = true;
  try {
    const created = await api("POST", `/api/projects/${projectId}/links`, body);
    const balance = await api("GET", "/api/wallet").catch(() => null);
    createDialog.close("done");
    const done = {
      created: t("create.created", { count: created.links.length }),
      reserved: t("create.reserved", { count: created.reserved_tokens }),
    };
    toast(balance ? t("create.done_with_balance", { ...done, balance: balance.available }) : t("create.done", done));
    const warning = document.getElementById("links-warning");
    warning.textContent = (created.warnings || []).map((w) => w.detail).join(" ");
    warning.hidden = !warning.textContent;
    selectTab("active");
    loadCounts().catch(() => {});
  } catch (error) {
    if (error.code === "insufficient_tokens") showBuyTokens(error.body.required, error.body.available);
    else if (error.code === "context_missing") {
      showError(createForm, error);
      saved = { research_goals: "", interview_guide: "" };
    } else showError(createForm, error);
  } finally {
    submitButton.disabled = false;
  }
});

// ---- records ----------------------------------------------------------------------------------------------------

const recordsTable = document.getElementById("records-table");
const filtersForm = document.getElementById("records-filters");
const FILTERS = ["link", "language", "from", "to", "email"];

function recordsQuery() {
  const query = new URLSearchParams();
  for (const name of FILTERS) {
    const value = filtersForm.elements[name].value.trim();
    if (value) query.set(name, value);
  }
  return query.toString();
}

// The link filter offers every link that has a record, from the unfiltered list.
function fillLinkFilter(records) {
  const select = filtersForm.elements.link;
  const chosen = select.value;
  const links = new Map(records.map((r) => [r.link_id, r.link_name || t("links.unnamed", { id: r.link_id.slice(0, 8) })]));
  select.replaceChildren(select.options[0], ...[...links].map(([id, name]) => el("option", { value: id }, name)));
  select.value = links.has(chosen) ? chosen : "";
}

let recordsSeq = 0;
async function loadRecords() {
  const root = recordsTable.closest(".card");
  const seq = ++recordsSeq;
  const query = recordsQuery();
  showError(filtersForm, null);
  try {
    const records = await api("GET", `/api/projects/${projectId}/records${query ? `?${query}` : ""}`);
    if (seq !== recordsSeq) return;
    if (!query) fillLinkFilter(records);
    recordsTable.tBodies[0].replaceChildren(
      ...records.map((record) =>
        el(
          "tr",
          {},
          el("td", {}, el("a", { href: `/records/${record.id}` }, record.respondent_email || t("records.respondent")), record.is_test ? [" ", testBadge()] : null),
          el("td", { "data-label": t("records.col_link") }, record.link_name || el("span", { class: "muted" }, "—")),
          el("td", { "data-label": t("records.col_completed") }, when(record.completed_at)),
          el("td", { "data-label": t("records.col_duration") }, formatDuration(record.duration_seconds)),
          el("td", { "data-label": t("records.col_language") }, LANGUAGES[record.language] || record.language || "—"),
          el("td", { class: "num", "data-label": t("records.col_tokens") }, formatNumber(record.charged_tokens)),
        ),
      ),
    );
    recordsTable.hidden = records.length === 0;
    setState(root, "records-empty", records.length === 0 && !query);
    setState(root, "records-filtered-empty", records.length === 0 && Boolean(query));
  } catch (error) {
    if (seq === recordsSeq) showError(filtersForm, error);
  } finally {
    if (seq === recordsSeq) setState(root, "records-loading", false);
  }
}

filtersForm.addEventListener("change", () => loadRecords());
filtersForm.addEventListener("input", (event) => {
  if (event.target.name === "email") loadRecords();
});
filtersForm.addEventListener("reset", () => setTimeout(loadRecords));
filtersForm.addEventListener("submit", (event) => {
  event.preventDefault();
  loadRecords();
});

refreshCreateButton();
refreshAll();
