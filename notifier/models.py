"""Subscribers, what they follow, and the delivery ledger.

A ``Subscriber`` is one address with its choices (lead times, digest cadence) and its
``Follow`` rows (vendors and models; none of a kind means "all"). A ``Delivery`` is one message
that must go out: it is inserted before anything is sent, its unique key makes every message
happen once, and its id makes the Message-ID (see ``notifier.alerts`` and ``notifier.mail``).
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import pgettext_lazy

# Lead times a subscriber may choose, in days. Consecutive choices are more than
# ``alerts.CATCH_UP_DAYS`` apart, so the catch-up windows of two lead times never overlap and
# a late sender never sends two lead-time alerts for one entry on the same day.
LEAD_TIME_CHOICES = (180, 90, 60, 30, 14, 7, 1)
DEFAULT_LEAD_TIMES = (90, 30, 7, 1)


def lead_bit(days: int) -> int:
    return 1 << LEAD_TIME_CHOICES.index(days)


def lead_mask(days: tuple[int, ...] | list[int]) -> int:
    return sum(lead_bit(d) for d in set(days))


def new_feed_token() -> str:
    return secrets.token_urlsafe(24)


def new_link_key() -> str:
    return secrets.token_urlsafe(18)


class Subscriber(models.Model):
    """One email address and its choices. The address is stored lowercased."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("subscription status", "waiting for confirmation")
        CONFIRMED = "confirmed", pgettext_lazy("subscription status", "confirmed")
        UNSUBSCRIBED = "unsubscribed", pgettext_lazy("subscription status", "unsubscribed")
        BOUNCED = "bounced", pgettext_lazy("subscription status", "bounced (permanent failure)")
        SUPPRESSED = "suppressed", pgettext_lazy("subscription status",
                                                 "suppressed (temporary failures kept on)")

    class Digest(models.TextChoices):
        WEEKLY = "weekly", pgettext_lazy("digest", "weekly (Mondays)")
        DAILY = "daily", pgettext_lazy("digest", "daily")
        NONE = "none", pgettext_lazy("digest", "no digest")

    email = models.EmailField(max_length=254, unique=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING,
                              db_index=True)
    # Bit i set: LEAD_TIME_CHOICES[i] is chosen. A bitmask keeps the due computation one join.
    lead_mask = models.PositiveIntegerField(default=lead_mask(DEFAULT_LEAD_TIMES))
    digest = models.CharField(max_length=10, choices=Digest.choices, default=Digest.WEEKLY)
    # The language of its emails: chosen on the subscribe form, the page's language by default.
    language = models.CharField(max_length=10, choices=settings.LANGUAGES,
                                default=settings.LANGUAGE_CODE)
    # The private calendar feed: /calendar/<feed_token>.ics (a random secret, resettable).
    feed_token = models.CharField(max_length=64, unique=True, default=new_feed_token,
                                  editable=False)
    # What the signed links in emails carry instead of the row's id (notifier.tokens); a new
    # one on every confirmation, so links from an earlier subscription stop working.
    link_key = models.CharField(max_length=32, unique=True, default=new_link_key,
                                editable=False)
    requested_at = models.DateTimeField(help_text="Last subscribe request (form).")
    # Consent: when the address confirmed (the moment and the local date the rules use).
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_on = models.DateField(null=True, blank=True)
    # Counters that key the confirm and welcome deliveries (one per request / confirmation).
    confirm_requests = models.PositiveIntegerField(default=0)
    confirmations = models.PositiveIntegerField(default=0)
    confirm_sent_at = models.DateTimeField(null=True, blank=True,
                                           help_text="Last confirmation email queued.")
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    bounce_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.email

    @property
    def lead_times(self) -> list[int]:
        return [d for i, d in enumerate(LEAD_TIME_CHOICES) if self.lead_mask & (1 << i)]

    @lead_times.setter
    def lead_times(self, days) -> None:
        self.lead_mask = lead_mask(days)

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.CONFIRMED

    def follows(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(vendor slugs, model names) this subscriber follows; empty means all."""
        vendors, names = [], []
        for kind, value in self.follow_set.values_list("kind", "value"):
            (vendors if kind == Follow.Kind.VENDOR else names).append(value)
        return tuple(sorted(vendors)), tuple(sorted(names))


class Follow(models.Model):
    """A vendor or a model a subscriber follows (same matching as ``queries.filter_entries``:
    vendors by slug; models by identifier, alias or family prefix; vendors AND models)."""

    class Kind(models.TextChoices):
        VENDOR = "vendor", "vendor"
        MODEL = "model", "model"

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE,
                                   related_name="follow_set")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.CharField(max_length=200, help_text="Lowercase slug or model name.")

    class Meta:
        ordering = ["kind", "value"]
        constraints = [
            models.UniqueConstraint(fields=["subscriber", "kind", "value"],
                                    name="follow_unique_per_subscriber")
        ]

    def __str__(self):
        return f"{self.kind}: {self.value}"


class Delivery(models.Model):
    """One message that must go out: inserted before sending, claimed by one sender.

    The key is (subscriber, entry, kind, lead days, revision): ``revision`` is the entry's
    revision for alerts and change emails, the period's first day (as an ordinal) for digests
    and a per-subscriber counter for confirm and welcome messages, which have no entry.
    """

    class Kind(models.TextChoices):
        CONFIRM = "confirm", "confirmation request"
        WELCOME = "welcome", "welcome"
        ALERT = "alert", "lead-time alert"
        CHANGE = "change", "change"
        DIGEST = "digest", "digest"

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        SENDING = "sending", "claimed by a sender"
        SENT = "sent", "sent"
        SKIPPED = "skipped", "skipped (no longer wanted)"
        BOUNCED = "bounced", "bounced (5xx)"
        FAILED = "failed", "failed (gave up after temporary errors)"

    # No index of its own: every unique key below starts with the subscriber.
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE,
                                   related_name="deliveries", db_index=False)
    deprecation = models.ForeignKey("deprecations.Deprecation", null=True, blank=True,
                                    on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    lead_days = models.PositiveSmallIntegerField(default=0)
    revision = models.PositiveIntegerField(default=0)
    # The deadline the message is about (alerts and changes), and the day it was due for.
    shutdown_on = models.DateField(null=True, blank=True)
    as_of = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    created_at = models.DateTimeField()
    # The claim: who holds the row and until when; send_started_at is set just before the
    # SMTP transaction of this row, so a row "sending" with it set was in flight.
    claim_token = models.CharField(max_length=40, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    send_started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "deliveries"
        indexes = [
            # What senders claim; sent rows leave the index, so it stays small.
            models.Index(fields=["next_attempt_at"], name="delivery_ready",
                         condition=Q(status__in=["pending", "sending"])),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "deprecation", "kind", "lead_days", "revision"],
                name="delivery_unique_key"),
            # The same key for messages without an entry (NULLs never collide in a unique key).
            models.UniqueConstraint(
                fields=["subscriber", "kind", "revision"],
                condition=Q(deprecation__isnull=True), name="delivery_unique_key_no_entry"),
            # One lead-time alert per deadline, whatever else bumped the entry's revision.
            models.UniqueConstraint(
                fields=["subscriber", "deprecation", "lead_days", "shutdown_on"],
                condition=Q(kind="alert"), name="delivery_alert_once_per_deadline"),
        ]

    def __str__(self):
        return f"{self.kind} #{self.pk} to {self.subscriber_id} ({self.status})"


# State changes: the views, the admin and tests go through these.

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
    """A subscribe form was posted: the confirmation to send, or None.

    Nothing is sent to a confirmed address (the page says the same either way), nor to a
    pending address that was sent a confirmation less than ``confirm_interval`` ago. An
    unsubscribed, bounced or suppressed address starts over as pending: it must confirm
    again.
    """
    email = email.strip().lower()
    with transaction.atomic():
        subscriber, created = Subscriber.objects.select_for_update().get_or_create(
            email=email, defaults={"requested_at": now})
        if subscriber.status == Subscriber.Status.CONFIRMED:
            return None
        # Only the address's owner can unsubscribe it, so only pending requests are limited.
        if (subscriber.status == Subscriber.Status.PENDING and not created
                and subscriber.confirm_sent_at
                and now - subscriber.confirm_sent_at < confirm_interval):
            return None
        subscriber.status = Subscriber.Status.PENDING
        subscriber.requested_at = now
        subscriber.confirm_sent_at = now
        subscriber.confirm_requests += 1
        subscriber.save()
        set_choices(subscriber, **choices)
        return Delivery.objects.create(
            subscriber=subscriber, kind=Delivery.Kind.CONFIRM,
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
        Delivery.objects.filter(subscriber=subscriber, status=Delivery.Status.PENDING).update(
            status=Delivery.Status.SKIPPED, last_error="unsubscribed")
    return bool(changed)


def reset_feed_token(subscriber: Subscriber) -> str:
    subscriber.feed_token = new_feed_token()
    subscriber.save(update_fields=["feed_token"])
    return subscriber.feed_token
