"""Settings: the environment, read once into a frozen value that the app and the CLI pass around.

Every key is documented in `.env.example` and the README. Development defaults let the product start with nothing
set; outside development (`APP_ENV=production`) the default secrets are refused.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

DEV_SECRET_KEY = "dev-secret-key-change-me"
DEV_LIVEKIT_API_KEY = "devkey"
DEV_LIVEKIT_API_SECRET = "devsecret-change-me-0123456789abcdef"
MIN_SECRET_KEY_BYTES = 32
SQLITE_POOL_SIZE = 20  # DB_POOL_SIZE's default on SQLite
DEFAULT_VOICES = ("alloy", "ash", "coral", "echo", "nova", "sage", "shimmer")


HTTP_SERVERS = ("uvicorn", "granian")


class SettingsError(ValueError):
    """A setting is missing or wrong; the message names it."""


@dataclass(frozen=True)
class Settings:
    app_env: str = "development"
    database_url: str = "sqlite:///data/interviewer.sqlite3"
    public_base_url: str = "http://127.0.0.1:8000"
    secret_key: str = DEV_SECRET_KEY
    livekit_url: str = "ws://127.0.0.1:7880"
    # Every LiveKit node's public URL when LIVEKIT_URL lists several (multi-node mode): each join is handed the next.
    livekit_urls: tuple[str, ...] = ()
    # Where the control plane itself reaches LiveKit's API; defaults to LIVEKIT_URL (differs behind a proxy or in
    # docker compose, where browsers use the public address and servers the internal one).
    livekit_api_url: str = ""
    livekit_api_key: str = DEV_LIVEKIT_API_KEY
    livekit_api_secret: str = DEV_LIVEKIT_API_SECRET
    tokens_per_minute: int = 1
    starter_tokens: int = 600
    allow_signup: bool = True
    voices: tuple[str, ...] = field(default=DEFAULT_VOICES)
    interview_grace_seconds: int = 120
    sweep_interval_seconds: float = 30.0
    reconcile_interval_seconds: float = 10.0
    dispatch_agents: bool = True
    # Database connections per server process. Few on PostgreSQL: every connection is a backend process, and with
    # 20 of them busy at once on the control plane's own cores they took the CPU from the server process and made the
    # tail (docs/benchmarks.md, third round); five still run a hot path's queries in parallel, each under a
    # millisecond, faster than one process can send them. SQLite keeps `SQLITE_POOL_SIZE` (its connections are
    # threads of the server's own, and one opened past the pool is a new thread).
    db_pool_size: int = 5
    # Server processes per host (`python -m control_plane serve`), all on one port; above 1 needs PostgreSQL.
    web_concurrency: int = 1
    # The HTTP server `serve` runs the app in: uvicorn, or granian (its HTTP protocol in Rust). Both serve the same app;
    # granian spent no less CPU per request here and met no target uvicorn misses (docs/benchmarks.md, fifth round).
    http_server: str = "uvicorn"
    # Peers whose X-Forwarded-For / X-Forwarded-Proto are believed (a reverse proxy on the same host): the client
    # address that sign-in limits and `/metrics` judge is then the one the proxy names. Comma-separated addresses or
    # networks, `*` for any.
    forwarded_allow_ips: str = "127.0.0.1"
    # The language model, read as the agent workers read it (`llm_settings`): reports use it, and whether it is set
    # says whether interviewers can translate a guide into the link's language (the offline interviewer cannot).
    llm_base_url: str = ""
    llm_api_key: str = ""
    # The model that writes reports: its own server and key (REPORT_LLM_*) when set, else the language model's.
    # With neither, reports are built offline from the answers by question.
    report_llm_base_url: str = ""
    report_llm_api_key: str = ""
    report_model: str = "gpt-4o-mini"
    # Sign-in: failed attempts allowed per account and per client address within the window, then 429.
    signin_failures_per_account: int = 10
    signin_failures_per_address: int = 50
    signin_window_seconds: int = 900
    # Where researchers buy tokens (an operator's shop or order form, https); empty: the page says to ask the operator.
    buy_tokens_url: str = ""
    # Project webhooks: whether this process sends them (every replica may), whether http://127.0.0.1 / localhost
    # endpoints are allowed (tests, local development; otherwise https only), the first retry's delay (doubling
    # each time) and the attempts before a delivery is given up as failed.
    deliver_webhooks: bool = True
    webhook_allow_local: bool = False
    webhook_retry_seconds: int = 30
    webhook_max_attempts: int = 8
    # `GET /metrics` answers `Authorization: Bearer <metrics_token>`; with none set, the loopback address only.
    metrics_token: str = ""
    # The accounts (by email) that may open the operator's page and API.
    operator_emails: frozenset[str] = frozenset()

    @property
    def has_model(self) -> bool:
        return bool(self.llm_base_url or self.llm_api_key)

    @property
    def has_report_model(self) -> bool:
        return bool(self.report_llm_base_url or self.report_llm_api_key)

    @property
    def is_development(self) -> bool:
        return self.app_env == "development"

    @property
    def livekit_public_urls(self) -> tuple[str, ...]:
        return self.livekit_urls or (self.livekit_url,)

    @property
    def livekit_http_url(self) -> str:
        url = self.livekit_api_url or self.livekit_url
        for ws, http in (("wss://", "https://"), ("ws://", "http://")):
            if url.startswith(ws):
                return http + url[len(ws) :]
        return url


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def _is_https_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" and bool(parts.hostname) and not any(c.isspace() for c in url)


def llm_settings(env: Mapping[str, str]) -> tuple[str, str]:
    """The language model's server and key, as the agent workers read them (`agent.config.llm_settings`):
    `LLM_BASE_URL` and `LLM_API_KEY`, else OpenAI's with `OPENAI_API_KEY` (and `OPENAI_BASE_URL`). A server without
    a key gets a placeholder."""
    base_url = (env.get("LLM_BASE_URL") or "").strip()
    key = (env.get("LLM_API_KEY") or "").strip()
    openai_key = (env.get("OPENAI_API_KEY") or "").strip()
    openai_base_url = (env.get("OPENAI_BASE_URL") or "").strip()
    if not base_url and not key:
        key = openai_key
        base_url = openai_base_url if key else ""
    if base_url and not key:
        key = "no-key"
    return base_url, key


def report_llm_settings(env: Mapping[str, str]) -> tuple[str, str]:
    """The report model's server and key: `REPORT_LLM_BASE_URL` and `REPORT_LLM_API_KEY` when either is set (a
    server without a key gets a placeholder), else the language model's (`llm_settings`)."""
    base_url = (env.get("REPORT_LLM_BASE_URL") or "").strip()
    key = (env.get("REPORT_LLM_API_KEY") or "").strip()
    if not base_url and not key:
        return llm_settings(env)
    return base_url, key or "no-key"


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    d = Settings()
    voices = tuple(v.strip() for v in env.get("VOICES", "").split(",") if v.strip()) or d.voices
    livekit_urls = tuple(u.strip().rstrip("/") for u in env.get("LIVEKIT_URL", "").split(",") if u.strip())
    llm_base_url, llm_api_key = llm_settings(env)
    report_llm_base_url, report_llm_api_key = report_llm_settings(env)
    database_url = env.get("DATABASE_URL") or d.database_url
    sqlite = database_url.startswith("sqlite")
    settings = Settings(
        app_env=env.get("APP_ENV") or d.app_env,
        database_url=database_url,
        public_base_url=(env.get("PUBLIC_BASE_URL") or d.public_base_url).rstrip("/"),
        secret_key=env.get("SECRET_KEY") or d.secret_key,
        livekit_url=livekit_urls[0] if livekit_urls else d.livekit_url,
        livekit_urls=livekit_urls if len(livekit_urls) > 1 else (),
        livekit_api_url=env.get("LIVEKIT_API_URL") or "",
        livekit_api_key=env.get("LIVEKIT_API_KEY") or d.livekit_api_key,
        livekit_api_secret=env.get("LIVEKIT_API_SECRET") or d.livekit_api_secret,
        tokens_per_minute=_int(env, "TOKENS_PER_MINUTE", d.tokens_per_minute, 0, 1_000_000),
        starter_tokens=_int(env, "STARTER_TOKENS", d.starter_tokens, 0, 1_000_000_000),
        allow_signup=_bool(env, "ALLOW_SIGNUP", d.allow_signup),
        voices=voices,
        interview_grace_seconds=_int(env, "INTERVIEW_GRACE_SECONDS", d.interview_grace_seconds, 0, 86_400),
        sweep_interval_seconds=float(_int(env, "SWEEP_INTERVAL_SECONDS", 30, 1, 86_400)),
        reconcile_interval_seconds=float(_int(env, "RECONCILE_INTERVAL_SECONDS", 10, 1, 3_600)),
        dispatch_agents=_bool(env, "DISPATCH_AGENTS", d.dispatch_agents),
        db_pool_size=_int(env, "DB_POOL_SIZE", SQLITE_POOL_SIZE if sqlite else d.db_pool_size, 0, 1000),
        web_concurrency=_int(env, "WEB_CONCURRENCY", d.web_concurrency, 1, 64),
        http_server=(env.get("HTTP_SERVER") or d.http_server).strip().lower(),
        forwarded_allow_ips=(env.get("FORWARDED_ALLOW_IPS") or d.forwarded_allow_ips).strip(),
        llm_base_url=llm_base_url,
        llm_api_key=llm_api_key,
        report_llm_base_url=report_llm_base_url,
        report_llm_api_key=report_llm_api_key,
        report_model=(
            env.get("REPORT_LLM_MODEL")
            or env.get("REPORT_MODEL")
            or (env.get("LLM_MODEL") if not (env.get("REPORT_LLM_BASE_URL") or env.get("REPORT_LLM_API_KEY")) else "")
            or d.report_model
        ),
        signin_failures_per_account=_int(env, "SIGNIN_FAILURES_PER_ACCOUNT", d.signin_failures_per_account, 1, 10_000),
        signin_failures_per_address=_int(env, "SIGNIN_FAILURES_PER_ADDRESS", d.signin_failures_per_address, 1, 100_000),
        signin_window_seconds=_int(env, "SIGNIN_WINDOW_SECONDS", d.signin_window_seconds, 1, 86_400),
        buy_tokens_url=(env.get("BUY_TOKENS_URL") or "").strip(),
        deliver_webhooks=_bool(env, "DELIVER_WEBHOOKS", d.deliver_webhooks),
        webhook_allow_local=_bool(env, "WEBHOOK_ALLOW_LOCAL", d.webhook_allow_local),
        webhook_retry_seconds=_int(env, "WEBHOOK_RETRY_SECONDS", d.webhook_retry_seconds, 0, 86_400),
        webhook_max_attempts=_int(env, "WEBHOOK_MAX_ATTEMPTS", d.webhook_max_attempts, 1, 50),
        metrics_token=(env.get("METRICS_TOKEN") or "").strip(),
        operator_emails=frozenset(e.strip().lower() for e in env.get("OPERATOR_EMAILS", "").split(",") if e.strip()),
    )
    if settings.app_env not in ("development", "production"):
        raise SettingsError(f"APP_ENV must be development or production, got {settings.app_env!r}")
    if not settings.is_development:
        for name, value, default in (
            ("SECRET_KEY", settings.secret_key, DEV_SECRET_KEY),
            ("LIVEKIT_API_KEY", settings.livekit_api_key, DEV_LIVEKIT_API_KEY),
            ("LIVEKIT_API_SECRET", settings.livekit_api_secret, DEV_LIVEKIT_API_SECRET),
        ):
            if value == default:
                raise SettingsError(f"{name} must be set to a secret of your own when APP_ENV=production")
        if len(settings.secret_key.encode()) < MIN_SECRET_KEY_BYTES:
            raise SettingsError(
                f"SECRET_KEY must be at least {MIN_SECRET_KEY_BYTES} bytes when APP_ENV=production "
                "(it signs every agent's key); generate one with `python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
            )
    if len(settings.livekit_api_secret) < 32:
        raise SettingsError("LIVEKIT_API_SECRET must be at least 32 characters (LiveKit refuses shorter secrets)")
    for url in settings.livekit_public_urls:
        if not url.startswith(("ws://", "wss://", "http://", "https://")):
            raise SettingsError(f"LIVEKIT_URL must be ws://, wss://, http:// or https:// URLs, got {url!r}")
    if settings.buy_tokens_url and not _is_https_url(settings.buy_tokens_url):
        raise SettingsError(f"BUY_TOKENS_URL must be an https:// address, got {settings.buy_tokens_url!r}")
    if not settings.database_url.startswith(("sqlite://", "postgres://", "postgresql://")):
        raise SettingsError("DATABASE_URL must start with sqlite:/// or postgresql://")
    if settings.http_server not in HTTP_SERVERS:
        raise SettingsError(f"HTTP_SERVER must be {' or '.join(HTTP_SERVERS)}, got {settings.http_server!r}")
    if settings.web_concurrency > 1 and settings.database_url.startswith("sqlite"):
        # SQLite has one writer at a time: one process queues its writes on its own lock, several would meet in
        # SQLite's busy handler, which sleeps and retries (docs/benchmarks.md: seconds of tail under load).
        raise SettingsError(
            "WEB_CONCURRENCY above 1 needs PostgreSQL (DATABASE_URL=postgresql://…): on SQLite the processes would "
            "contend for the database's one write lock"
        )
    return settings
