"""Subscribers, what they follow, and the delivery ledger.

A ``Subscriber`` is one address with its choices (lead times, digest cadence) and its
``Follow`` rows (vendors and models; none of a kind means "all"). A ``Delivery`` is one
message that must go out: it is inserted before anything is sent, its unique key makes every
message happen once, and its id makes the Message-ID. A ``Mention`` is one thing an alert or
change message can tell (an entry at a lead time for a shutdown date, or an entry's changes up
to a revision), one row however many subscribers are told it; a message lists the mentions it
tells (a ``MentionList``, shared by the messages that tell the same), and ``notifier.alerts``
tells each subscriber each mention once. State changes of subscribers go through
``notifier.subscriptions``.

A ``Channel`` is a webhook or a chat a subscriber's alerts also go to; a ``ChannelMention``
is one mention to tell one channel (its unique key makes each told once), grouped into
``ChannelMessage`` rows, the channels' ledger, claimed and sent as deliveries are (see
``notifier.channels``). An ``ApiToken`` lets a subscription's watch-list be set by its code.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
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
    # Counters that key the deliveries a request or a confirmation makes (confirm or lost
    # links; welcome); the newest confirm link is the only one that works.
    confirm_requests = models.PositiveIntegerField(default=0)
    confirmations = models.PositiveIntegerField(default=0)
    confirm_sent_at = models.DateTimeField(
        null=True, blank=True,
        help_text="Last email queued because of a subscribe request (confirm or lost links).")
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
    """A vendor or a model a subscriber follows (same matching as ``queries.filter_retirements``:
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


class Outgoing(models.Model):
    """A message's place in a sender's queue: what ``notifier.outbox`` claims, renews and
    marks, for emails (``Delivery``) and channel messages (``ChannelMessage``) alike."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        SENDING = "sending", "claimed by a sender"
        SENT = "sent", "sent"
        SKIPPED = "skipped", "skipped (no longer wanted)"
        BOUNCED = "bounced", "bounced (5xx)"
        FAILED = "failed", "failed (gave up after temporary errors)"

    as_of = models.DateField(help_text="The day the message was due for.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    created_at = models.DateTimeField()
    # The claim: who holds the row and until when; send_started_at is set just before the
    # row's SMTP transaction (or POST), so a row "sending" with it set was in flight.
    claim_token = models.CharField(max_length=40, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    send_started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        abstract = True


class Delivery(Outgoing):
    """One message that must go out: inserted before sending, claimed by one sender.

    The key is (subscriber, kind, revision): ``revision`` is the period's first day (as an
    ordinal) for digests and a per-subscriber counter for the other kinds. What an alert or
    change message tells of is its ``mention_list``, fixed when the row is made, so a retry
    sends the same message under the same Message-ID.
    """

    class Kind(models.TextChoices):
        CONFIRM = "confirm", "confirmation request"
        LINKS = "links", "manage link (subscribed again)"
        WELCOME = "welcome", "welcome"
        ALERT = "alert", "lead-time alert"
        CHANGE = "change", "change"
        DIGEST = "digest", "digest"
        PAUSED = "paused", "alert channel paused"

    # No index of its own: the unique key below starts with the subscriber.
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE,
                                   related_name="deliveries", db_index=False)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    revision = models.PositiveIntegerField(default=0)
    # A list rather than a row per (subscriber, mention): a busy day tells 100,000
    # subscribers 36 things each, and 3.85 million rows took 20 s to write (bench due). And
    # a list shared by the messages that tell the same, rather than a copy in each: the
    # copies made the ledger 2.7 times bigger. No database constraint: its check, deferred
    # to the commit, cost 0.4 s per 150,000 messages; lists are made by the run that points
    # at them and never deleted (PROTECT guards the ORM).
    mention_list = models.ForeignKey("MentionList", on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="+", db_index=False,
                                     db_constraint=False,
                                     help_text="What an alert or change message tells.")

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "deliveries"
        indexes = [
            # What senders claim; sent rows leave the index, so it stays small.
            models.Index(fields=["next_attempt_at"], name="delivery_ready",
                         condition=Q(status__in=["pending", "sending"])),
            # What a run reads to leave out the alerts told: those of the last few days.
            models.Index(fields=["as_of"], name="delivery_alert_day", condition=Q(kind="alert")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["subscriber", "kind", "revision"],
                                    name="delivery_unique_per_subscriber"),
        ]

    def __str__(self):
        return f"{self.kind} #{self.pk} to {self.subscriber_id} ({self.status})"

    @property
    def mention_ids(self) -> list[int]:
        """The mentions this message tells (a query when its list is not loaded)."""
        return self.mention_list.mention_ids if self.mention_list_id else []


class MentionList(models.Model):
    """The mentions one or more messages tell, as a JSON list of ``Mention`` ids: a run
    makes one per distinct list it finds, and every message telling those things points at
    it. Never changed once made, so a retry tells the same."""

    mention_ids = models.JSONField(default=list)

    def __str__(self):
        return f"mentions {self.mention_ids}"


class Mention(models.Model):
    """One thing an alert or change message can tell, shared by every subscriber told it.

    A lead-time alert mentions an entry at a lead time for one shutdown date (a moved date
    gives new mentions, other edits do not); a change mentions an entry's notable changes up
    to ``revision``. Who was told what is the ledger's ``Delivery.mention_list``:
    ``notifier.alerts`` makes the mentions a run needs, then one message per subscriber and
    kind listing those the subscriber was not told yet.
    """

    class Kind(models.TextChoices):
        ALERT = "alert", "lead-time alert"
        CHANGE = "change", "change"

    retirement = models.ForeignKey("deprecations.Retirement", on_delete=models.CASCADE,
                                   related_name="+", db_index=False)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    lead_days = models.PositiveSmallIntegerField(default=0)
    shutdown_on = models.DateField(null=True, blank=True)
    revision = models.PositiveIntegerField(help_text="The entry's revision when first mentioned.")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [
            # One lead-time alert per deadline, whatever else bumped the entry's revision.
            models.UniqueConstraint(
                fields=["retirement", "lead_days", "shutdown_on"],
                condition=Q(kind="alert"), name="mention_alert_per_deadline"),
            models.UniqueConstraint(
                fields=["retirement", "revision"],
                condition=Q(kind="change"), name="mention_change_per_revision"),
        ]

    def __str__(self):
        if self.kind == self.Kind.ALERT:
            return f"alert of {self.retirement_id} {self.lead_days} days before {self.shutdown_on}"
        return f"change of {self.retirement_id} to revision {self.revision}"


class Channel(models.Model):
    """Somewhere else a subscriber's alerts go: a generic webhook (signed as the Standard
    Webhooks specification says) or a chat service (an Apprise URL). Messages go to it only
    while it is active: after a test message was accepted, until it is paused (refused, or
    failing for days) or removed. State changes go through ``notifier.channels.lifecycle``."""

    class Kind(models.TextChoices):
        WEBHOOK = "webhook", pgettext_lazy("channel kind", "webhook")
        CHAT = "chat", pgettext_lazy("channel kind", "chat")

    class Status(models.TextChoices):
        NEW = "new", pgettext_lazy("channel status", "waiting for a test message to go through")
        ACTIVE = "active", pgettext_lazy("channel status", "active")
        PAUSED = "paused", pgettext_lazy("channel status", "paused")

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE,
                                   related_name="channels")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # The URL holds credentials (a chat's tokens, a webhook's path): shown only as ``shown_as``.
    url = models.TextField()
    shown_as = models.CharField(max_length=300, help_text="The URL with its secrets hidden.")
    # The webhook's signing secret (whsec_...), shown once; kept, since every message is signed.
    secret = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    created_at = models.DateTimeField()
    # Since when messages go to it: mentions recorded before are not told (no backlog).
    activated_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    pauses = models.PositiveIntegerField(default=0)
    # The first failure of a run of failures; cleared by an accepted message.
    failing_since = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.kind} {self.shown_as}"


class ChannelMessage(Outgoing):
    """One message to a channel, the channels' ledger row: inserted before sending, claimed by
    one sender (``notifier.outbox``, as deliveries are), its key (channel, revision) with
    ``revision`` the channel's own counter. Its ``mentions`` are fixed when it is made, so a
    retry sends the same body under the same ``message_id`` (the ``webhook-id``)."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="messages",
                                db_index=False)
    revision = models.PositiveIntegerField()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="channelmessage_ready",
                         condition=Q(status__in=["pending", "sending"])),
        ]
        constraints = [
            models.UniqueConstraint(fields=["channel", "revision"],
                                    name="channelmessage_unique_per_channel"),
        ]

    def __str__(self):
        return f"message #{self.pk} to channel {self.channel_id} ({self.status})"


class ChannelMention(models.Model):
    """One mention to tell one channel: at most one per (channel, mention), so per (channel,
    entry, kind, lead time, shutdown date) for an alert, (channel, entry, revision) for a
    change. Inserted with no ``message``, then grouped: one message per channel per run."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="mentions",
                                db_index=False)
    mention = models.ForeignKey(Mention, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(ChannelMessage, null=True, blank=True,
                                on_delete=models.CASCADE, related_name="mentions")

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["channel"], name="channelmention_ungrouped",
                         condition=Q(message__isnull=True)),
        ]
        constraints = [
            models.UniqueConstraint(fields=["channel", "mention"],
                                    name="channelmention_once_per_channel"),
        ]

    def __str__(self):
        return f"mention {self.mention_id} to channel {self.channel_id}"


class ApiToken(models.Model):
    """The token a subscription's code uses to set its watch-list (``PUT /api/v1/watchlist``).
    Only its SHA-256 is kept: it is shown once, and a new one replaces it."""

    subscriber = models.OneToOneField(Subscriber, on_delete=models.CASCADE,
                                      related_name="api_token")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"API token of {self.subscriber_id}"
