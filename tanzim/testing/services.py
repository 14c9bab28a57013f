"""The real background services for the tests that need them: Redis and a Celery worker.

They run in the PostgreSQL pass of the suite (``scripts/test.sh`` starts Redis if it is not
running and sets ``TEST_REDIS_URL``); a worker is a separate process, so it can only share a
database that lives outside the test process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from django.db import connection

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    """The URL of the test database this process uses (pytest-django's, per xdist worker)."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgresql://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


class Worker:
    """``celery worker`` on a queue of its own, against Redis and the test database."""

    def __init__(self) -> None:
        self.queue = f"tanzim-test-{uuid.uuid4().hex[:12]}"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Worker:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "REDIS_URL": REDIS_URL,
            "CELERY_BROKER_URL": REDIS_URL,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "SECRET_KEY": os.environ.get("SECRET_KEY", "test-only-worker"),
        }
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", self.queue]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "WARNING"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 - our own interpreter
        return self

    def __exit__(self, *exc) -> None:
        assert self.process is not None
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def wait_for(condition, timeout: float = 90.0, step: float = 0.2) -> bool:
    """Poll ``condition()`` until it is true or ``timeout`` seconds pass (a worker starts slowly)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False
