"""The respondent's turn is over when the sentence is: the transcript decides how long the agent waits."""

from __future__ import annotations

import pytest
from livekit.agents import llm

from agent.turn_taking import TURN_HANDLING, TranscriptTurnDetector, sentence_is_unfinished

FINISHED = [
    "I plan my week on Sunday evening with a paper notebook.",
    "My colleagues plan with a big whiteboard in the office kitchen",
    "Yes, I do.",
    "I like it.",
    "Thank you.",
    "It depends on the week, and so on.",
    "When something urgent comes in, I drop the least important task.",
    "Я планирую неделю в воскресенье вечером.",
]
UNFINISHED = [
    "I write the important things on",
    "Usually I check my email first, and then",
    "When something urgent comes in,",
    "When something urgent comes in.",
    "The hardest part is",
    "I keep a list of...",
    "My manager um",
    "Обычно я проверяю почту, а потом",
    "Самое трудное — это",
]


@pytest.mark.parametrize("text", FINISHED)
def test_a_finished_sentence_ends_the_turn(text):
    assert not sentence_is_unfinished(text)


@pytest.mark.parametrize("text", UNFINISHED)
def test_a_sentence_that_stops_midway_does_not(text):
    assert sentence_is_unfinished(text)


async def test_the_detector_reads_the_last_thing_the_respondent_said():
    detector = TranscriptTurnDetector()
    ctx = llm.ChatContext.empty()
    ctx.add_message(role="assistant", content="How do you plan your week?")
    ctx.add_message(role="user", content="The hardest part is")
    threshold = await detector.unlikely_threshold(None)
    assert await detector.predict_end_of_turn(ctx) < threshold  # the agent waits up to max_delay
    ctx.add_message(role="user", content="saying no to people.")
    assert await detector.predict_end_of_turn(ctx) > threshold  # min_delay


def test_an_unfinished_sentence_waits_longer_than_a_finished_one_but_not_seconds_more():
    endpointing = TURN_HANDLING["endpointing"]
    assert endpointing["min_delay"] <= 0.6 and 1.5 <= endpointing["max_delay"] <= 3.0
