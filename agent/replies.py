"""What a respondent's reply is, read before the offline interviewer moves on.

`classify(text, question=…, context=…, said=…)` answers one of: a real `answer`, a `vague` one, `off_topic`, a request
to `repeat`, a request to `clarify`, a `question_back` to the interviewer, a `refusal`, a wish to `end` the interview,
or a request to `hurry` — in English or Russian, whatever the reply's length.

Two sources of knowledge, both authored and kept as data beside the prompts:

- the lexicon (`prompts/replies.md`): phrasings that mark each kind, as readable patterns;
- the examples (`prompts/replies_examples_*.yaml`): some 2,400 replies, each labelled with its kind and the question
  it answers, in many registers (formal and blunt, short and long, typed or heard by speech-to-text with no
  punctuation), with the hard cases (an answer that mentions leaving or time, a story with "I don't know" in it).

A naive Bayes model (`Model`) is learned from the examples once per process, when the classifier is first used or
at the worker's prewarm (a fraction of a second; no weights are stored anywhere). It reads each reply as a set of
features (`read`), so that a phrasing the lexicon lacks is still understood from its words and their beginnings
(`отключусь` and `отключаюсь` share `отклю`):

- its words, its pairs of words (with its first and last word marked) and the first five letters of its longer words;
- which kinds of the lexicon match it (requests only where requests are made: see below);
- its shape: whether it ends with a question, is nothing but questions, speaks to "you", and its length;
- how much it says: its content words, once the lexicon's vague phrases and requests are set aside;
- how it relates to the conversation: the content words it shares with the question and with what the interviewer
  last said, and with the research goals, the guide and the topics. A reply that says a lot and shares nothing with
  any of them is how a digression looks, with or without "by the way";
- how many of its content words no example holds: names and specifics, which make an answer of a short reply.

Each kind's score is the sum of its features' log-likelihoods, and "answer" gets a small head start, since most
replies are answers. `Model.why` lists the features behind a decision.

What it cannot do: it has no knowledge of meaning beyond its examples, so a digression on a subject none of them
touches, in words that share nothing with the question, can pass for an answer; and a bare name ("Toyota.", «Авито.»)
is read as vague, which costs one probe.

The rules around the model:

- a request the lexicon does not list is acted on only when the model is clearly surer of it than of an answer (a
  wish to end surer still, and said in three words or more), since taking an answer for a request costs more;

- requests are read in the whole of a short reply, but only in the first sentence and the last two of a long one, so
  that a story that mentions "I had to go" is still an answer;
- a reply taken for a question back that also answers (six content words or more outside its questions) is an answer
  that asks back;
- "please" («пожалуйста») and rhetorical tags ("you know what I mean") change no reply's kind;
- an answer that also asks to keep it short is an answer with `hurry` set, and one that also asks the interviewer
  something has `asks_back` set.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
import yaml

from agent.guide import detect_language
from agent.prompts import HERE as PROMPTS
from agent.prompts import prompt

KINDS = ("answer", "vague", "off_topic", "repeat", "clarify", "question_back", "refusal", "end", "hurry")
REQUESTS = ("end", "refusal", "repeat", "clarify", "hurry", "question_back")
LONG_REPLY_WORDS = 30
EXAMPLES = "replies_examples_*.yaml"
# Laplace smoothing of the model's counts: small, since most features are seen only a few times.
SMOOTHING = 0.3
PREFIX = 5
# Most replies are answers: when the evidence is nearly even, the model leans to one (a log-odds of 2).
ANSWER_PRIOR = 2.0
# A request the lexicon does not know is acted on only when the model is that much surer of it than of any answer,
# vague reply or digression: taking an answer for a request costs more than the reverse. A wish to end, which closes
# the interview, must also be said in a sentence of three words or more ("My kids." is an answer, whatever the
# examples of goodbyes mention).
REQUEST_MARGIN = {"end": 3.0}
DEFAULT_MARGIN = 1.0
END_MIN_WORDS = 3

_STOPWORDS = set(
    """a an the and or but so if then than that this these those there here it its it's i me my mine we us our ours
    you your yours he him his she her they them their what which who whom whose when where why how is are was were be
    been being am do does did done have has had having will would shall should can could may might must not no nor
    of in on at to for from by with about as into over after before up down out off again also just only very too
    really quite rather well like yeah yes um uh erm hmm oh ah okay ok right sure actually basically honestly
    literally maybe some any all each every much many more most less few lot lots thing things something anything
    everything nothing way kind sort bit get got go going gonna wanna say said know think guess suppose mean
    im ive id ill dont doesnt didnt isnt wasnt arent werent cant couldnt wont wouldnt shouldnt thats theres whats
    lets one ones also still even though because since while whether both either neither own same other such
    и или но а да нет не ни что чтобы как так так же это этот эта эти тот та те то там тут здесь вот ну же ли бы
    я меня мне мной мой моя моё мое мои мы нас нам нами наш наша наше наши вы вас вам вами ваш ваша ваше ваши
    он его ему им она её ее ей они их ими оно в во на с со к ко по о об от до из за у для при про через над под
    без между был была было были быть есть будет будут буду может могу можно нужно надо очень просто вообще
    ещё еще уже тоже также даже вроде типа как-то какой какая какие какое когда где куда почему зачем кто чем
    всё все всего всех весь вся себя себе сам сама сами свой своя свои знаете знаю думаю наверное честно говоря
    ладно хорошо ага угу хм эм ээ мм""".split()
)


@dataclass(frozen=True)
class Reply:
    kind: str
    language: str
    content_words: int = 0
    hurry: bool = False  # the respondent asked, in passing, to keep it short
    asks_back: bool = False  # an answer that also asks the interviewer something


def normalise(text: str) -> str:
    text = text.lower().replace("ё", "е")
    text = re.sub(r"(?<=\w)['’`](?=\w)", "", text)
    return " ".join(re.findall(r"\w+", text))


def sentences(text: str) -> list[str]:
    parts = [p.strip() for p in re.split(r"(?<=[.!?…])\s+|\n+", text.strip()) if p.strip()]
    return parts or [text]


# The lexicon's pattern syntax (see prompts/replies.md) compiled to regular expressions. They run on the normalised
# reply padded with a space at each end, and every word of a pattern is matched with the space before it.
_TOKEN = re.compile(r"\(([^)]*)\)(\?)?|\[([^\]]*)\]|(~)|(\^)|(\$)|([^\s()\[\]~^$]+)")


def _word(word: str) -> str:
    star = word.endswith("*")
    core = re.escape(normalise(word.rstrip("*")))
    return core + (r"\w*" if star else "")


def _alternatives(body: str) -> str:
    alts = [" ".join(_word(w) for w in alt.split()) for alt in body.split("|") if alt.strip()]
    return "(?:" + "|".join(alts) + ")"


def pattern_regex(pattern: str) -> str:
    regex, start, end = "", False, False
    for group, group_opt, optional, gap, caret, dollar, word in _TOKEN.findall(pattern.strip()):
        if caret:
            start = True
        elif dollar:
            end = True
        elif gap:
            regex += r"(?: \w+){0,3}"
        elif optional:
            regex += f"(?: {_alternatives(optional)})?"
        elif group or group_opt:
            regex += f"(?: {_alternatives(group)})" + ("?" if group_opt else "")
        elif word:
            regex += f"(?: {_word(word.rstrip('?'))})" + ("?" if word.endswith("?") else "")
    return ("^" if start else "") + regex + ("(?= $)" if end else "(?= )")


def compile_pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern_regex(pattern))


@dataclass(frozen=True)
class Pattern:
    """One pattern of the lexicon, with the words one of which a reply must hold for the pattern to be tried (the
    alternatives of its first required part), so that most patterns are never run on most replies."""

    regex: re.Pattern[str]
    words: frozenset[str]
    prefixes: tuple[str, ...]


class Patterns:
    """A kind's patterns, indexed by the words that let them be tried."""

    def __init__(self, patterns: list[Pattern]) -> None:
        self.patterns = patterns
        self.by_word: dict[str, list[int]] = {}
        for i, p in enumerate(patterns):
            for w in p.words:
                self.by_word.setdefault(w, []).append(i)
        self.by_prefix: dict[str, list[int]] = {}
        for i, p in enumerate(patterns):
            for prefix in p.prefixes:
                self.by_prefix.setdefault(prefix, []).append(i)
        self.prefix_lengths = sorted({len(prefix) for prefix in self.by_prefix})
        self.always = [i for i, p in enumerate(patterns) if not p.words and not p.prefixes]

    def candidates(self, words: set[str]) -> list[Pattern]:
        found = set(self.always)
        for w in words:
            found.update(self.by_word.get(w, ()))
            for n in self.prefix_lengths:
                if len(w) >= n and (hit := self.by_prefix.get(w[:n])):
                    found.update(hit)
        return [self.patterns[i] for i in sorted(found)]


def _keys(pattern: str) -> tuple[frozenset[str], tuple[str, ...]]:
    for group, group_opt, _optional, _gap, _caret, _dollar, word in _TOKEN.findall(pattern.strip()):
        if group and not group_opt:
            alternatives = [alt.split()[0] for alt in group.split("|") if alt.strip()]
        elif word and not word.endswith("?"):
            alternatives = [word]
        else:
            continue
        exact = frozenset(normalise(a) for a in alternatives if not a.endswith("*"))
        prefixes = tuple(normalise(a.rstrip("*")) for a in alternatives if a.endswith("*"))
        if all(" " not in w and w for w in exact):
            return exact, prefixes
        break
    return frozenset(), ()


@cache
def lexicon() -> dict[str, Patterns]:
    """Each kind's patterns, English and Russian together."""
    table: dict[str, list[Pattern]] = {}
    kind = None
    for line in prompt("replies").splitlines():
        if line.startswith("## "):
            kind = line[3:].strip()
            table[kind] = []
        elif kind and re.match(r"^(en|ru): ", line):
            pattern = line.split(": ", 1)[1]
            table[kind].append(Pattern(compile_pattern(pattern), *_keys(pattern)))
    return {kind: Patterns(patterns) for kind, patterns in table.items()}


_NEGATION_BEFORE = re.compile(r"(?:^| )(?:dont|do not|doesnt|didnt|not|never|no need to|не|ни)$")
_LATER = re.compile(
    r"^ (?:in (?:a |an |the )?\w+ (?:minutes?|mins?|hours?|more)|soon|later|after|at \d|через|скоро|потом)"
)
# "Please" changes no reply's kind: "Pass, please." is "Pass."
_POLITE = re.compile(r"\b(?:please|pls|plz|пожалуйста|пжл)\b", re.I)
_RHETORICAL = re.compile(
    r"\b(?:does that make sense|if that makes sense|you know what i mean|know what i mean|понимаете|понимаешь)\b", re.I
)
_SECOND_PERSON = re.compile(r"\b(?:you|your|yourself|yours|вы|вас|вам|ваш\w*|вами|ты|тебя|тебе|твой\w*)\b", re.I)


def _hits(kind: str, text: str) -> list[str]:
    """The phrases of `text` (normalised) that the lexicon reads as `kind`. A wish to end is not one when denied
    ("I don't have to go") or put off ("I have to leave in ten minutes")."""
    padded = f" {text} "
    words = set(text.split())
    found = []
    table = lexicon().get(kind)
    for pattern in table.candidates(words) if table else ():
        for m in pattern.regex.finditer(padded):
            if kind == "end" and (
                _NEGATION_BEFORE.search(padded[: m.start()].strip()) or _LATER.match(padded[m.end() :])
            ):
                continue
            found.append(m.group(0).strip())
    return found


def _any(kind: str, parts: list[str]) -> bool:
    return any(_hits(kind, p) for p in parts)


def _stem(word: str) -> str:
    """A crude stem, enough to see that "planner" and «планирую» speak of planning: the first four letters."""
    return word[:4]


def content_words(text: str, covered: list[str] = ()) -> list[str]:
    """The words that carry content, once the given phrases (vague ones, requests) are taken out."""
    text = f" {text} "
    for phrase in covered:
        text = text.replace(f" {phrase} ", "  ")
    return [w for w in text.split() if w not in _STOPWORDS and (len(w) >= 3 or w.isdigit())]


# Reading a reply.


@lru_cache(maxsize=64)
def _stems(text: str) -> frozenset[str]:
    """The stems of a text's content words (the question, the goals and the guide are read on every turn)."""
    return frozenset(_stem(w) for w in content_words(normalise(text)))


@dataclass(frozen=True)
class _Reading:
    """A reply taken apart: what the rules and the model look at."""

    text: str  # as said, less "please" and rhetorical tags
    norm: str
    focus: list[str]  # the normalised sentences where requests count
    content: list[str]  # content words, vague phrases and requests set aside
    lexicon: frozenset[str]  # the kinds the lexicon finds (requests in the focus only)
    features: tuple[str, ...]


def _bucket(n: int, edges: tuple[int, ...]) -> str:
    return str(next((e for e in edges if n <= e), "more"))


def read(text: str, question: str = "", context: str = "", said: str = "") -> _Reading:
    text = _RHETORICAL.sub(" ", _POLITE.sub(" ", text))
    norm = normalise(text)
    parts = [p for p in (normalise(s) for s in sentences(text)) if p] or [norm]
    long = len(norm.split()) > LONG_REPLY_WORDS
    focus = [parts[0], *parts[-2:]] if long else parts
    hits = {kind: [_hits(kind, part) for part in parts] for kind in (*REQUESTS, "vague", "off_topic")}
    in_focus = {0, len(parts) - 2, len(parts) - 1} if long else set(range(len(parts)))
    found = {kind for kind in REQUESTS if any(h for i, h in enumerate(hits[kind]) if i in in_focus)}
    found |= {kind for kind in ("vague", "off_topic") if any(hits[kind])}
    covered = [phrase for kind in (*REQUESTS, "vague") for part in hits[kind] for phrase in part]
    content = content_words(norm, covered)

    # The words the model reads: those of the focus, so that a long story is judged by how it starts and ends.
    words = " ".join(focus).split() if long else norm.split()
    features = {f"w:{w}" for w in words}
    features |= {f"b:{a}_{b}" for a, b in zip(["^", *words], [*words, "$"], strict=True)}
    features |= {f"p:{w[:PREFIX]}" for w in words if len(w) > PREFIX}
    features |= {f"lex:{kind}" for kind in found}
    said_parts = sentences(text)
    questions = [s for s in said_parts if s.rstrip().endswith("?")]
    features.add(f"ends?:{said_parts[-1].rstrip().endswith('?')}")
    features.add(f"all?:{len(questions) == len(said_parts)}")
    features.add(f"you:{bool(_SECOND_PERSON.search(text))}")
    features.add(f"len:{_bucket(len(norm.split()), (1, 2, 4, 8, 15, 30))}")
    features.add(f"content:{_bucket(len(content), (0, 1, 2, 4, 8))}")
    if question or said or context:
        asked = _stems(question) | _stems(said)
        around = _stems(context)
        stems = [_stem(w) for w in content]
        shared = sum(s in asked for s in stems)
        near = sum(s in around for s in stems)
        features.add(f"shares_question:{min(shared, 2)}")
        features.add(f"shares_goals:{min(near, 2)}")
        if shared == 0 and near <= 1 and len(content) >= 4:
            features.add("far")
    return _Reading(text, norm, focus, content, frozenset(found), tuple(sorted(features)))


# The model: naive Bayes over the features, learned from the examples when first used.


@dataclass(frozen=True)
class Example:
    kind: str
    language: str
    text: str
    question: str
    goals: str


def examples_in(path: Path) -> list[Example]:
    """The labelled replies of one file: `contexts` name a question and goals per language; each kind lists, per
    language, items `context: reply`."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    contexts = data.pop("contexts")
    found = []
    for kind, by_language in data.items():
        if kind not in KINDS:
            raise ValueError(f"{path.name}: unknown kind {kind!r}")
        for language, items in by_language.items():
            for item in items:
                ((context, text),) = item.items()
                c = contexts[context][language]
                found.append(Example(kind, language, text, c["question"], c["goals"]))
    return found


def examples() -> list[Example]:
    return [e for path in sorted(PROMPTS.glob(EXAMPLES)) for e in examples_in(path)]


class Model:
    """Multinomial naive Bayes on sets of features, with equal priors: a kind's score is the sum, over a reply's
    features, of the log of how often that feature came with that kind in the examples (smoothed)."""

    def __init__(self, labelled: list[tuple[str, tuple[str, ...]]], seen: Counter) -> None:
        self.seen = seen  # in how many examples each content word appears
        counts = {kind: Counter() for kind in KINDS}
        for kind, features in labelled:
            counts[kind].update(features)
        self.names = sorted(set().union(*counts.values()))
        self.index = {f: i for i, f in enumerate(self.names)}
        table = np.full((len(self.index), len(KINDS)), SMOOTHING)
        for k, kind in enumerate(KINDS):
            for feature, n in counts[kind].items():
                table[self.index[feature], k] += n
        self.weights = np.log(table / table.sum(axis=0))

    def scores(self, features: tuple[str, ...]) -> dict[str, float]:
        rows = [i for f in features if (i := self.index.get(f)) is not None]
        return dict(zip(KINDS, self.weights[rows].sum(axis=0).tolist(), strict=True))

    def why(self, features: tuple[str, ...], kind: str, n: int = 8) -> list[tuple[str, float]]:
        """The features that most favour `kind` over the next likeliest kind: for reading a decision."""
        k = KINDS.index(kind)
        lift = {}
        for f in features:
            if (i := self.index.get(f)) is not None:
                others = np.delete(self.weights[i], k)
                lift[f] = round(float(self.weights[i, k] - others.max()), 2)
        return sorted(lift.items(), key=lambda item: -item[1])[:n]


def novelty(reading: _Reading, seen: Counter, own: bool = False) -> str:
    """How many of a reply's content words no other example holds (names, places, specifics): a feature. Read on an
    example of the model itself, its own occurrence is left out (`own`), so that it is learned as it will be met."""
    novel = sum(seen[w] <= own for w in set(reading.content))
    return f"novel:{_bucket(novel, (0, 1, 2))}"


def train(labelled: list[Example]) -> Model:
    readings = [read(e.text, e.question, e.goals) for e in labelled]
    seen = Counter(w for r in readings for w in set(r.content))
    features = [(*r.features, novelty(r, seen, own=True)) for r in readings]
    return Model([(e.kind, f) for e, f in zip(labelled, features, strict=True)], seen)


@cache
def model() -> Model:
    return train(examples())


def classify(text: str, question: str = "", context: str = "", said: str = "") -> Reply:
    """Read one reply. `question` is the guide question it answers, `said` what the interviewer last said (a probe, a
    rephrasing), `context` the goals, the guide and the topics: what an answer may speak of."""
    language = detect_language(text) if text.strip() else "en"
    reading = read(text, question, context, said)
    if not reading.norm:
        return Reply("vague", language)
    learned = model()
    scores = learned.scores((*reading.features, novelty(reading, learned.seen)))
    scores["answer"] += ANSWER_PRIOR
    kind = max(KINDS, key=scores.get)
    if kind in REQUESTS and kind not in reading.lexicon:
        best_content = max(scores[k] for k in KINDS if k not in REQUESTS)
        fragment = kind == "end" and len(reading.norm.split()) < END_MIN_WORDS
        if fragment or scores[kind] - best_content < REQUEST_MARGIN.get(kind, DEFAULT_MARGIN):
            kind = max((k for k in KINDS if k not in REQUESTS), key=scores.get)
    words = len(reading.content)
    asks_back = "question_back" in reading.lexicon or _asks_back(reading.text)
    if kind == "question_back":
        statements = [normalise(s) for s in sentences(reading.text) if not s.rstrip().endswith("?")]
        if len(content_words(" ".join(statements))) >= 6:
            kind, asks_back = "answer", True
    hurry = kind == "hurry" or "hurry" in reading.lexicon
    if kind in ("answer", "vague"):
        return Reply(kind, language, words, hurry=hurry, asks_back=kind == "answer" and asks_back)
    return Reply(kind, language, words, hurry=hurry)


def _asks_back(text: str) -> bool:
    """A question to the interviewer that the lexicon does not list: a sentence in the second person ending in '?'."""
    return any(s.rstrip().endswith("?") and _SECOND_PERSON.search(s) for s in sentences(text))
