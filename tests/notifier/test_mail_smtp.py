"""The sending path against a real SMTP server (aiosmtpd on 127.0.0.1), and the whole
subscribe -> confirm -> alert -> one-click unsubscribe path as a person and a mail provider
would walk it."""

import re
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from deprecations import changes
from deprecations.models import Retirement
from notifier import alerts, outbox, send
from notifier.models import Delivery, Subscriber
from notifier.subscriptions import set_choices
from tests.deprecations import factories
from tests.notifier.smtp import SMTPSink

pytestmark = pytest.mark.django_db
SUBJECT = "chatgpt-4o-latest shuts down in 30 days (17 Feb 2026) - move to gpt-5.1-chat-latest"


@pytest.fixture
def smtp(request, settings, eager_tasks):
    """The sink; ``pipelined`` (below) runs a test against one that offers PIPELINING too."""
    with SMTPSink(pipelining=getattr(request, "param", False)) as sink:
        for name, value in sink.settings().items():
            setattr(settings, name, value)
        yield sink


@pytest.fixture
def smtp_pipelining(settings, eager_tasks):
    with SMTPSink(pipelining=True) as sink:
        for name, value in sink.settings().items():
            setattr(settings, name, value)
        yield sink


# Each test so marked runs twice: against a server that offers PIPELINING (RFC 2920), which
# the sender then uses, and against one that does not.
pipelined = pytest.mark.parametrize("smtp", [False, True], ids=["plain", "pipelining"],
                                    indirect=True)


def subscriber(email="ada@example.com", **choices):
    s = Subscriber.objects.create(
        email=email, status="confirmed", requested_at=datetime(2025, 1, 1, tzinfo=UTC),
        confirmed_at=datetime(2025, 1, 1, tzinfo=UTC), confirmed_on=date(2025, 1, 1))
    set_choices(s, **choices)
    return s


def alerts_for(count: int) -> None:
    """The 30-day alert of one entry, due for ``count`` subscribers s0@, s1@..."""
    factories.entry()
    for n in range(count):
        subscriber(f"s{n}@example.com")
    alerts.record_alerts(date(2026, 1, 18), replay=False)


def local(url: str) -> str:
    """A link from a message, as the test client wants it (links start with SITE_URL)."""
    assert url.startswith(django_settings.SITE_URL + "/"), url
    return urlsplit(url).path


def links(text: str) -> list[str]:
    return re.findall(r"https?://[^\s<>\"]+", text)


def test_subscribe_confirm_alert_and_one_click_unsubscribe(
        smtp, django_capture_on_commit_callbacks):
    """Subscribe, confirm, receive an alert and unsubscribe in one click, end to end over
    SMTP (docs/standards.md, "Email")."""
    factories.entry()  # chatgpt-4o-latest, 17 Feb 2026
    browser = Client(enforce_csrf_checks=True)
    form = browser.get("/subscribe/")
    assert form.status_code == 200
    csrf = browser.cookies["csrftoken"].value
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post("/subscribe/", {
            "email": "ada@example.com", "lead_times": ["90", "30", "7", "1"],
            "digest": "weekly", "csrfmiddlewaretoken": csrf})
    assert response.status_code == 302
    [confirmation] = smtp.wait_for(1)
    assert confirmation.rcpt_tos == ["ada@example.com"]
    text = confirmation.message.get_body(("plain",)).get_content()
    [confirm_url] = [u for u in links(text) if "/subscribe/confirm/" in u]
    assert browser.get(local(confirm_url)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert browser.post(local(confirm_url),
                            {"csrfmiddlewaretoken": csrf}).status_code == 302
    welcome = smtp.wait_for(2)[1]
    assert welcome.subject.startswith("Your depcal alerts are on")

    out = StringIO()
    call_command("send_alerts", today="2026-01-18", stdout=out)
    assert "due 1 in 1 message, sent 1, skipped 0, failed 0" in out.getvalue()
    alert = smtp.wait_for(3)[2]
    assert alert.subject == SUBJECT
    assert alert.rcpt_tos == ["ada@example.com"]

    unsubscribe = alert.message["List-Unsubscribe"].strip().strip("<>")
    assert alert.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    provider = Client(enforce_csrf_checks=True)  # no cookies, no CSRF token
    response = provider.post(local(unsubscribe), "List-Unsubscribe=One-Click",
                             content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert Subscriber.objects.get().status == "unsubscribed"

    for day in ("2026-01-18", "2026-02-10", "2026-02-16"):
        call_command("send_alerts", today=day, stdout=StringIO())
    call_command("send_digests", today="2026-01-19", stdout=StringIO())
    changes.move_date(Retirement.objects.get(), "shutdown_on", date(2026, 2, 20))
    call_command("send_alerts", stdout=StringIO())
    send.send_pending()
    assert len(smtp.messages()) == 3  # nothing more


def test_an_alert_has_the_headers_parts_and_working_links(smtp, client):
    entry = factories.entry(replacements=["gpt-5.1-chat-latest", "<script>x</script>"])
    subscriber()
    alerts.record_alerts(date(2026, 1, 18), replay=False)
    assert send.send_pending().sent == 1
    [received] = smtp.messages()
    message = received.message
    row = Delivery.objects.get()
    assert message["Message-ID"] == row.message_id == outbox.message_id(row)
    assert message["From"] == django_settings.DEFAULT_FROM_EMAIL
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    list_unsubscribe = message["List-Unsubscribe"].strip()  # folded: the URL is long
    assert re.fullmatch(r"<https?://\S+/unsubscribe/\S+>", list_unsubscribe)
    assert "ada@example.com" not in list_unsubscribe
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Tuesday 17 February 2026" in text and "Tuesday 17 February 2026" in html
    assert "Move to: gpt-5.1-chat-latest or <script>x</script>" in text
    assert "<script>" not in html and "&lt;script&gt;" in html  # scraped text is escaped
    retirement_url = django_settings.SITE_URL + entry.get_absolute_url()
    assert retirement_url in text and f'href="{retirement_url}"' in html
    for url in set(links(text)):
        path = local(url)
        response = client.get(path)
        assert response.status_code == 200, url
        assert Subscriber.objects.get().status == "confirmed"  # a GET changes nothing
    [unsubscribe] = [u for u in links(text) if "/unsubscribe/" in u]
    assert list_unsubscribe == f"<{unsubscribe}>"


@pipelined
def test_a_batch_goes_over_one_connection(smtp):
    alerts_for(5)
    report = send.send_pending()
    assert report.sent == 5
    assert smtp.sessions == 1
    assert len({m.message_id for m in smtp.messages()}) == 5
    # Pipelined, each MAIL command came with its RCPT and DATA behind it, in one write (with
    # the data of the message before).
    waiting = [behind for command, behind in smtp.commands]
    if smtp.pipelining:
        assert len(waiting) == 5, waiting
        assert all(re.fullmatch(rb"RCPT TO:<s\d@example\.com>\r\nDATA\r\n", b)
                   for b in waiting), waiting
    else:
        assert waiting == [b""] * 5


def test_pipelined_each_message_is_one_write_and_one_round_trip(smtp_pipelining, monkeypatch):
    """The next message's envelope goes with this one's data: after the first envelope, one
    write per message (its data, then the next MAIL, RCPT and DATA), and no other."""
    import smtplib

    alerts_for(6)
    write, writes = smtplib.SMTP.send, []
    monkeypatch.setattr(smtplib.SMTP, "send", lambda self, data: (writes.append(data),
                                                                  write(self, data))[1])
    assert send.send_pending().sent == 6
    assert smtp_pipelining.sessions == 1 and len(smtp_pipelining.messages()) == 6
    as_text = [w if isinstance(w, str) else w.decode("latin-1") for w in writes]
    assert as_text[0].lower().startswith("ehlo") and as_text[-1].lower().startswith("quit")
    first_envelope, *data, _quit = as_text[1:]
    assert first_envelope.startswith("MAIL FROM:") and first_envelope.endswith("DATA\r\n")
    assert len(data) == 6
    assert all(re.search(r"\r\n\.\r\nMAIL FROM:<[^>]+>\r\nRCPT TO:<s\d@example\.com>\r\n"
                         r"DATA\r\n$", w) for w in data[:-1]), data
    assert data[-1].endswith("\r\n.\r\n")


def test_a_row_whose_announced_envelope_will_not_go_ends_it_by_closing_the_connection(
        smtp_pipelining):
    """The second row's envelope went with the first message's data, then its subscriber
    turned out stopped (here: unsubscribed meanwhile): no message for it (the server is in
    its DATA; only a closed connection ends that without a message), and the batch goes on
    over a new connection."""
    factories.entry()
    people = [subscriber(f"s{n}@example.com") for n in range(3)]
    alerts.record_alerts(date(2026, 1, 18), replay=False)
    Subscriber.objects.filter(pk=people[1].pk).update(status="unsubscribed")
    report = send.send_pending()
    assert (report.sent, report.skipped) == (2, 1)
    assert sorted(m.rcpt_tos[0] for m in smtp_pipelining.messages()) == [
        "s0@example.com", "s2@example.com"]
    assert smtp_pipelining.sessions == 2
    assert sorted(Delivery.objects.values_list("status", flat=True)) == [
        "sent", "sent", "skipped"]


def test_an_announced_row_whose_message_has_no_bytes_of_its_own_goes_through_the_backend(
        smtp_pipelining, monkeypatch):
    """The second row's envelope went with the first message's data, then its message came
    without ready bytes (here: forced; in life, a link that would not read the same
    escaped): it is built and sent by Django's backend over a new connection, intact, never
    as data of the envelope announced for it."""
    alerts_for(3)
    second = Delivery.objects.order_by("id")[1]
    fill = send.Composer._fill
    monkeypatch.setattr(send.Composer, "_fill", lambda self, wire, row, personal: (
        None if row.pk == second.pk else fill(self, wire, row, personal)))
    assert send.send_pending().sent == 3
    received = {m.rcpt_tos[0]: m for m in smtp_pipelining.messages()}
    assert sorted(received) == ["s0@example.com", "s1@example.com", "s2@example.com"]
    assert all(m.raw.count(b"MAIL FROM") == 0 and m.message["To"] == to
               for to, m in received.items())
    assert smtp_pipelining.sessions == 2


def test_an_address_that_cannot_go_in_an_envelope_is_not_announced(smtp_pipelining):
    """A next row whose address cannot be written in an envelope as it is (from before the
    form refused such addresses) is not announced with the message before it: that message
    goes, and only the row itself fails."""
    factories.entry()
    subscriber("ok@example.com")
    subscriber("a@b.co\u202e")
    alerts.record_alerts(date(2026, 1, 18), replay=False)
    report = send.send_pending()
    assert (report.sent, report.retrying) == (1, 1)
    ok = Delivery.objects.get(subscriber__email="ok@example.com")
    assert (ok.status, ok.attempts, ok.last_error) == ("sent", 1, "")
    assert [m.rcpt_tos for m in smtp_pipelining.messages()] == [["ok@example.com"]]


@pipelined
def test_a_421_to_an_envelope_ends_the_batch_and_holds_nothing_against_the_address(smtp):
    """The server says it is closing (421) when asked for the second recipient (pipelined:
    in the envelope written with the first message's data): the first message is sent and
    marked, the second waits for the next run without a failure counted against its
    address, the third is given back untried; the same with or without PIPELINING."""
    alerts_for(3)
    smtp.refuse["s1@example.com"] = "421 4.3.2 Service shutting down"
    report = send.send_pending()
    assert (report.sent, report.retrying, report.interrupted) == (1, 1, True)
    assert [m.rcpt_tos for m in smtp.messages()] == [["s0@example.com"]]
    rows = {r.subscriber.email: r for r in Delivery.objects.select_related("subscriber")}
    assert rows["s0@example.com"].status == "sent"
    assert (rows["s1@example.com"].status, rows["s1@example.com"].attempts) == ("pending", 1)
    assert "connection" in rows["s1@example.com"].last_error
    assert (rows["s2@example.com"].status, rows["s2@example.com"].attempts) == ("pending", 0)
    assert Subscriber.objects.filter(status="confirmed").count() == 3


@pipelined
def test_a_message_refused_after_its_data_does_not_lose_the_next_one(smtp):
    """The server reads a message, then refuses it (451): the refused one is retried later,
    the next goes on. Pipelined, the next envelope is already on its way then, and the next
    message goes over a new connection; otherwise over the same one, after a RSET."""
    alerts_for(3)
    smtp.refuse_data["s0@example.com"] = "451 4.3.0 try again later"
    report = send.send_pending()
    assert (report.sent, report.retrying) == (2, 1)
    assert smtp.sessions == (2 if smtp.pipelining else 1)
    assert sorted(m.rcpt_tos[0] for m in smtp.messages()) == [
        "s1@example.com", "s2@example.com"]
    row = Delivery.objects.get(subscriber__email="s0@example.com")
    assert (row.status, row.attempts) == ("pending", 1) and "451" in row.last_error


@pytest.mark.parametrize("pipelining", [False, True], ids=["plain", "pipelining"])
def test_a_message_keeps_its_periods_and_size(pipelining):
    """The data of a message with its bytes are dot-stuffed and announced with their size,
    as smtplib's sendmail sends them: a line of the body that is a lone period arrives
    intact, with or without PIPELINING."""
    from django.core.mail import EmailMessage
    from django.core.mail.backends.smtp import EmailBackend

    with SMTPSink(pipelining=pipelining) as sink:
        backend = EmailBackend(host=sink.host, port=sink.port, fail_silently=False)
        batch = send._Batch("token", outbox.SendPolicy.from_settings(), backend)
        backend.open()
        batch.opened = True
        msg = EmailMessage("periods", "one\n.\n..two\n.", "depcal@example.org",
                           ["ada@example.com"])
        msg.wire = msg.message().as_bytes(linesep="\r\n")
        batch.transmit(msg, lambda: True)
        batch.close()
        [received] = sink.messages()
    assert received.message.get_content().replace("\r\n", "\n") == "one\n.\n..two\n.\n"
    assert received.mail_options == [f"SIZE={len(msg.wire)}"]


@pipelined
def test_a_refused_sender_address_ends_the_batch_and_holds_nothing_against_anyone(
        smtp, settings):
    """The server refuses our own sender address (MAIL answered 550): nothing is sent, the
    batch ends and every row waits for the next run with nothing held against its address;
    once the server takes the address again, everything goes."""
    from email.utils import parseaddr

    alerts_for(3)
    sender = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    smtp.refuse[sender] = "550 5.7.1 Sender not allowed"
    report = send.send_pending()
    assert (report.sent, report.retrying, report.interrupted) == (0, 1, True)
    assert smtp.messages() == [] and smtp.refused == [(sender, "550 5.7.1 Sender not allowed")]
    assert list(Delivery.objects.order_by("id").values_list("status", "attempts")) == [
        ("pending", 1), ("pending", 0), ("pending", 0)]
    assert Subscriber.objects.filter(status="confirmed").count() == 3
    del smtp.refuse[sender]
    Delivery.objects.update(next_attempt_at=timezone.now())
    assert send.send_pending().sent == 3


@pytest.mark.parametrize("pipelining", [False, True], ids=["plain", "pipelining"])
def test_a_421_to_any_recipient_sends_nothing(pipelining):
    """A server that says it is closing (421) to one recipient of several gets no data:
    the message fails as smtplib's sendmail fails it, and the connection is dropped."""
    import smtplib

    from django.core.mail import EmailMessage
    from django.core.mail.backends.smtp import EmailBackend

    with SMTPSink(pipelining=pipelining,
                  refuse={"bob@example.com": "421 4.3.2 Service shutting down"}) as sink:
        backend = EmailBackend(host=sink.host, port=sink.port, fail_silently=False)
        batch = send._Batch("token", outbox.SendPolicy.from_settings(), backend)
        backend.open()
        batch.opened = True
        msg = EmailMessage("two", "body", "depcal@example.org",
                           ["ada@example.com", "bob@example.com"])
        msg.wire = msg.message().as_bytes(linesep="\r\n")
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            batch.transmit(msg, lambda: True)
        batch.close()
        assert sink.messages() == []
    assert refused.value.recipients == {"bob@example.com": (421, b"4.3.2 Service shutting down")}
    assert backend.connection is None and not batch.opened


@pipelined
def test_a_451_retries_with_backoff_keeping_the_message_id(smtp):
    factories.entry()
    subscriber("busy@example.com")
    subscriber("ok@example.com")
    smtp.refuse["busy@example.com"] = "451 4.2.1 Mailbox busy, try later"
    alerts.record_alerts(date(2026, 1, 18), replay=False)
    before = timezone.now()
    report = send.send_pending()
    assert (report.sent, report.retrying) == (1, 1)
    row = Delivery.objects.get(subscriber__email="busy@example.com")
    assert row.status == "pending" and row.attempts == 1
    assert row.next_attempt_at >= before + timedelta(seconds=60)
    assert "451" in row.last_error
    first_id = row.message_id
    assert send.send_pending().sent == 0  # not yet: backing off
    del smtp.refuse["busy@example.com"]
    Delivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert send.send_pending().sent == 1
    [received] = smtp.to("busy@example.com")
    assert received.message_id == first_id
    row.refresh_from_db()
    assert (row.status, row.attempts, row.message_id) == ("sent", 2, first_id)


def test_temporary_failures_suppress_the_address_after_n_tries(smtp):
    factories.entry()
    busy = subscriber("busy@example.com")
    smtp.refuse["busy@example.com"] = "452 4.2.2 Mailbox full"
    alerts.record_alerts(date(2026, 1, 18), replay=False)
    policy = outbox.SendPolicy.from_settings(max_attempts=3, backoff_seconds=0)
    report = send.send_pending(policy=policy)
    assert (report.sent, report.failed) == (0, 1)
    assert len(smtp.refused) == 3
    row = Delivery.objects.get()
    assert (row.status, row.attempts) == ("failed", 3)
    busy.refresh_from_db()
    assert busy.status == "suppressed"
    Delivery.objects.all().delete()
    assert alerts.record_alerts(date(2026, 1, 18), replay=False).total == 0


@pipelined
def test_a_550_bounces_the_address_and_stops_sending_to_it(smtp):
    factories.entry()
    factories.entry("gpt-4o-2024-05-13", shutdown=date(2026, 2, 17), announced=None)
    gone = subscriber("gone@example.com")
    subscriber("ok@example.com")
    smtp.refuse["gone@example.com"] = "550 5.1.1 No such user"
    alerts.record_alerts(date(2026, 1, 18), replay=False)  # one message each, two entries
    alerts.record_digests(date(2026, 1, 19), replay=True)  # and a digest each, later
    report = send.send_pending(kinds=["alert"])
    assert (report.sent, report.failed) == (1, 1)
    gone.refresh_from_db()
    assert gone.status == "bounced" and "550" in gone.bounce_reason
    statuses = sorted(Delivery.objects.filter(subscriber=gone).values_list("kind", "status"))
    assert statuses == [("alert", "bounced"), ("digest", "skipped")]  # never tried
    assert send.send_pending().sent == 1  # ok's digest
    assert len(smtp.refused) == 1
    assert {m.rcpt_tos[0] for m in smtp.messages()} == {"ok@example.com"}


def test_a_server_that_is_down_leaves_everything_for_later(settings):
    factories.entry()
    subscriber("a@example.com")
    subscriber("b@example.com")
    sink = SMTPSink()  # not started: the port refuses connections
    for name, value in sink.settings().items():
        setattr(settings, name, value)
    alerts.record_alerts(date(2026, 1, 18), replay=False)
    report = send.send_pending()
    assert report.interrupted and report.sent == 0
    rows = Delivery.objects.order_by("id")
    assert [(r.status, r.attempts) for r in rows] == [("pending", 1), ("pending", 0)]
    with sink:
        Delivery.objects.update(next_attempt_at=timezone.now())
        assert send.send_pending().sent == 2
        assert len(sink.messages()) == 2


def test_the_welcome_email_lists_what_is_already_within_the_lead_times(
        smtp, settings, django_capture_on_commit_callbacks):
    settings.DEPCAL_TODAY = "2026-01-20"
    factories.entry()  # 28 days left
    factories.entry("gpt-4o-2024-05-13", shutdown=date(2026, 6, 30), announced=None)
    subscriber_ = Subscriber.objects.create(email="new@example.com",
                                            requested_at=timezone.now())
    from notifier.subscriptions import confirm_subscription

    delivery = confirm_subscription(subscriber_, now=timezone.now(), today=date(2026, 1, 20))
    send.send_pending(only_ids=[delivery.pk])
    [welcome] = smtp.messages()
    assert welcome.subject == ("Your depcal alerts are on: 1 shutdown already within your lead "
                               "times: chatgpt-4o-latest, 17 Feb 2026")
    text = welcome.message.get_body(("plain",)).get_content()
    assert "chatgpt-4o-latest (Openai): 17 Feb 2026, in 28 days" in text
    assert "gpt-4o-2024-05-13" not in text
    # The 30-day alert day (18 Jan) is still in its catch-up window, but the welcome covered
    # it; the 7-day alert follows.
    assert alerts.record_alerts(date(2026, 1, 20)).alerts == 0
    assert alerts.record_alerts(date(2026, 2, 10), replay=False).alerts == 1


def test_a_long_outage_delays_messages_but_fails_none(settings):
    factories.entry()
    subscriber("a@example.com")
    for name, value in SMTPSink().settings().items():  # a port nobody listens on
        setattr(settings, name, value)
    alerts.record_alerts(date(2026, 1, 18), replay=False)
    policy = outbox.SendPolicy.from_settings(max_attempts=2, backoff_seconds=0)
    for _ in range(5):
        assert send.send_pending(policy=policy).interrupted
    row = Delivery.objects.get()
    assert (row.status, row.attempts) == ("pending", 5)
    assert Subscriber.objects.get().status == "confirmed"


def test_an_address_that_cannot_be_encoded_retries_then_fails_and_never_loops(smtp):
    """Finding 4: an address the form now refuses, from before it did. Sending it raises
    UnicodeError (not an OSError): the row is retried with backoff, then failed."""
    factories.entry()
    subscriber("a@b.co\u202e")
    subscriber("ok@example.com")
    alerts.record_alerts(date(2026, 1, 18), replay=False)
    before = timezone.now()
    report = send.send_pending()
    assert (report.sent, report.retrying, report.failed) == (1, 1, 0)
    bad = Delivery.objects.get(subscriber__email="a@b.co\u202e")
    assert (bad.status, bad.attempts) == ("pending", 1)
    assert bad.next_attempt_at >= before + timedelta(seconds=60)
    assert "UnicodeError" in bad.last_error
    policy = outbox.SendPolicy.from_settings(max_attempts=3, backoff_seconds=0)
    Delivery.objects.filter(pk=bad.pk).update(next_attempt_at=timezone.now())
    report = send.send_pending(policy=policy)  # attempts 2 and 3 at once: no backoff
    assert (report.sent, report.failed) == (0, 1)
    bad.refresh_from_db()
    assert (bad.status, bad.attempts) == ("failed", 3)
    assert Subscriber.objects.get(email="a@b.co\u202e").status == "suppressed"
    assert send.send_pending(policy=policy).sent == 0
    assert [m.rcpt_tos for m in smtp.messages()] == [["ok@example.com"]]


def test_a_row_whose_sender_died_during_its_last_attempt_ends_failed(smtp):
    """A message that kills its sender is not taken again forever: a stale "sending" row is
    sent again while it has attempts left (same Message-ID), and failed after that."""
    factories.entry()
    subscriber("a@example.com")
    subscriber("b@example.com")
    alerts.record_alerts(date(2026, 1, 18), replay=False)
    policy = outbox.SendPolicy.from_settings(max_attempts=2)
    rows = list(Delivery.objects.order_by("id"))
    for row, attempts in zip(rows, (1, 2), strict=True):  # in flight when the sender died
        Delivery.objects.filter(pk=row.pk).update(
            status="sending", attempts=attempts, send_started_at=timezone.now(),
            lease_until=timezone.now() - timedelta(seconds=1), claim_token="dead",
            message_id=outbox.message_id(row))
    # A claim (a sender's next batch, before any give-up) takes the first, never the last.
    token, claimed = outbox.claim(policy=policy)
    assert [r.pk for r in claimed] == [rows[0].pk]
    outbox.release(token)
    report = send.send_pending(policy=policy)
    assert report.sent == 1
    first, last = (Delivery.objects.get(pk=r.pk) for r in rows)
    assert (first.status, first.attempts) == ("sent", 2)
    assert [m.message_id for m in smtp.messages()] == [first.message_id]
    assert (last.status, last.attempts) == ("failed", 2)
    assert "stopped during each of 2 attempts" in last.last_error


def test_the_next_start_marks_the_previous_message_sent_in_the_same_statement():
    """Between two messages of a batch the ledger holds at most one accepted but unmarked
    row; the statement that starts the next one marks it; a row taken over meanwhile (its
    lease ran out, another sender claimed it) is neither started nor marked by this one."""
    factories.entry()
    for name in ("a", "b", "c"):
        subscriber(f"{name}@example.com")
    alerts.record_alerts(date(2026, 1, 18), replay=False)
    policy = outbox.SendPolicy.from_settings(batch_size=10)
    token, (first, second, third) = outbox.claim(policy=policy)
    assert outbox.start(first, token, policy)
    assert outbox.start_after_sent(second, first, token, policy)
    first_now, second_now = (Delivery.objects.get(pk=r.pk) for r in (first, second))
    assert (first_now.status, first_now.claim_token, first_now.lease_until) == ("sent", "", None)
    assert first_now.sent_at is not None and first_now.attempts == 1
    assert (second_now.status, second_now.attempts) == ("sending", 1)
    assert second_now.send_started_at is not None and second_now.lease_until is not None
    assert second_now.message_id == outbox.message_id(second) == second.message_id
    # The third row is taken over by another sender before this one starts it.
    Delivery.objects.filter(pk=third.pk).update(claim_token="another")
    assert not outbox.start_after_sent(third, second, token, policy)
    assert Delivery.objects.get(pk=second.pk).status == "sent"
    third_now = Delivery.objects.get(pk=third.pk)
    assert (third_now.claim_token, third_now.attempts, third_now.send_started_at) == (
        "another", 0, None)


@pipelined
def test_a_row_taken_over_while_its_envelope_goes_is_not_sent_and_the_batch_goes_on(
        smtp, monkeypatch):
    """A message's start statement is answered while its envelope (MAIL, RCPT) is exchanged;
    its data go only once the answer says the row is still this sender's. Here another
    sender takes the third row over (its lease ran out) before this one starts it: the server
    gets no message for it, the transaction begun is reset, and the batch goes on over the
    same connection. Pipelined, the server has already said 354 to the DATA sent with the
    envelope: the connection is dropped mid-data (the server discards what it began) and the
    batch goes on over a new one."""
    alerts_for(4)
    rows = list(Delivery.objects.order_by("id"))
    compose_row = send.Composer.compose

    def compose_and_take_over(self, row):
        if row.pk == rows[2].pk:
            Delivery.objects.filter(pk=row.pk).update(claim_token="another")
        return compose_row(self, row)

    monkeypatch.setattr(send.Composer, "compose", compose_and_take_over)
    report = send.send_pending()
    assert report.sent == 3
    assert smtp.sessions == (2 if smtp.pipelining else 1)
    assert sorted(m.message["To"] for m in smtp.messages()) == [
        "s0@example.com", "s1@example.com", "s3@example.com"]
    now = {r.pk: Delivery.objects.get(pk=r.pk) for r in rows}
    assert [now[r.pk].status for r in rows] == ["sent", "sent", "sending", "sent"]
    taken = now[rows[2].pk]
    assert (taken.claim_token, taken.attempts, taken.send_started_at) == ("another", 0, None)


@pipelined
def test_the_next_message_is_composed_while_the_server_reads_one_and_its_failure_is_its_own(
        smtp, monkeypatch):
    """While the server reads a message's data, the sender composes the next one (before
    reading the server's answer); a message that cannot be composed is then retried later,
    alone: the message before it and the one after it go as usual."""
    import smtplib

    alerts_for(3)
    rows = list(Delivery.objects.order_by("id"))
    events = []
    compose_row, reply = send.Composer.compose, smtplib.SMTP.getreply

    def compose_or_fail(self, row):
        events.append(f"compose {rows.index(row)}")
        if row.pk == rows[1].pk:
            raise ValueError("a template broke")
        return compose_row(self, row)

    def logged_reply(self):
        answer = reply(self)
        events.append(f"reply {answer[0]}")
        return answer

    monkeypatch.setattr(send.Composer, "compose", compose_or_fail)
    monkeypatch.setattr(smtplib.SMTP, "getreply", logged_reply)
    report = send.send_pending()
    assert (report.sent, report.retrying) == (2, 1)
    assert sorted(m.message["To"] for m in smtp.messages()) == ["s0@example.com",
                                                               "s2@example.com"]
    # The first message's data (354, then its data) and only then the next message composed,
    # before the server's 250 for the first is read.
    first_data = events.index("reply 354")
    assert events[first_data + 1:first_data + 3] == ["compose 1", "reply 250"]
    failed = Delivery.objects.get(pk=rows[1].pk)
    assert (failed.status, failed.attempts) == ("pending", 1)
    assert failed.last_error.startswith("compose: ValueError('a template broke')")
    assert [Delivery.objects.get(pk=r.pk).status for r in (rows[0], rows[2])] == ["sent"] * 2


@pytest.mark.django_db(transaction=True)
def test_a_sender_interrupted_during_an_envelope_leaves_the_ledger_and_connection_sound(
        smtp, monkeypatch):
    """A worker stopped (SystemExit, as a cold shutdown raises it) while a message's envelope
    is exchanged, its start statement still unanswered: the interruption comes out as it is,
    the statement is committed (the message before is marked sent, this one started, never
    sent), the untried rows go back to pending and the database connection is usable."""
    import smtplib

    from django.db import connection

    alerts_for(3)
    write, recipients = smtplib.SMTP.send, []

    def stopped_at_the_second(self, data):
        if isinstance(data, str) and data.startswith("RCPT TO:"):
            recipients.append(data)
            if len(recipients) == 2:
                raise SystemExit(0)
        return write(self, data)

    monkeypatch.setattr(smtplib.SMTP, "send", stopped_at_the_second)
    with pytest.raises(SystemExit):
        send.send_pending()
    if connection.vendor == "postgresql":  # the start statement's answer was read
        assert not connection.connection.pgconn.is_busy()
    assert [m.message["To"] for m in smtp.messages()] == ["s0@example.com"]
    assert list(Delivery.objects.order_by("id").values_list("status", "attempts")) == [
        ("sent", 1), ("sending", 1), ("pending", 0)]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("smtp", [True], ids=["pipelining"], indirect=True)
def test_a_sender_interrupted_during_a_pipelined_envelope_leaves_the_ledger_sound(
        smtp, monkeypatch):
    """The same, pipelined: the worker stops while it reads the answers to the second
    message's envelope (written with the first message's data); the first is marked sent, the
    second started and never sent, the third untried, and the connection is closed without
    a QUIT (the server is in the second message's DATA: a QUIT would be read as data)."""
    import smtplib

    from django.db import connection

    alerts_for(3)
    write, reply, envelopes, replies = smtplib.SMTP.send, smtplib.SMTP.getreply, [], []
    written = []

    def counted(self, data):
        written.append(data if isinstance(data, str) else data.decode("latin-1"))
        if "MAIL FROM:" in written[-1]:
            envelopes.append(data)  # the second goes with the first message's data
        return write(self, data)

    def stopped_at_the_second(self):
        if len(envelopes) == 2:
            replies.append(1)
            if len(replies) == 2:  # past the first message's 250, at the second's MAIL
                raise SystemExit(0)
        return reply(self)

    monkeypatch.setattr(smtplib.SMTP, "send", counted)
    monkeypatch.setattr(smtplib.SMTP, "getreply", stopped_at_the_second)
    with pytest.raises(SystemExit):
        send.send_pending()
    if connection.vendor == "postgresql":
        assert not connection.connection.pgconn.is_busy()
    assert [m.message["To"] for m in smtp.messages()] == ["s0@example.com"]
    assert list(Delivery.objects.order_by("id").values_list("status", "attempts")) == [
        ("sent", 1), ("sending", 1), ("pending", 0)]
    assert "MAIL FROM:" in written[-1] and not any(w.lower().startswith("quit")
                                                   for w in written), written[-1][-200:]
