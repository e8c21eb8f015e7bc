"""The authored prompts load and fill completely, and the providers follow the link's language and voice."""

from __future__ import annotations

import re
import sys

import pytest

from agent.config import ConfigError, load_worker_settings
from agent.interviewer import instructions_for
from agent.prompts import HERE, cue, cue_name, prompt
from agent.providers import build, build_brain, llm_options, openai_options, prewarm, spoken_language
from tests.agent.conftest import GUIDE_RU, make_config


@pytest.mark.parametrize("path", sorted(HERE.glob("*.md")), ids=lambda p: p.stem)
def test_every_prompt_loads(path):
    assert prompt(path.stem)


@pytest.mark.parametrize("name", ["greeting", "resume", "closing", "closing_quiet", "check_in"])
def test_every_moment_has_a_cue_that_names_itself(name):
    assert cue_name(cue(name)) == name


@pytest.mark.parametrize("language", ["auto", "en", "ru"])
def test_the_instructions_carry_goals_guide_topics_language_and_clock_with_nothing_left_unfilled(language):
    config = make_config(guide=GUIDE_RU, language=language)
    text = instructions_for(config)
    assert not re.search(r"\{\w+\}", text)
    assert config.research_goals in text and "Что мешает вашим планам?" in text and "planning" in text
    assert "10 minutes" in text and "Q2. Что мешает вашим планам?" in text
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
    assert built.llm.model == settings.llm_model == "gpt-4o-mini"


def test_a_chat_only_server_is_the_brain_while_speech_stays_offline():
    settings = load_worker_settings({"LLM_BASE_URL": "http://127.0.0.1:8080/v1", "LLM_MODEL": "qwen2.5"})
    assert settings.has_model and not settings.uses_openai
    assert llm_options(settings) == {"model": "qwen2.5", "api_key": "no-key", "base_url": "http://127.0.0.1:8080/v1"}
    brain = build_brain(settings, make_config())
    assert brain.model == "qwen2.5" and "127.0.0.1:8080" in str(brain._client.base_url)


def test_the_language_model_is_set_apart_from_speech_and_an_openai_key_stays_with_openai():
    both = load_worker_settings({"OPENAI_API_KEY": "sk-openai", "LLM_BASE_URL": "http://llm.local/v1"})
    assert both.uses_openai and both.llm_api_key == "no-key" and both.llm_base_url == "http://llm.local/v1"
    speech = openai_options(both, make_config())
    assert speech["stt"]["api_key"] == "sk-openai" and "base_url" not in speech["stt"]
    fallback = load_worker_settings({"OPENAI_API_KEY": "sk-openai", "OPENAI_BASE_URL": "http://all.local/v1"})
    assert (fallback.llm_base_url, fallback.llm_api_key) == ("http://all.local/v1", "sk-openai")
    assert not load_worker_settings({}).has_model
    assert not load_worker_settings({"OPENAI_BASE_URL": "http://speech.local/v1"}).has_model


def test_without_a_model_the_voice_speaks_the_guides_language():
    offline_settings = load_worker_settings({})
    assert spoken_language(offline_settings, make_config(guide=GUIDE_RU, language="en")) == "ru"
    assert spoken_language(offline_settings, make_config(guide=GUIDE_RU, language="auto")) == "ru"
    with_model = load_worker_settings({"LLM_BASE_URL": "http://llm.local/v1"})
    assert spoken_language(with_model, make_config(guide=GUIDE_RU, language="en")) == "en"


def test_without_a_key_or_the_offline_providers_the_factory_says_what_is_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "agent.offline", None)  # as on a host where the offline stack is absent
    with pytest.raises(ConfigError, match=r"OPENAI_API_KEY.*agent\.offline"):
        build(load_worker_settings({}), make_config(), {})


def test_a_worker_without_the_offline_providers_still_starts_its_processes(monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "agent.offline", None)
    userdata: dict = {}
    prewarm(load_worker_settings({}), userdata)
    assert userdata == {} and "agent.offline" in caplog.text
