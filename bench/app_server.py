"""The app under load for benchmarks: its environment and gunicorn on a loopback port."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def app_env(work: Path, **overrides: str) -> dict[str, str]:
    """Production-like settings on a temporary SQLite database and broker in ``work``."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "CACHE_URL", "CELERY_BROKER_URL")}
    env.update({
        "DJANGO_SETTINGS_MODULE": "depcal.settings",
        "DEPCAL_VAR_DIR": str(work),
        "DATABASE_URL": f"sqlite:///{work / 'depcal.sqlite3'}",
        "CELERY_BROKER_URL": f"sqla+sqlite:///{work / 'broker.sqlite3'}",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
        # Every benchmark client is 127.0.0.1: the per-client rate limits would measure 429s.
        "DEPCAL_API_RATE": "", "DEPCAL_FEED_RATE": "", "DEPCAL_FEED_RENDER_RATE": "",
    })
    env.update(overrides)
    return env


class GunicornServer:
    """gunicorn in its own process group on a free loopback port, stopped by its own id."""

    def __init__(self, app: str, env: dict[str, str], log: Path, *, port: int | None = None,
                 workers: int = 2, args: tuple[str, ...] = ()):
        self.port = port or free_port()
        self.log = open(log, "wb")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", app, "--bind", f"{HOST}:{self.port}",
             "--workers", str(workers), "--log-level", "warning", "--timeout", "60", *args],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True)

    def wait(self, path: str = "/", timeout: float = 60.0) -> None:
        """Until ``path`` answers 200."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited early; see {self.log.name}")
            try:
                with urllib.request.urlopen(f"http://{HOST}:{self.port}{path}",
                                            timeout=10) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self.log.close()
