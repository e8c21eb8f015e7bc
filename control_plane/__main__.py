"""`python -m control_plane`: serve, migrate, and the operator's account and token commands."""

from __future__ import annotations

import argparse
import asyncio
import copy
import getpass
import logging
import os
import sys
import tempfile

from control_plane.settings import SettingsError, load_settings

# Where prometheus-client's processes keep their metrics when several serve (read by it at import, so set before).
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def _run(coro):
    return asyncio.run(coro)


def cmd_migrate(args: argparse.Namespace) -> int:
    from control_plane.db import migrate

    print("Applying database migrations…")
    _run(migrate())
    print("The database is up to date.")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from control_plane.db import migrate

    settings = load_settings()
    if not args.no_migrate:
        _run(migrate())
    processes = settings.web_concurrency
    where = f"http://{args.host}:{args.port} (public address {settings.public_base_url})"
    serve = _serve_granian if settings.http_server == "granian" else _serve_uvicorn
    if processes == 1:
        print(f"Control plane on {where}, served by {settings.http_server}", flush=True)
        serve(args, settings)
        return 0
    # Several processes on one port, each the whole app (its own pool, its own background loops: those take leases
    # and claims in the database, so they are as safe here as in separate replicas). Their metrics meet in a
    # directory of their own, which `GET /metrics` in any of them sums; prometheus-client reads where at import, so
    # it is set before any server process imports the app.
    with tempfile.TemporaryDirectory(prefix="control-plane-metrics-") as shared:
        os.environ[MULTIPROCESS_DIR] = shared
        print(f"Control plane on {where}, {processes} server processes, served by {settings.http_server}", flush=True)
        serve(args, settings)
    return 0


def _serve_granian(args: argparse.Namespace, settings) -> None:
    """granian: HTTP/1.1 parsed and written in Rust, the app on uvloop in each of its worker processes (it always
    starts at least one: this process only supervises, and on SIGTERM stops them; each stops accepting and runs the
    app's shutdown). No websockets: the app serves none."""
    from granian.constants import HTTPModes, Interfaces, Loops
    from granian.log import LogLevels
    from granian.server import Server

    Server(
        "control_plane.app:proxied_app",
        factory=True,
        address=args.host,
        port=args.port,
        interface=Interfaces.ASGI,
        workers=settings.web_concurrency,
        loop=Loops.uvloop,
        http=HTTPModes.http1,
        websockets=False,
        log_level=LogLevels(args.log_level),
        log_dictconfig=_logging(),
        log_access=False,
    ).serve()


def _serve_uvicorn(args: argparse.Namespace, settings) -> None:
    import uvicorn

    options = {
        "host": args.host,
        "port": args.port,
        "log_level": args.log_level,
        "access_log": False,
        "forwarded_allow_ips": settings.forwarded_allow_ips,
    }
    if settings.web_concurrency == 1:
        from control_plane.app import served_app

        uvicorn.run(served_app(settings), **options)
        return
    from uvicorn.config import LOGGING_CONFIG

    config, ours = copy.deepcopy(LOGGING_CONFIG), _logging()
    for part in ("formatters", "handlers", "loggers"):
        config[part].update(ours[part])
    config["root"] = ours["root"]
    uvicorn.run(
        "control_plane.app:served_app", factory=True, workers=settings.web_concurrency, log_config=config, **options
    )


def _logging() -> dict:
    """Our log lines (`main`'s format, on stderr) in every server process, whichever server started it."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": LOG_FORMAT}},
        "handlers": {"plain": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}},
        "root": {"level": "INFO", "handlers": ["plain"]},
        "loggers": {"piccolo": {"level": "WARNING"}, "_granian": {"level": "INFO"}},
    }


def cmd_create_user(args: argparse.Namespace) -> int:
    from control_plane.accounts.services import create_account

    settings = load_settings()
    password = args.password or getpass.getpass("Password (at least 8 characters): ")
    account = _run(create_account(args.email, password, settings.starter_tokens))
    api_key = account.api_key
    print(f"Created account {account.email} ({account.account_id}) with {settings.starter_tokens} tokens.")
    print(f"API key (shown once): {api_key}")
    return 0


def cmd_grant_tokens(args: argparse.Namespace) -> int:
    from control_plane.accounts.services import account_by_email
    from control_plane.wallet import services as wallet

    async def grant():
        account = await account_by_email(args.email)
        await wallet.grant(account.id, args.amount, args.note)
        return await wallet.balance(account.id)

    balance = _run(grant())
    print(f"Granted {args.amount} tokens to {args.email}; available now {balance.available}.")
    return 0


def cmd_expire_sweep(args: argparse.Namespace) -> int:
    from control_plane.links.lifecycle import sweep

    moved = _run(sweep(load_settings()))
    print(f"Expired or closed {moved} link(s).")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m control_plane", description="AI Interviewer control plane.")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="migrate the database and serve the API and the web pages")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--no-migrate", action="store_true", help="do not apply migrations first")
    s.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    s.set_defaults(func=cmd_serve)
    sub.add_parser("migrate", help="apply the database migrations").set_defaults(func=cmd_migrate)
    s = sub.add_parser("create-user", help="create a researcher account and print its API key")
    s.add_argument("email")
    s.add_argument("--password", help="asked for when not given")
    s.set_defaults(func=cmd_create_user)
    s = sub.add_parser("grant-tokens", help="add tokens to an account's balance")
    s.add_argument("email")
    s.add_argument("amount", type=int)
    s.add_argument("--note", default="granted by an operator")
    s.set_defaults(func=cmd_grant_tokens)
    sub.add_parser("expire-sweep", help="expire overdue links and close abandoned interviews").set_defaults(
        func=cmd_expire_sweep
    )
    return p


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    logging.getLogger("piccolo").setLevel(logging.WARNING)
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except SettingsError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - the operator gets one readable line, not a traceback
        code = getattr(exc, "code", None)
        print(f"Error{f' ({code})' if code else ''}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
