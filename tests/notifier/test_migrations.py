"""Migrations that move ledger data: what a site recorded before still says the same after."""

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.deprecations import factories

BEFORE = [("notifier", "0011_mention_delivery_unconstrained")]
SHARED = [("notifier", "0013_shared_mentions_schema")]  # a list in each message
AFTER = [("notifier", "0015_mention_lists_schema")]  # lists shared by messages
NOW = datetime(2026, 1, 18, 9, tzinfo=UTC)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)  # the schema changes, then comes back
def test_per_subscriber_mentions_become_shared_and_every_message_tells_the_same():
    kept = factories.entry(shutdown=date(2026, 2, 17))
    other = factories.entry("gpt-4o-2024-05-13", shutdown=date(2026, 2, 17), announced=None)
    apps = _migrate(BEFORE)
    try:
        Subscriber, Delivery, Mention = (apps.get_model("notifier", name) for name in (
            "Subscriber", "Delivery", "Mention"))
        Channel, ChannelMessage, ChannelMention = (apps.get_model("notifier", name) for name in (
            "Channel", "ChannelMessage", "ChannelMention"))
        people = [Subscriber.objects.create(
            email=f"s{n}@example.com", status="confirmed", requested_at=NOW, confirmed_at=NOW,
            confirmed_on=NOW.date(), feed_token=f"feed{n}", link_key=f"link{n}")
            for n in range(2)]
        rows, told = [], {}
        for n, person in enumerate(people):
            alert = Delivery.objects.create(subscriber=person, kind="alert", revision=1,
                                            as_of=NOW.date(), next_attempt_at=NOW,
                                            created_at=NOW, status="sent")
            change = Delivery.objects.create(subscriber=person, kind="change", revision=1,
                                             as_of=NOW.date(), next_attempt_at=NOW,
                                             created_at=NOW)
            rows += [alert, change]
            common = dict(subscriber=person, created_at=NOW, shutdown_on=date(2026, 2, 17))
            told[alert.pk] = [Mention.objects.create(
                retirement_id=entry.pk, kind="alert", lead_days=30, revision=1 + n,
                delivery=alert, **common) for entry in (kept, other)]
            told[change.pk] = [Mention.objects.create(
                retirement_id=kept.pk, kind="change", revision=4, delivery=change, **common)]
        digest = Delivery.objects.create(subscriber=people[0], kind="digest", revision=7,
                                         as_of=NOW.date(), next_attempt_at=NOW, created_at=NOW)
        # A mention of an entry deleted since: the old table had no constraint to drop it.
        Mention.objects.create(subscriber=people[0], retirement_id=10**6, kind="alert",
                               lead_days=7, shutdown_on=date(2026, 2, 17), revision=1,
                               delivery=rows[0], created_at=NOW)
        channel = Channel.objects.create(subscriber=people[1], kind="webhook",
                                         url="https://hooks.example/x", shown_as="hooks.example",
                                         status="active", created_at=NOW, activated_at=NOW)
        message = ChannelMessage.objects.create(channel=channel, revision=1, as_of=NOW.date(),
                                                next_attempt_at=NOW, created_at=NOW)
        ChannelMention.objects.create(channel=channel, mention=told[rows[2].pk][0],
                                      message=message)

        apps = _migrate(AFTER)
        Delivery, Mention, MentionList, ChannelMention = (apps.get_model("notifier", name) for
                                                          name in ("Delivery", "Mention",
                                                                   "MentionList",
                                                                   "ChannelMention"))
        lists = MentionList.objects.in_bulk()
        shared = {(m.kind, m.retirement_id, m.lead_days, m.revision): m.pk
                  for m in Mention.objects.all()}
        # One alert per (entry, lead time, date), the first row's revision; one change.
        assert sorted(shared) == sorted([("alert", kept.pk, 30, 1), ("alert", other.pk, 30, 1),
                                         ("change", kept.pk, 0, 4)])
        alert_ids = sorted([shared["alert", kept.pk, 30, 1], shared["alert", other.pk, 30, 1]])
        told = {rows[0].pk: alert_ids, rows[1].pk: [shared["change", kept.pk, 0, 4]],
                rows[2].pk: alert_ids, rows[3].pk: [shared["change", kept.pk, 0, 4]]}
        assert {row.pk: sorted(lists[row.mention_list_id].mention_ids)
                for row in Delivery.objects.exclude(pk=digest.pk)} == told
        assert len(lists) == 2  # the two alert messages share one, the two changes another
        assert Delivery.objects.get(pk=digest.pk).mention_list_id is None  # tells no mention
        assert list(ChannelMention.objects.values_list("mention", "message")) == [
            (shared["alert", kept.pk, 30, 1], message.pk)]
        assert Delivery.objects.get(pk=rows[0].pk).status == "sent"

        # And back: each message holds its copy again.
        Delivery = _migrate(SHARED).get_model("notifier", "Delivery")
        assert {row.pk: sorted(row.mention_ids) for row in Delivery.objects.all()} == {
            **told, digest.pk: []}
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
