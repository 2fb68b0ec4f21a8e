"""Finding 19: the tokens in email links expire, are rotated by a new confirmation, carry no
row id, and stay out of the access log."""

from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request
from datetime import timedelta
from unittest import mock

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from bench.app_server import ROOT, GunicornServer, app_env
from depcal.logs import redact
from notifier import models, subscriptions, tokens

DAY = 86400


def subscriber(email="ada@example.com") -> models.Subscriber:
    now = timezone.now()
    subscriptions.request_subscription(email, now=now, today=now.date(),
                                confirm_interval=timedelta(hours=1))
    s = models.Subscriber.objects.get(email=email)
    subscriptions.confirm_subscription(s, now=now, today=now.date())
    s.refresh_from_db()
    return s


def later(seconds):
    return mock.patch.object(signing.time, "time", return_value=signing.time.time() + seconds)


@pytest.mark.django_db
def test_tokens_carry_a_random_key_not_the_row_id():
    first, second = subscriber("a@example.com"), subscriber("b@example.com")
    for purpose in (tokens.MANAGE, tokens.UNSUBSCRIBE, tokens.CONFIRM):
        payload = signing.TimestampSigner(salt=f"depcal.notifier.{purpose}").unsign_object(
            tokens.make(first, purpose))
        assert payload[0] == first.link_key and len(first.link_key) >= 24
    assert first.link_key != second.link_key


@pytest.mark.django_db
def test_a_new_secret_key_signs_new_links_and_the_old_one_still_reads_old_links(settings):
    """Signers are kept between messages (``tokens._signer``): a rotated key must sign the
    next link, and links signed before the rotation keep working while the old key is among
    the fallbacks, as Django's key rotation promises."""
    ada = subscriber()
    before = tokens.make(ada, tokens.MANAGE)
    old = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a new key " * 6, [old]
    after = tokens.make(ada, tokens.MANAGE)
    salt = f"depcal.notifier.{tokens.MANAGE}"
    assert signing.TimestampSigner(key="a new key " * 6, salt=salt).unsign_object(after)
    with pytest.raises(signing.BadSignature):
        signing.TimestampSigner(key=old, salt=salt).unsign_object(after)
    assert tokens.read(before, tokens.MANAGE) == ada
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(tokens.BadToken):
        tokens.read(before, tokens.MANAGE)
    assert tokens.read(after, tokens.MANAGE) == ada


@pytest.mark.django_db
@pytest.mark.parametrize("purpose,path", [(tokens.MANAGE, "notifier:manage"),
                                          (tokens.UNSUBSCRIBE, "notifier:unsubscribe")])
def test_links_work_for_a_year_then_expire(client, purpose, path):
    url = reverse(path, args=[tokens.make(subscriber(), purpose)])
    with later(300 * DAY):
        assert client.get(url).status_code == 200
    with later(366 * DAY):
        response = client.get(url)
    assert response.status_code == 400 and b"expired" in response.content


@pytest.mark.django_db
def test_a_new_confirmation_retires_every_earlier_link(client):
    s = subscriber()
    old = {p: tokens.make(s, p) for p in (tokens.MANAGE, tokens.UNSUBSCRIBE)}
    subscriptions.unsubscribe(s, now=timezone.now())
    now = timezone.now()
    subscriptions.request_subscription(s.email, now=now, today=now.date(),
                                confirm_interval=timedelta(hours=1))
    subscriptions.confirm_subscription(s, now=now, today=now.date())
    for purpose, token in old.items():
        with pytest.raises(tokens.BadToken):
            tokens.read(token, purpose)
    s.refresh_from_db()
    assert tokens.read(tokens.make(s, tokens.MANAGE), tokens.MANAGE) == s


@pytest.mark.django_db
def test_confirming_leads_to_a_manage_page_that_works(client):
    now = timezone.now()
    subscriptions.request_subscription("ada@example.com", now=now, today=now.date(),
                                confirm_interval=timedelta(hours=1))
    pending = models.Subscriber.objects.get()
    before = pending.link_key
    response = client.post(reverse("notifier:confirm",
                                   args=[tokens.make(pending, tokens.CONFIRM)]))
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
    pending.refresh_from_db()
    assert pending.status == "confirmed" and pending.link_key != before


@pytest.mark.django_db
def test_unsubscribe_links_of_emails_sent_before_keys_still_unsubscribe(client):
    s = subscriber()
    legacy = signing.TimestampSigner(salt="depcal.notifier.unsubscribe").sign_object([s.pk])
    assert tokens.read(legacy, tokens.UNSUBSCRIBE) == s
    manage = signing.TimestampSigner(salt="depcal.notifier.manage").sign_object([s.pk])
    with pytest.raises(tokens.BadToken):
        tokens.read(manage, tokens.MANAGE)  # an id no longer opens the manage page


@pytest.mark.parametrize("line,expected", [
    ("GET /manage/WyJhYmMiXQ:1vYx:Zz_-/ HTTP/1.1", "GET /manage/[token]/ HTTP/1.1"),
    ("POST /unsubscribe/WyJhYmMiXQ:1vYx:Zz HTTP/1.1", "POST /unsubscribe/[token] HTTP/1.1"),
    ("/subscribe/confirm/WyJh:1:x/?welcome=1", "/subscribe/confirm/[token]/?welcome=1"),
    ("GET /calendar/AbC_-12.ics HTTP/1.1", "GET /calendar/[token].ics HTTP/1.1"),
    ("Bad Request: /manage/not-a-token/", "Bad Request: /manage/[token]/"),
    ("GET /calendar.ics?vendor=openai HTTP/1.1", "GET /calendar.ics?vendor=openai HTTP/1.1"),
    ("GET /subscribe/ HTTP/1.1", "GET /subscribe/ HTTP/1.1"),
])
def test_redaction(line, expected):
    assert redact(line) == expected


@pytest.mark.slow
def test_tokens_stay_out_of_gunicorn_and_django_logs(tmp_path):
    env = app_env(tmp_path, LOG_LEVEL="INFO")
    for command in (["migrate", "--no-input"], ["createcachetable"],
                    ["collectstatic", "--no-input"]):
        subprocess.run([sys.executable, "manage.py", *command, "-v", "0"], cwd=ROOT, env=env,
                       check=True, timeout=300)
    access = tmp_path / "access.log"
    server = GunicornServer("depcal.wsgi", env, tmp_path / "gunicorn.log", workers=1, args=(
        "--access-logfile", str(access), "--logger-class", "depcal.logs.GunicornLogger"))
    secret = "WyJzZWNyZXQta2V5Il0:1vZZZZ:c2VjcmV0LXNpZ25hdHVyZQ"
    try:
        server.wait("/subscribe/")
        for path in (f"/manage/{secret}/", f"/unsubscribe/{secret}",
                     f"/subscribe/confirm/{secret}/", f"/calendar/{secret}.ics"):
            req = urllib.request.Request(f"http://127.0.0.1:{server.port}{path}",
                                         headers={"Referer": f"http://x/manage/{secret}/"})
            try:
                urllib.request.urlopen(req, timeout=30).close()
            except urllib.error.HTTPError:
                pass  # 400 and 404 pages: the point is what gets logged
    finally:
        server.stop()
    logged = access.read_text() + (tmp_path / "gunicorn.log").read_text()
    assert "/manage/[token]/" in logged and "/calendar/[token].ics" in logged
    assert secret not in logged
    assert "Internal Server Error" not in logged
