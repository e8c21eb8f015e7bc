// The projects list and the new-project form.
import { api } from "./api.js";
import { t } from "./i18n.js";
import { el, formatDateTime, setState, showError } from "./ui.js";

const list = document.getElementById("project-list");
const form = document.getElementById("new-project-form");
const card = form.closest(".card");

function ready(project) {
  return project.research_goals.trim() && project.interview_guide.trim();
}

async function load() {
  const root = list.closest(".card");
  try {
    const projects = await api("GET", "/api/projects");
    list.replaceChildren(
      ...projects.map((project) =>
        el(
          "li",
          {},
          el(
            "a",
            { href: `/projects/${project.id}`, class: "project-item" },
            el("span", { class: "project-name" }, project.name),
            el(
              "span",
              { class: "muted small" },
              t("projects.item_meta", {
                context: ready(project) ? t("projects.context_ready") : t("projects.context_missing"),
                date: formatDateTime(project.created_at),
              }),
            ),
          ),
        ),
      ),
    );
    setState(root, "empty", projects.length === 0);
  } catch (error) {
    showError(card, error);
  } finally {
    setState(root, "loading", false);
  }
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  showError(card, null);
  const name = form.elements.name.value.trim();
  if (!name) {
    showError(card, { detail: t("projects.name_needed") });
    form.elements.name.focus();
    return;
  }
  try {
    const project = await api("POST", "/api/projects", { name });
    location.assign(`/projects/${project.id}`);
  } catch (error) {
    showError(card, error);
  }
});

load();
