"""Exactly once under faults: PostgreSQL, a real Celery worker, a real SMTP server.

Each test records a batch of due alerts, lets real senders work on it while something goes
wrong (the worker is SIGKILLed, two senders race, the SMTP server goes away), then checks the
sink: every due message arrived exactly once; at most the message in flight when the worker
was killed arrived twice, and then with the same Message-ID. In flight: a row "sending" with
its attempt started, either not yet answered by the server or answered but not yet marked
(its mark goes with the next message's start).

Run with DATABASE_URL=postgres://... and CELERY_BROKER_URL=redis://...; skipped on SQLite.
"""

import time
from collections import Counter
from datetime import UTC, date, datetime

import pytest

from notifier import alerts, outbox, send, tasks
from notifier.models import Delivery, Subscriber
from notifier.subscriptions import set_choices
from tests.deprecations import factories
from tests.notifier.smtp import SMTPSink
from tests.worker import CeleryWorker, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.slow,
              pytest.mark.django_db(transaction=True)]
DAY = date(2026, 1, 18)  # the 30-day alert day of chatgpt-4o-latest


def due_alerts(count: int) -> list[Delivery]:
    factories.entry()
    for n in range(count):
        s = Subscriber.objects.create(
            email=f"s{n:03}@example.com", status="confirmed",
            requested_at=datetime(2025, 1, 1, tzinfo=UTC),
            confirmed_at=datetime(2025, 1, 1, tzinfo=UTC), confirmed_on=date(2025, 1, 1))
        set_choices(s, lead_times=[30])
    assert alerts.record_alerts(DAY, replay=False).alerts == count
    return list(Delivery.objects.all())


def until_all_sent(count: int, worker: CeleryWorker, timeout: float = 120, **task_options):
    """Queue ``send_pending`` every two seconds (as beat would) until the ledger is done."""
    deadline = time.monotonic() + timeout
    while Delivery.objects.filter(status="sent").count() < count:
        if time.monotonic() > deadline:
            states = Counter(Delivery.objects.values_list("status", flat=True))
            raise TimeoutError(f"not all sent: {states}; worker log:\n{worker.output()[-4000:]}")
        tasks.send_pending.delay(**task_options)
        time.sleep(2)


def check_exactly_once(sink: SMTPSink, may_repeat: str | None = None) -> Counter:
    """Every ledger row arrived once under its own Message-ID; only ``may_repeat`` twice."""
    rows = list(Delivery.objects.select_related("subscriber"))
    assert {r.status for r in rows} == {"sent"}
    received = sink.messages()
    counts = Counter(m.message_id for m in received)
    assert set(counts) == {r.message_id for r in rows}
    repeated = {mid: n for mid, n in counts.items() if n > 1}
    assert repeated in ({}, {may_repeat: 2}), repeated
    by_address = {}
    for m in received:
        by_address.setdefault(m.rcpt_tos[0], set()).add(m.message_id)
    assert {a: len(ids) for a, ids in by_address.items()} == {
        r.subscriber.email: 1 for r in rows}
    return counts


# Against a server that offers PIPELINING (the sender then writes each envelope at once) and
# one that does not.
servers = pytest.mark.parametrize("pipelining", [False, True], ids=["plain", "pipelining"])


@servers
def test_a_worker_killed_mid_batch_resends_at_most_the_message_in_flight(capsys, pipelining):
    count = 40
    due_alerts(count)
    # The sink keeps each message, then waits before answering 250: a kill in that window is
    # the worst case (delivered, but the sender never heard).
    with SMTPSink(delay=0.2, record_first=True, pipelining=pipelining) as sink:
        env = sink.environment()
        worker = CeleryWorker(queues="mail", extra_env=env, name="mail-a").start()
        try:
            tasks.send_pending.delay(batch_size=100, lease_seconds=3)
            sink.wait_for(12, timeout=60)
            time.sleep(0.08)  # inside the next message's SMTP transaction
            worker.kill()
        finally:
            worker.stop()
        in_flight = list(Delivery.objects.filter(status="sending").exclude(
            send_started_at=None))
        assert len(in_flight) <= 1
        sent_at_kill = Delivery.objects.filter(status="sent").count()
        received_at_kill = len(sink.messages())
        assert received_at_kill >= sent_at_kill
        with CeleryWorker(queues="mail", extra_env=env, name="mail-b") as restarted:
            until_all_sent(count, restarted, lease_seconds=3)
        repeated = in_flight[0].message_id if in_flight else None
        counts = check_exactly_once(sink, may_repeat=repeated)
    with capsys.disabled():
        print(f"\nkill: {count} due, {sent_at_kill} marked sent and {received_at_kill} "
              f"received at the kill, in flight: {repeated}, "
              f"repeated: {[m for m, n in counts.items() if n > 1]}, "
              f"received in all: {sum(counts.values())}")
    if repeated:
        assert counts[repeated] == 2  # the sink kept it before the kill: sent again, same id


def test_two_senders_at_once_send_each_message_once(settings, capsys):
    count = 60
    due_alerts(count)
    with SMTPSink(delay=0.03) as sink:
        for name, value in sink.settings().items():
            setattr(settings, name, value)
        with CeleryWorker(queues="mail", concurrency=2, extra_env=sink.environment(),
                          name="mail-pair") as worker:
            for _ in range(4):
                tasks.send_pending.delay(batch_size=5, lease_seconds=30)
            # A third sender in this process, at the same time.
            policy = outbox.SendPolicy.from_settings(batch_size=5, lease_seconds=30)
            mine = send.send_pending(policy=policy)
            wait_for(lambda: Delivery.objects.filter(status="sent").count() == count,
                     timeout=120, what=f"all sent; worker log:\n{worker.output()[-3000:]}")
        check_exactly_once(sink)
        senders = Counter(Delivery.objects.values_list("claimed_by", flat=True))
    with capsys.disabled():
        print(f"\ntwo senders: {count} due, {len(sink.messages())} received, "
              f"by sender: {dict(senders)}")
    assert len(senders) >= 2 and mine.sent < count


@servers
def test_the_smtp_server_going_away_mid_batch_loses_and_repeats_nothing(capsys, pipelining):
    count = 30
    due_alerts(count)
    sink = SMTPSink(delay=0.1, pipelining=pipelining).start()
    try:
        with CeleryWorker(queues="mail", extra_env=sink.environment(), name="mail-c") as worker:
            tasks.send_pending.delay(batch_size=100, lease_seconds=30, backoff_seconds=1)
            sink.wait_for(8, timeout=60)
            time.sleep(0.05)
            sink.stop()  # mid-batch, inside a message's transaction
            wait_for(lambda: not Delivery.objects.filter(status="sending").exists(),
                     timeout=30, what="the sender to give its rows back")
            sent_while_up = Delivery.objects.filter(status="sent").count()
            retried = list(Delivery.objects.exclude(last_error=""))
            received_while_up = len(sink.messages())
            assert sent_while_up < count
            assert Delivery.objects.filter(status="pending").count() == count - sent_while_up
            sink.start()  # back on the same port
            until_all_sent(count, worker, backoff_seconds=1)
        counts = check_exactly_once(sink)
    finally:
        sink.stop()
    with capsys.disabled():
        print(f"\nsmtp down: {count} due, {sent_while_up} sent before the stop "
              f"({received_while_up} received), rows retried: {len(retried)}, "
              f"received in all: {sum(counts.values())}")
