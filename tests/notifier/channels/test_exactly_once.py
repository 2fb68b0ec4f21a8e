"""Channel messages exactly once with senders racing: PostgreSQL, real Celery worker
processes, a loopback webhook receiver that checks every signature.

Run with DATABASE_URL=postgres://... and CELERY_BROKER_URL=redis://...; skipped on SQLite.
"""

import json
import time
from collections import Counter
from datetime import date

import pytest
from django.utils import timezone
from standardwebhooks import Webhook

from notifier import alerts, outbox, tasks
from notifier.channels import deliver, lifecycle
from notifier.models import ChannelMessage
from tests.deprecations import factories
from tests.httpserver import slow
from tests.notifier.people import subscriber
from tests.notifier.receiver import HOOK, Receiver, accept
from tests.worker import CeleryWorker, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.slow,
              pytest.mark.django_db(transaction=True)]
DAY = date(2026, 1, 18)


def test_two_worker_processes_and_a_third_sender_send_each_channel_message_once(
        settings, capsys):
    settings.DEPCAL_CHANNELS_ALLOW_PRIVATE = True
    count = 40
    factories.entry()
    with Receiver() as receiver:
        receiver.routes[HOOK] = slow(0.03, accept)
        secrets = {}
        for n in range(count):
            channel = lifecycle.add(subscriber(f"s{n:03}@example.com", lead_times=[30]),
                                    receiver.webhook_url, now=timezone.now())
            assert lifecycle.test(channel, now=timezone.now(), today=DAY).accepted
            secrets[channel.pk] = channel.secret
        alerts.record_alerts(DAY, replay=True)
        assert deliver.record(DAY).messages == count
        tests_sent = len(receiver.posts)

        env = {"DEPCAL_CHANNELS_ALLOW_PRIVATE": "true", "NOTIFIER_BATCH_SIZE": "5"}
        with CeleryWorker(queues="channels", concurrency=2, extra_env=env,
                          name="channels-pair") as worker:
            for _ in range(4):
                tasks.send_channel_messages.delay()
            mine = deliver.send_pending(policy=outbox.SendPolicy.from_settings(batch_size=5))
            wait_for(lambda: ChannelMessage.objects.filter(status="sent").count() == count,
                     timeout=120, what=f"all sent; worker log:\n{worker.output()[-3000:]}")
            time.sleep(0.5)  # a repeat, if any, would land now

        alerts_received = receiver.posts[tests_sent:]
        rows = {r.message_id: r for r in ChannelMessage.objects.select_related("channel")}
        ids = Counter(headers["webhook-id"] for _, headers, _ in alerts_received)
        assert ids == {mid: 1 for mid in rows}  # every row once, nothing else
        for _, headers, body in alerts_received:
            row = rows[headers["webhook-id"]]
            payload = Webhook(secrets[row.channel_id]).verify(body, headers)
            assert payload["data"]["events"][0]["retirement"]["identifier"] == (
                "chatgpt-4o-latest")
        senders = Counter(ChannelMessage.objects.values_list("claimed_by", flat=True))
    with capsys.disabled():
        print(f"\nchannels, two senders: {count} due, {len(alerts_received)} received, "
              f"this process sent {mine.sent}, by sender: {dict(senders)}")
    assert len(senders) >= 3 and mine.sent < count  # both worker processes and this one
    assert json.loads(alerts_received[0][2])["type"] == "depcal.alerts"
