"""What a channel message tells: its events, as JSON for a webhook and as text for a chat.

A message lists every mention grouped into it, each as an *event*: a lead-time alert
(``lead_time_alert``, with its lead time) or one of the notable changes of an entry (``new``,
``moved``, ``withdrawn``, ``reinstated``), each with the entry as the API shows it
(``deprecations.api.serializers``). What is told follows the emails' rules
(``alerts.alert_stands``, ``alerts.changes_told``): an alert whose entry was withdrawn or
moved since is left out (its change is told instead), and a message left with nothing to tell
is not sent. Chat text is in the subscriber's language, from ``templates/channels/``.

The webhook body has the Standard Webhooks shape, ``{"type", "timestamp", "data"}``:
``type`` is ``depcal.alerts`` (``data.events``) or ``depcal.test`` (the message sent when a
channel is added); ``timestamp`` is when the message was made, the same on every retry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Prefetch, prefetch_related_objects
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext, ngettext

from deprecations.api.serializers import ChangeSerializer, RetirementSerializer
from deprecations.models import Change, Retirement
from notifier import alerts, compose
from notifier.models import ChannelMention, ChannelMessage, Mention

ALERTS, TEST = "depcal.alerts", "depcal.test"
WHAT = {Change.Kind.CREATED: "new", Change.Kind.PUBLISHED: "new",
        Change.Kind.MOVED: "moved", Change.Kind.WITHDRAWN: "withdrawn",
        Change.Kind.REINSTATED: "reinstated"}


@dataclass
class Event:
    what: str  # lead_time_alert, new, moved, withdrawn, reinstated
    entry: Retirement
    lead_days: int | None = None
    change: Change | None = None

    def as_json(self, today: date, shared: dict) -> dict:
        value = {"what": self.what}
        if self.lead_days is not None:
            value["lead_days"] = self.lead_days
        if self.change is not None:
            value["change"] = ChangeSerializer(self.change).data
        key = (self.entry.pk, today)
        if key not in shared:
            shared[key] = RetirementSerializer(self.entry, context={"today": today}).data
        value["retirement"] = shared[key]
        return value


@dataclass
class Message:
    """One message to a channel, ready to be written as JSON or as chat text."""

    id: str  # the webhook-id: the same on every attempt
    type: str
    day: date
    made_at: datetime
    language: str
    events: list[Event] = field(default_factory=list)

    def body(self, shared: dict | None = None) -> str:
        """The webhook's JSON body. ``shared``: the entries as the API shows them, kept
        between the messages of one batch (a sender's batch; what is told the same way to
        many channels is written once)."""
        shared = {} if shared is None else shared
        data = ({"day": self.day.isoformat(),
                 "events": [e.as_json(self.day, shared) for e in self.events]}
                if self.type == ALERTS
                else {"message": "depcal will send alerts here."})
        return json.dumps({"type": self.type, "timestamp": self.made_at.isoformat(),
                           "data": data}, separators=(",", ":"), default=str)

    def chat(self) -> tuple[str, str]:
        """The chat message's title and text (Markdown), in the subscriber's language."""
        with translation.override(self.language):
            if self.type == TEST:
                return (gettext("depcal: test message"),
                        render_to_string("channels/test.txt").strip())
            for event in self.events:
                compose.retirement_view(event.entry, self.day)
                if event.change is not None:
                    compose.change_view(event.change, self.day)
            title = ngettext("depcal: %(count)d retirement to know about",
                             "depcal: %(count)d retirements to know about",
                             len(self.events)) % {"count": len(self.events)}
            return title, render_to_string("channels/alerts.txt", {"events": self.events}).strip()


def test_message(channel, *, now: datetime, today: date) -> Message:
    return Message(id=f"msg_test_{channel.pk}_{now:%Y%m%d%H%M%S%f}", type=TEST, day=today,
                   made_at=now, language=channel.subscriber.language)


def message_id(row: ChannelMessage) -> str:
    """The webhook-id of a ledger row: the same on every retry, never another row's (the
    creation time is in it, as in the mail's Message-ID)."""
    return f"msg_{row.pk}_{row.created_at:%Y%m%d%H%M%S%f}"


def prepare(rows: list[ChannelMessage]) -> None:
    """Load the mentions of a batch's rows, with their entries, in three queries whatever the
    number of rows (as ``compose.prepare`` does for email)."""
    told = (ChannelMention.objects.select_related("mention__retirement__offering__vendor")
            .prefetch_related("mention__retirement__offering__aliases"))
    prefetch_related_objects(rows, Prefetch("mentions", queryset=told))


def for_row(row: ChannelMessage) -> Message | None:
    """The message of a ledger row (``prepare``d or not), or None when nothing in it still
    stands."""
    subscriber = row.channel.subscriber
    mentions = [told.mention for told in row.mentions.all()]
    events = [Event("lead_time_alert", m.retirement, lead_days=m.lead_days) for m in mentions
              if m.kind == Mention.Kind.ALERT and alerts.alert_stands(m)]
    for mention, changes in alerts.changes_told(mentions, subscriber):
        events += [Event(WHAT.get(c.kind, c.kind), mention.retirement, change=c)
                   for c in changes]
    if not events:
        return None
    events.sort(key=lambda e: (e.entry.shutdown_on or date.max, e.entry.offering.identifier,
                               e.change.revision if e.change else 0))
    return Message(id=message_id(row), type=ALERTS, day=row.as_of, made_at=row.created_at,
                   language=subscriber.language, events=events)
