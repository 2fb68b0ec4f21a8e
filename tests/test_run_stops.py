"""Ctrl-C stops what ``make run`` started: web, workers and beat exit, the port is free again,
and no traceback is printed.

The stack is the one ``make run`` serves after its set-up steps (honcho on the Procfile, its
output through scripts/announce_when_up.py), on the test database, started in a session of its
own as a terminal would, then sent SIGINT as a process group, as Ctrl-C does.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from tests import worker
from tests.worker import wait_for

PORT = int(os.environ.get("DEPCAL_TEST_RUN_PORT", "18431"))
BIN = Path(sys.executable).parent


def children() -> dict[int, int]:
    """Every process's parent, from /proc."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return parents


def descendants(pid: int) -> set[int]:
    parents, found, todo = children(), set(), [pid]
    while todo:
        parent = todo.pop()
        for child, its_parent in parents.items():
            if its_parent == parent and child not in found:
                found.add(child)
                todo.append(child)
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def starting_processes(stack: int) -> bool:
    """Whether honcho (under the shell ``stack``) has forked the helpers that start the
    Procfile's processes."""
    parents = children()
    honcho = [p for p, parent in parents.items() if parent == stack and "Procfile" in cmdline(p)]
    return any(parent in honcho for parent in parents.values())


def ignores_sigint(pid: int) -> bool:
    """From the kernel's mask of ignored signals (SigIgn in /proc/PID/status)."""
    status = Path(f"/proc/{pid}/status").read_text()
    ignored = int(next(line.split()[1] for line in status.splitlines()
                       if line.startswith("SigIgn:")), 16)
    return bool(ignored & (1 << (signal.SIGINT - 1)))


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def kill_groups(pids: set[int]) -> None:
    for pid in pids:
        try:
            os.killpg(os.getpgid(pid), signal.SIGKILL)
        except ProcessLookupError:
            pass


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status == 200
    except OSError:
        return False


def port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("when", ["starting", "up"])
def test_ctrl_c_stops_web_workers_and_beat_and_frees_the_port(tmp_path, when):
    assert port_free(PORT), f"port {PORT} is taken before the test"
    started: set[int] = set()
    env = {**os.environ, "DATABASE_URL": worker.test_database_url(),
           "CELERY_BROKER_URL": settings.CELERY_BROKER_URL, "DEPCAL_VAR_DIR": str(tmp_path),
           "DEPCAL_PORT": str(PORT), "DEBUG": "true",
           "PATH": f"{BIN}:{os.environ['PATH']}", "PYTHONPATH": str(worker.ROOT)}
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        # what `make run` starts after collectstatic, migrate and load_catalogue
        stack = subprocess.Popen(["bash", "scripts/run_stack.sh", sys.executable, str(PORT)],
                                 cwd=worker.ROOT, env=env, stdout=out,
                                 stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        # Ctrl-C while honcho is starting the processes: once it has forked its helpers (one
        # per process, each a honcho too), before they have all reported a pid
        while when == "starting" and not starting_processes(stack.pid):
            assert stack.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.005)
        while when == "up" and not answers(f"http://127.0.0.1:{PORT}/admin/login/"):
            assert stack.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(1)
        # until the workers and beat are up too (their banners), so all of them are stopped
        while when == "up" and (log.read_text().count(" ready.") < 2
                                or "beat: Starting" not in log.read_text()):
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(1)
        started = descendants(stack.pid)
        # The relay passes the services' last lines through: it ignores Ctrl-C from its first
        # instruction, so a Ctrl-C while it is still importing prints no traceback either.
        relay = wait_for(lambda: [p for p in descendants(stack.pid)
                                  if "announce_when_up" in cmdline(p)], what="the relay")
        assert all(ignores_sigint(p) for p in relay), log.read_text()
        started |= set(relay)
        os.killpg(stack.pid, signal.SIGINT)
        deadline = time.monotonic() + 60
        while stack.poll() is None and time.monotonic() < deadline:
            started |= descendants(stack.pid)  # those that start after Ctrl-C as well
            time.sleep(0.2)
        while any(alive(p) for p in started) and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        kill_groups(started | descendants(stack.pid))  # what this test started, no more
    text = log.read_text()
    assert stack.returncode is not None, f"still running a minute after Ctrl-C:\n{text}"
    assert [p for p in started if alive(p)] == [], text
    assert port_free(PORT), text
    assert "Traceback" not in text, text
    for name in ("web.1 stopped", "worker.1 stopped", "fetcher.1 stopped", "mailer.1 stopped",
                 "beat.1 stopped"):
        assert name in text, text
