"""The channels' ledger: what each channel is told, one message per channel per run, sent once.

``record`` is set-based, as the mail's due computation (``notifier.alerts``): one
``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` gives every active channel a
``ChannelMention`` for each mention told its subscriber since the channel became active
(and in the last ``alerts.CATCH_UP_DAYS``: an older one was a run that never reached the
channels, and is stale now); the unique key (channel, mention) makes a second run, or two at
once, insert nothing new. Then ``group`` makes one ``ChannelMessage`` per channel for its
mentions that have none. Runs are serialised (an advisory lock on PostgreSQL, IMMEDIATE
transactions on SQLite), so a run groups only what no message holds.

``send_pending`` claims ready rows through ``notifier.outbox`` (the same claim, lease, start
and finish as mail, ``model=ChannelMessage``) and sends each with its channel's transport.
An accepted message is sent. A temporary failure (timeout, connection, 5xx, 429) is tried
again with the outbox's backoff, or after the ``Retry-After`` the receiver asked for, and a
channel failing for ``FAILING_FOR`` is paused; a refusal (4xx, a forbidden address) pauses it
at once (``lifecycle.pause``: its owner is emailed). A sender that dies between the POST and
marking the row leaves it "sending"; once the lease runs out another sender sends it again,
with the same ``webhook-id``: at most one message repeated, which a receiver can drop.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from notifier import alerts, channels, outbox
from notifier.channels import content, http, lifecycle
from notifier.models import Channel, ChannelMention, ChannelMessage, Delivery, Mention
from notifier.outbox import SendPolicy

log = logging.getLogger(__name__)

FAILING_FOR = timedelta(days=3)  # failures this long pause a channel
CHANNEL_LOCK = 0x64657063616D  # the key of the channels' recording lock
T = {"channel": Channel._meta.db_table, "delivery": Delivery._meta.db_table,
     "mention": Mention._meta.db_table,
     "cm": ChannelMention._meta.db_table, "message": ChannelMessage._meta.db_table}
ACTIVE = Channel.Status.ACTIVE.value


@dataclass
class Report:
    recorded: int = 0  # channel mentions recorded
    messages: int = 0  # messages they were grouped into
    sent: int = 0
    skipped: int = 0
    retrying: int = 0
    failed: int = 0
    paused: list[int] = field(default_factory=list)  # the owners' emails (Delivery ids)


def record(today: date, *, now: datetime | None = None) -> Report:
    """Give each active channel the mentions it has not been told, grouped into one message
    per channel (due for ``today``: what its "days left" count from)."""
    now = now or timezone.now()
    since = now - timedelta(days=alerts.CATCH_UP_DAYS)
    adapt = connection.ops.adapt_datetimefield_value
    report = Report()
    with transaction.atomic(), connection.cursor() as cursor:
        alerts.exclusive(CHANNEL_LOCK)
        cursor.execute(
            f"INSERT INTO {T['cm']} (channel_id, mention_id, message_id) "
            f"SELECT c.id, m.id, NULL FROM {T['channel']} c "
            f"JOIN {T['delivery']} x ON x.subscriber_id = c.subscriber_id "
            f"{alerts.told_in()} "
            # Only mentions that still exist: deleting an entry deletes its mentions.
            f"JOIN {T['mention']} m ON m.id = CAST(t.value AS integer) "
            f"WHERE c.status = '{ACTIVE}' AND x.kind IN ('alert', 'change') "
            f"AND x.created_at >= c.activated_at AND x.created_at >= %s "
            f"ON CONFLICT DO NOTHING", [adapt(since)])
        report.recorded = max(cursor.rowcount, 0)
        cursor.execute(
            f"INSERT INTO {T['message']} (channel_id, revision, as_of, status, attempts, "
            f"next_attempt_at, created_at, claim_token, claimed_by, message_id, last_error) "
            f"SELECT g.channel_id, COALESCE((SELECT MAX(x.revision) FROM {T['message']} x "
            f"WHERE x.channel_id = g.channel_id), 0) + 1, %s, 'pending', 0, %s, %s, '', '', "
            f"'', '' FROM (SELECT DISTINCT cm.channel_id FROM {T['cm']} cm "
            f"WHERE cm.message_id IS NULL) g",
            [connection.ops.adapt_datefield_value(today), adapt(now), adapt(now)])
        report.messages = max(cursor.rowcount, 0)
        cursor.execute(
            f"UPDATE {T['cm']} SET message_id = (SELECT MAX(x.id) FROM {T['message']} x "
            f"WHERE x.channel_id = {T['cm']}.channel_id) WHERE message_id IS NULL")
    return report


class _Batch:
    """One batch of claimed rows, and what became of each."""

    def __init__(self, token: str, policy: SendPolicy, report: Report):
        self.token, self.policy, self.report = token, policy, report
        self.stopped: set[int] = set()  # channels paused meanwhile
        self.shared: dict = {}  # entries as the API shows them, written once per batch

    def send(self, row: ChannelMessage) -> None:
        channel = row.channel
        if (channel.status != Channel.Status.ACTIVE or channel.pk in self.stopped
                or not channel.subscriber.is_active):
            outbox.finish(row, self.token, ChannelMessage.Status.SKIPPED,
                          "channel or subscription not active")
            self.report.skipped += 1
            return
        try:
            message = content.for_row(row)
        except Exception as exc:  # our bug, not the channel's: retried, then failed
            log.exception("channels: cannot compose channel message %s", row.pk)
            if outbox.start(row, self.token, self.policy, identity=content.message_id):
                if outbox.retry_later(row, self.token, self.policy, f"compose: {exc!r}"):
                    self.report.retrying += 1
                else:
                    self.report.failed += 1
            return
        if message is None:
            outbox.finish(row, self.token, ChannelMessage.Status.SKIPPED, "nothing stands")
            self.report.skipped += 1
            return
        if not outbox.start(row, self.token, self.policy, identity=content.message_id):
            return  # another sender took it over after our lease ran out
        outcome = channels.transport(channel.kind).send(channel, message, shared=self.shared)
        self.settle(row, outcome)

    def settle(self, row: ChannelMessage, outcome: http.Outcome) -> None:
        channel, now = row.channel, timezone.now()
        if outcome.accepted:
            outbox.finish(row, self.token, ChannelMessage.Status.SENT)
            self.report.sent += 1
            lifecycle.delivered(channel)
            return
        failing_since = lifecycle.failing(channel, outcome.error, now=now)
        if outcome.verdict == http.RETRY and now - failing_since < FAILING_FOR:
            outbox.retry_later(row, self.token, self.policy, outcome.error, give_up=False,
                               delay=outcome.retry_after)
            self.report.retrying += 1
            return
        outbox.finish(row, self.token, ChannelMessage.Status.FAILED, outcome.error)
        self.report.failed += 1
        reason = (outcome.error if outcome.verdict == http.REFUSED else
                  f"failing for {FAILING_FOR.days} days; last: {outcome.error}")
        email = lifecycle.pause(channel.pk, reason, now=now, today=row.as_of)
        self.stopped.add(channel.pk)
        if email is not None:
            self.report.paused.append(email.pk)


def send_pending(*, policy: SendPolicy | None = None, max_batches: int | None = None) -> Report:
    """Claim and send channel messages until none is ready."""
    policy = policy or SendPolicy.from_settings()
    report, batches = Report(), 0
    outbox.give_up_stale(policy, timezone.now(), ChannelMessage)
    while max_batches is None or batches < max_batches:
        token, rows = outbox.claim(policy=policy, model=ChannelMessage)
        if not rows:
            break
        batches += 1
        content.prepare(rows)
        batch = _Batch(token, policy, report)
        try:
            for row in rows:
                batch.send(row)
        finally:
            outbox.release(token, model=ChannelMessage)
    return report


def run(today: date) -> Report:
    """Record what the channels have not been told, then send everything ready."""
    recorded = record(today)
    report = send_pending()
    report.recorded, report.messages = recorded.recorded, recorded.messages
    return report
