"""Celery tasks (routed to the ``mail`` queue): thin wrappers over plain functions.

Views and signal receivers queue them with ``delay_on_commit``, so a task never runs before
the rows it reads are committed; with ``CELERY_TASK_ALWAYS_EAGER`` (tests, a site without a
worker) they run in the caller's process after the commit.
"""

from dataclasses import asdict
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from deprecations import clock
from notifier import alerts, limits, send, subscriptions
from notifier.channels import deliver
from notifier.models import Delivery
from notifier.outbox import SendPolicy


def _summary(report: send.SendReport, due: alerts.Due | None = None) -> dict:
    result = {k: v for k, v in asdict(report).items() if k != "message_ids"}
    if due is not None:
        result["due"] = due.total
        result["messages"] = due.messages
    return result


@shared_task
def send_pending(only_ids=None, batch_size=None, lease_seconds=None, max_attempts=None,
                 backoff_seconds=None) -> dict:
    """Send every ledger row that is ready (retries, confirmations, rows of a dead sender),
    or only the rows ``only_ids`` (just made by a page)."""
    policy = SendPolicy.from_settings(
        batch_size=batch_size, lease_seconds=lease_seconds, max_attempts=max_attempts,
        backoff_seconds=backoff_seconds)
    return _summary(send.send_pending(policy=policy, only_ids=only_ids))


@shared_task
def send_alerts() -> dict:
    """Record today's lead-time alerts and change emails, then send them (and have the
    channels told, on their own queue)."""
    due = alerts.record_alerts(clock.today())
    send_channel_messages.delay()
    return _summary(send.send_pending(kinds=send.ALERT_KINDS), due)


@shared_task
def send_changes() -> dict:
    """The catalogue just changed: record the change emails it calls for, then send them."""
    due = alerts.record_changes(clock.today())
    send_channel_messages.delay()
    return _summary(send.send_pending(kinds=[Delivery.Kind.CHANGE]), due)


@shared_task
def send_channel_messages() -> dict:
    """Tell the alert channels what the runs recorded, and send what waits (retries); the
    owners of channels paused meanwhile get their email from the mail queue."""
    report = deliver.run(clock.today())
    if report.paused:
        send_pending.delay(only_ids=report.paused)
    return asdict(report)


@shared_task
def send_digests() -> dict:
    """Record today's digests, then send them."""
    due = alerts.record_digests(clock.today())
    return _summary(send.send_pending(kinds=[Delivery.Kind.DIGEST]), due)


@shared_task
def request_subscription(email: str, choices: dict) -> dict:
    """A subscribe form was posted: record it and send the confirmation (or, to a confirmed
    address, its manage link). Done here rather than in the page, so that the page answers
    the same, in the same time, whatever the state of the address."""
    if not limits.mailbox_allowed(email):  # over the mailbox's daily limit: nothing is sent
        return {"sent": 0, "limited": True}
    delivery = subscriptions.request_subscription(
        email, now=timezone.now(), today=clock.today(),
        confirm_interval=timedelta(seconds=settings.NOTIFIER_CONFIRM_INTERVAL), **choices)
    if delivery is None:
        return {"sent": 0}
    return _summary(send.send_pending(only_ids=[delivery.pk]))
