// The report page: follow a report's progress until it is written, and print it.
import { t } from "./i18n.js";

const progress = document.getElementById("report-progress");
if (progress) {
  const id = progress.dataset.reportId;
  const poll = async () => {
    const r = await fetch(`/api/reports/${id}`, { credentials: "same-origin" });
    const report = await r.json();
    if (report.status === "done" || report.status === "failed") location.reload();
    else {
      progress.querySelector("progress").value = report.progress;
      progress.querySelector("[role=status]").textContent = t("report.writing", { progress: report.progress });
      setTimeout(poll, 1000);
    }
  };
  setTimeout(poll, 1000);
}

for (const button of document.querySelectorAll('[data-action="print"]')) {
  button.addEventListener("click", () => window.print());
}
