// The signed-in header's Sign out button.
import { api } from "./api.js";

for (const button of document.querySelectorAll('[data-action="sign-out"]')) {
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await api("POST", "/api/auth/logout", undefined, { redirectOnAuth: false });
    } catch {
      // Signed out already or the session has expired: the login page is the right place either way.
    }
    location.assign("/login");
  });
}
