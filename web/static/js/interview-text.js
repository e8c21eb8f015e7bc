// The respondent's room speaks its link's language, or the browser's for an "auto" link. Its words are the `room.*`
// entries of the catalogues every page uses (web/static/i18n/<language>.json); both languages are loaded up front.
import { load, translate } from "./i18n.js";

await Promise.all([load("en"), load("ru")]);

export function pickLanguage(linkLanguage, browserLanguages = navigator.languages || [navigator.language]) {
  if (linkLanguage === "ru" || linkLanguage === "en") return linkLanguage;
  const first = (browserLanguages[0] || "en").toLowerCase();
  return first.startsWith("ru") ? "ru" : "en";
}

export function translator(language) {
  const lang = language === "ru" ? "ru" : "en";
  return (key, vars = {}) => translate(lang, `room.${key}`, vars);
}
