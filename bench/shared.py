"""What the benchmarks that measure inside a Django process of their own share: a throwaway
PostgreSQL database, the child process's environment, reading its result back, and the
report's header (which machine, how loaded).

BENCH_POSTGRES_URL names the server (default postgres://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import json
import os
import platform
import secrets
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def admin_url() -> str:
    return os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def database_url(name: str) -> str:
    return f"{admin_url().rsplit('/', 1)[0]}/{name}"


def database(name: str, action: str) -> None:
    """Drop the database ``name`` if it exists, then create it again if ``action`` is
    "create"."""
    import psycopg

    with psycopg.connect(admin_url(), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        if action == "create":
            conn.execute(f"CREATE DATABASE {name}")


def environment(db_name: str, **extra: str) -> dict[str, str]:
    """A production-like environment (DEBUG off, a random key) on the database ``db_name``,
    with the real "today". Tasks queued on the way (loading the catalogue queues the change
    emails) stay in the process's memory: the checkout's own broker, under ``var/``, which
    a fresh clone does not have yet, is left alone."""
    env = {k: v for k, v in os.environ.items() if k != "DEPCAL_TODAY"}
    env.update({
        "DJANGO_SETTINGS_MODULE": "depcal.settings", "DATABASE_URL": database_url(db_name),
        "DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(40),
        "SITE_URL": "https://depcal.bench", "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT),
        "CELERY_BROKER_URL": "memory://", "CELERY_RESULT_BACKEND": "cache+memory://",
        **extra,
    })
    return env


def run(module: str, port: int, env: dict[str, str], timeout: float) -> dict:
    """Run ``python -m module --child port`` and return what it printed on its last
    ``RESULT {json}`` line."""
    done = subprocess.run([sys.executable, "-m", module, "--child", str(port)], cwd=ROOT,
                          env=env, stdout=subprocess.PIPE, text=True, timeout=timeout)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")]
    if done.returncode or not lines:
        raise RuntimeError(f"bench child failed:\n{done.stdout[-3000:]}")
    return json.loads(lines[-1].removeprefix("RESULT "))


def header(benchmark: str, load_before: float) -> dict:
    """The first fields of a report: its name, when, and the machine (with the one-minute
    load average before the run and now)."""
    return {
        "benchmark": benchmark,
        "when": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_1min_before_after": [round(load_before, 2),
                                                       round(os.getloadavg()[0], 2)]},
    }


def timed_send(reset, send, count: int) -> tuple[float, float]:
    """Seconds one ``send()`` takes after ``reset()`` put the messages back to pending, and
    the CPU seconds this process spent in it; its report must say that all ``count`` were
    sent."""
    reset()
    started, cpu = time.perf_counter(), time.process_time()
    report = send()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert report.sent == count, report
    return elapsed, cpu
