"""Settings are read once from the environment, with safe defaults and loud refusals."""

from __future__ import annotations

import pytest

from control_plane.settings import SettingsError, load_settings


def test_defaults_need_nothing_set():
    s = load_settings({})
    assert (s.tokens_per_minute, s.starter_tokens, s.allow_signup) == (1, 600, True)
    assert s.database_url.startswith("sqlite:///")
    assert s.livekit_http_url == "http://127.0.0.1:7880"


def test_production_refuses_the_development_secrets():
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        load_settings({"APP_ENV": "production"})
    ok = load_settings(
        {"APP_ENV": "production", "SECRET_KEY": "s" * 40, "LIVEKIT_API_KEY": "key", "LIVEKIT_API_SECRET": "x" * 40}
    )
    assert not ok.is_development


def test_production_refuses_a_secret_key_shorter_than_32_bytes():
    env = {"APP_ENV": "production", "LIVEKIT_API_KEY": "key", "LIVEKIT_API_SECRET": "x" * 40}
    for short in ("x", "s" * 31, "é" * 15):
        with pytest.raises(SettingsError, match="SECRET_KEY must be at least 32 bytes"):
            load_settings({**env, "SECRET_KEY": short})
    assert load_settings({**env, "SECRET_KEY": "s" * 32}).secret_key == "s" * 32
    assert load_settings({"SECRET_KEY": "x"}).secret_key == "x"  # development takes any


@pytest.mark.parametrize(
    "env,name",
    [
        ({"TOKENS_PER_MINUTE": "many"}, "TOKENS_PER_MINUTE"),
        ({"STARTER_TOKENS": "-1"}, "STARTER_TOKENS"),
        ({"ALLOW_SIGNUP": "maybe"}, "ALLOW_SIGNUP"),
        ({"LIVEKIT_API_SECRET": "short"}, "LIVEKIT_API_SECRET"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"LIVEKIT_URL": "ws://a:7880,lk2:7880"}, "LIVEKIT_URL"),
        ({"HTTP_SERVER": "hypercorn"}, "HTTP_SERVER"),
    ],
)
def test_a_bad_setting_is_named_in_the_error(env, name):
    with pytest.raises(SettingsError, match=name):
        load_settings(env)


def test_livekit_url_may_list_every_node_and_the_api_uses_the_first():
    s = load_settings({"LIVEKIT_URL": "wss://lk1.example.com, wss://lk2.example.com/"})
    assert s.livekit_public_urls == ("wss://lk1.example.com", "wss://lk2.example.com")
    assert s.livekit_url == "wss://lk1.example.com"
    assert s.livekit_http_url == "https://lk1.example.com"
    assert load_settings({"LIVEKIT_URL": "ws://one:7880"}).livekit_public_urls == ("ws://one:7880",)


def test_reports_use_their_own_model_server_when_set_and_the_language_models_otherwise():
    shared = load_settings({"LLM_BASE_URL": "http://llm:8080/v1", "LLM_API_KEY": "k", "LLM_MODEL": "qwen"})
    assert (shared.report_llm_base_url, shared.report_llm_api_key, shared.report_model) == (
        "http://llm:8080/v1",
        "k",
        "qwen",
    )
    own = load_settings(
        {
            "LLM_BASE_URL": "http://llm:8080/v1",
            "LLM_MODEL": "qwen",
            "REPORT_LLM_BASE_URL": "http://reports:8000/v1",
            "REPORT_LLM_MODEL": "big",
        }
    )
    assert (own.report_llm_base_url, own.report_llm_api_key, own.report_model) == (
        "http://reports:8000/v1",
        "no-key",
        "big",
    )
    assert own.llm_base_url == "http://llm:8080/v1"  # the interviewers keep theirs
    # A report server of its own does not inherit the interviewers' model name.
    assert load_settings({"LLM_MODEL": "qwen", "REPORT_LLM_API_KEY": "sk"}).report_model == "gpt-4o-mini"
    assert load_settings({"OPENAI_API_KEY": "sk", "REPORT_MODEL": "gpt-4o"}).has_report_model
    offline = load_settings({})
    assert not offline.has_report_model and not offline.has_model


def test_postgresql_keeps_few_connections_and_sqlite_its_threads():
    assert load_settings({"DATABASE_URL": "postgresql://db/x"}).db_pool_size == 5
    assert load_settings({}).db_pool_size == 20
    assert load_settings({"DATABASE_URL": "postgresql://db/x", "DB_POOL_SIZE": "12"}).db_pool_size == 12
