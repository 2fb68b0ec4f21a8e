"""Due computation at scale: 2,000, 100,000 and 1,000,000 subscribers x the catalogue,
PostgreSQL.

A throwaway database (``depcal_bench_due_<pid>``, created and dropped here) gets the shipped
catalogue and N confirmed subscribers made by ``generate_series`` in the database itself
(70% follow everything, 20% one or two vendors, 10% one to three model families; 60% the
default lead times, the rest a mix; digests weekly 70%, daily 20%, none 10%). For each size,
on the catalogue's busiest alert day (history made old, three dates moved just now, as
``bench_mail`` does):

- ``alerts.record_alerts(dry_run=True)``: the count of due alerts and change emails;
- ``alerts.record_alerts``: the same inserted into the ledger (the mentions, then one message
  per subscriber and kind pointing at the list of what it tells), committed, as the hourly
  task does, with the time of each of its statements and the ledger's size on disk after;
- ``alerts.record_alerts`` again, as the next hourly run that day: everything is told, so it
  inserts nothing, but it must look up what was told for every alert it finds;
- ``alerts.record_digests`` for that week's Monday, committed;

with the EXPLAIN (ANALYZE) plan of each counting statement (a second pass). Inserting is
measured up to ``--insert-up-to`` subscribers. Prints timings, row counts and plans; writes
bench/results/due.json.
``--sizes 2000,100000,1000000`` chooses the sizes (each one grows the subscribers of the one
before). BENCH_POSTGRES_URL names the server (default postgres://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench import shared

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "due.json"
BENCH_DB = f"depcal_bench_due_{os.getpid()}"  # unique: runs may overlap
SIZES = (2_000, 100_000, 1_000_000)  # a small ledger too: its plans differ
CHILD_TIMEOUT = 1800

_STARTED = time.perf_counter()


def progress(what: str) -> None:
    print(f"  [{time.perf_counter() - _STARTED:6.1f} s] {what}", file=sys.stderr, flush=True)


# The measuring process (Django set up on the bench database).

def _uniform(salt: str) -> str:
    """SQL for a number in [0, 1) fixed by the subscriber number n and ``salt``."""
    return f"(('x' || substr(md5(n::text || '{salt}'), 1, 7))::bit(28)::int / 268435456.0)"


def seed(first: int, last: int) -> None:
    """Subscribers ``first``..``last`` and what they follow, made in the database."""
    from django.db import connection

    from deprecations.models import Retirement, Vendor
    from notifier.models import DEFAULT_LEAD_TIMES, lead_mask

    vendors = sorted(Vendor.objects.values_list("slug", flat=True))
    families = sorted({"-".join(i.split("-")[:2]) for i in Retirement.objects.values_list(
        "offering__identifier", flat=True)})
    who = _uniform("who")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO notifier_subscriber (id, email, status, lead_mask, digest, language, "
            "feed_token, link_key, requested_at, confirmed_at, confirmed_on, confirm_requests, "
            "confirmations, bounce_reason) "
            f"SELECT n, 'u' || n || '@bench.example', 'confirmed', "
            f"CASE WHEN {_uniform('lead')} < 0.6 THEN %s "
            f"ELSE 1 + floor({_uniform('mask')} * 127)::int END, "
            f"CASE WHEN {_uniform('digest')} < 0.7 THEN 'weekly' "
            f"WHEN {_uniform('digest')} < 0.9 THEN 'daily' ELSE 'none' END, "
            f"'en', md5('feed' || n), md5('link' || n), %s, %s, %s, 1, 1, '' "
            f"FROM generate_series(%s::int, %s::int) n",
            [lead_mask(DEFAULT_LEAD_TIMES), datetime(2025, 1, 1, tzinfo=UTC),
             datetime(2025, 1, 1, tzinfo=UTC), date(2025, 1, 1), first, last])
        for kind, values, low, high, most in (("vendor", vendors, 0.7, 0.9, 2),
                                              ("model", families, 0.9, 1.0, 3)):
            cursor.execute(
                "INSERT INTO notifier_follow (subscriber_id, kind, value) "
                f"SELECT n, %s, (%s::text[])[1 + floor({_uniform('pick')} * k * 7919 "
                f"%% %s)::int] FROM generate_series(%s::int, %s::int) n, "
                f"generate_series(1, %s) k "
                f"WHERE {who} >= %s AND {who} < %s AND k <= 1 + floor({_uniform('many')} * %s) "
                f"ON CONFLICT DO NOTHING",
                [kind, values, len(values), first, last, most, low, high, most])
        cursor.execute("SELECT setval(pg_get_serial_sequence('notifier_subscriber', 'id'), %s)",
                       [last])


def _vacuum() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


LEDGER = ("notifier_delivery", "notifier_mentionlist", "notifier_mention")


def _clear_ledger() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(LEDGER)} CASCADE")
    _vacuum()


def _ledger_mb() -> float:
    """What the ledger's tables take on disk, their indexes included, in MB."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT SUM(pg_total_relation_size(to_regclass(t))) "
                       "FROM unnest(CAST(%s AS text[])) t", [list(LEDGER)])
        return round(int(cursor.fetchone()[0] or 0) / 1e6, 1)


def _timed(fn) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def _plans(day: date) -> list[dict]:
    """The EXPLAIN (ANALYZE) plans of the statements ``record_alerts(dry_run=True)`` runs."""
    from django.db import connection

    from notifier import alerts

    plans = []
    for name, (sql, params) in (
            ("lead-time alerts", alerts._alerts_select(day, True)),
            ("change emails", alerts._changes_select(day))):
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) SELECT SUM(due.told) FROM ({sql}) due",
                           params)
            plans.append({"statement": name, "plan": [row[0] for row in cursor.fetchall()]})
    return plans


class _Steps:
    """A database hook timing each statement of a run, named by its first words."""

    def __init__(self):
        self.seconds: list[tuple[str, float]] = []

    def __call__(self, execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds.append((" ".join(sql.split()[:3]), time.perf_counter() - t0))


def _insert(day: date) -> tuple[float, object, list]:
    """``record_alerts`` for ``day``, timed as a whole and statement by statement."""
    from django.db import connection

    from notifier import alerts

    steps = _Steps()
    with connection.execute_wrapper(steps):
        seconds, inserted = _timed(lambda: alerts.record_alerts(day, replay=True))
    return seconds, inserted, [[name, round(s, 2)] for name, s in steps.seconds if s >= 0.01]


def measure(size: int, day: date, monday: date, insert: bool) -> dict:
    from notifier import alerts

    _vacuum()
    progress(f"{size:,}: alerts + changes, count")
    count_s, counted = _timed(lambda: alerts.record_alerts(day, replay=True, dry_run=True))
    result = {"subscribers": size, "count_s": round(count_s, 2), "alerts_due": counted.alerts,
              "changes_due": counted.changes}
    progress(f"{size:,}: plans of the count")
    result["plans"] = _plans(day)
    if insert:
        progress(f"{size:,}: alerts + changes, insert")
        insert_s, inserted, steps = _insert(day)
        ledger_mb = _ledger_mb()
        progress(f"{size:,}: alerts + changes, the next run (nothing new)")
        again_s, again, again_steps = _insert(day)
        assert again.total == 0, again  # told once: the ledger would be wrong otherwise
        progress(f"{size:,}: digests, insert")
        digest_s, digests = _timed(lambda: alerts.record_digests(monday, replay=True))
        result.update({"insert_s": round(insert_s, 2), "told_inserted": inserted.total,
                       "messages_inserted": inserted.messages, "insert_steps": steps,
                       "ledger_mb": ledger_mb,
                       "again_s": round(again_s, 2), "again_steps": again_steps,
                       "digests_s": round(digest_s, 2),
                       "digests_inserted": digests.digests})
        _clear_ledger()
    return result


def child(sizes: list[int], insert_up_to: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    from bench.bench_mail import _busiest_day
    from deprecations import changes
    from deprecations.models import Change, Retirement

    progress("migrating")
    call_command("migrate", verbosity=0)
    call_command("load_catalogue", verbosity=0)
    day, windows = _busiest_day(date(2026, 1, 1))
    monday = day - timedelta(days=day.weekday())
    Change.objects.update(changed_at=datetime(2024, 6, 1, tzinfo=UTC))
    for entry in Retirement.objects.filter(shutdown_on__gte=day)[:3]:
        changes.move_date(entry, "shutdown_on", entry.shutdown_on + timedelta(days=14),
                          via="bench")
    results, made = [], 0
    for size in sorted(sizes):
        progress(f"seeding subscribers {made + 1:,}..{size:,}")
        seed_s, _ = _timed(lambda first=made + 1, last=size: seed(first, last))
        made = size
        result = measure(size, day, monday, size <= insert_up_to)
        result["seed_s"] = round(seed_s, 2)
        results.append(result)
    print("RESULT " + json.dumps({"alert_day": day.isoformat(), "entry_windows": windows,
                                  "digest_day": monday.isoformat(), "sizes": results}),
          flush=True)


# The orchestrating process.



def _print(result: dict, report: dict) -> None:
    print(f"due computation on PostgreSQL, busiest alert day {result['alert_day']} "
          f"({result['entry_windows']} entry windows; 3 dates moved just now); digests for "
          f"Monday {result['digest_day']}; load average before/after "
          f"{report['machine']['load_average_1min_before_after']}:")
    for size in result["sizes"]:
        print(f"  {size['subscribers']:>9,} subscribers (made in {size['seed_s']} s)")
        print(f"    alerts + changes, count   {size['count_s']:7.2f} s  "
              f"({size['alerts_due']:,} alerts, {size['changes_due']:,} changes)")
        if "insert_s" not in size:
            continue
        print(f"    alerts + changes, insert  {size['insert_s']:7.2f} s  "
              f"({size['told_inserted']:,} told in {size['messages_inserted']:,} messages; "
              f"the ledger then takes {size['ledger_mb']:,} MB)")
        for name, seconds in size["insert_steps"]:
            print(f"      {seconds:7.2f} s  {name} ...")
        print(f"    the next run, nothing new {size['again_s']:7.2f} s")
        for name, seconds in size["again_steps"]:
            print(f"      {seconds:7.2f} s  {name} ...")
        print(f"    digests, insert           {size['digests_s']:7.2f} s  "
              f"({size['digests_inserted']:,} messages)")
    for size in result["sizes"]:
        print(f"plans of the count for {size['subscribers']:,} subscribers (EXPLAIN ANALYZE, "
              f"second pass):")
        for plan in size["plans"]:
            print(f"  -- {plan['statement']}")
            for line in plan["plan"]:
                print(f"     {line}")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench due")
    parser.add_argument("--sizes", default=",".join(str(s) for s in SIZES),
                        help="numbers of subscribers, comma-separated (default %(default)s)")
    parser.add_argument("--insert-up-to", type=int, default=100_000,
                        help="insert into the ledger only for sizes up to this (default "
                             "%(default)s; a million subscribers' busiest day takes minutes "
                             "with its next run and digests)")
    args = parser.parse_args(argv or [])
    sizes = [int(s) for s in args.sizes.split(",") if s]
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    shared.database(BENCH_DB, "create")
    try:
        env = shared.environment(BENCH_DB)
        done = subprocess.run([sys.executable, "-m", "bench.bench_due", "--child",
                               str(args.insert_up_to), *map(str, sizes)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, text=True, timeout=CHILD_TIMEOUT)
        lines = [ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")]
        if done.returncode or not lines:
            raise RuntimeError(f"bench child failed:\n{done.stdout[-3000:]}")
        result = json.loads(lines[-1].removeprefix("RESULT "))
    finally:
        shared.database(BENCH_DB, "drop")
    report = {
        **shared.header("due", load_before),
        **result,
        "seconds": round(time.perf_counter() - started, 1),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    _print(result, report)
    print(f"wrote {RESULTS.relative_to(ROOT)} in {report['seconds']} s")
    return report


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child([int(s) for s in sys.argv[3:]], int(sys.argv[2]))
    else:
        main(sys.argv[1:])
