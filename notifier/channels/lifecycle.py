"""The only functions that change a channel: add, test (which makes it active), pause, remove.

The manage page, ``manage.py channels`` and the sender call these, as
``notifier.subscriptions`` is for subscribers, so what must follow a change cannot be
forgotten: a paused channel's waiting messages are skipped and its owner gets an email; a
channel is active only from the moment a test message to it was accepted, and hears only of
what is recorded from then on (no backlog, as for a new subscriber).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F, Max

from notifier import channels
from notifier.channels import BadChannel, content, webhook
from notifier.channels.http import Outcome
from notifier.models import Channel, ChannelMessage, Delivery, Subscriber

MAX_CHANNELS = 10  # per subscription


def add(subscriber: Subscriber, url: str, *, now) -> Channel:
    """A new channel for a confirmed subscription, not active until ``test`` succeeds. A
    webhook gets its signing secret (``channel.secret``). Raises ``BadChannel``."""
    url = url.strip()
    if subscriber.status != Subscriber.Status.CONFIRMED:
        raise BadChannel(f"{subscriber.email} is not a confirmed subscription: confirm it "
                         "first (channels get what its emails get)")
    if subscriber.channels.count() >= MAX_CHANNELS:
        raise BadChannel(f"a subscription has at most {MAX_CHANNELS} channels; remove one first")
    kind = channels.kind_of(url)
    shown = channels.transport(kind).check(url)
    return Channel.objects.create(
        subscriber=subscriber, kind=kind, url=url, shown_as=shown, created_at=now,
        secret=webhook.new_secret() if kind == Channel.Kind.WEBHOOK else "")


def test(channel: Channel, *, now, today) -> Outcome:
    """Send the test message. Accepted: the channel is active from ``now`` (a paused one
    again). Not accepted: the channel keeps its status, with the error to show."""
    outcome = channels.transport(channel.kind).send(
        channel, content.test_message(channel, now=now, today=today))
    if outcome.accepted:
        Channel.objects.filter(pk=channel.pk).exclude(status=Channel.Status.ACTIVE).update(
            status=Channel.Status.ACTIVE, activated_at=now, paused_at=None)
        delivered(channel)
    else:
        Channel.objects.filter(pk=channel.pk).update(last_error=outcome.error[:2000])
    channel.refresh_from_db()
    return outcome


def delivered(channel: Channel) -> None:
    """A message to the channel was accepted: it is not failing (any more). Judged on the
    channel as last read, so that a healthy channel costs no write per message."""
    if channel.failing_since or channel.last_error:
        Channel.objects.filter(pk=channel.pk).update(failing_since=None, last_error="")
        channel.failing_since, channel.last_error = None, ""


def failing(channel: Channel, error: str, *, now) -> datetime:
    """A message to the channel was not accepted: the error to show, and since when the
    channel has been failing, which is returned (``pause`` once it is too long ago)."""
    since = channel.failing_since or now
    Channel.objects.filter(pk=channel.pk).update(failing_since=since, last_error=error[:2000])
    channel.failing_since, channel.last_error = since, error[:2000]
    return since


def pause(channel_id: int, reason: str, *, now, today) -> Delivery | None:
    """Stop sending to an active channel (refused, or failing for days): its waiting messages
    are skipped, and the email to its owner is returned for the caller to send."""
    with transaction.atomic():
        channel = Channel.objects.select_related("subscriber").filter(
            pk=channel_id, status=Channel.Status.ACTIVE).first()
        if channel is None:
            return None
        Channel.objects.filter(pk=channel.pk).update(
            status=Channel.Status.PAUSED, paused_at=now, pauses=F("pauses") + 1,
            last_error=reason[:2000])
        ChannelMessage.objects.filter(channel=channel, status=ChannelMessage.Status.PENDING
                                      ).update(status=ChannelMessage.Status.SKIPPED,
                                               last_error="channel paused")
        # One number per subscriber for these emails; the row lock keeps two pauses at once
        # from taking the same one.
        Subscriber.objects.select_for_update().filter(pk=channel.subscriber_id).first()
        last = Delivery.objects.filter(subscriber_id=channel.subscriber_id,
                                       kind=Delivery.Kind.PAUSED).aggregate(n=Max("revision"))
        return Delivery.objects.create(
            subscriber_id=channel.subscriber_id, kind=Delivery.Kind.PAUSED,
            revision=(last["n"] or 0) + 1, as_of=today, next_attempt_at=now, created_at=now)


def remove(channel: Channel) -> None:
    """Delete the channel, with its messages (nothing more goes to it)."""
    channel.delete()
