// The header's language switch: the choice goes into a cookie the server reads, and the page is rendered again in it.
const COOKIE_DAYS = 365;

for (const select of document.querySelectorAll("[data-language-switch]")) {
  select.addEventListener("change", () => {
    document.cookie = `lang=${select.value}; path=/; max-age=${COOKIE_DAYS * 86400}; samesite=lax`;
    location.reload();
  });
}
