// A project's webhooks: add an HTTPS endpoint (its signing secret is shown once), remove one, and the delivery log.
import { api } from "./api.js";
import { formatNumber, t } from "./i18n.js";
import { badge, copyText, el, formatDateTime, setState, showError, toast, when } from "./ui.js";

const projectId = document.getElementById("main").dataset.projectId;
const root = document.getElementById("webhooks");
const form = document.getElementById("webhook-form");
const endpointsTable = document.getElementById("webhooks-table");
const deliveriesTable = document.getElementById("deliveries-table");
const secretBox = document.getElementById("webhook-secret");

async function loadEndpoints() {
  const endpoints = await api("GET", `/api/projects/${projectId}/webhooks`);
  endpointsTable.tBodies[0].replaceChildren(
    ...endpoints.map((endpoint) =>
      el(
        "tr",
        { dataset: { endpointId: endpoint.id } },
        el("td", {}, el("code", {}, endpoint.url)),
        el("td", { "data-label": t("webhooks.col_added") }, when(endpoint.created_at)),
        el(
          "td",
          {},
          el("button", {
            type: "button",
            class: "btn btn-small btn-danger-ghost",
            "aria-label": t("webhooks.remove_label", { url: endpoint.url }),
            onclick: () => remove(endpoint),
          }, t("webhooks.remove")),
        ),
      ),
    ),
  );
  endpointsTable.hidden = endpoints.length === 0;
  setState(root, "webhooks-empty", endpoints.length === 0);
}

function response(delivery) {
  const answer = delivery.last_status_code === null ? (delivery.attempts ? t("webhooks.no_response") : "—") : String(delivery.last_status_code);
  return delivery.status === "pending" && delivery.attempts && delivery.next_attempt_at
    ? `${answer} · ${t("webhooks.next_attempt", { when: formatDateTime(delivery.next_attempt_at) })}`
    : answer;
}

async function loadDeliveries() {
  const deliveries = await api("GET", `/api/projects/${projectId}/webhook-deliveries`);
  deliveriesTable.tBodies[0].replaceChildren(
    ...deliveries.map((delivery) =>
      el(
        "tr",
        { dataset: { deliveryId: delivery.id, status: delivery.status } },
        el("td", {}, when(delivery.created_at)),
        el("td", { "data-label": t("webhooks.col_event") }, el("code", {}, delivery.event)),
        el("td", { "data-label": t("webhooks.col_url") }, delivery.url),
        el("td", { "data-label": t("webhooks.col_status") }, badge(delivery.status)),
        el("td", { class: "num", "data-label": t("webhooks.col_attempts") }, formatNumber(delivery.attempts)),
        el("td", { "data-label": t("webhooks.col_response"), title: delivery.last_error || "" }, response(delivery)),
      ),
    ),
  );
  deliveriesTable.hidden = deliveries.length === 0;
  setState(root, "deliveries-empty", deliveries.length === 0);
  // While something is on its way, the log follows it.
  clearTimeout(followTimer);
  if (deliveries.some((delivery) => delivery.status === "pending")) followTimer = setTimeout(follow, 2000);
}

let followTimer;
function follow() {
  loadDeliveries().catch(() => {});
}

async function remove(endpoint) {
  try {
    await api("DELETE", `/api/webhooks/${endpoint.id}`);
    toast(t("webhooks.removed"));
    await Promise.all([loadEndpoints(), loadDeliveries()]);
  } catch (error) {
    toast(error.detail);
  }
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  showError(form, null);
  try {
    const created = await api("POST", `/api/projects/${projectId}/webhooks`, { url: form.elements.url.value.trim() });
    document.getElementById("webhook-secret-text").textContent = t("webhooks.secret_once", { url: created.url });
    document.getElementById("webhook-secret-value").textContent = created.secret;
    secretBox.hidden = false;
    form.reset();
    await loadEndpoints();
  } catch (error) {
    showError(form, error);
  }
});

document.getElementById("webhook-secret-copy").addEventListener("click", async () => {
  const secret = document.getElementById("webhook-secret-value").textContent;
  toast((await copyText(secret)) ? t("webhooks.secret_copied") : t("common.copy_failed"));
});

document.getElementById("deliveries-refresh").addEventListener("click", () => loadDeliveries().catch((error) => toast(error.detail)));

Promise.all([loadEndpoints(), loadDeliveries()]).catch((error) => toast(error.detail));
