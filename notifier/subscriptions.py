"""The only functions that change a subscriber's state.

The pages, the admin, the sender (bounces, suppression) and tests call these, as
``deprecations.changes`` is for the catalogue: a subscriber's status, choices and consent
change nowhere else, and what must follow a change (skipping the messages that wait) cannot be
forgotten. Each returns the ledger row of the email it asks for, if any, for the caller to
send once the transaction has committed.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from notifier.models import (
    DEFAULT_LEAD_TIMES,
    ApiToken,
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


def set_models(subscriber: Subscriber, names) -> tuple[list[str], list[str]]:
    """Follow exactly these models (its vendors stay as they are): what the watch-list API
    does. Returns the names (lowercased) added and removed."""
    wanted = {n.strip().lower() for n in names if n.strip()}
    with transaction.atomic():
        mine = subscriber.follow_set.select_for_update().filter(kind=Follow.Kind.MODEL)
        have = set(mine.values_list("value", flat=True))
        mine.filter(value__in=have - wanted).delete()
        Follow.objects.bulk_create(
            [Follow(subscriber=subscriber, kind=Follow.Kind.MODEL, value=v)
             for v in sorted(wanted - have)], ignore_conflicts=True)
    return sorted(wanted - have), sorted(have - wanted)


TOKEN_PREFIX = "dcw_"  # "depcal watch-list": recognisable in a secret scanner's rules


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def new_api_token(subscriber: Subscriber, *, now) -> str:
    """A new API token for the subscription's watch-list, replacing any earlier one; only
    its digest is kept, so this is the one time it can be shown."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    ApiToken.objects.update_or_create(subscriber=subscriber, defaults={
        "digest": token_digest(token), "created_at": now, "last_used_at": None})
    return token


def revoke_api_token(subscriber: Subscriber) -> bool:
    return ApiToken.objects.filter(subscriber=subscriber).delete()[0] > 0


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
