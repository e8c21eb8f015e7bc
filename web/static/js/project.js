// A project: its research context, the AI Interviewer's links in three tabs, the create modal, and its records.
import { api } from "./api.js";
import { badge, copyText, el, formatDuration, LANGUAGES, setState, showError, toast, when, wireDialogCloseButtons } from "./ui.js";

const main = document.getElementById("main");
const projectId = main.dataset.projectId;
const TABS = ["active", "completed", "archived"];
const EMPTY_TEXT = {
  active: "No active links. Create links to invite respondents.",
  completed: "No completed interviews yet.",
  archived: "No cancelled or expired links.",
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

function contextReady() {
  return Boolean(saved.research_goals.trim() && saved.interview_guide.trim());
}

function refreshCreateButton() {
  const ready = contextReady();
  createButton.disabled = !ready;
  createHint.hidden = ready;
}

function contextDirty() {
  return (
    contextForm.elements.research_goals.value !== saved.research_goals ||
    contextForm.elements.interview_guide.value !== saved.interview_guide
  );
}

contextForm.addEventListener("input", () => {
  contextStatus.textContent = contextDirty() ? "Unsaved changes" : "";
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
    contextStatus.textContent = "Saved";
    refreshCreateButton();
  } catch (error) {
    showError(contextForm, error);
  }
});

window.addEventListener("beforeunload", (event) => {
  if (contextDirty()) event.preventDefault();
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
  return link.name || `Link ${link.id.slice(0, 8)}`;
}

function actionButton(label, onClick, extra = {}) {
  return el("button", { type: "button", class: "btn btn-small", onclick: onClick, ...extra }, label);
}

function rowActions(link) {
  const label = linkLabel(link);
  const actions = [
    actionButton("Copy link", async () => {
      toast((await copyText(link.url)) ? `Copied the link for ${label}.` : "Could not copy; open the link and copy its address.");
    }, { "aria-label": `Copy link: ${label}` }),
    el("a", { class: "btn btn-small", href: link.url, target: "_blank", rel: "noopener noreferrer", "aria-label": `Open link: ${label}` }, "Open link"),
  ];
  if (link.status === "pending") {
    actions.push(
      actionButton("Rename", () => openRename(link), { "aria-label": `Rename: ${label}` }),
      actionButton("Edit context", () => openLinkContext(link), { "aria-label": `Edit context: ${label}` }),
      actionButton("Cancel", () => openCancel(link), { class: "btn btn-small btn-danger-ghost", "aria-label": `Cancel: ${label}` }),
    );
  }
  if (link.record_id) {
    actions.push(el("a", { class: "btn btn-small", href: `/records/${link.record_id}` }, "View record"));
  }
  return el("div", { class: "row-actions" }, actions);
}

function linkRow(link) {
  const details = [`${link.duration_minutes} min`, LANGUAGES[link.language] || link.language, link.voice];
  if (link.respondent_email) details.push(link.respondent_email);
  return el(
    "tr",
    { dataset: { linkId: link.id, status: link.status } },
    el("td", {}, el("div", { class: "link-name" }, linkLabel(link)), el("div", { class: "muted small" }, details.join(" · "))),
    el("td", {}, badge(link.status)),
    el("td", { "data-label": "Created" }, when(link.created_at)),
    el("td", { "data-label": "Expires" }, when(link.expires_at)),
    el("td", { "data-label": "Started" }, when(link.started_at)),
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
    linksTable.tBodies[0].replaceChildren(...links.map(linkRow));
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
  toast("Link renamed.");
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
  if (topics.length > 10) throw new Error("Use at most 10 topics.");
  const goals = form.elements.research_goals.value;
  const guide = form.elements.interview_guide.value;
  await api("PATCH", `/api/links/${editing.id}`, {
    research_goals: goals.trim() ? goals : null,
    interview_guide: guide.trim() ? guide : null,
    topics,
  });
  toast("Link context saved.");
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
  toast("Link cancelled; its tokens are back in your balance.");
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
  document.getElementById("buy-tokens-numbers").textContent =
    `These links need ${required} tokens; your balance has ${available} available.`;
  document.getElementById("grant-command").textContent =
    `python -m control_plane grant-tokens ${document.querySelector(".account-email")?.textContent || "EMAIL"} ${required - available}`;
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
  document.getElementById("reservation-available").textContent = wallet ? `${wallet.available} tokens` : "–";
  if (!wallet || !(count >= 1) || !(minutes >= 1)) {
    total.textContent = "–";
    formula.textContent = "";
    after.textContent = "–";
    return;
  }
  const required = count * minutes * wallet.tokens_per_minute;
  total.textContent = `${required} tokens`;
  formula.textContent = `(${count} × ${minutes} min × ${wallet.tokens_per_minute} token${wallet.tokens_per_minute === 1 ? "" : "s"}/min)`;
  after.textContent = `${wallet.available - required} tokens`;
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

buyButton.addEventListener("click", () => {
  buyPanel.hidden = false;
  buyPanel.focus();
});

createForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  showError(createForm, null);
  for (const input of createForm.querySelectorAll("input")) {
    if (!input.checkValidity()) {
      showError(createForm, { detail: `${input.closest("label").querySelector("span").textContent}: ${input.validationMessage}` });
      input.focus();
      return;
    }
  }
  const topics = topicsFrom(createForm.elements.topics.value);
  if (topics.length > 10) {
    showError(createForm, { detail: "Use at most 10 topics." });
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
    toast(
      `${created.links.length} link${created.links.length === 1 ? "" : "s"} created; ${created.reserved_tokens} tokens reserved` +
        (balance ? `; balance now ${balance.available}.` : "."),
    );
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

async function loadRecords() {
  const root = recordsTable.closest(".card");
  try {
    const records = await api("GET", `/api/projects/${projectId}/records`);
    recordsTable.tBodies[0].replaceChildren(
      ...records.map((record) =>
        el(
          "tr",
          {},
          el("td", {}, el("a", { href: `/records/${record.id}` }, record.respondent_email || "Respondent")),
          el("td", { "data-label": "Link" }, record.link_name || el("span", { class: "muted" }, "—")),
          el("td", { "data-label": "Completed" }, when(record.completed_at)),
          el("td", { "data-label": "Duration" }, formatDuration(record.duration_seconds)),
          el("td", { "data-label": "Language" }, LANGUAGES[record.language] || record.language || "—"),
        ),
      ),
    );
    recordsTable.hidden = records.length === 0;
    setState(root, "records-empty", records.length === 0);
  } catch (error) {
    toast(error.detail);
  } finally {
    setState(root, "records-loading", false);
  }
}

refreshCreateButton();
refreshAll();
