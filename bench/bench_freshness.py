"""How fast a vendor's notice reaches subscribers: ``python -m bench freshness``.

A loopback HTTP server serves a vendor page with an ETag. depcal runs as ``make run`` runs it
(SQLite, the embedded broker, gunicorn, one worker for every queue, beat), with a source on
that page and a confirmed subscriber who follows its vendor. The benchmark moves the date on
the page, at a random moment, and measures for each move:

- notice -> email: from the page changing to the change email arriving in an SMTP sink;
- notice -> feed: to ``/calendar.ics`` serving the entry with its SEQUENCE raised;
- fetch -> email: from the start of the fetch that saw it (its FetchRun) to the email: what
  the pipeline itself costs (fetch, parse, reconcile, commit, record, compose, send).

Measured end to end with the source's interval set to one minute. With the default intervals
(15 minutes for a source that sends an ETag, an hour otherwise) the figures are COMPUTED, not
waited for: worst case = interval + beat's tick + the measured fetch -> email median; mean =
half of (interval + tick) + the same. The baseline is computed the same way from the defaults
before this change (a six-hour interval, a five-minute tick, change emails sent by the hourly
job), next to the static peers that publish once a day.

Prints the figures and writes bench/results/freshness.json.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench import shared
from bench.app_server import HOST, ROOT, GunicornServer, app_env, free_port

RESULTS = ROOT / "bench" / "results" / "freshness.json"
SAMPLES = int(os.environ.get("BENCH_FRESHNESS_SAMPLES", "5"))
INTERVAL_MINUTES = 1
TICK_SECONDS = 30  # CELERY_BEAT_SCHEDULE["fetch-due-sources"]
PIPELINE_DEADLINE = 600  # seconds to wait for one email before giving up
MODEL = "bench-model-1"
FIRST = date(2027, 3, 1)

PAGE = """<html><body><h1>Model deprecations</h1><table><thead><tr><th>Shutdown date</th>
<th>Model</th><th>Recommended replacement</th></tr></thead><tbody><tr><td>{day}</td>
<td>{model}</td><td>bench-model-2</td></tr></tbody></table></body></html>"""

SETUP = f"""
from datetime import UTC, datetime
from deprecations.models import Source, Vendor
from notifier.models import Subscriber
from notifier.subscriptions import set_choices
vendor = Vendor.objects.create(slug="bench", name="Bench")
Source.objects.create(slug="bench-page", name="Bench page", vendor=vendor, url="{{url}}",
                      authority="primary", interval_minutes={INTERVAL_MINUTES})
Source.objects.exclude(slug="bench-page").update(enabled=False)
now = datetime.now(UTC)
s = Subscriber.objects.create(email="ada@example.com", status="confirmed", requested_at=now,
                              confirmed_at=now, confirmed_on=now.date())
set_choices(s, vendors=["bench"])
"""


class Page:
    """The vendor page: its body changes when the benchmark moves the date."""

    def __init__(self):
        self.body = b""
        self.changed_at = 0.0

    def set(self, day: date) -> None:
        self.body = PAGE.format(day=day.isoformat(), model=MODEL).encode()
        self.changed_at = time.time()

    def serve(self) -> ThreadingHTTPServer:
        page = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server interface
                body = page.body
                etag = f'"{abs(hash(body)):x}"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer((HOST, free_port()), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server


class Sink:
    """An SMTP server on loopback that notes when each subject arrived."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.received: list[tuple[float, str]] = []
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                import email

                message = email.message_from_bytes(envelope.content)
                sink.received.append((time.time(), str(message["Subject"])))
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname=HOST, port=self.port)
        self.controller.start()

    def arrived(self, pattern: str, after: float) -> float | None:
        """When the first email after ``after`` whose subject matches arrived, if one did."""
        return next((at for at, subject in list(self.received)
                     if at >= after and re.search(pattern, subject)), None)

    def wait_for(self, pattern: str, after: float, timeout: float) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            at = self.arrived(pattern, after)
            if at is not None:
                return at
            time.sleep(0.1)
        raise TimeoutError(f"no email matching {pattern!r} within {timeout:.0f} s: "
                           f"{self.received[-5:]}")


class Processes:
    """The worker and beat, each in its own process group, stopped by their own ids."""

    def __init__(self, env: dict, work: Path):
        self.env, self.work, self.started = env, work, []

    def start(self, name: str, *args: str) -> None:
        log = open(self.work / f"{name}.log", "wb")  # noqa: SIM115 - closed with the run
        self.started.append(subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "depcal", *args], cwd=ROOT, env=self.env,
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True))

    def stop(self) -> None:
        for process in self.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.started:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def feed_sequence(port: int) -> int | None:
    with urllib.request.urlopen(f"http://{HOST}:{port}/calendar.ics?vendor=bench",
                                timeout=10) as response:
        text = response.read().decode()
    for event in text.split("BEGIN:VEVENT")[1:]:
        if MODEL in event:
            found = re.search(r"^SEQUENCE:(\d+)", event, re.M)
            return int(found.group(1)) if found else 0
    return None


def last_fetch(db: Path) -> float:
    """When the newest fetch that took a document started (epoch seconds)."""
    with sqlite3.connect(db) as conn:
        value = conn.execute("SELECT started_at FROM deprecations_fetchrun WHERE status = 'ok' "
                             "ORDER BY started_at DESC LIMIT 1").fetchone()[0]
    return datetime.fromisoformat(value).replace(tzinfo=UTC).timestamp()


def manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)


def measure() -> dict:
    work = Path(tempfile.mkdtemp(prefix="depcal-freshness-"))
    page, sink = Page(), Sink()
    page.set(FIRST)
    http = page.serve()
    web_port = free_port()
    env = app_env(work, SITE_URL=f"http://{HOST}:{web_port}", EMAIL_HOST=HOST,
                  EMAIL_PORT=str(sink.port), DEPCAL_FETCH_ALLOW_PRIVATE="true",
                  DEPCAL_FETCH_ON_START="false", DEPCAL_FETCH_RETRIES="1",
                  ALLOWED_HOSTS=f"{HOST},localhost")
    manage(env, "collectstatic", "--no-input", "-v", "0")
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "shell", "-c", SETUP.replace("{url}", f"http://{HOST}:{http.server_port}/d"))
    web = GunicornServer("depcal.wsgi", env, work / "web.log", port=web_port)
    processes = Processes(env, work)
    samples = []
    try:
        web.wait("/")
        processes.start("worker", "worker", "-Q", "default,fetch,mail", "-c", "2",
                        "--without-gossip", "--without-mingle", "-l", "WARNING")
        processes.start("beat", "beat", "-l", "WARNING", "-s", str(work / "beat-schedule"))
        print(f"  waiting for the first fetch and its 'New' email "
              f"(source every {INTERVAL_MINUTES} min)...", flush=True)
        sink.wait_for(rf"^New: {MODEL}", 0, PIPELINE_DEADLINE)
        day = FIRST
        for n in range(SAMPLES):
            time.sleep(random.uniform(5, 60))  # a moment unrelated to the schedule
            before = feed_sequence(web_port)
            day += timedelta(days=7)
            page.set(day)
            noticed = page.changed_at
            emailed = in_feed = None
            deadline = time.monotonic() + PIPELINE_DEADLINE
            while emailed is None or in_feed is None:  # whichever comes first, both timed
                if time.monotonic() > deadline:
                    raise TimeoutError(f"move {n + 1}: email {emailed}, feed {in_feed}")
                if emailed is None:
                    emailed = sink.arrived(rf"moved to {day.day} {day:%b %Y}", noticed)
                if in_feed is None and (feed_sequence(web_port) or 0) > (before or 0):
                    in_feed = time.time()
                time.sleep(0.2)
            fetched = last_fetch(work / "depcal.sqlite3")
            samples.append({"notice_to_email_s": round(emailed - noticed, 2),
                            "notice_to_feed_s": round(in_feed - noticed, 2),
                            "fetch_to_email_s": round(emailed - fetched, 2)})
            print(f"  move {n + 1}/{SAMPLES}: {samples[-1]}", flush=True)
    finally:
        processes.stop()
        web.stop()
        http.shutdown()
        sink.controller.stop()
    return {"work_dir": str(work), "samples": samples}


def computed(interval_s: float, tick_s: float, pipeline_s: float, send_wait_s: float = 0.0):
    """(mean, worst) seconds from a notice to an inbox for a schedule."""
    return ((interval_s + tick_s + send_wait_s) / 2 + pipeline_s,
            interval_s + tick_s + send_wait_s + pipeline_s)


def main() -> dict:
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    result = measure()
    samples = result["samples"]

    def median(key):
        return round(statistics.median(s[key] for s in samples), 2)

    pipeline = median("fetch_to_email_s")
    figures = {
        "measured_interval_1_min": {
            "notice_to_email_median_s": median("notice_to_email_s"),
            "notice_to_email_max_s": max(s["notice_to_email_s"] for s in samples),
            "notice_to_feed_median_s": median("notice_to_feed_s"),
            "fetch_to_email_median_s": pipeline,
            "goal_s": 60 + INTERVAL_MINUTES * 60},
    }
    for name, interval, tick, send_wait in (
            ("computed_default_with_etag", 15 * 60, TICK_SECONDS, 0),
            ("computed_default_without_etag", 60 * 60, TICK_SECONDS, 0),
            ("computed_baseline_before", 6 * 3600, 300, 3600)):
        mean, worst = computed(interval, tick, pipeline, send_wait)
        figures[name] = {"mean_min": round(mean / 60, 1), "worst_min": round(worst / 60, 1)}
    figures["peers_publishing_daily"] = {"mean_min": 720.0, "worst_min": 1440.0}
    report = {
        **shared.header("freshness", load_before),
        "setup": "make run's stack: SQLite, embedded broker, gunicorn, one worker, beat; "
                 f"beat tick {TICK_SECONDS} s; source interval {INTERVAL_MINUTES} min",
        "samples": samples, **figures,
        "seconds": round(time.perf_counter() - started, 1),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    m = figures["measured_interval_1_min"]
    print(f"measured, source interval {INTERVAL_MINUTES} min, {len(samples)} moves: "
          f"notice -> email median {m['notice_to_email_median_s']} s "
          f"(max {m['notice_to_email_max_s']} s; goal under {m['goal_s']} s), "
          f"notice -> feed SEQUENCE median {m['notice_to_feed_median_s']} s, "
          f"fetch -> email median {pipeline} s")
    for name in ("computed_default_with_etag", "computed_default_without_etag",
                 "computed_baseline_before", "peers_publishing_daily"):
        f = figures[name]
        print(f"{name.replace('_', ' ')}: mean {f['mean_min']} min, worst {f['worst_min']} min")
    return report


if __name__ == "__main__":
    main()
