"""Scale-out: a burst of alert emails sent by 1, 2 and 4 Celery mail workers, each its own
process (as separate machines would run them), on Redis and on RabbitMQ, with PostgreSQL.

A throwaway database (``depcal_bench_scale_<pid>``) gets the shipped catalogue, ``--messages``
confirmed subscribers and one new entry whose 30-day alert is due: ``alerts.record_alerts``
puts one alert per subscriber in the ledger. For each broker and number of workers the ledger
is set back to pending, a loopback SMTP server (aiosmtpd, its own process) starts counting,
the workers start (``celery worker --pool solo``: one sender each), and one
``notifier.tasks.send_pending`` task per worker goes on a queue of this run's own. Each task
claims batches until nothing is left, so the workers share the ledger through its claims.

Throughput is the number of messages over the sending window the ledger records (first
``send_started_at`` to last ``sent_at``), so starting the workers is not counted. Then the
ledger and the SMTP server must agree: every row sent exactly once, every recipient received
once, none twice. Prints a table and writes bench/results/scale.json. ``--messages`` (default
100,000), ``--workers 1,2,4``, ``--brokers redis,rabbitmq``; BENCH_POSTGRES_URL,
BENCH_REDIS_URL and BENCH_AMQP_URL name the servers.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench import shared
from bench.app_server import free_port

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "scale.json"
BENCH_DB = f"depcal_bench_scale_{os.getpid()}"
QUEUE = f"perfscale_bench_mail_{os.getpid()}"  # this run's own queue on a shared broker
BROKERS = {
    "redis": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6"),
    "rabbitmq": os.environ.get("BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//"),
}
SEND_TIMEOUT = 1800
ENQUEUE = ("import sys, django; django.setup(); from notifier.tasks import send_pending; "
           "[send_pending.apply_async(queue=sys.argv[1]) for _ in range(int(sys.argv[2]))]")
DUE_DAY = date(2031, 5, 18)


# The SMTP server, in its own process: counts each recipient of each message.

def run_sink(port: int) -> None:
    from aiosmtpd.controller import Controller

    received = Counter()

    class Counting:
        async def handle_DATA(self, server, session, envelope):
            received.update(envelope.rcpt_tos)
            return "250 OK"

    controller = Controller(Counting(), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    sys.stdin.read()  # until the parent closes our stdin
    controller.stop()
    print(json.dumps(received), flush=True)


# Preparing the ledger (Django set up on the bench database).

def prepare(messages: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from deprecations import changes
    from deprecations.models import Vendor
    from notifier import alerts
    from notifier.models import lead_bit

    call_command("migrate", verbosity=0)
    call_command("load_catalogue", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO notifier_subscriber (id, email, status, lead_mask, digest, language, "
            "feed_token, link_key, requested_at, confirmed_at, confirmed_on, confirm_requests, "
            "confirmations, bounce_reason) "
            "SELECT n, 'u' || n || '@bench.example', 'confirmed', %s, 'none', 'en', "
            "md5('feed' || n), md5('link' || n), %s, %s, %s, 1, 1, '' "
            "FROM generate_series(1, %s) n",
            [lead_bit(30), datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC),
             date(2025, 1, 1), messages])
        cursor.execute("SELECT setval(pg_get_serial_sequence('notifier_subscriber', 'id'), %s)",
                       [messages])
    changes.create_retirement(Vendor.objects.first(), "bench-scale-model",
                         shutdown_on=DUE_DAY + timedelta(days=30),
                         replacements=["bench-scale-model-2"], via="bench")
    due = alerts.record_alerts(DUE_DAY, replay=True)
    assert due.messages == messages, due
    print("prepared", flush=True)


# The orchestrating process.




def _sql(query: str, params=()) -> list[tuple]:
    import psycopg

    with psycopg.connect(shared.database_url(BENCH_DB), autocommit=True) as conn:
        cursor = conn.execute(query, params)
        return cursor.fetchall() if cursor.description else []


def _env(broker: str, port: int) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DEPCAL_TODAY"}
    env.update({
        "DJANGO_SETTINGS_MODULE": "depcal.settings", "DATABASE_URL": shared.database_url(BENCH_DB),
        "CELERY_BROKER_URL": broker, "CELERY_RESULT_BACKEND": "cache+memory://",
        "CELERY_TASK_ALWAYS_EAGER": "false", "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(40), "SITE_URL": "https://depcal.bench",
        "LOG_LEVEL": "WARNING", "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port), "PYTHONPATH": str(ROOT),
    })
    return env


def _reset_ledger() -> None:
    _sql("UPDATE notifier_delivery SET status = 'pending', attempts = 0, claim_token = '', "
         "claimed_by = '', lease_until = NULL, send_started_at = NULL, sent_at = NULL, "
         "message_id = '', last_error = '', next_attempt_at = now() - interval '1 second'")
    _sql("VACUUM ANALYZE notifier_delivery")


def _start_workers(count: int, env: dict, logs: Path) -> list[subprocess.Popen]:
    workers = []
    for n in range(count):
        log = logs / f"worker{n}.log"
        workers.append(subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "depcal", "worker", "--pool", "solo",
             "--queues", QUEUE, "-n", f"{QUEUE}_{n}@%h", "--without-gossip", "--without-mingle",
             "--loglevel", "INFO", "--logfile", str(log)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    deadline = time.monotonic() + 180
    while not all((logs / f"worker{n}.log").exists()
                  and "ready." in (logs / f"worker{n}.log").read_text() for n in range(count)):
        if time.monotonic() > deadline:
            raise RuntimeError("the workers did not start")
        time.sleep(0.5)
    return workers


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


def one_run(broker_name: str, workers: int, messages: int) -> dict:
    broker = BROKERS[broker_name]
    _reset_ledger()
    port = free_port()
    sink = subprocess.Popen([sys.executable, "-m", "bench.bench_scale", "--sink", str(port)],
                            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    processes = []
    try:
        assert sink.stdout.readline().strip() == "ready", "the SMTP server did not start"
        with tempfile.TemporaryDirectory(prefix="depcal-bench-scale-") as logs:
            env = _env(broker, port)
            processes = _start_workers(workers, env, Path(logs))
            # Queued with the project's own Celery settings, as the beat or a page would.
            subprocess.run([sys.executable, "-c", ENQUEUE, QUEUE, str(workers)], cwd=ROOT,
                           env=env, check=True, timeout=120)
            deadline = time.monotonic() + SEND_TIMEOUT
            while _sql("SELECT COUNT(*) FROM notifier_delivery "
                       "WHERE status IN ('pending', 'sending')")[0][0]:
                if time.monotonic() > deadline:
                    raise RuntimeError("the burst was not sent in time")
                time.sleep(0.5)
    finally:
        _stop(processes)
        sink.stdin.close()
        received = Counter(json.loads(sink.stdout.readline() or "{}"))
        sink.wait(30)
    (sent, started, finished, workers_seen), = _sql(
        "SELECT COUNT(*) FILTER (WHERE status = 'sent'), MIN(send_started_at), MAX(sent_at), "
        "COUNT(DISTINCT claimed_by) FROM notifier_delivery")
    ledger = Counter(email for (email,) in _sql(
        "SELECT s.email FROM notifier_delivery d JOIN notifier_subscriber s "
        "ON s.id = d.subscriber_id WHERE d.status = 'sent'"))
    seconds = (finished - started).total_seconds()
    return {
        "broker": broker_name, "workers": workers, "messages": messages,
        "ledger_sent": sent, "smtp_received": sum(received.values()),
        "duplicates_at_smtp": sum(n - 1 for n in received.values() if n > 1),
        "ledger_and_smtp_agree": received == ledger and sent == messages,
        "senders_that_claimed": workers_seen,
        "sending_seconds": round(seconds, 2), "msgs_per_s": round(messages / seconds, 1),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench scale")
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--brokers", default="redis,rabbitmq")
    args = parser.parse_args(argv or [])
    counts = [int(n) for n in args.workers.split(",")]
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    shared.database(BENCH_DB, "create")
    runs = []
    try:
        done = subprocess.run([sys.executable, "-m", "bench.bench_scale", "--prepare",
                               str(args.messages)], cwd=ROOT, env=_env(BROKERS["redis"], 25),
                              stdout=subprocess.PIPE, text=True, timeout=SEND_TIMEOUT)
        if done.returncode or "prepared" not in done.stdout:
            raise RuntimeError(f"preparing failed:\n{done.stdout[-3000:]}")
        for broker in args.brokers.split(","):
            for workers in counts:
                print(f"  {broker}, {workers} worker(s)...", file=sys.stderr, flush=True)
                runs.append(one_run(broker, workers, args.messages))
    finally:
        shared.database(BENCH_DB, "drop")
    report = {
        **shared.header("scale", load_before),
        "database": "PostgreSQL (a throwaway database)",
        "smtp_server": "aiosmtpd in its own process, 127.0.0.1, counts each recipient",
        "runs": runs, "seconds": round(time.perf_counter() - started, 1),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"{args.messages:,} alert emails per run, Celery mail workers (one process each, "
          f"--pool solo), PostgreSQL, aiosmtpd; {os.cpu_count()} cores, load average "
          f"before/after {report['machine']['load_average_1min_before_after']}:")
    print("  broker    workers  msg/s   vs 1 worker  sent  received  duplicates  agree")
    for run in runs:
        first = next(r for r in runs if r["broker"] == run["broker"])
        print(f"  {run['broker']:<9} {run['workers']:>7} {run['msgs_per_s']:>6.1f} "
              f"{run['msgs_per_s'] / first['msgs_per_s']:>11.2f}x {run['ledger_sent']:>5} "
              f"{run['smtp_received']:>9} {run['duplicates_at_smtp']:>11}  "
              f"{run['ledger_and_smtp_agree']}")
    print(f"wrote {RESULTS.relative_to(ROOT)} in {report['seconds']} s")
    if not all(run["ledger_and_smtp_agree"] for run in runs):
        raise AssertionError("the ledger and the SMTP server disagree")
    return report


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--sink":
        run_sink(int(sys.argv[2]))
    elif len(sys.argv) == 3 and sys.argv[1] == "--prepare":
        prepare(int(sys.argv[2]))
    else:
        main(sys.argv[1:])
