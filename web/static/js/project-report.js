// "Project report": a report across all the project's records; it opens when it is ready.
import { api } from "./api.js";
import { showError } from "./ui.js";

const button = document.getElementById("project-report");
button.addEventListener("click", async () => {
  button.disabled = true;
  try {
    const report = await api("POST", `/api/projects/${button.dataset.projectId}/reports`);
    location.href = `/reports/${report.id}`;
  } catch (error) {
    button.disabled = false;
    showError(document.querySelector("main"), error);
  }
});
