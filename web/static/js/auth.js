// Sign in, sign up and sign out forms.
import { api, sameOriginPath } from "./api.js";
import { copyText, showError, toast } from "./ui.js";

function values(form) {
  return Object.fromEntries(new FormData(form).entries());
}

function check(form) {
  for (const input of form.querySelectorAll("input[required]")) {
    if (!input.checkValidity()) {
      input.focus();
      const label = input.closest("label")?.querySelector("span")?.textContent || "This field";
      if (input.validity.valueMissing) return `${label}: please fill this in.`;
      if (input.validity.typeMismatch) return `${label}: enter a valid email address, like name@example.com.`;
      if (input.validity.tooShort) return `${label}: use at least ${input.minLength} characters.`;
      return `${label}: ${input.validationMessage}`;
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
    await api("POST", "/api/auth/login", { email: data.email, password: data.password }, { redirectOnAuth: false });
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
    toast((await copyText(text)) ? "Copied." : "Could not copy; select the text and copy it by hand.");
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
