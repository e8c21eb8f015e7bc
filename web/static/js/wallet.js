// The wallet: balances and the ledger.
import { api } from "./api.js";
import { el, setState, showError, when } from "./ui.js";

const main = document.getElementById("main");
const table = document.getElementById("ledger-table");
const SIGN = { grant: "+", release: "+", reserve: "−", charge: "" };
const KIND_TEXT = { grant: "Granted", reserve: "Reserved", charge: "Charged", release: "Released" };

async function load() {
  try {
    const [balance, ledger] = await Promise.all([api("GET", "/api/wallet"), api("GET", "/api/wallet/ledger")]);
    for (const key of ["available", "reserved", "spent", "granted"]) {
      main.querySelector(`[data-balance="${key}"]`).textContent = balance[key].toLocaleString();
    }
    main.querySelector('[data-balance="rate"]').textContent = `${balance.tokens_per_minute} token${balance.tokens_per_minute === 1 ? "" : "s"} per interview minute`;
    table.tBodies[0].replaceChildren(
      ...ledger.map((entry) =>
        el(
          "tr",
          {},
          el("td", {}, when(entry.created_at)),
          el("td", {}, el("span", { class: `badge badge-${entry.kind}` }, KIND_TEXT[entry.kind] || entry.kind)),
          el("td", { class: "num" }, `${SIGN[entry.kind] ?? ""}${Math.abs(entry.amount).toLocaleString()}`),
          el("td", {}, entry.detail || el("span", { class: "muted" }, "—")),
        ),
      ),
    );
    table.hidden = ledger.length === 0;
    setState(main, "empty", ledger.length === 0);
  } catch (error) {
    showError(main, error);
  } finally {
    setState(main, "loading", false);
  }
}

load();
