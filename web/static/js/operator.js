// The operator's page: workers, rooms, interviews in progress and today's counts, refreshed every 10 s; and the
// grant-tokens form, which sends one request id per grant so that a double submit grants once.
import { api } from "./api.js";
import { formatNumber, t } from "./i18n.js";
import { el, setState, showError, when } from "./ui.js";

const main = document.getElementById("main");
const form = document.getElementById("grant-form");
let requestId = crypto.randomUUID();

function fill(tableId, rows) {
  const table = document.getElementById(tableId);
  table.tBodies[0].replaceChildren(...rows);
  table.hidden = rows.length === 0;
}

function yesNo(value, good) {
  return el("span", { class: `badge badge-${value === good ? "completed" : "expired"}` }, value ? t("operator.yes") : t("operator.no"));
}

async function load() {
  try {
    const view = await api("GET", "/api/operator/overview");
    showError(main, null);
    for (const key of ["started", "completed", "failed", "expired"]) {
      main.querySelector(`[data-today="${key}"]`).textContent = formatNumber(view.today[key]);
    }
    fill(
      "workers-table",
      view.workers.map((w) =>
        el("tr", { dataset: { worker: w.id } }, el("td", {}, el("code", {}, w.id)), el("td", { class: "num" }, formatNumber(w.interviews.length)),
          el("td", {}, t("operator.seconds_ago", { count: Math.round(w.seconds_since_heartbeat) }))),
      ),
    );
    setState(main, "no-workers", view.workers.length === 0);
    fill(
      "rooms-table",
      view.rooms.map((r) =>
        el("tr", { dataset: { room: r.name } }, el("td", {}, el("code", {}, r.name)), el("td", { class: "num" }, formatNumber(r.participants)),
          el("td", { "data-agent": String(r.has_agent) }, yesNo(r.has_agent, true)), el("td", {}, yesNo(r.has_respondent, true))),
      ),
    );
    const roomsError = main.querySelector('[data-state="rooms-error"]');
    roomsError.textContent = view.rooms_error ? t("operator.rooms_error") : "";
    roomsError.hidden = !view.rooms_error;
    setState(main, "no-rooms", !view.rooms_error && view.rooms.length === 0);
    fill(
      "interviews-table",
      view.interviews.map((i) =>
        el("tr", { dataset: { interview: i.id } }, el("td", {}, el("code", {}, i.id)), el("td", {}, when(i.started_at)), el("td", {}, when(i.ends_at)),
          el("td", {}, t(`operator.agent_${i.agent_state || "none"}`)), el("td", {}, i.worker ? el("code", {}, i.worker) : "—")),
      ),
    );
    setState(main, "no-interviews", view.interviews.length === 0);
  } catch (error) {
    showError(main, error);
  }
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!form.reportValidity()) return;
  const button = form.querySelector("button[type=submit]");
  const done = form.querySelector('[data-state="granted"]');
  button.disabled = true;
  showError(form, null);
  done.hidden = true;
  try {
    const data = new FormData(form);
    const answer = await api("POST", "/api/operator/grants", {
      email: data.get("email"),
      amount: Number(data.get("amount")),
      reason: data.get("reason"),
      request_id: requestId,
    });
    done.textContent = t(answer.granted_now ? "operator.granted" : "operator.granted_before", {
      amount: answer.amount,
      email: answer.email,
      available: answer.available,
    });
    done.hidden = false;
    requestId = crypto.randomUUID();
    form.reset();
  } catch (error) {
    showError(form, error);
  } finally {
    button.disabled = false;
  }
});

main.querySelector('[data-action="refresh"]').addEventListener("click", load);
load();
setInterval(load, 10_000);
