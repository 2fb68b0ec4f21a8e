"""What the messages say: grouped alerts and changes, the dates recorded with each change,
tentative dates, every replacement, vendors by name. Mail goes to the in-memory outbox."""

from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core import mail as outbox
from django.core.management import call_command

from deprecations import changes, shipped
from deprecations.models import Change, Retirement
from notifier import alerts, compose, send
from notifier.models import Delivery, Mention
from tests.deprecations import factories
from tests.notifier.people import subscriber

pytestmark = pytest.mark.django_db




def text_of(message) -> str:
    return message.body


def html_of(message) -> str:
    return message.alternatives[0][0]


def test_one_email_names_every_entry_due_that_day_grouped_by_shutdown_date():
    for name in ("gpt-4.5-preview", "o1-preview", "o1-mini", "gpt-4o-audio-preview",
                 "gpt-4o-realtime-preview"):
        factories.entry(name, shutdown=date(2026, 3, 26), announced=None,
                        replacements=["gpt-5", "gpt-4.1"])
    factories.entry("dall-e-2", shutdown=date(2026, 5, 25), announced=None, replacements=[])
    factories.entry("claude-2", vendor_slug="anthropic", shutdown=date(2026, 3, 26),
                    announced=None)
    Change.objects.update(changed_at=datetime(2025, 6, 1, tzinfo=UTC))  # old news
    subscriber(vendors=["openai"])  # default lead times: 90, 30, 7 and 1 days
    due = alerts.record_alerts(date(2026, 2, 24), replay=False)
    assert (due.alerts, due.messages) == (6, 1)
    assert send.send_pending().sent == 1
    [message] = outbox.outbox
    assert message.subject == ("6 shutdowns (first 26 Mar 2026): gpt-4.5-preview, "
                               "gpt-4o-audio-preview, gpt-4o-realtime-preview and 3 more")
    text = text_of(message)
    for name in ("gpt-4.5-preview", "o1-preview", "o1-mini", "gpt-4o-audio-preview",
                 "gpt-4o-realtime-preview", "dall-e-2"):
        assert f"- {name} (Openai)" in text
    assert "claude-2" not in text
    # Grouped by date, soonest first, each group with its entries.
    march = text.index("On Thursday 26 March 2026 (in 30 days):")
    may = text.index("On Monday 25 May 2026 (in 90 days):")
    assert march < text.index("o1-preview") < may < text.index("dall-e-2")
    assert "move to gpt-5 or gpt-4.1" in text  # every replacement, not only the first
    assert "You asked for alerts 90 and 30 days before each shutdown you follow." in text
    assert "<h2" in html_of(message) and "dall-e-2" in html_of(message)
    # Each (entry, lead time, date) is told once: a second run, even a day later, adds nothing.
    assert alerts.record_alerts(date(2026, 2, 24), replay=False).total == 0
    assert alerts.record_alerts(date(2026, 2, 25), replay=False).total == 0
    [row] = Delivery.objects.all()
    assert sorted(row.mention_ids) == sorted(Mention.objects.filter(kind="alert").exclude(
        retirement__offering__identifier="claude-2").values_list("pk", flat=True))


def test_one_day_of_the_shipped_catalogue_makes_one_email_for_an_openai_follower(settings):
    """A follower of OpenAI gets one email for all the OpenAI entries due on 2026-02-24 at
    any default lead time, not one per entry."""
    shipped.load(shipped.read(), today=date(2026, 2, 24))
    Change.objects.update(changed_at=datetime(2025, 6, 1, tzinfo=UTC))  # old news
    subscriber(vendors=["openai"])
    day = date(2026, 2, 24)
    expected = set(Retirement.objects.filter(
        offering__vendor__slug="openai", published=True,
        shutdown_on__in=[day + timedelta(days=d) for d in (90, 30, 7, 1)]).exclude(
        status="withdrawn").values_list("offering__identifier", flat=True))
    if not expected:
        pytest.skip("the shipped catalogue has no OpenAI shutdown at a lead time of that day")
    alerts.record_alerts(day, replay=False)
    assert send.send_pending().sent == 1
    [message] = outbox.outbox
    for name in expected:
        assert f"- {name} (OpenAI)" in message.body or message.subject.startswith(name)
    [row] = Delivery.objects.all()
    assert set(Mention.objects.filter(pk__in=row.mention_ids).values_list(
        "retirement__offering__identifier", flat=True)) == expected
    assert len(row.mention_ids) == len(expected) >= 2


def test_a_change_email_tells_the_dates_recorded_with_the_change():
    entry = factories.entry("o3-old", shutdown=date(2027, 3, 1), announced=None)
    subscriber(models=["o3-old"])
    changes.move_date(entry, "shutdown_on", date(2027, 4, 15))
    alerts.record_alerts(date(2026, 11, 28), replay=False)
    message = compose.compose(Delivery.objects.get(kind="change"))
    assert message.subject == ("o3-old: shutdown moved to 15 Apr 2027 (was 1 Mar 2027) - "
                               "move to gpt-5.1-chat-latest")
    text = text_of(message)
    assert "shutdown moved from 1 Mar 2027 to 15 Apr 2027" in text
    # The creation was told with its own date, not the entry's current one.
    assert "new retirement, shutdown 1 Mar 2027" in text
    assert "new retirement, shutdown 15 Apr 2027" not in text
    assert "It now shuts down in 138 days, on Thursday 15 April 2027." in text


def test_tentative_dates_read_not_before_and_are_never_counted_down():
    entry = factories.entry(shutdown=date(2026, 2, 17), shutdown_tentative=True)
    subscriber(lead_times=[30])
    alerts.record_alerts(date(2026, 1, 18), replay=False)
    alert = compose.compose(Delivery.objects.get(kind="alert"))
    assert alert.subject == ("chatgpt-4o-latest shuts down not before 17 Feb 2026 - move to "
                             "gpt-5.1-chat-latest")
    assert "shuts down not before Tuesday 17 February 2026." in text_of(alert)
    for part in (alert.subject, text_of(alert), html_of(alert)):
        assert " in 30 days" not in part
    # The vendor makes the date firm: the change says so, with the recorded qualifiers.
    changes.move_dates(entry, {"shutdown_on": date(2026, 2, 17)}, tentative=False)
    alerts.record_alerts(date(2026, 1, 19), replay=False)
    change = compose.compose(Delivery.objects.get(kind="change"))
    assert change.subject.startswith("chatgpt-4o-latest: shutdown now 17 Feb 2026")
    assert "shutdown date now firm: 17 Feb 2026" in text_of(change)
    changes.move_dates(entry, {"shutdown_on": date(2026, 3, 1)}, tentative=True)
    alerts.record_alerts(date(2026, 1, 20), replay=False)
    later = compose.compose(Delivery.objects.filter(kind="change").latest("id"))
    assert "shutdown moved from 17 Feb 2026 to not before 1 Mar 2026" in text_of(later)
    assert "It now shuts down not before Sunday 1 March 2026." in text_of(later)


def test_withdrawn_and_reinstated_are_said_as_such_and_changes_are_grouped():
    first = factories.entry("gpt-a", shutdown=date(2026, 6, 1), announced=None)
    second = factories.entry("gpt-b", shutdown=date(2026, 6, 2), announced=None)
    subscriber(vendors=["openai"])
    alerts.record_alerts(date(2026, 1, 10), replay=False)  # the two new entries: one email
    assert send.send_pending().sent == 1
    assert outbox.outbox[-1].subject == "2 retirements changed: gpt-a and gpt-b"
    changes.withdraw(first)
    changes.withdraw(second)
    changes.reinstate(second, today=date(2026, 1, 11))
    due = alerts.record_alerts(date(2026, 1, 11), replay=False)
    assert (due.changes, due.messages) == (2, 1)
    assert send.send_pending().sent == 1
    text = text_of(outbox.outbox[-1])
    assert "gpt-a (Openai) changed:\n- retirement withdrawn by the vendor" in text
    assert "It is no longer scheduled to shut down." in text
    assert "gpt-b (Openai) changed:\n- retirement withdrawn by the vendor" in text
    assert "- retirement back on" in text
    assert "new retirement" not in text  # told in the first email, not again


def test_a_digest_lists_every_replacement_and_the_welcome_names_vendors():
    factories.vendor("openai", "OpenAI")
    factories.entry(shutdown=date(2026, 2, 17), replacements=["gpt-5", "gpt-4.1"])
    s = subscriber(digest="daily", vendors=["openai"])
    alerts.record_digests(date(2026, 1, 12), replay=False)
    digest = compose.compose(Delivery.objects.get(kind="digest"))
    assert ("chatgpt-4o-latest (OpenAI): 17 Feb 2026, in 36 days; move to gpt-5 or gpt-4.1"
            in text_of(digest))
    welcome = Delivery.objects.create(subscriber=s, kind="welcome", revision=1,
                                      as_of=date(2026, 1, 12), next_attempt_at=s.confirmed_at,
                                      created_at=s.confirmed_at)
    assert "You follow: vendors OpenAI." in text_of(compose.compose(welcome))


def test_alert_content_is_the_same_for_everyone_told_the_same_entries():
    """What a later pass may render once: no address or signed link in a shared content."""
    factories.entry()
    ada, bob = subscriber("ada@example.com"), subscriber("bob@example.com")
    alerts.record_alerts(date(2026, 1, 18), replay=False)
    rendered = []
    for s in (ada, bob):
        row = Delivery.objects.get(subscriber=s)
        assert compose.KINDS[row.kind].shared
        ctx = compose.context_for(row)
        assert "subscriber" not in ctx and "manage_url" not in ctx
        rendered.append(compose.render(row.kind, ctx))
    assert rendered[0] == rendered[1]
    bodies = [compose.compose(Delivery.objects.get(subscriber=s)).body for s in (ada, bob)]
    assert bodies[0] != bodies[1]  # the footers' signed links differ


def test_a_command_that_would_print_mail_and_record_it_sent_says_so_first(settings, capsys):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    factories.entry()
    subscriber(lead_times=[30])
    dry = StringIO()
    call_command("send_alerts", today="2026-01-18", dry_run=True, stdout=dry, no_color=True)
    assert "console" not in dry.getvalue() and not Delivery.objects.exists()
    out = StringIO()
    call_command("send_alerts", today="2026-01-18", stdout=out, no_color=True)
    first_line = out.getvalue().splitlines()[0]
    assert first_line.startswith("Mail goes to the console") and "recorded as sent" in first_line
    assert "chatgpt-4o-latest" in capsys.readouterr().out  # the message, printed
    assert Delivery.objects.get().status == "sent"
