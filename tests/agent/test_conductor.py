"""The offline interviewer keeps each guide question open until it is answered, like a careful human interviewer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from livekit.agents import llm

from agent.conductor import Conductor
from agent.guide import detect_language, parse_guide
from agent.prompts import cue
from tests.agent.conftest import GUIDE_EN, GUIDE_RU, make_config

LONG = "I usually sit down on Sunday evening and write a list of everything that has to happen."
LONG_RU = "Я составляю подробный список дел каждое воскресенье вечером и потом его проверяю."
PRAISE = ("helpful", "thanks for sharing", "great", "полезно", "отлично")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.moment = now

    def now(self) -> datetime:
        return self.moment

    async def sleep_until(self, moment: datetime) -> None:  # pragma: no cover - the conductor never sleeps
        raise AssertionError("the conductor must not wait")


class Dialogue:
    """A conversation with the conductor, one respondent answer at a time."""

    def __init__(self, config=None, clock: Clock | None = None) -> None:
        self.config = config or make_config()
        self.clock = clock or Clock(datetime.now(UTC))
        self.conductor = Conductor(self.config, self.clock)
        self.ctx = llm.ChatContext.empty()
        self.end: str | None = None

    def agent(self, cue_name: str | None = None) -> str:
        ctx = self.ctx.copy()
        if cue_name:
            ctx.add_message(role="system", content=cue(cue_name))
        decision = self.conductor.reply(ctx)
        self.end = decision.end
        self.ctx.add_message(role="assistant", content=decision.text)
        return decision.text

    def respondent(self, text: str) -> str:
        self.ctx.add_message(role="user", content=text)
        return self.agent()

    def outcomes(self) -> list[str]:
        return [s.outcome for s in self.conductor.progress.states]


def started(config=None, clock=None) -> Dialogue:
    talk = Dialogue(config, clock)
    talk.agent("greeting")
    return talk


def test_the_guide_is_parsed_into_questions_with_their_probes_and_double_barrelled_items_split():
    questions = parse_guide(GUIDE_EN)
    assert [q.text for q in questions] == [
        "How do you plan your week?",
        "What gets in the way of your plans?",
        "What would make planning easier for you?",
    ]
    assert questions[0].probes == ("What tools do you use for it?",)
    double = parse_guide("1. How often do you cook at home, and what do you usually make?\n   Probe: For whom?")
    assert [(q.text, q.probes) for q in double] == [
        ("How often do you cook at home?", ()),
        ("What do you usually make?", ("For whom?",)),
    ]
    assert [q.text for q in parse_guide("Tell me about your job. What do you like about it?")] == [
        "Tell me about your job.",
        "What do you like about it?",
    ]
    assert [q.text for q in parse_guide("1. Что вам нравится в работе, и что бы вы изменили?")] == [
        "Что вам нравится в работе?",
        "Что бы вы изменили?",
    ]


def test_it_greets_then_asks_the_questions_in_order_and_closes_once_the_guide_is_covered():
    talk = Dialogue()
    greeting = talk.agent("greeting")
    assert "10 minutes" in greeting and "planning" in greeting and greeting.endswith("How do you plan your week?")
    assert talk.respondent(LONG).endswith("What gets in the way of your plans?")
    assert talk.respondent(LONG).endswith("What would make planning easier for you?")
    assert "anything else" in talk.respondent(LONG)
    assert talk.end is None
    closing = talk.respondent("No, that's all.")
    assert "goodbye" in closing.lower() and talk.end == "guide_covered"
    assert talk.outcomes() == ["answered", "answered", "answered"]


def test_a_short_interview_gets_a_short_greeting():
    config = make_config(duration_minutes=2)
    greeting = Dialogue(config).agent("greeting")
    assert len(greeting.split()) < 20 and greeting.endswith("How do you plan your week?")


def test_a_vague_answer_gets_one_fitting_probe_the_guides_own_first_then_it_moves_on():
    talk = started()
    assert talk.respondent("It was okay, nothing special really.") == "What tools do you use for it?"
    assert talk.respondent("Hmm, hard to say.").endswith("What gets in the way of your plans?")
    probe = talk.respondent("I don't know.")
    assert "rough idea" in probe and "plans" not in probe  # a probe that fits "I don't know", not the next question
    assert talk.respondent("Meetings that run long, mostly on Mondays.").endswith(
        "What would make planning easier for you?"
    )
    assert talk.outcomes()[:2] == ["probed", "probed"]


def test_a_short_real_answer_to_a_question_with_a_guide_probe_gets_that_probe():
    talk = started()
    assert talk.respondent("A paper notebook.") == "What tools do you use for it?"


@pytest.mark.parametrize(
    "reply",
    ["I'd rather not talk about that.", "Skip this one, please.", "Pass.", "Не хочу на это отвечать."],
)
def test_a_refusal_is_respected_with_no_probe_and_the_question_is_skipped(reply):
    talk = started()
    answer = talk.respondent(reply)
    assert answer.endswith("What gets in the way of your plans?")
    assert "tools" not in answer and not any(p in answer.lower() for p in PRAISE)
    assert talk.outcomes()[0] == "skipped"


def test_what_do_you_mean_gets_the_question_in_other_words_not_repeated():
    talk = started()
    rephrased = talk.respondent("What do you mean?")
    assert "how you plan your week" in rephrased and "How do you plan your week?" not in rephrased
    assert talk.respondent("Can you repeat that?").endswith("How do you plan your week?")
    assert talk.respondent(LONG).endswith("What gets in the way of your plans?")
    assert talk.outcomes()[0] == "clarified"


def test_a_question_back_gets_a_neutral_deflection_and_the_question_again():
    talk = started()
    answer = talk.respondent("What about you, how do you plan yours?")
    assert "rather than share mine" in answer and answer.endswith("How do you plan your week?")


def test_an_off_topic_story_gets_a_brief_acknowledgement_and_the_question_in_other_words():
    talk = started()
    answer = talk.respondent(
        "By the way, my neighbour's dog barked all night again, it's a huge golden retriever and nobody does anything."
    )
    assert answer.startswith("I see.") and "how you plan your week" in answer
    assert not any(p in answer.lower() for p in PRAISE)
    assert talk.conductor.progress.states[0].open


@pytest.mark.parametrize(
    ("language", "guide", "reply"),
    [
        ("en", GUIDE_EN, "Sorry, I really have to go. Goodbye."),
        ("ru", GUIDE_RU, "…мне нужно идти. Можем на этом закончить?"),
    ],
)
def test_a_wish_to_end_gets_thanks_goodbye_and_the_end_at_once(language, guide, reply):
    talk = started(make_config(guide=guide, language=language))
    closing = talk.respondent(reply)
    assert talk.end == "respondent_wants_to_stop"
    assert ("goodbye" in closing.lower()) if language == "en" else ("До свидания" in closing)
    assert "?" not in closing


def test_it_speaks_the_guides_language_whatever_the_link_says():
    talk = started(make_config(guide=GUIDE_EN, language="ru"))
    lines = [talk.agent("greeting"), talk.respondent(LONG_RU), talk.respondent("Повторите, пожалуйста")]
    assert all(detect_language(line) == "en" for line in lines)
    talk = started(make_config(guide=GUIDE_RU, language="auto"))
    assert detect_language(talk.respondent("I plan my week on Sundays with a big list of tasks.")) == "ru"


def test_the_wrap_up_takes_the_place_of_the_next_question_and_no_close_while_questions_and_time_remain():
    config = make_config(minutes_left=10)
    clock = Clock(config.started_at)
    talk = started(config, clock)
    clock.moment = config.ends_at - timedelta(seconds=55)
    warned = talk.respondent(LONG)
    assert warned.startswith("We are almost out of time, so one last question.")
    assert warned.endswith("What gets in the way of your plans?")
    clock.moment = config.ends_at - timedelta(seconds=40)
    assert talk.respondent(LONG).endswith("What would make planning easier for you?")  # still time: one more
    assert talk.end is None
    clock.moment = config.ends_at - timedelta(seconds=8)
    assert "time is up" in talk.respondent(LONG).lower() and talk.end == "time_is_up"


def test_a_monologue_that_eats_the_other_questions_time_is_politely_cut_short():
    config = make_config(duration_minutes=4)
    clock = Clock(config.started_at)
    talk = started(config, clock)
    clock.moment += timedelta(seconds=150)  # one answer of two and a half minutes
    monologue = " ".join([LONG] * 12)
    answer = talk.respondent(monologue)
    assert "So that we have time for the other questions" in answer
    assert answer.endswith("What gets in the way of your plans?")


def test_a_resumed_interview_asks_again_the_question_whose_answer_was_lost():
    talk = started()
    talk.respondent(LONG)  # the agent asks question 2; its answer never reached the record
    resumed = Dialogue(talk.config)
    resumed.ctx = talk.ctx.copy()
    line = resumed.agent("resume")
    assert line.startswith("Sorry, I lost the connection for a moment")
    assert line.endswith("What gets in the way of your plans?")
    assert "Hello" not in line


def test_a_resumed_interview_goes_on_with_the_next_question_when_the_answer_was_recorded():
    talk = started()
    talk.respondent(LONG)
    talk.ctx.add_message(role="user", content=LONG)  # answered just before the worker died
    resumed = Dialogue(talk.config)
    resumed.ctx = talk.ctx.copy()
    assert resumed.agent("resume").endswith("What would make planning easier for you?")


def test_the_clock_and_presence_cues_speak_for_them():
    talk = started()
    assert "still there" in talk.agent("check_in")
    assert "goodbye" in talk.agent("closing_quiet").lower() and talk.end == "respondent_silent"
    talk = started()
    assert "time is up" in talk.agent("closing").lower() and talk.end == "time_is_up"
