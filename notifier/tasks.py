"""Celery tasks (routed to the ``mail`` queue): thin wrappers over plain functions."""

from dataclasses import asdict

from celery import shared_task

from deprecations import clock
from notifier import alerts, mail


def _summary(report: mail.SendReport, due: alerts.Due | None = None) -> dict:
    result = {k: v for k, v in asdict(report).items() if k != "message_ids"}
    if due is not None:
        result["due"] = due.total
    return result


@shared_task
def send_pending(only_ids=None, batch_size=None, lease_seconds=None, max_attempts=None,
                 backoff_seconds=None) -> dict:
    """Send every ledger row that is ready (retries, confirmations, rows of a dead sender)."""
    policy = mail.SendPolicy.from_settings(
        batch_size=batch_size, lease_seconds=lease_seconds, max_attempts=max_attempts,
        backoff_seconds=backoff_seconds)
    return _summary(mail.send_pending(policy=policy, only_ids=only_ids))


@shared_task
def send_alerts() -> dict:
    """Record today's lead-time alerts and change emails, then send them."""
    due = alerts.record_alerts(clock.today())
    return _summary(mail.send_pending(kinds=mail.ALERT_KINDS), due)


@shared_task
def send_digests() -> dict:
    """Record today's digests, then send them."""
    due = alerts.record_digests(clock.today())
    return _summary(mail.send_pending(kinds=[mail.Delivery.Kind.DIGEST]), due)
