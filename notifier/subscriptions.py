"""The only functions that change a subscriber's state.

The pages, the admin, the sender (bounces, suppression) and tests call these, as
``deprecations.changes`` is for the catalogue: a subscriber's status, choices and consent
change nowhere else, and what must follow a change (skipping the messages that wait) cannot be
forgotten. Each returns the ledger row of the email it asks for, if any, for the caller to
send once the transaction has committed.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from notifier.models import (
    DEFAULT_LEAD_TIMES,
    Delivery,
    Follow,
    Subscriber,
    new_feed_token,
    new_link_key,
)

# Statuses in which the address stopped receiving: a subscribe request starts over from them.
STOPPED = (Subscriber.Status.UNSUBSCRIBED, Subscriber.Status.BOUNCED,
           Subscriber.Status.SUPPRESSED)


def set_choices(subscriber: Subscriber, *, vendors=(), models=(), lead_times=DEFAULT_LEAD_TIMES,
                digest: str = Subscriber.Digest.WEEKLY, language: str = "") -> None:
    """Replace what a subscriber follows and how often they hear (and, if given, in which
    language)."""
    subscriber.lead_times = lead_times
    subscriber.digest = digest
    subscriber.language = language or subscriber.language
    subscriber.save(update_fields=["lead_mask", "digest", "language"])
    wanted = {(Follow.Kind.VENDOR.value, v.strip().lower()) for v in vendors if v.strip()}
    wanted |= {(Follow.Kind.MODEL.value, m.strip().lower()) for m in models if m.strip()}
    have = set(subscriber.follow_set.values_list("kind", "value"))
    for kind, value in have - wanted:
        subscriber.follow_set.filter(kind=kind, value=value).delete()
    Follow.objects.bulk_create(
        [Follow(subscriber=subscriber, kind=k, value=v) for k, v in sorted(wanted - have)],
        ignore_conflicts=True)


def request_subscription(email: str, *, now, today, confirm_interval: timedelta,
                         **choices) -> Delivery | None:
    """A subscribe form was posted: the email to send, or None.

    A new, pending or stopped (unsubscribed, bounced, suppressed) address gets a confirmation
    and is pending until it confirms; its choices are the form's. A confirmed address keeps
    its choices and gets its manage link instead (someone lost it), so the page can say the
    same whatever the state of the address. Either email goes at most once per
    ``confirm_interval`` to an address (a stopped address has no such limit: only its owner
    could stop it).
    """
    email = email.strip().lower()
    with transaction.atomic():
        subscriber, created = Subscriber.objects.select_for_update().get_or_create(
            email=email, defaults={"requested_at": now})
        recently = (not created and subscriber.status not in STOPPED
                    and subscriber.confirm_sent_at is not None
                    and now - subscriber.confirm_sent_at < confirm_interval)
        subscriber.requested_at = now
        if recently:
            subscriber.save(update_fields=["requested_at"])
            return None
        confirmed = subscriber.status == Subscriber.Status.CONFIRMED
        if not confirmed:
            subscriber.status = Subscriber.Status.PENDING
        subscriber.confirm_sent_at = now
        subscriber.confirm_requests += 1
        subscriber.save()
        if not confirmed:
            set_choices(subscriber, **choices)
        return Delivery.objects.create(
            subscriber=subscriber,
            kind=Delivery.Kind.LINKS if confirmed else Delivery.Kind.CONFIRM,
            revision=subscriber.confirm_requests, as_of=today, next_attempt_at=now,
            created_at=now)


def confirm_subscription(subscriber: Subscriber, *, now, today) -> Delivery | None:
    """The confirm button was pressed: record consent and queue the welcome email."""
    with transaction.atomic():
        subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        if subscriber.status != Subscriber.Status.PENDING:
            return None
        subscriber.status = Subscriber.Status.CONFIRMED
        subscriber.confirmed_at = now
        subscriber.confirmed_on = today
        subscriber.confirmations += 1
        subscriber.unsubscribed_at = None
        subscriber.link_key = new_link_key()
        subscriber.save()
        return Delivery.objects.create(
            subscriber=subscriber, kind=Delivery.Kind.WELCOME,
            revision=subscriber.confirmations, as_of=today, next_attempt_at=now,
            created_at=now)


def unsubscribe(subscriber: Subscriber, *, now) -> bool:
    """Stop everything for this address; messages not yet sent are skipped."""
    with transaction.atomic():
        changed = Subscriber.objects.filter(pk=subscriber.pk).exclude(
            status=Subscriber.Status.UNSUBSCRIBED).update(
            status=Subscriber.Status.UNSUBSCRIBED, unsubscribed_at=now)
        skip_pending(subscriber.pk, "unsubscribed")
    return bool(changed)


def bounce(subscriber_id: int, reason: str, *, now=None) -> None:
    """A permanent failure (5xx): stop sending to the address."""
    with transaction.atomic():
        Subscriber.objects.filter(pk=subscriber_id).exclude(
            status=Subscriber.Status.UNSUBSCRIBED).update(
            status=Subscriber.Status.BOUNCED, bounced_at=now or timezone.now(),
            bounce_reason=reason[:2000])
        skip_pending(subscriber_id, "address bounced")


def suppress(subscriber_id: int, reason: str) -> None:
    """Too many temporary failures: stop sending to the address."""
    with transaction.atomic():
        Subscriber.objects.filter(pk=subscriber_id).exclude(
            status=Subscriber.Status.UNSUBSCRIBED).update(
            status=Subscriber.Status.SUPPRESSED, bounce_reason=reason[:2000])
        skip_pending(subscriber_id, "address suppressed")


def skip_pending(subscriber_id: int, reason: str) -> int:
    """Mark the messages still waiting for this address as skipped."""
    return Delivery.objects.filter(subscriber_id=subscriber_id,
                                   status=Delivery.Status.PENDING).update(
        status=Delivery.Status.SKIPPED, last_error=reason)


def reset_feed_token(subscriber: Subscriber) -> str:
    """A new private calendar address; the old one stops working."""
    subscriber.feed_token = new_feed_token()
    subscriber.save(update_fields=["feed_token"])
    return subscriber.feed_token
