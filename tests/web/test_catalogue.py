"""The pages' words live in one catalogue per language: the same keys in both, and no English left in the pages.

A static check, no browser: it reads the catalogues, the Jinja templates, the scripts and the report's Markdown
renderer. Text a person would read must come from the catalogue; what is left in the files is markup, selectors,
identifiers, commands and the product's name.
"""

from __future__ import annotations

import ast
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel import Locale

REPO = Path(__file__).resolve().parents[2]
WEB = REPO / "web"
CATALOGUES = {lang: json.loads((WEB / "static" / "i18n" / f"{lang}.json").read_text()) for lang in ("en", "ru")}
TEMPLATES = sorted((WEB / "templates").glob("*.html"))
SCRIPTS = sorted((WEB / "static" / "js").glob("*.js"))
PYTHON_TEXT = [REPO / "control_plane" / "reports" / "render.py", REPO / "control_plane" / "reports" / "pages.py"]

BRAND = "AI Interviewer"  # the product's name, the same in every language
WORD = re.compile(r"[A-Za-z]{2,}")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
TAG = re.compile(r"</?([a-z]+)")
SAFE_TAGS = {"a", "strong", "code", "em"}
CSS_CLASSES = set(re.findall(r"\.([a-zA-Z][\w-]*)", (WEB / "static" / "css" / "app.css").read_text()))
# Literals a script passes to the browser, never shown: key names, link relations.
NOT_SHOWN = {"Home", "End", "noopener noreferrer"}


def placeholders(entry: str | dict[str, str]) -> set[str]:
    texts = entry.values() if isinstance(entry, dict) else [entry]
    return {name for text in texts for name in PLACEHOLDER.findall(text)}


def test_both_catalogues_have_the_same_keys():
    en, ru = CATALOGUES["en"], CATALOGUES["ru"]
    assert sorted(set(en) - set(ru)) == [], "missing in ru.json"
    assert sorted(set(ru) - set(en)) == [], "missing in en.json"


def test_each_entry_has_the_same_placeholders_and_markup_in_both_languages():
    en, ru = CATALOGUES["en"], CATALOGUES["ru"]
    for key in en:
        assert placeholders(en[key]) == placeholders(ru[key]), key
        for lang in ("en", "ru"):
            entry = CATALOGUES[lang][key]
            texts = entry.values() if isinstance(entry, dict) else [entry]
            tags = {tag for text in texts for tag in TAG.findall(text)}
            assert tags <= (SAFE_TAGS if key.endswith("_html") else set()), f"{lang}: {key} has markup {tags}"
            assert all(text.strip() for text in texts), f"{lang}: {key} is empty"


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_plural_entries_have_every_form_the_language_needs(lang):
    needed = set(Locale.parse(lang).plural_form.tags) | {"other"}
    for key, entry in CATALOGUES[lang].items():
        if isinstance(entry, dict):
            assert set(entry) == needed, f"{lang}: {key} has {sorted(entry)}, {lang} needs {sorted(needed)}"


def named_keys() -> dict[str, set[str]]:
    """Keys named literally in templates, scripts and the Markdown renderer, by file."""
    found: dict[str, set[str]] = {}
    call = re.compile(r"""\b(?:t|translate\([^,()]+,)\s*\(?\s*["'`]([\w.]+)["'`]""")
    for path in [*TEMPLATES, *SCRIPTS, *PYTHON_TEXT]:
        text = path.read_text()
        keys = {key for key in call.findall(text) if not key.endswith(("_", "."))}  # not a prefix of keys
        if path.name in ("interview.js", "interview.html"):
            # The room's translator and its data-t attributes name room.* entries without the prefix.
            keys = {k if "." in k else f"room.{k}" for k in keys} | {
                f"room.{k}" for k in re.findall(r'data-t="(\w+)"', text)
            }
        found[path.name] = keys
    return found


def test_every_key_the_pages_name_is_in_the_catalogue():
    missing = {name: sorted(k for k in keys if k not in CATALOGUES["en"]) for name, keys in named_keys().items()}
    assert {name: keys for name, keys in missing.items() if keys} == {}
    assert sum(len(keys) for keys in named_keys().values()) > 200  # the check finds the calls at all


class VisibleText(HTMLParser):
    """Text a person reads in a template once Jinja's tags are gone: element text and the attributes shown."""

    SHOWN_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "label"}
    NOT_TEXT = {"code", "script", "style"}

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.inside: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ("br", "input", "meta", "link", "img", "hr"):
            self.inside.append(tag)
        self.found += [value for name, value in attrs if name in self.SHOWN_ATTRIBUTES and value]

    def handle_endtag(self, tag):
        if tag in self.inside:
            while self.inside.pop() != tag:
                pass

    def handle_data(self, data):
        if not self.NOT_TEXT & set(self.inside):
            self.found.append(data)


def template_text(path: Path) -> list[str]:
    # What a child template puts inside the base's tags (a class, data attributes) is not text.
    source = re.sub(r"\{% block (?:body_class|main_attrs) %\}.*?\{% endblock %\}", "", path.read_text())
    source = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", " ", source, flags=re.S)
    parser = VisibleText()
    parser.feed(source)
    return [text.strip() for text in parser.found if text.replace(BRAND, "").strip()]


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_no_english_is_left_in_a_template(template):
    english = [text for text in template_text(template) if WORD.search(text.replace(BRAND, ""))]
    assert english == [], f"{template.name}: move these into the catalogue"


def literals(source: str) -> list[str]:
    """The string literals of a script; a template literal's ${...} parts become {} (and are scanned as well)."""
    found: list[str] = []

    def scan(i: int, stop: str | None) -> int:
        while i < len(source):
            c = source[i]
            if stop and c == stop:
                return i + 1
            if source.startswith("//", i):
                i = source.find("\n", i)
                i = len(source) if i < 0 else i
            elif source.startswith("/*", i):
                i = source.index("*/", i) + 2
            elif c in "\"'":
                end = i + 1
                while source[end] != c:
                    end += 2 if source[end] == "\\" else 1
                found.append(source[i + 1 : end])
                i = end + 1
            elif c == "`":
                i, parts = i + 1, [""]
                while source[i] != "`":
                    if source.startswith("${", i):
                        i = scan(i + 2, "}")
                        parts.append("{}")
                    else:
                        parts[-1] += source[i : i + 2] if source[i] == "\\" else source[i]
                        i += 2 if source[i] == "\\" else 1
                found.append("".join(parts))
                i += 1
            elif c == "{" and stop:
                i = scan(i + 1, "}")
            else:
                i += 1
        return i

    scan(0, None)
    return found


def shown_english(literal: str) -> bool:
    """Whether a literal reads as English a person would see, rather than a selector, a class list or a name."""
    text = literal.replace(BRAND, "").strip()
    if not WORD.search(text) or literal in NOT_SHOWN or text.startswith("python -m "):
        return False
    words = text.replace("{}", "\0").split()
    if len(words) == 1:
        # "Saved", "Copied.", "wrong." are words; "ArrowRight", "GET", "lk.transcription", "[data-x]" and
        # "error.${code}" are not.
        return bool(re.fullmatch(r"[A-Z][a-z]+[.!?…:]?|[a-z]+[.!?…]", words[0]))
    if re.match(r"[#.\[][a-z]", text):
        return False  # a selector
    if all("=" in word for word in words):
        return False  # a cookie's or a header's attributes
    return not all(word.split("\0")[0].rstrip("-") in CSS_CLASSES for word in words)  # else a class list


def test_the_check_would_find_english():
    found = [
        x
        for x in literals('el("p", {}, `Copied ${n} links.`, "Saved", "btn btn-small", "[data-x]")')
        if shown_english(x)
    ]
    assert found == ["Copied {} links.", "Saved"]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_no_english_is_left_in_a_script(script):
    english = [text for text in literals(script.read_text()) if shown_english(text)]
    assert english == [], f"{script.name}: move these into the catalogue"


@pytest.mark.parametrize("module", PYTHON_TEXT, ids=lambda p: p.name)
def test_no_english_is_left_in_the_report_headings(module):
    tree = ast.parse(module.read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    texts = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]
    keys = set(CATALOGUES["en"])
    english = [text for text in texts if text not in keys and shown_english(text)]
    assert english == [], f"{module.name}: move these into the catalogue"
