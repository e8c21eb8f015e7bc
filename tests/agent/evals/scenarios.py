"""Scripted respondents, one per case the interviewer must handle, in English, Russian and `auto`, on several guides.

Each step is what the respondent does (`Say`, `Silent`) and, where it matters, the move the interviewer must answer
it with (`expect`). The moves are judged in `checks.py`:

- `next`: asks the next guide question (or, with none left, whether there is anything to add), without a probe;
- `guide_probe`: one of the current question's own probes from the guide;
- `probe`: a follow-up on the current question that asks nothing new and does not repeat it;
- `repeat`: the current question again, as it was;
- `rephrase`: the current question again in other words: not said as it was, as a sentence of its own;
- `deflect`: a neutral deflection and the current question again;
- `redirect`: back to the topic: the current question in other words;
- `keep_short`: acknowledges the haste and puts the current question;
- `move_on`: the next question, politely cutting a long answer short;
- `check_in`: asks whether the respondent is still there;
- `goodbye`: thanks, goodbye, and the interview ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Say:
    text: str
    expect: str | None = None
    seconds: float | None = None


@dataclass(frozen=True)
class Silent:
    seconds: float
    expect: str | None = None


@dataclass(frozen=True)
class AnswerUntil:
    """Answer each question in turn (real answers) until at most `left` seconds remain."""

    left: float


@dataclass(frozen=True)
class Scenario:
    name: str
    case: str
    guide: str
    language: str
    steps: tuple[Say | Silent | AnswerUntil, ...]
    duration: int = 10
    reason: str | None = None  # the completion reason expected; None: the interview is still going
    outcomes: tuple[str, ...] | None = None  # per guide question, as the record shows them
    speaks: str | None = None  # the language every agent line must be in (default: the link's, or the guide's)
    min_asked: int = 0  # at least this many guide questions asked
    tags: tuple[str, ...] = field(default_factory=tuple)


EN = "en"
RU = "ru"

# Real answers, long enough to count as such.
A = [
    "I sit down on Sunday evening and write a list of everything that has to happen during the week.",
    "Meetings that run late, and my kids' school calendar that changes every other week.",
    "A shared family calendar on the fridge, and fewer meetings on Monday mornings.",
    "My wife and my manager, mostly, and sometimes my parents when they visit.",
]
R = [
    "Четыре или пять раз в неделю, в основном ужины для всей семьи.",
    "Поздно прихожу с работы, и сил на готовку уже не остаётся.",
    "Когда приходят гости или в пятницу вечером, когда все устали.",
    "Простые рецепты на неделю и продукты, заказанные заранее.",
]

SCENARIOS: list[Scenario] = [
    # Cooperative respondents: every question asked in order, each answered, closed once the guide is covered.
    Scenario(
        "cooperative-en",
        "cooperative",
        "numbered",
        EN,
        (Say(A[0], "next"), Say(A[1], "next"), Say(A[2], "next"), Say(A[3], "next"), Say("No, that's all.", "goodbye")),
        reason="agent_end",
        outcomes=("answered",) * 4,
    ),
    Scenario(
        "cooperative-ru",
        "cooperative",
        "russian",
        RU,
        (Say(R[0], "next"), Say(R[1], "next"), Say(R[2], "next"), Say(R[3], "next"), Say("Нет, это всё.", "goodbye")),
        reason="agent_end",
        outcomes=("answered",) * 4,
    ),
    Scenario(
        "cooperative-prose-en",
        "cooperative",
        "prose",
        EN,
        (
            Say("I signed up on a Monday and spent an hour trying to import my contacts from my old phone.", "next"),
            Say("The import kept failing without any message, and the help page described an older version.", "next"),
            Say("I kept going because my whole team had moved to the app and I had no other choice.", "next"),
            Say("I would show new users one short video instead of twelve screens of tips.", "next"),
            Say("Nothing else, thanks.", "goodbye"),
        ),
        reason="agent_end",
        outcomes=("answered",) * 4,
    ),
    Scenario(
        "double-barrelled-en",
        "cooperative",
        "double",
        EN,
        (
            Say("About four times a week, mostly on weekdays after work.", "next"),
            Say("Pasta, soups, and a big roast chicken on Sundays for the whole family.", "next"),
            Say("I like that it calms me down, I dislike the washing up afterwards.", "next"),
            Say("My husband and our two daughters, and my mother on Sundays.", "next"),
            Say("No, that's everything.", "goodbye"),
        ),
        reason="agent_end",
        outcomes=("answered",) * 4,
    ),
    # Vague answers: one probe that fits (the guide's own first), then on.
    Scenario(
        "vague-en",
        "vague",
        "numbered",
        EN,
        (
            Say("It was okay, nothing special really.", "guide_probe"),
            Say(A[0], "next"),
            Say("I don't know.", "guide_probe"),
            Say("Hard to say, it depends.", "next"),
            Say(A[2], "next"),
        ),
        outcomes=("probed", "probed", "answered", "asked"),
    ),
    Scenario(
        "vague-ru",
        "vague",
        "russian",
        RU,
        (
            Say("Ну, по-разному, наверное.", "guide_probe"),
            Say(R[0], "next"),
            Say("Не знаю.", "probe"),
            Say(R[1], "next"),
        ),
        outcomes=("probed", "probed", "asked", "pending"),
    ),
    Scenario(
        "vague-prose-en",
        "vague",
        "prose",
        EN,
        (
            Say("Fine, I guess.", "probe"),
            Say("I spent the first hour importing contacts and setting up my profile.", "next"),
        ),
        outcomes=("probed", "asked", "pending", "pending"),
    ),
    # Off topic: a brief acknowledgement and the question again in other words.
    Scenario(
        "off-topic-en",
        "off_topic",
        "numbered",
        EN,
        (
            Say(
                "By the way, my neighbour's dog barked all night again, it's a huge golden retriever and nobody does "
                "anything about it.",
                "redirect",
            ),
            Say(A[0], "next"),
        ),
        outcomes=("answered", "asked", "pending", "pending"),
    ),
    Scenario(
        "off-topic-ru",
        "off_topic",
        "russian",
        RU,
        (
            Say("Кстати, вчера смотрел футбол, наши выиграли два-ноль, весь вечер праздновали с друзьями.", "redirect"),
            Say(R[0], "next"),
        ),
        outcomes=("answered", "asked", "pending", "pending"),
    ),
    # Asked to repeat: the question as it was.
    Scenario(
        "repeat-en",
        "repeat",
        "numbered",
        EN,
        (Say("Sorry, I didn't catch that, could you say it again?", "repeat"), Say(A[0], "next")),
        outcomes=("answered", "asked", "pending", "pending"),
    ),
    Scenario(
        "repeat-ru",
        "repeat",
        "russian",
        RU,
        (Say("Извините, не расслышала, повторите, пожалуйста.", "repeat"), Say(R[0], "next")),
        outcomes=("answered", "asked", "pending", "pending"),
    ),
    # Asked what it means: the question in other words, never word for word.
    Scenario(
        "clarify-en",
        "clarify",
        "numbered",
        EN,
        (Say(A[0], "next"), Say("What do you mean by that exactly?", "rephrase"), Say(A[1], "next")),
        outcomes=("answered", "clarified", "asked", "pending"),
    ),
    Scenario(
        "clarify-ru",
        "clarify",
        "russian",
        RU,
        (Say("А что вы имеете в виду? В каком смысле?", "rephrase"), Say(R[0], "next")),
        outcomes=("clarified", "asked", "pending", "pending"),
    ),
    Scenario(
        "clarify-double-en",
        "clarify",
        "double",
        EN,
        (Say("Sorry, I'm not sure what you're asking.", "rephrase"), Say("Three or four times a week.", "next")),
        outcomes=("clarified", "asked", "pending", "pending"),
    ),
    # A question back: a neutral deflection and the question again.
    Scenario(
        "question-back-en",
        "question_back",
        "numbered",
        EN,
        (Say("What about you, how do you plan yours?", "deflect"), Say(A[0], "next")),
        outcomes=("answered", "asked", "pending", "pending"),
    ),
    Scenario(
        "question-back-ru",
        "question_back",
        "russian",
        RU,
        (Say("А вы сами часто готовите?", "deflect"), Say(R[0], "next")),
        outcomes=("answered", "asked", "pending", "pending"),
    ),
    # A refusal: a respectful move on, no probe.
    Scenario(
        "refusal-en",
        "refusal",
        "numbered",
        EN,
        (Say(A[0], "next"), Say("I'd rather not talk about that, it's personal.", "next"), Say(A[2], "next")),
        outcomes=("answered", "skipped", "answered", "asked"),
    ),
    Scenario(
        "refusal-ru",
        "refusal",
        "russian",
        RU,
        (Say("Давайте пропустим этот вопрос, не хочу об этом говорить.", "next"), Say(R[1], "next")),
        outcomes=("skipped", "answered", "asked", "pending"),
    ),
    Scenario(
        "refusal-prose-en",
        "refusal",
        "prose",
        EN,
        (Say("Pass, please.", "next"), Say("The import kept failing and nobody told me why.", "next")),
        outcomes=("skipped", "answered", "asked", "pending"),
    ),
    # A wish to end: thanks, goodbye and the end at once, with the reason in the record.
    Scenario(
        "wish-to-end-en",
        "wish_to_end",
        "numbered",
        EN,
        (Say(A[0], "next"), Say("Sorry, I really have to go. Goodbye.", "goodbye")),
        reason="respondent",
        outcomes=("answered", "not_reached", "not_reached", "not_reached"),
    ),
    Scenario(
        "wish-to-end-ru",
        "wish_to_end",
        "russian",
        RU,
        (Say(R[0], "next"), Say("Ой, извините, мне нужно идти. Можем на этом закончить?", "goodbye")),
        reason="respondent",
        outcomes=("answered", "not_reached", "not_reached", "not_reached"),
    ),
    Scenario(
        "wish-to-end-long-en",
        "wish_to_end",
        "double",
        EN,
        (
            Say(
                "Well, I cook most days, pasta usually, but listen, my train is here and I really need to go now. Can "
                "we stop?",
                "goodbye",
            ),
        ),
        reason="respondent",
    ),
    # Silence: a check-in, then a goodbye.
    Scenario(
        "silent-en",
        "silent",
        "numbered",
        EN,
        (Silent(21, "check_in"), Silent(21, "goodbye")),
        reason="agent_end",
        outcomes=("not_reached",) * 4,
    ),
    Scenario(
        "silent-ru",
        "silent",
        "russian",
        RU,
        (Say(R[0], "next"), Silent(21, "check_in"), Say(R[1], "next"), Silent(21, "check_in"), Silent(21, "goodbye")),
        reason="agent_end",
        outcomes=("answered", "answered", "not_reached", "not_reached"),
    ),
    # In a hurry: short answers and no probes.
    Scenario(
        "hurry-en",
        "hurry",
        "numbered",
        EN,
        (
            Say("Sure, but can we make it quick? I only have a few minutes.", "keep_short"),
            Say("A notebook.", "next"),
            Say("Meetings.", "next"),
            Say("Fewer meetings.", "next"),
        ),
        outcomes=("answered", "answered", "answered", "asked"),
    ),
    Scenario(
        "hurry-ru",
        "hurry",
        "russian",
        RU,
        (
            Say("Давайте только побыстрее, у меня мало времени.", "keep_short"),
            Say("Почти каждый день.", "next"),
            Say("Работа.", "next"),
        ),
        outcomes=("answered", "answered", "asked", "pending"),
    ),
    # A monologue that would eat the other questions' time: cut short politely; the clock keeps the limit.
    Scenario(
        "monologue-en",
        "monologue",
        "long",
        EN,
        (
            Say(" ".join([A[0], A[1], A[2], A[3]] * 4), "move_on", seconds=70),
            Say(A[1], "next"),
            Say(A[2], "next"),
            Say(A[3], "next"),
            AnswerUntil(0),
        ),
        duration=3,
        reason="agent_end",
        min_asked=6,
        outcomes=("answered",) * 6,
    ),
    Scenario(
        "time-limit-en",
        "monologue",
        "long",
        EN,
        (
            Say(A[0], "next"),
            AnswerUntil(30),
            Say("And the last thing I wanted to say is that Fridays are for tidying up the week.", seconds=20),
        ),
        duration=2,
        reason="timer",
        min_asked=3,
        tags=("cut_by_limit",),
    ),
    # Language: one language per interview.
    Scenario(
        "switching-auto",
        "language",
        "numbered",
        "auto",
        (
            Say(A[0], "next"),
            Say("Извините, можно по-русски? Мне мешают встречи, которые затягиваются.", "next"),
            Say("Общий календарь и меньше встреч по понедельникам.", "next"),
        ),
        speaks=EN,
        tags=("switch",),
    ),
    Scenario(
        "auto-russian-guide",
        "language",
        "russian",
        "auto",
        (Say(R[0], "next"), Say(R[1], "next")),
        speaks=RU,
    ),
    Scenario(
        "russian-link-english-answers",
        "language",
        "russian",
        RU,
        (Say("Sorry, I'll answer in English: about four times a week, mostly dinners.", "next"), Say(R[1], "next")),
        speaks=RU,
    ),
    Scenario(
        "russian-link-english-guide",
        "language",
        "numbered",
        RU,
        (Say("В воскресенье вечером пишу список дел на неделю.", "next"), Say(A[1], "next")),
        speaks=EN,
        tags=("guide_language",),
    ),
]
