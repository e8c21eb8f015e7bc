"""The authored prompts load and fill completely, and the providers follow the link's language and voice."""

from __future__ import annotations

import re
import sys

import pytest

from agent.config import ConfigError, load_worker_settings
from agent.interviewer import instructions_for
from agent.prompts import HERE, cue, cue_name, prompt
from agent.providers import build, openai_options, prewarm
from tests.agent.conftest import GUIDE_RU, make_config


@pytest.mark.parametrize("path", sorted(HERE.glob("*.md")), ids=lambda p: p.stem)
def test_every_prompt_loads(path):
    assert prompt(path.stem)


@pytest.mark.parametrize("name", ["greeting", "resume", "time_warning", "closing", "check_in"])
def test_every_moment_has_a_cue_that_names_itself(name):
    assert cue_name(cue(name)) == name


@pytest.mark.parametrize("language", ["auto", "en", "ru"])
def test_the_instructions_carry_goals_guide_topics_language_and_clock_with_nothing_left_unfilled(language):
    config = make_config(guide=GUIDE_RU, language=language)
    text = instructions_for(config)
    assert not re.search(r"\{\w+\}", text)
    assert config.research_goals in text and "Что мешает вашим планам?" in text and "planning" in text
    assert "10 minutes" in text and config.ends_at.strftime("%H:%M:%S") in text
    assert prompt(f"language_{language}") in text


def test_the_guidance_is_written_in_english_and_russian_side_by_side():
    text = prompt("interviewer")
    assert "Could you tell me more about that?" in text and "Расскажите, пожалуйста, об этом подробнее." in text


def test_openai_follows_the_link_language_and_voice():
    settings = load_worker_settings({"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": "http://llm.local/v1"})
    ru = openai_options(settings, make_config(language="ru"))
    assert ru["stt"]["language"] == "ru" and ru["stt"]["detect_language"] is False
    assert ru["tts"]["voice"] == "alloy" and ru["llm"]["base_url"] == "http://llm.local/v1"
    auto = openai_options(settings, make_config(language="auto"))
    assert auto["stt"]["detect_language"] is True and "language" not in auto["stt"]


def test_openai_providers_build_without_calling_anyone():
    settings = load_worker_settings({"OPENAI_API_KEY": "sk-test"})
    built = build(settings, make_config(language="en"), {})
    assert built.llm.model == settings.openai_llm_model


def test_without_a_key_or_the_offline_providers_the_factory_says_what_is_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "agent.offline", None)  # as on a host where the offline stack is absent
    with pytest.raises(ConfigError, match=r"OPENAI_API_KEY.*agent\.offline"):
        build(load_worker_settings({}), make_config(), {})


def test_a_worker_without_the_offline_providers_still_starts_its_processes(monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "agent.offline", None)
    userdata: dict = {}
    prewarm(load_worker_settings({}), userdata)
    assert userdata == {} and "agent.offline" in caplog.text
