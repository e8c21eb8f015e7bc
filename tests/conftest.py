"""Test-wide setup: the database is chosen here, before any of our modules is imported.

`TEST_DATABASE_URL` (a PostgreSQL URL) runs the suite against PostgreSQL; without it a fresh SQLite file is used.
Either way the schema comes from running the migrations, so they are tested too.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_tmp = Path(tempfile.mkdtemp(prefix="interviewer-tests-"))
os.environ["DATABASE_URL"] = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{_tmp / 'test.sqlite3'}"
os.environ.setdefault("PICCOLO_CONF", "control_plane.piccolo_conf")
os.environ.setdefault("DISPATCH_AGENTS", "false")

TEST_TMP = _tmp
