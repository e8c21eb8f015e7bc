// The researcher pages' one way to the JSON API: session cookie, X-CSRF-Token on unsafe calls, errors as ApiError.
// An error the catalogue knows by its code is told in the page's language; any other keeps the server's words.
import { has, t } from "./i18n.js";

export class ApiError extends Error {
  constructor(status, body) {
    const code = (body && body.code) || `http_${status}`;
    const detail = has(`error.${code}`) ? t(`error.${code}`, body) : (body && body.detail) || t("error.http", { status: String(status) });
    super(detail);
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.body = body || {};
  }
}

export function cookie(name) {
  for (const part of document.cookie.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return "";
}

// Where to go after signing in: a path on this site only. The browser's own URL parser decides, so whatever it
// would make of tabs, backslashes or "//host" is what is checked.
export function sameOriginPath(target, fallback = "/projects") {
  if (!target) return fallback;
  try {
    const url = new URL(target, location.origin);
    return url.origin === location.origin && target.startsWith("/") ? url.pathname + url.search + url.hash : fallback;
  } catch {
    return fallback;
  }
}

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export async function api(method, path, body, { redirectOnAuth = true } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (UNSAFE.has(method)) headers["X-CSRF-Token"] = cookie("csrf_token");
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, { code: "network" });
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    if (response.status === 401 && redirectOnAuth) {
      location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
    }
    throw new ApiError(response.status, data);
  }
  return data;
}
