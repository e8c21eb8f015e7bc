// The wallet: balances and the ledger.
import { api } from "./api.js";
import { formatNumber, t } from "./i18n.js";
import { el, setState, showError, when } from "./ui.js";

const main = document.getElementById("main");
const table = document.getElementById("ledger-table");
const SIGN = { grant: "+", release: "+", reserve: "−", charge: "" };
const KIND_TEXT = {
  grant: t("wallet.kind_grant"),
  reserve: t("wallet.kind_reserve"),
  charge: t("wallet.kind_charge"),
  release: t("wallet.kind_release"),
};

async function load() {
  try {
    const [balance, ledger] = await Promise.all([api("GET", "/api/wallet"), api("GET", "/api/wallet/ledger")]);
    for (const key of ["available", "reserved", "spent", "granted"]) {
      main.querySelector(`[data-balance="${key}"]`).textContent = formatNumber(balance[key]);
    }
    main.querySelector('[data-balance="rate"]').textContent = t("wallet.rate", { count: balance.tokens_per_minute });
    table.tBodies[0].replaceChildren(
      ...ledger.map((entry) =>
        el(
          "tr",
          {},
          el("td", {}, when(entry.created_at)),
          el("td", {}, el("span", { class: `badge badge-${entry.kind}` }, KIND_TEXT[entry.kind] || entry.kind)),
          el("td", { class: "num" }, `${SIGN[entry.kind] ?? ""}${formatNumber(Math.abs(entry.amount))}`),
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
