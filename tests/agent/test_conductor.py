"""The offline interviewer walks the guide like a careful human interviewer would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from livekit.agents import llm

from agent.conductor import Conductor, detect_language, parse_guide
from agent.prompts import cue
from tests.agent.conftest import GUIDE_EN, GUIDE_RU, make_config


class Dialogue:
    """A conversation with the conductor, one respondent answer at a time."""

    def __init__(self, conductor: Conductor) -> None:
        self.conductor = conductor
        self.ctx = llm.ChatContext.empty()
        self.ended = False

    def agent(self, cue_name: str | None = None) -> str:
        ctx = self.ctx.copy()
        if cue_name:
            ctx.add_message(role="system", content=cue(cue_name))
        text, self.ended = self.conductor.reply(ctx)
        self.ctx.add_message(role="assistant", content=text)
        return text

    def respondent(self, text: str) -> str:
        self.ctx.add_message(role="user", content=text)
        return self.agent()


LONG = "I usually sit down on Sunday evening and write a list of everything that has to happen."


def test_the_guide_is_parsed_into_questions_with_their_probes():
    questions = parse_guide(GUIDE_EN)
    assert [q.text for q in questions] == [
        "How do you plan your week?",
        "What gets in the way of your plans?",
        "What would make planning easier for you?",
    ]
    assert questions[0].probes == ("What tools do you use for it?",)
    assert [q.text for q in parse_guide("Tell me about your job. What do you like about it?")] == [
        "Tell me about your job.",
        "What do you like about it?",
    ]


def test_it_greets_then_asks_the_questions_in_order_and_closes():
    talk = Dialogue(Conductor(make_config()))
    greeting = talk.agent("greeting")
    assert "thank you" in greeting.lower() and "10 minutes" in greeting and "planning" in greeting
    assert greeting.endswith("How do you plan your week?")
    assert talk.respondent(LONG).endswith("What gets in the way of your plans?")
    assert talk.respondent(LONG).endswith("What would make planning easier for you?")
    assert "anything else" in talk.respondent(LONG)
    assert not talk.ended
    closing = talk.respondent("No, that's all.")
    assert "goodbye" in closing.lower()
    assert talk.ended


def test_a_vague_answer_gets_one_probe_from_the_guide_then_it_moves_on():
    talk = Dialogue(Conductor(make_config()))
    talk.agent("greeting")
    assert talk.respondent("Not much.") == "What tools do you use for it?"
    assert talk.respondent("A notebook.").endswith("What gets in the way of your plans?")
    probe = talk.respondent("Meetings.")
    assert "?" in probe and "plans" not in probe  # a generic neutral probe for a question without its own
    assert talk.respondent("Meetings that run long.").endswith("What would make planning easier for you?")


def test_it_repeats_the_question_on_request_and_moves_on_from_dont_know():
    talk = Dialogue(Conductor(make_config()))
    talk.agent("greeting")
    assert talk.respondent("Sorry, can you repeat that?").endswith("How do you plan your week?")
    moved = talk.respondent("I don't know.")
    assert "no wrong answers" in moved and moved.endswith("What gets in the way of your plans?")
    assert talk.respondent("What do you think about it?").endswith("What gets in the way of your plans?")


def test_it_speaks_russian_when_the_link_says_so():
    talk = Dialogue(Conductor(make_config(guide=GUIDE_RU, language="ru")))
    greeting = talk.agent("greeting")
    assert greeting.startswith("Здравствуйте") and greeting.endswith("Как вы планируете свою неделю?")
    assert talk.respondent("Я составляю список дел в воскресенье вечером и потом его проверяю.").endswith(
        "Что мешает вашим планам?"
    )
    assert talk.respondent("Повторите, пожалуйста").startswith("Конечно")


def test_auto_follows_the_language_the_respondent_speaks():
    talk = Dialogue(Conductor(make_config(language="auto")))
    assert talk.agent("greeting").startswith("Hello")
    assert talk.respondent("Я планирую неделю по воскресеньям, составляю длинный список задач.").startswith(
        ("Спасибо", "Понятно", "Это полезно")
    )
    assert detect_language("Hello there") == "en" and detect_language("Привет всем") == "ru"


def test_it_announces_the_last_question_and_closes_on_time():
    config = make_config(minutes_left=10)
    clock = {"now": datetime.now(UTC)}
    talk = Dialogue(Conductor(config, now=lambda: clock["now"]))
    talk.agent("greeting")
    clock["now"] = config.ends_at - timedelta(seconds=50)
    assert talk.respondent(LONG).startswith("We have about a minute left, so one last question.")
    closing = talk.respondent(LONG)
    assert "goodbye" in closing.lower() and talk.ended
    clock["now"] = config.ends_at - timedelta(seconds=5)
    talk2 = Dialogue(Conductor(config, now=lambda: clock["now"]))
    talk2.agent("greeting")
    talk2.respondent(LONG)
    assert talk2.ended


def test_the_time_cues_speak_for_the_clock():
    talk = Dialogue(Conductor(make_config()))
    talk.agent("greeting")
    assert talk.agent("time_warning").endswith("What gets in the way of your plans?")
    assert "goodbye" in talk.agent("closing").lower() and talk.ended
    assert "still there" in Dialogue(Conductor(make_config())).agent("check_in")


def test_a_resumed_interview_continues_from_the_next_unanswered_question():
    talk = Dialogue(Conductor(make_config()))
    talk.agent("greeting")
    talk.respondent(LONG)  # asks question 2
    talk.ctx.add_message(role="user", content=LONG)  # answered just before the worker died
    resumed = talk.agent("resume")
    assert resumed.startswith("I'm back") and resumed.endswith("What would make planning easier for you?")
