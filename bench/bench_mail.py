"""How fast the notifier finds due messages and sends them.

(a) Due computation on PostgreSQL: a throwaway database (``depcal_bench_mail_<pid>``,
    created and dropped here) with the shipped catalogue and 100,000 confirmed subscribers
    (loaded with COPY; 70% follow everything, 20% one or two vendors, 10% a few models;
    mixed lead times and digest cadences). Times ``alerts.record_alerts`` for the
    catalogue's busiest alert day (dry count, and the real INSERT ... SELECT rolled back
    after each run) and
    ``alerts.record_digests`` for a Monday, each as the median of a few runs, with the
    catalogue's history made old and three dates moved just now (the steady state); and,
    once, the change query when every entry is new to every subscriber (the worst case).
(b) Sending: ``send.send_pending`` - the function a Celery worker runs: claim, compose from
    templates, one SMTP connection, mark sent - for SEND_COUNT due alerts, to an aiosmtpd
    server in another process on 127.0.0.1, next to a plain ``smtplib`` loop sending the
    very same (pre-composed) messages over one connection, the two alternated for
    SEND_RUNS rounds (medians, with the load average at each round, and the sending
    process's CPU time per message, which a noisy machine moves less); composing each
    message alone (nothing shared across a batch) is timed too. Twice: against a server
    that offers PIPELINING (RFC 2920, as Postfix and most relays do; depcal then sends each
    envelope in one write, smtplib never does) and against one that does not (aiosmtpd's
    default).

Prints medians and ratios and writes bench/results/mail.json. BENCH_POSTGRES_URL names the
server (default postgres://postgres@127.0.0.1:5432/postgres). About 2.5 minutes on an idle
two-core machine; the child process is stopped after CHILD_TIMEOUT seconds.
"""

from __future__ import annotations

import json
import os
import secrets
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench import shared
from bench.app_server import free_port

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "mail.json"
BENCH_DB = f"depcal_bench_mail_{os.getpid()}"  # unique: runs may overlap
SUBSCRIBERS = 100_000
SEND_COUNT = 500
DUE_RUNS = 3
SEND_RUNS = 5
PART_RUNS = 25
CHILD_TIMEOUT = 900  # the shared machine may be busy
# BENCH_MAIL_PARTS=send times the sending part alone (a quicker loop while working on it);
# BENCH_MAIL_PROFILE=1 adds a profile of one more run of the real path (to stderr), and
# BENCH_MAIL_CALLEES=<regex> what the functions it matches call.
PARTS = os.environ.get("BENCH_MAIL_PARTS", "due,send").split(",")
# The two SMTP servers the sending part is measured against.
SERVERS = {"pipelining": "that offers PIPELINING (as Postfix does)",
           "plain": "that does not offer PIPELINING (aiosmtpd's default)"}


# The SMTP server, in its own process so it does not share the sender's interpreter.

def run_sink(port: int, pipelining: bool) -> None:
    from aiosmtpd.controller import Controller

    class Counting:
        count = 0

        async def handle_EHLO(self, server, session, envelope, hostname, responses):
            session.host_name = hostname
            if pipelining:  # aiosmtpd reads commands from a buffered stream, in order
                return [*responses[:-1], "250-PIPELINING", responses[-1]]
            return responses

        async def handle_DATA(self, server, session, envelope):
            Counting.count += 1
            return "250 OK"

    controller = Controller(Counting(), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    sys.stdin.read()  # until the parent closes our stdin
    controller.stop()


# The measuring process (Django set up on the bench database).

def _seed_subscribers(count: int) -> dict:
    import io
    import random

    from django.db import connection

    from deprecations.models import Retirement, Vendor
    from notifier.models import DEFAULT_LEAD_TIMES, LEAD_TIME_CHOICES, lead_mask

    rng = random.Random(5)
    vendors = list(Vendor.objects.values_list("slug", flat=True))
    families = sorted({"-".join(i.split("-")[:2]) for i in Retirement.objects.values_list(
        "offering__identifier", flat=True)})
    now = datetime(2025, 1, 1, tzinfo=UTC).isoformat()
    subscribers, follows = io.StringIO(), io.StringIO()
    # Other non-null columns (e.g. the email language), filled with their defaults.
    from notifier.models import Subscriber

    known = {"id", "email", "status", "lead_mask", "digest", "feed_token", "requested_at",
             "confirmed_at", "confirmed_on", "confirm_requests", "confirmations",
             "bounce_reason"}
    extra = [f for f in Subscriber._meta.concrete_fields
             if f.column not in known and not f.null and f.has_default()]
    extra_columns = "".join(f", {f.column}" for f in extra)
    kinds = {"everything": 0, "vendors": 0, "models": 0}
    for n in range(1, count + 1):
        # Per row: a default may be a fresh random value under a unique constraint.
        extra_tail = "".join("\t" + str(f.get_default()) for f in extra)
        if rng.random() < 0.6:
            mask = lead_mask(DEFAULT_LEAD_TIMES)
        else:
            mask = lead_mask(rng.sample(LEAD_TIME_CHOICES, rng.randint(1, 4)))
        digest = rng.choices(["weekly", "daily", "none"], [7, 2, 1])[0]
        subscribers.write(f"{n}\tu{n}@bench.example\tconfirmed\t{mask}\t{digest}\t"
                          f"{secrets.token_urlsafe(18)}\t{now}\t{now}\t2025-01-01\t1\t1\t"
                          f"{extra_tail}\n")
        kind = rng.choices(list(kinds), [7, 2, 1])[0]
        kinds[kind] += 1
        if kind == "vendors":
            for slug in rng.sample(vendors, min(len(vendors), rng.randint(1, 2))):
                follows.write(f"{n}\tvendor\t{slug}\n")
        elif kind == "models":
            for family in rng.sample(families, rng.randint(1, 3)):
                follows.write(f"{n}\tmodel\t{family}\n")
    with connection.cursor() as cursor:
        with cursor.cursor.copy(
                "COPY notifier_subscriber (id, email, status, lead_mask, digest, feed_token, "
                "requested_at, confirmed_at, confirmed_on, confirm_requests, confirmations, "
                f"bounce_reason{extra_columns}) FROM STDIN") as copy:
            copy.write(subscribers.getvalue())
        with cursor.cursor.copy(
                "COPY notifier_follow (subscriber_id, kind, value) FROM STDIN") as copy:
            copy.write(follows.getvalue())
        cursor.execute("SELECT setval(pg_get_serial_sequence('notifier_subscriber', 'id'), %s)",
                       [count])
    return kinds


def _busiest_day(start: date) -> tuple[date, int]:
    """The day in the year from ``start`` whose alert windows hold the most entries."""
    from deprecations.models import Retirement
    from notifier.alerts import CATCH_UP_DAYS
    from notifier.models import LEAD_TIME_CHOICES

    days = list(Retirement.objects.exclude(status="withdrawn").exclude(shutdown_on=None)
                .values_list("shutdown_on", flat=True))
    best = (start, -1)
    for offset in range(365):
        today = start + timedelta(days=offset)
        hits = sum(1 for lead in LEAD_TIME_CHOICES for d in days
                   if today <= d and 0 <= (today + timedelta(days=lead) - d).days <= CATCH_UP_DAYS)
        if hits > best[1]:
            best = (today, hits)
    return best


_STARTED = time.perf_counter()


def progress(what: str) -> None:
    print(f"  [{time.perf_counter() - _STARTED:6.1f} s] {what}", file=sys.stderr, flush=True)


def _vacuum() -> None:
    """What autovacuum would have done by the next run (rolled-back rows are dead tuples)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE notifier_delivery")


def _timed(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
        _vacuum()
    return statistics.median(times), result


def _rolled_back(fn):
    from django.db import transaction

    def run():
        with transaction.atomic():
            result = fn()
            transaction.set_rollback(True)
        return result
    return run


def measure_due() -> dict:
    from django.db import connection

    from deprecations import changes
    from deprecations.models import Change, Retirement
    from notifier import alerts

    progress("seeding subscribers")
    t0 = time.perf_counter()
    kinds = _seed_subscribers(SUBSCRIBERS)
    seeded = time.perf_counter() - t0
    progress("finding the busiest day")
    day, windows = _busiest_day(date(2026, 1, 1))
    monday = day - timedelta(days=day.weekday())
    progress("worst case")
    # Worst case first: the whole catalogue is new (just loaded) for every subscriber.
    t0 = time.perf_counter()
    all_new = alerts._told_count(alerts._changes_select(day))
    all_new_s = time.perf_counter() - t0
    progress("steady state")
    # Then the steady state: old history, and three dates moved just now.
    Change.objects.update(changed_at=datetime(2024, 6, 1, tzinfo=UTC))
    for entry in Retirement.objects.filter(shutdown_on__gte=day)[:3]:
        changes.move_date(entry, "shutdown_on", entry.shutdown_on + timedelta(days=14),
                          via="bench")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    progress("alerts dry")
    dry_s, dry = _timed(lambda: alerts.record_alerts(day, replay=True, dry_run=True), DUE_RUNS)
    progress("alerts insert")
    insert_s, inserted = _timed(
        _rolled_back(lambda: alerts.record_alerts(day, replay=True)), DUE_RUNS)
    progress("digests")
    digest_s, digests = _timed(
        _rolled_back(lambda: alerts.record_digests(monday, replay=True)), DUE_RUNS)
    return {
        "subscribers": SUBSCRIBERS, "follow_mix": kinds, "seed_seconds": round(seeded, 2),
        "alert_day": day.isoformat(), "entry_windows_that_day": windows,
        "alerts_and_changes_dry_count_median_s": round(dry_s, 3),
        "lead_time_alerts_due": dry.alerts, "change_emails_due": dry.changes,
        "alerts_and_changes_insert_median_s": round(insert_s, 3),
        "rows_inserted": inserted.total,
        "digest_day": monday.isoformat(), "digests_insert_median_s": round(digest_s, 3),
        "digests_inserted": digests.digests,
        "worst_case_change_emails_when_every_entry_is_new": all_new,
        "worst_case_change_query_s": round(all_new_s, 3),
    }


def measure_send(ports: dict[str, int]) -> dict:
    import smtplib

    from django.conf import settings
    from django.db import connection

    from deprecations import changes
    from deprecations.models import Vendor
    from notifier import alerts, compose, outbox, send
    from notifier.models import Delivery, Subscriber

    progress("send: preparing")
    # SEND_COUNT subscribers who follow everything with a 30-day lead; one entry due.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM notifier_mention")
        cursor.execute("DELETE FROM notifier_delivery")
        cursor.execute("DELETE FROM notifier_mentionlist")
        cursor.execute(
            "UPDATE notifier_subscriber SET status = 'unsubscribed' WHERE id NOT IN ("
            "SELECT s.id FROM notifier_subscriber s WHERE (s.lead_mask & 8) <> 0 AND NOT EXISTS "
            "(SELECT 1 FROM notifier_follow f WHERE f.subscriber_id = s.id) ORDER BY s.id "
            "LIMIT %s)", [SEND_COUNT])
    shutdown = date(2031, 6, 17)
    changes.create_retirement(Vendor.objects.first(), "bench-send-model", shutdown_on=shutdown,
                         replacements=["bench-send-model-2"], via="bench")
    progress("send: recording")
    due = alerts.record_alerts(shutdown - timedelta(days=30), replay=True)
    assert due.alerts == SEND_COUNT, due
    policy = outbox.SendPolicy.from_settings(batch_size=100)
    rows = list(Delivery.objects.select_related("subscriber"))

    def reset():
        Delivery.objects.update(status="pending", attempts=0, claim_token="", sent_at=None,
                                next_attempt_at=datetime.now(UTC) - timedelta(seconds=1))
        outbox._message_id.cache_clear()  # as new rows: each id formatted once per round

    progress("send: composing")
    t0 = time.perf_counter()
    composed = [compose.compose(row) for row in rows]
    compose_s = time.perf_counter() - t0
    raw = [(settings.DEFAULT_FROM_EMAIL, m.to, m.message().as_bytes(linesep="\r\n"))
           for m in composed]

    # Each returns (wall seconds, this process's CPU seconds): the sender's own work per
    # message, which the machine's noise moves less than the time.
    def real_path():
        return shared.timed_send(reset, lambda: send.send_pending(policy=policy), SEND_COUNT)

    def plain_smtplib():
        t, cpu = time.perf_counter(), time.process_time()
        with smtplib.SMTP("127.0.0.1", settings.EMAIL_PORT) as smtp:
            for sender, to, body in raw:
                smtp.sendmail(sender, to, body)
        return time.perf_counter() - t, time.process_time() - cpu

    def smtplib_and_a_row():
        """The plain loop, plus what keeps a killed sender's repeats at one message: one
        single-row update per message, committed without waiting for the disk, one after
        the other (depcal overlaps it with the envelope). Where the time goes, not the goal's
        baseline."""
        t, cpu = time.perf_counter(), time.process_time()
        with connection.cursor() as cursor, smtplib.SMTP("127.0.0.1", settings.EMAIL_PORT) as smtp:
            cursor.execute("SET synchronous_commit = off")
            for (sender, to, body), row in zip(raw, rows, strict=True):
                cursor.execute("UPDATE notifier_delivery SET attempts = attempts + 1 "
                               "WHERE id = %s", [row.pk])
                smtp.sendmail(sender, to, body)
            cursor.execute("RESET synchronous_commit")
        return time.perf_counter() - t, time.process_time() - cpu

    def server(name: str) -> dict:
        settings.EMAIL_PORT = ports[name]
        # Alternated, so that both see the same load on a shared machine.
        loops = {"real_path": real_path, "plain_smtplib": plain_smtplib,
                 "smtplib_and_a_row": smtplib_and_a_row}
        wall, cpu, loads = {k: [] for k in loops}, {k: [] for k in loops}, []
        for n in range(SEND_RUNS):
            progress(f"send ({name} server): round {n + 1} of {SEND_RUNS}")
            loads.append(os.getloadavg()[0])
            for key, loop in loops.items():
                seconds, cpu_seconds = loop()
                wall[key].append(seconds)
                cpu[key].append(cpu_seconds)
        real_s, plain_s = wall["real_path"], wall["plain_smtplib"]
        real, plain = statistics.median(real_s), statistics.median(plain_s)
        if os.environ.get("BENCH_MAIL_PROFILE"):
            import cProfile
            import pstats
            prof = cProfile.Profile()
            prof.runcall(real_path)
            for order in ("cumulative", "tottime"):
                pstats.Stats(prof, stream=sys.stderr).sort_stats(order).print_stats(45)
            if os.environ.get("BENCH_MAIL_CALLEES"):
                pstats.Stats(prof, stream=sys.stderr).sort_stats("cumulative").print_callees(
                    os.environ["BENCH_MAIL_CALLEES"])
        return {
            "real_path_msgs_per_s": round(SEND_COUNT / real, 1),
            "plain_smtplib_msgs_per_s": round(SEND_COUNT / plain, 1),
            "real_path_rounds_msgs_per_s": [round(SEND_COUNT / t, 1) for t in real_s],
            "plain_smtplib_rounds_msgs_per_s": [round(SEND_COUNT / t, 1) for t in plain_s],
            "real_over_plain": round(plain / real, 2),
            "smtplib_and_a_row_msgs_per_s": round(
                SEND_COUNT / statistics.median(wall["smtplib_and_a_row"]), 1),
            "sender_cpu_us_per_msg": {key: round(statistics.median(v) / SEND_COUNT * 1e6)
                                      for key, v in cpu.items()},
            "load_average_1min_during": [round(x, 2) for x in loads],
        }

    def batch_parts() -> dict:
        """depcal's own parts of sending, timed alone per message of one batch (the fastest
        of PART_RUNS): composing with what a batch shares, claiming a batch (and giving it
        back), loading what its messages tell."""
        import timeit

        reset()
        token, batch = outbox.claim(policy=policy)
        compose.prepare(batch)

        def composing():
            outbox._message_id.cache_clear()
            composer = compose.Composer()
            for row in batch:
                composer.compose(row)
        parts = {"compose": composing, "load": lambda: compose.prepare(batch),
                 "claim": lambda: outbox.release(outbox.claim(policy=policy)[0])}
        fastest = {key: min(timeit.repeat(part, number=1, repeat=PART_RUNS))
                   for key, part in parts.items()}
        outbox.release(token)
        return {key: round(t / len(batch) * 1e6) for key, t in fastest.items()}

    progress("send: parts")
    parts = batch_parts()
    _vacuum()  # the parts' claims leave dead entries in the ready index the rounds claim from
    servers = {name: server(name) for name in SERVERS}
    assert Subscriber.objects.filter(status="confirmed").count() == SEND_COUNT
    return {
        "messages": SEND_COUNT, "batch_size": policy.batch_size, "rounds": SEND_RUNS,
        "servers": servers,
        "compose_only_msgs_per_s": round(SEND_COUNT / compose_s, 1),
        "batch_parts_us_per_msg": parts,
        "message_bytes_median": int(statistics.median(len(b) for _, _, b in raw)),
    }


def child(ports: dict[str, int]) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    progress("migrating")
    call_command("migrate", verbosity=0)
    call_command("load_catalogue", verbosity=0)
    result = {}
    if "due" in PARTS:
        result["due"] = measure_due()
    else:  # enough subscribers for the sending part alone
        _seed_subscribers(SEND_COUNT * 6)
    result["send"] = measure_send(ports)
    print("RESULT " + json.dumps(result), flush=True)


# The orchestrating process.

def _print_due(due: dict) -> None:
    print(f"due computation, {due['subscribers']:,} subscribers x the catalogue, PostgreSQL "
          f"(busiest alert day {due['alert_day']}: {due['entry_windows_that_day']} entry "
          f"windows; 3 dates moved just now), median of {DUE_RUNS}:")
    print(f"  alerts + changes, count only {due['alerts_and_changes_dry_count_median_s']:7.3f} s "
          f"({due['lead_time_alerts_due']:,} alerts, {due['change_emails_due']:,} changes)")
    print(f"  alerts + changes, insert     {due['alerts_and_changes_insert_median_s']:7.3f} s "
          f"({due['rows_inserted']:,} ledger rows)")
    print(f"  digests, insert              {due['digests_insert_median_s']:7.3f} s "
          f"({due['digests_inserted']:,} ledger rows, Monday {due['digest_day']})")
    print(f"  worst case, change emails when every entry is new: "
          f"{due['worst_case_change_query_s']:.3f} s "
          f"({due['worst_case_change_emails_when_every_entry_is_new']:,} due; one run)")


def _print_send(send: dict) -> None:
    print(f"sending {send['messages']} alerts over one connection, median of {send['rounds']} "
          f"alternated rounds; composing alone {send['compose_only_msgs_per_s']:.1f} msg/s "
          f"(one message at a time, nothing shared)")
    parts = send["batch_parts_us_per_msg"]
    print(f"  depcal's parts alone, per message of a batch of {send['batch_size']} (fastest of "
          f"{PART_RUNS}): composing {parts['compose']} us, claiming (and giving back) "
          f"{parts['claim']} us, loading what they tell {parts['load']} us")
    for name, server in send["servers"].items():
        print(f"  to a server {SERVERS[name]} (load average "
              f"{server['load_average_1min_during']}):")
        print(f"    depcal send_pending {server['real_path_msgs_per_s']:8.1f} msg/s "
              f"(claim + compose + send + mark sent)")
        print(f"    plain smtplib loop  {server['plain_smtplib_msgs_per_s']:8.1f} msg/s "
              f"(the same bytes, composed beforehand)")
        print(f"    smtplib + a row     {server['smtplib_and_a_row_msgs_per_s']:8.1f} msg/s "
              f"(the plain loop writing one row per message, as depcal must; not the goal's "
              f"baseline)")
        mine = server["sender_cpu_us_per_msg"]
        print(f"    the sender's CPU per message (median): depcal {mine['real_path']} us, "
              f"smtplib {mine['plain_smtplib']} us, smtplib + a row "
              f"{mine['smtplib_and_a_row']} us")
        print(f"    depcal / smtplib: {server['real_over_plain']}x")


def _start_sink(port: int, pipelining: bool) -> subprocess.Popen:
    sink = subprocess.Popen(
        [sys.executable, "-m", "bench.bench_mail", "--sink", str(port), str(int(pipelining))],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert sink.stdout.readline().strip() == "ready", "the SMTP sink did not start"
    return sink


def _stop_sink(sink: subprocess.Popen) -> None:
    sink.stdin.close()
    try:
        sink.wait(10)
    except subprocess.TimeoutExpired:
        sink.kill()


def main() -> dict:
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    ports = {name: free_port() for name in SERVERS}
    sinks = []
    try:
        sinks += [_start_sink(ports[name], name == "pipelining") for name in SERVERS]
        shared.database(BENCH_DB, "create")
        env = shared.environment(
            BENCH_DB, EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(ports["plain"]),
            BENCH_MAIL_PORTS=json.dumps(ports))
        result = shared.run("bench.bench_mail", ports["plain"], env, CHILD_TIMEOUT)
    finally:
        for sink in sinks:
            _stop_sink(sink)
        shared.database(BENCH_DB, "drop")
    report = {
        **shared.header("mail", load_before),
        "database": "PostgreSQL (a throwaway database)",
        "smtp_servers": {name: f"aiosmtpd in another process, 127.0.0.1, {what}, counts and "
                               "answers 250" for name, what in SERVERS.items()},
        **result,
        "seconds": round(time.perf_counter() - started, 1),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    if "due" in result:
        _print_due(result["due"])
    _print_send(result["send"])
    print(f"wrote {RESULTS.relative_to(ROOT)} in {report['seconds']} s")
    return report


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--sink":
        run_sink(int(sys.argv[2]), sys.argv[3] == "1")
    elif len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(json.loads(os.environ["BENCH_MAIL_PORTS"]))
    else:
        main()
