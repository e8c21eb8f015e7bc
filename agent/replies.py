"""What a respondent's reply is, read before the offline interviewer moves on.

`classify(text, question=…, context=…)` answers one of: a real `answer`, a `vague` one, `off_topic`, a request to
`repeat`, a request to `clarify`, a `question_back` to the interviewer, a `refusal`, a wish to `end` the interview,
or a request to `hurry` — in English or Russian, whatever the reply's length. The phrasings live in
`prompts/replies.md`; this module only reads them. The rules beyond the lexicon:

- requests (end, refusal, repeat, clarify, question back, haste) are read in the whole of a short reply, but only in
  the first sentence and the last two of a long one, so that a story that mentions them is still an answer;
- a reply made only of questions (none of them a request) asks back; one that also answers (six content words or
  more outside its questions) is an answer;
- a digression marker ("by the way", «кстати») makes a reply off topic only when it shares no word with the question
  and at most one with the research goals, the guide and the topics;
- a reply is vague when, once its vague phrases and filler words are set aside, it says (almost) nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from agent.guide import detect_language
from agent.prompts import prompt

KINDS = ("answer", "vague", "off_topic", "repeat", "clarify", "question_back", "refusal", "end", "hurry")
REQUESTS = ("end", "refusal", "repeat", "clarify", "hurry", "question_back")
LONG_REPLY_WORDS = 30

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


def compile_pattern(pattern: str) -> re.Pattern[str]:
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
    return re.compile(("^" if start else "") + regex + ("(?= $)" if end else "(?= )"))


@cache
def lexicon() -> dict[str, dict[str, list[re.Pattern[str]]]]:
    table: dict[str, dict[str, list[re.Pattern[str]]]] = {}
    kind = None
    for line in prompt("replies").splitlines():
        if line.startswith("## "):
            kind = line[3:].strip()
            table[kind] = {"en": [], "ru": []}
        elif kind and re.match(r"^(en|ru): ", line):
            lang, pattern = line.split(": ", 1)
            table[kind][lang].append(compile_pattern(pattern))
    return table


_NEGATION_BEFORE = re.compile(r"(?:^| )(?:dont|do not|doesnt|didnt|not|never|no need to|не|ни)$")
_LATER = re.compile(
    r"^ (?:in (?:a |an |the )?\w+ (?:minutes?|mins?|hours?|more)|soon|later|after|at \d|через|скоро|потом)"
)
# "Please" changes no reply's kind: "Pass, please." is "Pass."
_POLITE = re.compile(r"\b(?:please|пожалуйста)\b", re.I)
_RHETORICAL = re.compile(
    r"\b(?:does that make sense|if that makes sense|you know what i mean|know what i mean|понимаете|понимаешь)\b"
)


def _hits(kind: str, text: str) -> list[re.Match[str]]:
    padded = f" {text} "
    found: list[re.Match[str]] = []
    for patterns in lexicon().get(kind, {}).values():
        for pattern in patterns:
            for m in pattern.finditer(padded):
                if kind == "end" and (
                    _NEGATION_BEFORE.search(padded[: m.start()].strip()) or _LATER.match(padded[m.end() :])
                ):
                    continue
                found.append(m)
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


def _covered(kind: str, text: str) -> list[str]:
    return [m.group(0).strip() for m in _hits(kind, text) if m.group(0).strip()]


def classify(text: str, question: str = "", context: str = "") -> Reply:
    """Read one reply. `question` is the question it answers; `context` the goals, guide and topics, for telling an
    answer from a digression."""
    language = detect_language(text) if text.strip() else "en"
    text = _POLITE.sub(" ", text)
    norm = normalise(_RHETORICAL.sub(" ", text.lower()))
    if not norm:
        return Reply("vague", language)
    parts = [normalise(s) for s in sentences(_RHETORICAL.sub(" ", text))]
    parts = [p for p in parts if p] or [norm]
    focus = parts if len(norm.split()) <= LONG_REPLY_WORDS else [parts[0], *parts[-2:]]
    requests = {kind: _any(kind, focus) for kind in REQUESTS}
    all_covered = [phrase for kind in (*REQUESTS, "vague") for phrase in _covered(kind, norm)]
    content = content_words(norm, all_covered)
    hurry = requests["hurry"]

    if requests["end"]:
        return Reply("end", language, len(content))
    if requests["refusal"]:
        return Reply("refusal", language, len(content))
    if requests["repeat"]:
        return Reply("repeat", language, len(content))
    if requests["clarify"]:
        return Reply("clarify", language, len(content))
    if _off_topic(norm, content, question, context):
        return Reply("off_topic", language, len(content))
    if hurry and len(content) < 4:
        return Reply("hurry", language, len(content), hurry=True)
    asks_back = requests["question_back"] or _asks_back(text) or _only_questions(text)
    if asks_back:
        statements = [normalise(s) for s in sentences(text) if not s.rstrip().endswith("?")]
        answered = content_words(" ".join(statements), all_covered)
        if len(answered) < 6:
            return Reply("question_back", language, len(content))
    vague_phrases = _covered("vague", norm)
    if not content or (vague_phrases and len(content) <= 2):
        return Reply("vague", language, len(content), hurry=hurry)
    return Reply("answer", language, len(content), hurry=hurry, asks_back=bool(asks_back))


_SECOND_PERSON = re.compile(r"\b(?:you|your|yourself|вы|вас|вам|ваш\w*|вами)\b", re.I)


def _asks_back(text: str) -> bool:
    """A question to the interviewer that the lexicon does not list: a sentence in the second person ending in '?'."""
    return any(s.rstrip().endswith("?") and _SECOND_PERSON.search(s) for s in sentences(text))


def _only_questions(text: str) -> bool:
    """Nothing but questions, none of them a request the lexicon knows: a question to the interviewer."""
    parts = sentences(text)
    return bool(parts) and all(p.rstrip().endswith("?") for p in parts)


def _off_topic(norm: str, content: list[str], question: str, context: str) -> bool:
    if not (question or context) or len(content) < 4 or not _any("off_topic", [norm]):
        return False
    asked = {_stem(w) for w in content_words(normalise(question))}
    around = {_stem(w) for w in content_words(normalise(context))}
    stems = [_stem(w) for w in content]
    return not any(s in asked for s in stems) and sum(s in around for s in stems) <= 1
