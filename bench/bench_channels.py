"""How fast channel messages go out: signed webhooks, against a plain ``requests`` loop.

``deliver.send_pending`` - what the channels' Celery task runs: claim from the ledger,
gather the message's events and the entry as the API shows it, write and sign the JSON
(Standard Webhooks), resolve and check the address, POST through the guarded transport with
its deadline, mark sent - for SEND_COUNT due messages (one per channel, each its own
subscriber), to a receiver in another process on 127.0.0.1 that answers 204. Next to it, in
the same run and to the same receiver: a plain ``requests.post`` loop sending the very same
bodies and headers (composed and signed beforehand), and composing alone.

A throwaway PostgreSQL database (``depcal_bench_channels_<pid>``, created and dropped here;
BENCH_POSTGRES_URL names the server, default postgres://postgres@127.0.0.1:5432/postgres).
Prints medians and ratios and writes bench/results/channels.json. About a minute.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench import shared

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "channels.json"
BENCH_DB = f"depcal_bench_channels_{os.getpid()}"
SEND_COUNT = 300
RUNS = 3
CHILD_TIMEOUT = 280
DAY = date(2031, 5, 18)  # 30 days before the bench entry's shutdown


def run_receiver() -> None:
    """Answer every POST with 204, in threads, as a small webhook receiver would."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(f"ready {server.server_address[1]}", flush=True)
    server.serve_forever()


def _progress(what: str) -> None:
    print(f"  {what}", file=sys.stderr, flush=True)


def measure(port: int) -> dict:
    import requests
    from django.db import connection
    from django.utils import timezone

    from deprecations import changes
    from deprecations.models import Vendor
    from notifier import alerts, outbox
    from notifier.channels import content, deliver, webhook
    from notifier.models import Channel, ChannelMessage, Subscriber
    from notifier.subscriptions import set_choices

    url = f"http://127.0.0.1:{port}/hook"
    _progress("preparing")
    vendor, _ = Vendor.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    changes.create_retirement(vendor, "bench-model", shutdown_on=DAY + timedelta(days=30),
                         replacements=["bench-model-2"], via="bench")
    long_ago = datetime(2025, 1, 1, tzinfo=UTC)
    for n in range(SEND_COUNT):
        s = Subscriber.objects.create(email=f"u{n}@bench.example", status="confirmed",
                                      requested_at=long_ago, confirmed_at=long_ago,
                                      confirmed_on=long_ago.date())
        set_choices(s, lead_times=[30])
        Channel.objects.create(subscriber=s, kind="webhook", url=url, shown_as=url,
                               secret=webhook.new_secret(), status="active",
                               created_at=long_ago, activated_at=long_ago)
    alerts.record_alerts(DAY, replay=True)
    assert deliver.record(DAY).messages == SEND_COUNT
    rows = list(ChannelMessage.objects.select_related("channel__subscriber"))
    policy = outbox.SendPolicy.from_settings(batch_size=100)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

    def reset():
        ChannelMessage.objects.update(status="pending", attempts=0, claim_token="",
                                      sent_at=None, next_attempt_at=timezone.now())

    def real_path():
        return shared.timed_send(reset, lambda: deliver.send_pending(policy=policy),
                                 SEND_COUNT)[0]

    _progress("composing")
    t0 = time.perf_counter()
    now = timezone.now()
    prepared, in_common = [], {}
    for row in rows:
        row.message_id = content.message_id(row)
        body = content.for_row(row).body(in_common)
        prepared.append((body.encode(), webhook.headers(row.channel.secret, row.message_id,
                                                        body, now=now)))
    compose_s = time.perf_counter() - t0

    def plain_requests():
        t = time.perf_counter()
        for body, headers in prepared:
            response = requests.post(url, data=body, headers=headers, timeout=10)
            assert response.status_code == 204
        return time.perf_counter() - t

    real_times, plain_times = [], []
    for run in range(RUNS):  # alternating, so load on the machine falls on both alike
        _progress(f"run {run + 1}: depcal")
        real_times.append(real_path())
        _progress(f"run {run + 1}: requests")
        plain_times.append(plain_requests())
    real, plain = statistics.median(real_times), statistics.median(plain_times)
    return {
        "messages": SEND_COUNT, "batch_size": policy.batch_size,
        "depcal_msgs_per_s": round(SEND_COUNT / real, 1),
        "plain_requests_msgs_per_s": round(SEND_COUNT / plain, 1),
        "compose_and_sign_only_msgs_per_s": round(SEND_COUNT / compose_s, 1),
        "depcal_time_over_plain": round(real / plain, 2),
        "body_bytes_median": int(statistics.median(len(b) for b, _ in prepared)),
    }


def child(port: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    _progress("migrating")
    call_command("migrate", verbosity=0)
    print("RESULT " + json.dumps(measure(port)), flush=True)


def main() -> dict:
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    receiver = subprocess.Popen([sys.executable, "-m", "bench.bench_channels", "--receiver"],
                                cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        ready = receiver.stdout.readline().split()
        assert ready[:1] == ["ready"], "the receiver did not start"
        port = int(ready[1])
        shared.database(BENCH_DB, "create")
        env = shared.environment(BENCH_DB, DEPCAL_CHANNELS_ALLOW_PRIVATE="true")
        result = shared.run("bench.bench_channels", port, env, CHILD_TIMEOUT)
    finally:
        receiver.terminate()
        receiver.wait(10)
        shared.database(BENCH_DB, "drop")
    report = {
        **shared.header("channels", load_before),
        "database": "PostgreSQL (a throwaway database)",
        "receiver": "http.server in another process, 127.0.0.1, answers 204 (HTTP/1.0: a "
                    "connection per request, for both senders)",
        **result,
        "seconds": round(time.perf_counter() - started, 1),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"signed webhook deliveries, {result['messages']} messages to one loopback "
          f"receiver, median of {RUNS}:")
    print(f"  depcal deliver.send_pending {result['depcal_msgs_per_s']:8.1f} msg/s "
          f"(claim + events + sign + guarded POST + mark sent)")
    print(f"  plain requests.post loop    {result['plain_requests_msgs_per_s']:8.1f} msg/s "
          f"(the same bodies and headers, made beforehand)")
    print(f"  composing and signing only  {result['compose_and_sign_only_msgs_per_s']:8.1f} "
          f"msg/s")
    print(f"  depcal takes {result['depcal_time_over_plain']}x the plain loop's time")
    return report


if __name__ == "__main__":
    if sys.argv[1:2] == ["--receiver"]:
        run_receiver()
    elif sys.argv[1:2] == ["--child"]:
        child(int(sys.argv[2]))
    else:
        main()
