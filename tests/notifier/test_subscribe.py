"""Subscribing, confirming, managing and unsubscribing through the pages (Django test client).

Mail goes to Django's in-memory outbox here; tests/notifier/test_mail_smtp.py uses a real
SMTP server.
"""

import re
from datetime import date, timedelta
from unittest import mock

import pytest
import vobject
from django.core import mail as outbox
from django.core import signing
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notifier import tokens
from notifier.models import Delivery, Subscriber
from notifier.subscriptions import request_subscription
from tests.deprecations import factories

pytestmark = pytest.mark.django_db
CONFIRM_LINK = re.compile(r"https?://\S+(/subscribe/confirm/\S+/)")


@pytest.fixture(autouse=True)
def inline_sending(settings, eager_tasks):
    settings.DEPCAL_TODAY = "2026-01-10"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def browser():
    """A client that enforces CSRF like a browser, with the token from the form page."""
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("notifier:subscribe"))
    client.token = client.cookies["csrftoken"].value
    return client


def subscribe(client, email="ada@example.com", *, commit, ip="192.0.2.1", **fields):
    data = {"email": email, "lead_times": ["90", "30", "7", "1"], "digest": "weekly",
            "csrfmiddlewaretoken": getattr(client, "token", ""), **fields}
    with commit(execute=True):
        return client.post(reverse("notifier:subscribe"), data, REMOTE_ADDR=ip)


def confirm_path(message) -> str:
    return CONFIRM_LINK.search(message.body).group(1)


def confirmed(client, commit, email="ada@example.com", **fields) -> Subscriber:
    subscribe(client, email, commit=commit, **fields)
    path = confirm_path(outbox.outbox[-1])
    with commit(execute=True):
        client.post(path, {"csrfmiddlewaretoken": getattr(client, "token", "")})
    return Subscriber.objects.get(email=email)


def test_the_form_page_has_labelled_fields_and_a_csrf_token(client):
    response = client.get("/subscribe/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="csrfmiddlewaretoken"' in html
    assert '<label for="id_email"' in html
    assert "<legend>Alert me" in html  # lead times are a fieldset with a legend
    for days in (90, 30, 7, 1):  # the default lead times are ticked
        assert re.search(rf'value="{days}"[^>]*checked', html)
    assert re.search(r'value="weekly"[^>]*checked', html)


def test_a_post_without_the_csrf_token_is_refused():
    response = Client(enforce_csrf_checks=True).post("/subscribe/", {"email": "a@example.com"})
    assert response.status_code == 403
    assert not Subscriber.objects.exists()


def test_errors_are_tied_to_their_field(browser, django_capture_on_commit_callbacks):
    response = subscribe(browser, "not-an-address", commit=django_capture_on_commit_callbacks)
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_email_error"' in html
    assert re.search(r'<input[^>]*aria-describedby="[^"]*id_email_error[^"]*"[^>]*>', html)
    assert 'aria-invalid="true"' in html
    assert not outbox.outbox


def test_subscribing_sends_one_confirmation_and_nothing_else(
        browser, django_capture_on_commit_callbacks):
    factories.entry(shutdown=date(2026, 2, 9))  # 30 days after the pinned today
    response = subscribe(browser, "Ada@Example.com", commit=django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response["Location"] == reverse("notifier:subscribe_sent")
    subscriber = Subscriber.objects.get()
    assert subscriber.email == "ada@example.com"
    assert subscriber.status == "pending" and subscriber.confirmed_at is None
    [message] = outbox.outbox
    assert message.to == ["ada@example.com"]
    assert message.subject == "Confirm your depcal email alerts"
    assert "ada@example.com" not in confirm_path(message)  # the token is not the address
    # No alert, digest or change goes to a pending address, whatever the jobs find.
    from django.core.management import call_command

    call_command("send_alerts", today="2026-01-10", stdout=mock.Mock())
    call_command("send_digests", today="2026-01-12", stdout=mock.Mock())
    assert len(outbox.outbox) == 1
    assert not Delivery.objects.exclude(kind="confirm").exists()


def test_repeated_requests_do_not_multiply_emails_and_do_not_reveal_anything(
        browser, django_capture_on_commit_callbacks):
    commit = django_capture_on_commit_callbacks
    first = subscribe(browser, commit=commit)
    second = subscribe(browser, commit=commit)
    assert len(outbox.outbox) == 1
    assert first["Location"] == second["Location"]
    # Confirm, then ask again: the answer is the same and nothing is sent.
    with commit(execute=True):
        browser.post(confirm_path(outbox.outbox[0]), {"csrfmiddlewaretoken": browser.token})
    sent = len(outbox.outbox)
    again = subscribe(browser, commit=commit)
    assert again.status_code == first.status_code and again["Location"] == first["Location"]
    assert len(outbox.outbox) == sent


def test_a_new_confirmation_is_sent_after_the_interval_and_replaces_the_old_link(settings):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    args = {"today": date(2026, 1, 10), "confirm_interval": timedelta(hours=1)}
    first = request_subscription("bob@example.com", now=now, **args)
    assert request_subscription("bob@example.com", now=now + timedelta(minutes=59), **args) is None
    later = request_subscription("bob@example.com", now=now + timedelta(minutes=61), **args)
    assert later is not None and later.revision == first.revision + 1
    subscriber = Subscriber.objects.get()
    old = tokens.make(Subscriber(pk=subscriber.pk, confirm_requests=1), tokens.CONFIRM)
    with pytest.raises(tokens.BadToken):
        tokens.read(old, tokens.CONFIRM)
    assert tokens.read(tokens.make(subscriber, tokens.CONFIRM), tokens.CONFIRM) == subscriber


def test_requests_from_one_ip_are_rate_limited(settings, django_capture_on_commit_callbacks,
                                               one_window):
    client = Client()
    for n in range(10):
        assert subscribe(client, f"u{n}@example.com", commit=django_capture_on_commit_callbacks
                         ).status_code == 302
    response = subscribe(client, "u10@example.com", commit=django_capture_on_commit_callbacks)
    assert response.status_code == 429
    assert len(outbox.outbox) == 10
    other_ip = subscribe(client, "u11@example.com", ip="192.0.2.99",
                         commit=django_capture_on_commit_callbacks)
    assert other_ip.status_code == 302


def test_the_confirm_link_shows_a_page_and_only_its_button_confirms(
        browser, django_capture_on_commit_callbacks):
    subscribe(browser, commit=django_capture_on_commit_callbacks)
    path = confirm_path(outbox.outbox[0])
    page = browser.get(path)
    assert page.status_code == 200 and b"<form method=\"post\"" in page.content
    assert Subscriber.objects.get().status == "pending"  # a link scanner's GET changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(path, {"csrfmiddlewaretoken": browser.token})
    assert response.status_code == 302 and "/manage/" in response["Location"]
    subscriber = Subscriber.objects.get()
    assert subscriber.status == "confirmed"
    assert subscriber.confirmed_at is not None  # the consent time
    assert subscriber.confirmed_on == date(2026, 1, 10)
    assert outbox.outbox[-1].subject.startswith("Your depcal alerts are on")


def test_a_confirm_link_opened_again_says_the_address_is_confirmed(
        browser, django_capture_on_commit_callbacks):
    subscribe(browser, commit=django_capture_on_commit_callbacks)
    path = confirm_path(outbox.outbox[0])
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(path, {"csrfmiddlewaretoken": browser.token})
    sent = len(outbox.outbox)
    again = browser.get(path)  # a second click, or a mail preview opening it later
    assert again.status_code == 410
    assert b"already used: the address is confirmed" in again.content
    with django_capture_on_commit_callbacks(execute=True):
        assert browser.post(path, {"csrfmiddlewaretoken": browser.token}).status_code == 410
    assert len(outbox.outbox) == sent  # no second welcome
    assert Subscriber.objects.get().confirmations == 1


def test_an_expired_or_tampered_confirm_link_changes_nothing(
        browser, django_capture_on_commit_callbacks):
    subscribe(browser, commit=django_capture_on_commit_callbacks)
    path = confirm_path(outbox.outbox[0])
    tampered = path[:-3] + ("x" if path[-3] != "x" else "y") + path[-2:]
    assert browser.post(tampered, {"csrfmiddlewaretoken": browser.token}).status_code == 400
    with mock.patch.object(signing.time, "time", return_value=signing.time.time() + 4 * 86400):
        response = browser.post(path, {"csrfmiddlewaretoken": browser.token})
    assert response.status_code == 400 and b"expired" in response.content
    assert Subscriber.objects.get().status == "pending"


def test_the_manage_page_changes_filters_lead_times_and_cadence(
        browser, django_capture_on_commit_callbacks):
    factories.vendor("anthropic", "Anthropic")
    subscriber = confirmed(browser, django_capture_on_commit_callbacks)
    url = reverse("notifier:manage", args=[tokens.make(subscriber, tokens.MANAGE)])
    page = browser.get(url)
    assert page.status_code == 200 and subscriber.feed_token in page.content.decode()
    response = browser.post(url, {
        "csrfmiddlewaretoken": browser.token, "action": "save", "vendors": ["anthropic"],
        "models": "Claude-3-Opus, claude-3-haiku", "lead_times": ["14", "1"], "digest": "daily"})
    assert response.status_code == 302
    subscriber.refresh_from_db()
    assert subscriber.follows() == (("anthropic",), ("claude-3-haiku", "claude-3-opus"))
    assert subscriber.lead_times == [14, 1] and subscriber.digest == "daily"
    bad = browser.post(url, {"csrfmiddlewaretoken": browser.token, "models": "a b <script>",
                             "digest": "daily"})
    assert bad.status_code == 400 and b'id="id_models_error"' in bad.content
    assert browser.get(url.replace("/manage/", "/manage/x")).status_code in (400, 404)


def test_a_misspelled_model_is_accepted_and_the_next_page_offers_the_closest_names(
        browser, django_capture_on_commit_callbacks):
    factories.entry("gpt-4o-2024-05-13", shutdown=date(2026, 6, 30), announced=None,
                    aliases=["gpt-4o"])
    response = subscribe(browser, commit=django_capture_on_commit_callbacks,
                         models="gpt-4oo, gpt-4o")
    assert response.status_code == 302
    assert response["Location"] == reverse("notifier:subscribe_sent") + "?unmatched=gpt-4oo"
    assert Subscriber.objects.get().follows()[1] == ("gpt-4o", "gpt-4oo")  # kept as typed
    html = browser.get(response["Location"]).content.decode()
    assert ("<code>gpt-4oo</code> matches nothing in the catalogue yet: you will hear about "
            "it if a vendor announces its retirement. Did you mean: <code>gpt-4o</code>?") in html
    assert "use the link in the confirmation email" in html
    # every followed name matches: nothing to say
    outbox.outbox.clear()
    response = subscribe(browser, "bob@example.com", commit=django_capture_on_commit_callbacks,
                         models="gpt-4o")
    assert response["Location"] == reverse("notifier:subscribe_sent")
    # what the page is told is only shown if it is a model name
    html = browser.get(reverse("notifier:subscribe_sent") + "?unmatched=<b>x").content.decode()
    assert "matches nothing" not in html


def test_the_manage_page_says_saved_calmly_and_names_what_matches_nothing(
        browser, django_capture_on_commit_callbacks):
    factories.entry()
    subscriber = confirmed(browser, django_capture_on_commit_callbacks)
    url = reverse("notifier:manage", args=[tokens.make(subscriber, tokens.MANAGE)])
    response = browser.post(url, {"csrfmiddlewaretoken": browser.token, "action": "save",
                                  "models": "chatgpt-4o-latests", "digest": "weekly"})
    assert response["Location"] == url + "?saved=1&unmatched=chatgpt-4o-latests"
    html = browser.get(response["Location"]).content.decode()
    assert '<p class="notice ok" role="status">Your choices are saved.</p>' in html
    assert "Did you mean: <code>chatgpt-4o-latest</code>?" in html


def test_the_private_feed_serves_the_subscription_filters_and_can_be_reset(
        browser, django_capture_on_commit_callbacks):
    factories.entry()
    factories.entry("claude-3-opus-20240229", vendor_slug="anthropic",
                    shutdown=date(2026, 1, 5), announced=None)
    subscriber = confirmed(browser, django_capture_on_commit_callbacks, vendors=["anthropic"])
    feed = f"/calendar/{subscriber.feed_token}.ics"
    response = Client().get(feed)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    events = vobject.readOne(response.content.decode(), validate=True).contents["vevent"]
    assert [e.summary.value.split()[0] for e in events] == ["claude-3-opus-20240229"]
    manage = reverse("notifier:manage", args=[tokens.make(subscriber, tokens.MANAGE)])
    browser.post(manage, {"csrfmiddlewaretoken": browser.token, "action": "reset-feed"})
    subscriber.refresh_from_db()
    assert Client().get(feed).status_code == 404
    assert Client().get(f"/calendar/{subscriber.feed_token}.ics").status_code == 200
    assert Client().get("/calendar/not-a-token.ics").status_code == 404


def test_one_click_unsubscribe_takes_a_bare_post_and_a_get_changes_nothing(
        browser, django_capture_on_commit_callbacks):
    subscriber = confirmed(browser, django_capture_on_commit_callbacks)
    path = reverse("notifier:unsubscribe", args=[tokens.make(subscriber, tokens.UNSUBSCRIBE)])
    provider = Client(enforce_csrf_checks=True)  # no cookie, no CSRF token, no login
    page = provider.get(path)
    assert page.status_code == 200 and b"<form method=\"post\"" in page.content
    assert Subscriber.objects.get().status == "confirmed"
    response = provider.post(path, "List-Unsubscribe=One-Click",
                             content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200  # not a redirect
    subscriber.refresh_from_db()
    assert subscriber.status == "unsubscribed" and subscriber.unsubscribed_at is not None
    assert provider.post(path, "List-Unsubscribe=One-Click",
                         content_type="application/x-www-form-urlencoded").status_code == 200


def test_a_tampered_or_foreign_token_unsubscribes_nobody(
        browser, django_capture_on_commit_callbacks):
    subscriber = confirmed(browser, django_capture_on_commit_callbacks)
    good = tokens.make(subscriber, tokens.UNSUBSCRIBE)
    forged = signing.dumps([subscriber.pk])  # signed, but not with the unsubscribe salt
    manage = tokens.make(subscriber, tokens.MANAGE)
    for token in (good[:-2] + "AA", forged, manage, "1", subscriber.email):
        response = Client().post(f"/unsubscribe/{token}", "List-Unsubscribe=One-Click",
                                 content_type="application/x-www-form-urlencoded")
        assert response.status_code in (400, 404), token
    assert Subscriber.objects.get().status == "confirmed"


def test_unsubscribing_skips_what_was_waiting_and_resubscribing_needs_a_new_opt_in(
        browser, django_capture_on_commit_callbacks, settings):
    commit = django_capture_on_commit_callbacks
    subscriber = confirmed(browser, commit)
    waiting = Delivery.objects.create(subscriber=subscriber, kind="digest", revision=1,
                                      as_of=date(2026, 1, 12), next_attempt_at="2026-01-12T00:00Z",
                                      created_at="2026-01-12T00:00Z")
    Client().post(reverse("notifier:unsubscribe",
                          args=[tokens.make(subscriber, tokens.UNSUBSCRIBE)]))
    waiting.refresh_from_db()
    assert waiting.status == "skipped"
    sent = len(outbox.outbox)
    subscribe(browser, commit=commit)
    assert Subscriber.objects.get().status == "pending"
    assert len(outbox.outbox) == sent + 1 and "Confirm" in outbox.outbox[-1].subject


def test_the_admin_lists_subscribers_and_the_ledger_read_only(admin_client, browser,
                                                              django_capture_on_commit_callbacks):
    confirmed(browser, django_capture_on_commit_callbacks)
    for url in ("/admin/notifier/subscriber/", "/admin/notifier/delivery/",
                f"/admin/notifier/delivery/{Delivery.objects.first().pk}/change/",
                f"/admin/notifier/subscriber/{Subscriber.objects.get().pk}/change/"):
        assert admin_client.get(url).status_code == 200, url
    assert admin_client.get("/admin/notifier/delivery/add/").status_code == 403


def test_a_confirmed_address_that_subscribes_again_gets_its_manage_link(
        browser, django_capture_on_commit_callbacks):
    """Lost links: the page reads the same; the mail carries the manage link (rate-limited);
    the subscription and its choices stay as they were."""
    commit = django_capture_on_commit_callbacks
    subscriber = confirmed(browser, commit, vendors=[])
    Subscriber.objects.update(confirm_sent_at=timezone.now() - timedelta(hours=2))
    sent = len(outbox.outbox)
    response = subscribe(browser, commit=commit, digest="daily")
    assert response.status_code == 302
    assert response["Location"] == reverse("notifier:subscribe_sent")
    [message] = outbox.outbox[sent:]
    assert message.subject == "Your depcal alerts: the link to manage them"
    manage = re.search(r"https?://\S+(/manage/\S+/)", message.body).group(1)
    assert browser.get(manage).status_code == 200
    assert "/unsubscribe/" in message.body
    subscriber.refresh_from_db()
    assert (subscriber.status, subscriber.digest) == ("confirmed", "weekly")
    again = subscribe(browser, commit=commit)  # within the hour: nothing more
    assert again["Location"] == response["Location"] and len(outbox.outbox) == sent + 1


def _post_and_watch(client, email, commit):
    """What one subscribe POST does in the page: its answer, its SQL, what it queues."""
    data = {"email": email, "lead_times": ["30"], "digest": "weekly"}
    with commit() as queued, CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("notifier:subscribe"), data, REMOTE_ADDR="192.0.2.7")
    return (response.status_code, response["Location"],
            [q["sql"] for q in queries.captured_queries],
            [(c.func.__self__.name, c.args) for c in queued])


def test_the_page_does_the_same_work_whatever_the_state_of_the_address(
        django_capture_on_commit_callbacks):
    """Finding 12: the answer, and the work behind it, tell nothing about the address (the
    request is recorded and answered by the worker)."""
    commit = django_capture_on_commit_callbacks
    Subscriber.objects.create(email="pending@example.com", requested_at=timezone.now())
    for state in ("confirmed", "unsubscribed", "bounced"):
        Subscriber.objects.create(email=f"{state}@example.com", status=state,
                                  requested_at=timezone.now(), confirmed_at=timezone.now())
    seen = {}
    for state in ("new", "pending", "confirmed", "unsubscribed", "bounced"):
        status, location, sql, queued = _post_and_watch(Client(), f"{state}@example.com", commit)
        assert queued == [("notifier.tasks.request_subscription",
                           (f"{state}@example.com", mock.ANY))]
        seen[state] = (status, location, sql)
    assert len(set(map(repr, seen.values()))) == 1, seen
    assert not any("notifier_subscriber" in q for q in seen["new"][2])


@pytest.mark.parametrize("address", [
    "a@b.co\u202e",  # a right-to-left override after the domain (finding 4)
    '"a\x01b"@example.com',  # a control character in a quoted local part (finding 18)
    '"ada"@example.com',  # any quoted local part
    "a@[127.0.0.1]",  # an IP literal
    "a@[IPv6:::1]",
    "a@localhost",  # a local name
    "a@example",
    "a@host.test",  # a reserved name
    "\u00fc@example.com",  # needs SMTPUTF8, which the sender does not speak
])
def test_the_form_refuses_addresses_mail_cannot_or_must_not_go_to(
        address, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        response = Client().post(reverse("notifier:subscribe"), {
            "email": address, "lead_times": ["30"], "digest": "weekly"})
    assert response.status_code == 400
    assert 'id="id_email_error"' in response.content.decode()
    assert not queued and not Subscriber.objects.exists()


def test_an_internationalised_domain_is_kept_in_the_form_mail_is_sent_to(
        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        Client().post(reverse("notifier:subscribe"), {
            "email": "Ada@B\u00fccher.example.com", "lead_times": ["30"], "digest": "weekly"})
    assert queued[0].args[0] == "Ada@xn--bcher-kva.example.com"


@pytest.mark.parametrize(("name", "purpose"), [("notifier:manage", tokens.MANAGE),
                                               ("notifier:unsubscribe", tokens.UNSUBSCRIBE),
                                               ("notifier:confirm", tokens.CONFIRM)])
def test_pages_reached_by_an_emailed_link_are_never_cached(
        browser, django_capture_on_commit_callbacks, name, purpose):
    """They show the address and its private links (the manage page: the private feed's)."""
    subscriber = confirmed(browser, django_capture_on_commit_callbacks)
    response = Client().get(reverse(name, args=[tokens.make(subscriber, purpose)]))
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= cache_control
