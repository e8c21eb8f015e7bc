// Every word the pages show comes from one catalogue per language, /static/i18n/<language>.json, the same files the
// server's templates use. The page's language is the one the server rendered it in (<html lang>): the `lang` cookie
// of the header's switch, else the browser's. See web/README.md for how to add a string.

export const LANGUAGES = ["en", "ru"];
export const language = LANGUAGES.includes(document.documentElement.lang) ? document.documentElement.lang : "en";
// Dates and numbers follow the browser's own variant of that language when it has one (en-GB: 25 Nov 2025).
const browserLocales = navigator.languages || [navigator.language];
const locale = browserLocales.find((tag) => tag && tag.toLowerCase().split("-")[0] === language) || language;

const catalogues = new Map();

export function catalogue(lang) {
  if (!catalogues.has(lang)) {
    catalogues.set(
      lang,
      fetch(`/static/i18n/${lang}.json`, { credentials: "same-origin" })
        .then((answer) => (answer.ok ? answer.json() : {}))
        .catch(() => ({})),
    );
  }
  return catalogues.get(lang);
}

const loaded = { [language]: await catalogue(language) };
if (language !== "en") loaded.en = await catalogue("en");

// Load another language for `translate` (the room loads both, since its link may speak either).
export async function load(lang) {
  loaded[lang] = await catalogue(lang);
}

const numbers = new Map();
function formatIn(lang, value) {
  const tag = lang === language ? locale : lang;
  if (!numbers.has(tag)) numbers.set(tag, new Intl.NumberFormat(tag));
  return numbers.get(tag).format(value);
}

// An entry is a string with {name} placeholders, or a plural entry keyed by Intl.PluralRules category, chosen by
// `count` (or else the first number among the values). Numbers are written the locale's way.
export function translate(lang, key, values = {}) {
  let entry = loaded[lang]?.[key] ?? loaded.en?.[key] ?? key;
  if (typeof entry === "object") {
    const count = "count" in values ? values.count : Object.values(values).find((v) => typeof v === "number") ?? 0;
    entry = entry[new Intl.PluralRules(lang).select(Math.abs(count))] ?? entry.other;
  }
  return entry.replace(/\{(\w+)\}/g, (_, name) => {
    const value = values[name];
    return typeof value === "number" ? formatIn(lang, value) : String(value ?? "");
  });
}

export function t(key, values = {}) {
  return translate(language, key, values);
}

export function has(key) {
  return key in loaded[language];
}

export function formatNumber(value) {
  return formatIn(language, value);
}

export const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" });
export const fullDateTime = new Intl.DateTimeFormat(locale, { dateStyle: "full", timeStyle: "long" });
