"""Alert channels against loopback receivers: a generic webhook whose signatures
``standardwebhooks`` verifies, a Slack-compatible chat (Mattermost's incoming webhook through
Apprise), and receivers that are down, slow, rate-limiting (429) or gone (410).

Days are passed in; mail goes to Django's in-memory outbox.
"""

import time
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from standardwebhooks.webhooks import WebhookVerificationError

from deprecations import changes
from deprecations.models import Retirement
from notifier import alerts, channels, outbox, subscriptions, tokens
from notifier.channels import BadChannel, chat, content, deliver, http, lifecycle
from notifier.models import Channel, ChannelMention, ChannelMessage, Delivery, Mention, Subscriber
from tests.deprecations import factories
from tests.httpserver import slow
from tests.notifier.people import subscriber
from tests.notifier.receiver import HOOK, SLACK, Receiver, answer
from tests.notifier.smtp import free_port

pytestmark = pytest.mark.django_db
DAY = date(2026, 1, 18)  # the 30-day alert day of chatgpt-4o-latest (17 Feb 2026)
NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def loopback_allowed(settings):
    settings.DEPCAL_CHANNELS_ALLOW_PRIVATE = True
    settings.DEPCAL_CHANNELS_TIMEOUT = 2.0
    settings.DEPCAL_CHANNELS_DEADLINE = 5.0


@pytest.fixture
def receiver():
    with Receiver() as server:
        yield server


def add(url, s=None) -> Channel:
    s = s or subscriber(lead_times=[30])  # everything: new entries come in digests, not here
    channel = lifecycle.add(s, url, now=timezone.now())
    lifecycle.test(channel, now=timezone.now(), today=DAY)
    return channel


def send_alerts(day=DAY) -> str:
    out = StringIO()
    call_command("send_alerts", today=day.isoformat(), stdout=out)
    return out.getvalue()


def test_a_webhook_gets_a_signed_test_message_then_one_signed_alert_per_run(receiver):
    factories.entry()
    channel = add(receiver.webhook_url)
    assert channel.status == "active" and channel.secret.startswith("whsec_")
    [(headers, test)] = receiver.verified(channel.secret)
    assert test["type"] == "depcal.test"

    out = send_alerts()
    assert "channels: 1 message, sent 1, skipped 0, failed 0, retrying later 0" in out
    [_, (headers, payload)] = receiver.verified(channel.secret)
    assert payload["type"] == "depcal.alerts" and payload["data"]["day"] == "2026-01-18"
    [event] = payload["data"]["events"]
    assert event["what"] == "lead_time_alert" and event["lead_days"] == 30
    assert event["retirement"]["identifier"] == "chatgpt-4o-latest"
    assert event["retirement"]["shutdown_on"] == "2026-02-17"
    assert event["retirement"]["days_left"] == 30
    assert headers["webhook-id"] == ChannelMessage.objects.get().message_id

    assert "channels: 0 messages, sent 0" in send_alerts()
    assert len(receiver.bodies()) == 2
    assert len(mail.outbox) == 1  # the email went as before


def test_a_signature_under_another_secret_or_a_changed_body_does_not_verify(receiver):
    factories.entry()
    channel = add(receiver.webhook_url)
    send_alerts()
    other = lifecycle.add(channel.subscriber, receiver.url("/other"), now=timezone.now())
    with pytest.raises(WebhookVerificationError):
        receiver.verified(other.secret)
    path, headers, body = receiver.posts[-1]
    receiver.posts[-1] = (path, headers, body.replace(b"chatgpt", b"chatgpx"))
    with pytest.raises(WebhookVerificationError):
        receiver.verified(channel.secret)


def test_every_mention_of_a_run_goes_in_one_message_with_moves_and_new_entries(receiver):
    entry = factories.entry()
    factories.entry("gpt-4o-2024-05-13", shutdown=date(2026, 2, 17))
    s = subscriber(vendors=["openai"], lead_times=[30])
    channel = add(receiver.webhook_url, s)
    changes.move_date(entry, "shutdown_on", date(2026, 3, 3), via="test")
    changes.create_retirement(factories.vendor("openai"), "o1-preview",
                              shutdown_on=date(2026, 6, 1), via="test")
    alerts.record_alerts(DAY, replay=True)
    report = deliver.run(DAY)
    assert (report.messages, report.sent) == (1, 1)
    [_, (_, payload)] = receiver.verified(channel.secret)
    events = {(e["what"], e["retirement"]["identifier"]) for e in payload["data"]["events"]}
    # chatgpt-4o-latest moved since its alert was due: its change is told, not the alert;
    # all three are new to a subscriber who chose a vendor
    assert events == {("lead_time_alert", "gpt-4o-2024-05-13"), ("moved", "chatgpt-4o-latest"),
                      ("new", "chatgpt-4o-latest"), ("new", "gpt-4o-2024-05-13"),
                      ("new", "o1-preview")}
    moved = next(e for e in payload["data"]["events"] if e["what"] == "moved")
    assert moved["change"]["old_date"] == "2026-02-17"
    assert moved["change"]["new_date"] == "2026-03-03"


def test_a_slack_compatible_chat_gets_the_alert_as_text(receiver):
    factories.entry()
    channel = add(receiver.slack_url)
    assert channel.kind == "chat" and channel.status == "active", channel.last_error
    assert SLACK.rsplit("/", 1)[1] not in channel.shown_as  # the token is hidden
    send_alerts()
    [test, alert] = receiver.chat_texts()
    assert "depcal will post here" in test
    assert "chatgpt-4o-latest" in alert and "in 30 days" in alert
    assert "gpt-5.1-chat-latest" in alert
    assert "/vendors/openai/chatgpt-4o-latest/" in alert
    assert "channels: 0 messages" in send_alerts()


def test_a_chat_in_french_for_a_french_subscriber(receiver):
    factories.entry()
    add(receiver.slack_url, subscriber(vendors=["openai"], lead_times=[30], language="fr"))
    send_alerts()
    assert "dans 30 jours" in receiver.chat_texts()[-1]


def test_a_channel_is_active_only_once_a_test_message_went_through(receiver):
    factories.entry()
    receiver.routes[HOOK] = answer(500)
    channel = add(receiver.webhook_url)
    assert channel.status == "new" and channel.last_error.startswith("HTTP 500")
    send_alerts()
    assert not ChannelMessage.objects.exists()
    receiver.routes[HOOK] = answer(204)
    assert lifecycle.test(channel, now=timezone.now(), today=DAY).accepted
    assert channel.status == "active" and channel.last_error == ""


def test_a_channel_added_later_hears_nothing_of_what_was_recorded_before(receiver):
    factories.entry()
    s = subscriber(vendors=["openai"], lead_times=[30])
    send_alerts()  # the email went out before the channel existed
    add(receiver.webhook_url, s)
    assert deliver.run(DAY).messages == 0
    assert not ChannelMention.objects.exists()


def test_a_receiver_that_is_down_is_tried_again_and_paused_after_three_days():
    factories.entry()
    with Receiver() as up:
        channel = add(up.webhook_url)
    s = channel.subscriber
    Channel.objects.filter(pk=channel.pk).update(url=f"http://127.0.0.1:{free_port()}/hook")
    out = send_alerts()
    assert "sent 0, skipped 0, failed 0, retrying later 1, paused 0" in out
    row = ChannelMessage.objects.get()
    assert row.status == "pending" and row.next_attempt_at > timezone.now()
    assert "ConnectionError" in row.last_error
    channel.refresh_from_db()
    assert channel.status == "active" and channel.failing_since is not None

    # Three days of failures later: paused, the owner told by email
    Channel.objects.filter(pk=channel.pk).update(failing_since=timezone.now() - timedelta(days=3))
    ChannelMessage.objects.update(next_attempt_at=timezone.now())
    report = deliver.send_pending()
    assert (report.failed, len(report.paused)) == (1, 1)
    channel.refresh_from_db()
    assert channel.status == "paused" and "failing for 3 days" in channel.last_error
    paused = Delivery.objects.get(kind="paused", subscriber=s)
    assert paused.pk == report.paused[0]


def test_a_slow_receiver_times_out_and_is_retried(receiver, settings):
    factories.entry()
    channel = add(receiver.webhook_url)
    settings.DEPCAL_CHANNELS_TIMEOUT = 0.3
    receiver.routes[HOOK] = slow(1.0, answer(204))
    assert "retrying later 1" in send_alerts()
    row = ChannelMessage.objects.get()
    assert row.status == "pending" and "Timeout" in row.last_error
    receiver.routes[HOOK] = answer(204)
    ChannelMessage.objects.update(next_attempt_at=timezone.now())
    assert deliver.send_pending().sent == 1
    row.refresh_from_db()
    channel.refresh_from_db()
    assert row.status == "sent" and row.attempts == 2
    assert channel.failing_since is None and channel.last_error == ""
    # Both attempts carried the same webhook-id
    ids = {h["webhook-id"] for p, h, _ in receiver.posts[1:]}
    assert ids == {row.message_id}


def test_a_429_is_tried_again_after_its_retry_after(receiver):
    factories.entry()
    channel = add(receiver.webhook_url)
    receiver.routes[HOOK] = answer(429, {"Retry-After": "120"})
    before = timezone.now()
    assert "retrying later 1, paused 0" in send_alerts()
    row = ChannelMessage.objects.get()
    wait = row.next_attempt_at - before
    assert timedelta(seconds=119) < wait < timedelta(seconds=125)
    channel.refresh_from_db()
    assert channel.status == "active" and row.last_error.startswith("HTTP 429")


def test_a_410_pauses_the_channel_at_once_and_emails_its_owner(receiver):
    factories.entry()
    factories.entry("gpt-4o-2024-05-13", shutdown=date(2026, 3, 3))
    channel = add(receiver.webhook_url)
    receiver.routes[HOOK] = answer(410, body=b"this hook was deleted")
    out = send_alerts()
    assert "failed 1, retrying later 0, paused 1" in out
    channel.refresh_from_db()
    assert channel.status == "paused" and "HTTP 410: this hook was deleted" in channel.last_error
    assert ChannelMessage.objects.get().status == "failed"
    [alert, paused] = mail.outbox
    assert paused.subject == "Your depcal alerts: a channel is paused"
    assert channel.shown_as in paused.body and "HTTP 410" in paused.body
    # Nothing more goes to it, even when something is due
    assert "channels: 0 messages" in send_alerts(date(2026, 2, 1))
    assert len(receiver.bodies()) == 2
    # A test message that goes through makes it active again
    receiver.routes[HOOK] = answer(204)
    assert lifecycle.test(channel, now=timezone.now(), today=DAY).accepted
    assert channel.status == "active"


def test_a_private_address_is_refused_unless_allowed(settings, receiver):
    settings.DEPCAL_CHANNELS_ALLOW_PRIVATE = False
    s = subscriber()
    with pytest.raises(BadChannel, match="non-public address"):
        lifecycle.add(s, receiver.webhook_url, now=NOW)
    with pytest.raises(BadChannel, match="non-public address"):
        lifecycle.add(s, receiver.slack_url, now=NOW)
    # A name is checked when connecting: localhost resolves to loopback
    for url in (f"http://localhost:{receiver.port}{HOOK}",
                f"mmost://localhost:{receiver.port}/{SLACK.rsplit('/', 1)[1]}"):
        channel = lifecycle.add(s, url, now=NOW)
        outcome = lifecycle.test(channel, now=NOW, today=DAY)
        assert outcome.verdict == "refused" and "non-public address" in outcome.error
        assert channel.status == "new"
    assert receiver.posts == []


@pytest.mark.parametrize("url, why", [
    ("ftp://example.org/hook", "not an Apprise URL"),
    ("mailto://user:pass@example.org", "not one of the services"),
    ("syslog://", "not one of the services"),
    ("http://user:pw@example.org/hook", "user name or password"),
    ("https://example.org/a b", "spaces"),
    ("nonsense", "not an Apprise URL"),
])
def test_urls_that_cannot_be_channels_are_refused_with_the_reason(url, why):
    with pytest.raises(BadChannel, match=why):
        lifecycle.add(subscriber(), url, now=NOW)


def test_only_a_confirmed_subscription_gets_channels():
    s = subscriber()
    s.status = "pending"
    s.save()
    with pytest.raises(BadChannel, match="not a confirmed subscription"):
        lifecycle.add(s, "https://example.org/hook", now=NOW)


def test_the_channels_command_adds_lists_tests_and_removes(receiver):
    subscriber(vendors=["openai"])
    out = StringIO()
    call_command("channels", "add", "--email", "Ada@example.com", "--url",
                 receiver.webhook_url, stdout=out)
    lines = out.getvalue().splitlines()
    channel = Channel.objects.get()
    assert lines[0] == f"id: {channel.pk}"
    assert lines[1] == f"secret: {channel.secret}"
    assert "test message accepted" in lines[2] and channel.status == "active"
    assert len(receiver.verified(channel.secret)) == 1

    listing = StringIO()
    call_command("channels", "list", "--email", "ada@example.com", stdout=listing)
    assert listing.getvalue().startswith(f"{channel.pk}\tactive\twebhook\thttp://127.0.0.1:")
    Subscriber.objects.update(status="unsubscribed")
    listing = StringIO()
    call_command("channels", "list", "--email", "ada@example.com", stdout=listing)
    assert listing.getvalue().splitlines()[:2] == [
        "ada@example.com is unsubscribed: its channels receive nothing until it is confirmed "
        "again", f"{channel.pk}\tactive\twebhook\t{channel.shown_as}"]
    Subscriber.objects.update(status="confirmed")

    receiver.routes[HOOK] = answer(404)
    out = StringIO()
    with pytest.raises(CommandError, match="not accepted"):
        call_command("channels", "add", "--email", "ada@example.com", "--url",
                     receiver.url("/gone"), stdout=out)
    assert out.getvalue().startswith("id: ")  # printed before the error: the channel is kept
    call_command("channels", "remove", str(channel.pk), stdout=StringIO())
    assert list(Channel.objects.values_list("status", flat=True)) == ["new"]
    with pytest.raises(CommandError, match="no subscription"):
        call_command("channels", "list", "--email", "nobody@example.com")


def test_a_withdrawn_entry_is_told_as_withdrawn_not_as_an_alert(receiver):
    entry = factories.entry()
    channel = add(receiver.webhook_url)
    alerts.record_alerts(DAY, replay=True)
    changes.withdraw(entry, by=None, via="test")
    assert Retirement.objects.get().status == "withdrawn"
    alerts.record_alerts(DAY, replay=True)
    deliver.run(DAY)
    [_, *messages] = receiver.verified(channel.secret)
    whats = [e["what"] for _, p in messages for e in p["data"]["events"]]
    assert "lead_time_alert" not in whats and whats[-1] == "withdrawn"


def test_a_deleted_entry_is_left_out_and_the_rest_still_reaches_the_channel(receiver):
    """Deleting an entry deletes its mentions; the messages that listed them keep the ids.
    A channel's run must tell the rest (a row for a missing mention would fail it)."""
    kept = factories.entry()
    gone = factories.entry("gpt-4o-2024-05-13", shutdown=date(2026, 2, 17), announced=None)
    channel = add(receiver.webhook_url)
    alerts.record_alerts(DAY, replay=True)
    Retirement.objects.filter(pk=gone.pk).delete()
    assert deliver.run(DAY).sent == 1
    # Nothing points at a mention that is gone (PostgreSQL would refuse it at commit).
    assert set(ChannelMention.objects.values_list("mention", flat=True)) <= set(
        Mention.objects.values_list("pk", flat=True))
    [_, (_, payload)] = receiver.verified(channel.secret)
    assert [e["retirement"]["identifier"] for e in payload["data"]["events"]] == [
        kept.offering.identifier]


def test_the_manage_page_adds_a_channel_shows_its_secret_once_tests_and_removes_it(receiver):
    s = subscriber()
    browser = Client()
    page = f"/manage/{tokens.make(s, tokens.MANAGE)}/"
    added = browser.post(page, {"action": "add-channel", "url": receiver.webhook_url})
    assert added.status_code == 200
    channel = Channel.objects.get()
    html = added.content.decode()
    assert channel.secret in html and "the channel is active" in html
    later = browser.get(page).content.decode()
    assert channel.secret not in later and channel.shown_as in later
    receiver.routes[HOOK] = answer(503)
    tested = browser.post(page, {"action": "test-channel", "channel": channel.pk})
    assert "did not go through (HTTP 503" in tested.content.decode()
    bad = browser.post(page, {"action": "add-channel", "url": "mailto://a:b@example.org"})
    assert bad.status_code == 400 and "not one of the services" in bad.content.decode()
    other = subscriber("bob@example.com")
    theirs = lifecycle.add(other, receiver.webhook_url, now=NOW)
    browser.post(page, {"action": "remove-channel", "channel": theirs.pk})  # not Ada's
    assert browser.post(page, {"action": "remove-channel", "channel": channel.pk}
                        ).status_code == 302
    assert list(Channel.objects.all()) == [theirs]


def test_each_accepted_chat_service_speaks_http_through_requests():
    """The guard reaches Apprise's requests through requests' sessions: a plugin that opened
    sockets some other way (SMTP, XMPP, MQTT) would escape it, so none is accepted."""
    import importlib
    import inspect

    from notifier.channels import chat

    for module in chat.SERVICES:
        source = inspect.getsource(importlib.import_module(f"apprise.plugins.{module}"))
        assert "requests.post" in source or "requests.request" in source, module
        for other in ("import socket", "smtplib", "httpx", "aiohttp", "urllib.request"):
            assert other not in source, (module, other)


@pytest.mark.parametrize("value, wait", [
    ("120", timedelta(seconds=120)), ("0", timedelta(0)),
    ("Sat, 28 Nov 2026 12:05:00 GMT", timedelta(minutes=5)),
    ("999999999", timedelta(days=1)),  # at most a day
    ("soon", None), ("", None), (None, None),
])
def test_retry_after_in_seconds_or_as_a_date_at_most_a_day(value, wait):
    assert http.retry_after(value, now=NOW) == wait


@pytest.mark.parametrize("status, verdict", [
    (200, "accepted"), (204, "accepted"), (301, "refused"), (400, "refused"),
    (404, "refused"), (410, "refused"), (429, "retry"), (500, "retry"), (503, "retry"),
])
def test_what_an_answer_means(status, verdict):
    assert http.judge(status, {}).verdict == verdict


@pytest.mark.parametrize("status, headers, verdict, after", [
    (429, {"Retry-After": "30"}, "retry", timedelta(seconds=30)),
    (502, {}, "retry", None),
    (410, {}, "refused", None),
])
def test_a_chat_service_answer_means_what_a_webhook_answer_means(receiver, status, headers,
                                                                 verdict, after):
    channel = add(receiver.slack_url)
    receiver.routes[SLACK] = answer(status, headers)
    outcome = chat.send(channel, content.test_message(channel, now=NOW, today=DAY))
    assert (outcome.verdict, outcome.retry_after) == (verdict, after)
    assert outcome.error.startswith(f"HTTP {status}")


def endless_body(handler):
    """A 500 whose body says it is huge, sends twice the cap, then stalls."""
    handler.send_response(500)
    handler.send_header("Content-Length", str(http.MAX_READ * 100))
    handler.end_headers()
    handler.wfile.write(b"x" * (http.MAX_READ * 2))
    handler.wfile.flush()
    time.sleep(3)
    return 500, {}, b""


@pytest.mark.parametrize("kind", ["webhook", "chat"])
def test_an_answer_is_read_only_up_to_its_cap(receiver, kind):
    channel = add(receiver.webhook_url if kind == "webhook" else receiver.slack_url)
    receiver.routes[HOOK] = receiver.routes[SLACK] = endless_body
    started = time.monotonic()
    outcome = channels.transport(channel.kind).send(
        channel, content.test_message(channel, now=NOW, today=DAY))
    # Read past the cap, the sender would wait on the stalled body until its read timeout
    assert time.monotonic() - started < 1.5
    assert outcome.verdict == "retry" and outcome.error.startswith("HTTP 500")


def test_messages_waiting_for_an_unsubscribed_address_are_skipped(receiver):
    factories.entry()
    channel = add(receiver.webhook_url)
    alerts.record_alerts(DAY, replay=True)
    deliver.record(DAY)
    subscriptions.unsubscribe(channel.subscriber, now=timezone.now())
    assert deliver.send_pending().skipped == 1
    assert len(receiver.bodies()) == 1  # the test message only


def test_a_message_whose_sender_died_during_its_last_attempt_ends_failed(receiver):
    """As for email: a channel message in flight when its sender died is sent again while it
    has attempts left, and failed, never taken again, after its last."""
    factories.entry()
    add(receiver.webhook_url)
    send_alerts()
    assert ChannelMessage.objects.get().status == "sent"
    told = len(receiver.bodies())
    policy = outbox.SendPolicy.from_settings(max_attempts=2)
    dead = {"status": "sending", "send_started_at": timezone.now(), "claim_token": "dead",
            "lease_until": timezone.now() - timedelta(seconds=1)}
    ChannelMessage.objects.update(attempts=2, **dead)
    report = deliver.send_pending(policy=policy)
    row = ChannelMessage.objects.get()
    assert (report.sent, row.status, row.attempts) == (0, "failed", 2)
    assert "stopped during each of 2 attempts" in row.last_error
    assert len(receiver.bodies()) == told
