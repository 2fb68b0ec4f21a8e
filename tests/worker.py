"""A real Celery worker process for integration tests, on the test database and broker.

Tests that use it need committed data: mark them ``django_db(transaction=True)``. The worker
gets DATABASE_URL pointing at the test database pytest-django created, and the broker from
settings (the embedded SQLite broker unless CELERY_BROKER_URL says otherwise).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def test_database_url() -> str:
    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class CeleryWorker:
    """``with CeleryWorker(queues="fetch") as w: ...``; ``w.kill()`` sends SIGKILL."""

    def __init__(self, queues: str = "default,fetch,mail", concurrency: int = 1,
                 extra_env: dict | None = None, name: str = "test"):
        self.queues, self.concurrency, self.name = queues, concurrency, name
        self.extra_env = extra_env or {}
        self.log = tempfile.NamedTemporaryFile(prefix="celery-", suffix=".log", delete=False)
        self.proc: subprocess.Popen | None = None

    def env(self) -> dict:
        env = {**os.environ, "DATABASE_URL": test_database_url(),
               "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
               "DEPCAL_VAR_DIR": str(settings.VAR_DIR), "PYTHONPATH": str(ROOT),
               "DEPCAL_FETCH_ON_START": "false"}
        env.update({k: str(v) for k, v in self.extra_env.items()})
        return env

    def purge(self) -> None:
        """Empty the queues this worker consumes. Tasks left on the broker by an earlier test
        or run (a retry scheduled before its worker stopped is put back on the queue) would
        otherwise act here, on rows with the same ids in the new test database."""
        from depcal.celery import app

        with app.connection_for_write() as conn:
            for queue in self.queues.split(","):
                conn.default_channel.queue_purge(queue)

    def start(self, timeout: float = 60) -> CeleryWorker:
        self.purge()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "depcal", "worker", "-Q", self.queues,
             "-c", str(self.concurrency), "-n", f"{self.name}-{os.getpid()}@%h",
             "--pool", "prefork", "-l", "INFO", "--without-gossip", "--without-mingle"],
            cwd=ROOT, env=self.env(), stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in self.output():
                return self
            if self.proc.poll() is not None:
                raise RuntimeError(f"the Celery worker exited early:\n{self.output()}")
            time.sleep(0.2)
        raise TimeoutError(f"the Celery worker did not start:\n{self.output()}")

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the whole worker (main process and pool children), as a crash would."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def wait_for(predicate, timeout: float = 60, interval: float = 0.25, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"timed out waiting for {what}")
