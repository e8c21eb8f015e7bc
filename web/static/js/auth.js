// Sign in, sign up and sign out forms.
import { api, sameOriginPath } from "./api.js";
import { t } from "./i18n.js";
import { copyText, showError, toast } from "./ui.js";

function values(form) {
  return Object.fromEntries(new FormData(form).entries());
}

function check(form) {
  for (const input of form.querySelectorAll("input[required]")) {
    if (!input.checkValidity()) {
      input.focus();
      const label = input.closest("label")?.querySelector("span")?.textContent || t("auth.this_field");
      const problem = (text) => t("common.field_problem", { label, problem: text });
      if (input.validity.valueMissing) return problem(t("auth.fill_in"));
      if (input.validity.typeMismatch) return problem(t("auth.valid_email"));
      if (input.validity.tooShort) return problem(t("auth.too_short", { count: input.minLength }));
      return problem(input.validationMessage);
    }
  }
  return null;
}

async function submit(form, action) {
  showError(form, null);
  const problem = check(form);
  if (problem) {
    showError(form, { detail: problem });
    return;
  }
  const button = form.querySelector('button[type="submit"]');
  button.disabled = true;
  try {
    await action(values(form));
  } catch (error) {
    showError(form, error);
    button.disabled = false;
  }
}

const login = document.getElementById("login-form");
login?.addEventListener("submit", (event) => {
  event.preventDefault();
  submit(login, async (data) => {
    await api("POST", "/api/auth/login", { email: data.email, password: data.password }, { redirectOnAuth: false }).catch((error) => {
      if (error.code === "unauthorized") error.detail = t("auth.wrong_credentials");
      throw error;
    });
    location.assign(sameOriginPath(login.dataset.next));
  });
});

const signup = document.getElementById("signup-form");
signup?.addEventListener("submit", (event) => {
  event.preventDefault();
  submit(signup, async (data) => {
    const account = await api("POST", "/api/auth/signup", { email: data.email, password: data.password }, { redirectOnAuth: false });
    signup.hidden = true;
    document.getElementById("signin-hint").hidden = true;
    document.getElementById("api-key").textContent = account.api_key;
    document.getElementById("api-key-panel").hidden = false;
    document.getElementById("continue-link").focus();
  });
});

for (const button of document.querySelectorAll("[data-copy-target]")) {
  button.addEventListener("click", async () => {
    const text = document.getElementById(button.dataset.copyTarget).textContent;
    toast((await copyText(text)) ? t("common.copied") : t("common.copy_failed"));
  });
}

const logout = document.getElementById("logout-form");
logout?.addEventListener("submit", (event) => {
  event.preventDefault();
  submit(logout, async () => {
    await api("POST", "/api/auth/logout", undefined, { redirectOnAuth: false });
    location.assign("/login");
  });
});
