"""Piccolo's configuration: the engine is chosen from DATABASE_URL (SQLite file by default, PostgreSQL by URL)."""

from __future__ import annotations

import os
from pathlib import Path

from piccolo.conf.apps import AppRegistry
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

from control_plane.db import SQLite
from control_plane.settings import load_settings


def engine_for(url: str) -> SQLiteEngine | PostgresEngine:
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        # WAL, a busy timeout, immediate transactions, and the process's writes queued on one lock instead of on
        # SQLite's busy handler (which sleeps and retries): see control_plane/db.py and bench/load.py.
        return SQLite(path=str(path), timeout=30, serialise_writes=True)
    return PostgresEngine(config={"dsn": url})


os.environ.setdefault("PICCOLO_CONF", "control_plane.piccolo_conf")
DB = engine_for(load_settings().database_url)
APP_REGISTRY = AppRegistry(apps=["control_plane.piccolo_app"])
