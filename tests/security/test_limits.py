"""Findings 5 and 13: rate limits in a cache every process shares, keyed on the client
address the trusted proxies report, and mailboxes counted however their address is spelled."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.http import HttpRequest
from django.urls import reverse

from bench.app_server import ROOT, GunicornServer, app_env
from depcal import limits
from depcal.clientip import client_address, client_key
from notifier.limits import mailbox_key
from notifier.models import Delivery
from tests.deprecations import factories


@pytest.fixture(autouse=True)
def _one_window(one_window):
    """Every test here counts in one window, from an empty cache."""


def request(remote="198.51.100.7", forwarded=None) -> HttpRequest:
    r = HttpRequest()
    r.META["REMOTE_ADDR"] = remote
    if forwarded is not None:
        r.META["HTTP_X_FORWARDED_FOR"] = forwarded
    return r


@pytest.mark.parametrize("proxies,remote,forwarded,expected", [
    (0, "198.51.100.7", "203.0.113.9", "198.51.100.7"),  # no proxy: the header is the client's
    (1, "10.0.0.2", "203.0.113.9", "203.0.113.9"),
    (1, "10.0.0.2", "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # spoofed left entry ignored
    (2, "10.0.0.3", "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
    (1, "10.0.0.2", None, "10.0.0.2"),
    (1, "10.0.0.2", "not-an-address", "10.0.0.2"),
    (1, "10.0.0.2", "203.0.113.9:4711", "203.0.113.9"),
    (1, "10.0.0.2", "[2001:db8::1]:4711", "2001:db8::1"),
    (3, "10.0.0.2", "203.0.113.9", "203.0.113.9"),  # fewer entries than proxies
])
def test_the_client_address_comes_from_the_trusted_proxies_only(
        settings, proxies, remote, forwarded, expected):
    settings.DEPCAL_TRUSTED_PROXIES = proxies
    assert client_address(request(remote, forwarded)) == expected


def test_ipv6_clients_are_counted_per_64(settings):
    settings.DEPCAL_TRUSTED_PROXIES = 0
    assert client_key(request("2001:db8:1:2:aaaa::1")) == client_key(request("2001:db8:1:2::99"))
    assert client_key(request("2001:db8:1:3::1")) != client_key(request("2001:db8:1:2::1"))
    assert client_key(request("192.0.2.1")) == "192.0.2.1"


@pytest.mark.parametrize("address", [
    "target@example.com", "Target@Example.COM", "target+1@example.com", "target+a+b@example.com",
    '"target"@example.com', '"tar\\get"@example.com', "target@example.com.", " target@example.com",
])
def test_every_spelling_of_one_mailbox_has_one_key(address):
    assert mailbox_key(address) == "target@example.com"


def test_other_mailboxes_keep_their_own_key():
    assert mailbox_key("other@example.com") != mailbox_key("target@example.com")
    assert mailbox_key("target@example.org") != mailbox_key("target@example.com")


@pytest.mark.django_db
def test_tagged_addresses_of_one_mailbox_get_three_confirmations_a_day_from_any_address(
        client, settings, django_capture_on_commit_callbacks, eager_tasks):
    settings.DEPCAL_TODAY = "2026-01-10"
    sent = []
    for i in range(8):  # a new client address each time: the per-client limit never applies
        email = f"Target+{i}@Example.com" if i % 2 else f"target+{i}@example.com"
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("notifier:subscribe"), {
                "email": email, "lead_times": ["30"], "digest": "weekly"},
                REMOTE_ADDR=f"192.0.2.{i + 1}")
        assert response.status_code == 302  # the same answer whether or not mail went out
        sent.append(Delivery.objects.count())
    assert sent == [1, 2, 3, 3, 3, 3, 3, 3]
    # where mail goes is untouched: each confirmation to the address as typed
    assert Delivery.objects.filter(subscriber__email="target+0@example.com").exists()


@pytest.mark.django_db
def test_the_subscribe_limit_per_client_ignores_a_forged_forwarded_for(
        client, settings, django_capture_on_commit_callbacks, eager_tasks):
    settings.NOTIFIER_IP_LIMIT_PER_HOUR = 3
    settings.DEPCAL_TRUSTED_PROXIES = 0
    codes = []
    for i in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            codes.append(client.post(reverse("notifier:subscribe"), {
                "email": f"person{i}@example.com", "lead_times": ["30"], "digest": "weekly"},
                REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code)
    assert codes == [302, 302, 302, 429, 429]


@pytest.mark.django_db
def test_behind_one_proxy_each_client_has_its_own_subscribe_limit(
        client, settings, django_capture_on_commit_callbacks, eager_tasks):
    settings.NOTIFIER_IP_LIMIT_PER_HOUR = 1
    settings.DEPCAL_TRUSTED_PROXIES = 1

    def post(i, forwarded):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("notifier:subscribe"), {
                "email": f"p{i}@example.com", "lead_times": ["30"], "digest": "weekly"},
                REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded).status_code
    assert [post(0, "203.0.113.1"), post(1, "203.0.113.2"), post(2, "6.6.6.6, 203.0.113.1")] \
        == [302, 302, 429]


# Feeds (finding 13).

@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/calendar.ics", "/changes.atom"])
def test_uncached_feed_renders_are_limited_per_client_and_cached_ones_are_not(
        client, settings, path):
    settings.DEPCAL_FEED_RENDER_RATE = "3/minute"
    factories.entry()
    codes = [client.get(path, {"model": f"model-{i}"}).status_code for i in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    limited = client.get(path, {"model": "model-9"})
    assert limited["Retry-After"] == "30"  # the rest of the minute
    # a filter already rendered is served from the cache, limit or not
    assert client.get(path, {"model": "model-0"}).status_code == 200
    # another client renders as usual
    assert client.get(path, {"model": "model-9"}, REMOTE_ADDR="192.0.2.99").status_code == 200


@pytest.mark.django_db
def test_feed_requests_are_limited_per_client(client, settings):
    settings.DEPCAL_FEED_RATE = "4/minute"
    factories.entry()
    codes = [client.get("/calendar.ics").status_code for _ in range(3)]
    codes += [client.get("/changes.atom").status_code for _ in range(3)]
    assert codes == [200, 200, 200, 200, 429, 429]


# One count for every process: gunicorn with two workers, as `make run` serves.

@pytest.mark.slow
def test_limits_hold_across_gunicorn_workers(tmp_path):
    env = app_env(tmp_path, DEPCAL_API_RATE="5/minute", DEPCAL_FEED_RATE="6/minute",
                  DEPCAL_FEED_RENDER_RATE="100/minute")
    for command in (["migrate", "--no-input", "-v", "0"], ["createcachetable"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True,
                       timeout=300)
    server = GunicornServer("depcal.wsgi", env, tmp_path / "gunicorn.log", workers=2)
    try:
        server.wait("/api/v1/")  # one request of the API's five
        while time.time() % 60 > 40:  # the feeds' requests below fall in one minute window
            time.sleep(0.5)

        def status(path, i):
            req = urllib.request.Request(f"http://127.0.0.1:{server.port}{path}", headers={
                "X-Forwarded-For": f"203.0.113.{i}", "Connection": "close"})
            try:
                with urllib.request.urlopen(req, timeout=30) as response:
                    return response.status
            except urllib.error.HTTPError as error:
                return error.code
        api = [status("/api/v1/vendors", i) for i in range(8)]
        feeds = [status("/calendar.ics", i) for i in range(8)]
    finally:
        server.stop()
    # Counted per process, two workers would let through up to twice as many.
    assert api == [200] * 4 + [429] * 4
    assert feeds == [200] * 6 + [429] * 2


# Fixed windows (a QA run under `make run` was refused feeds for ten minutes after browsing).

def test_a_count_ends_with_its_window_however_often_the_client_asks():
    start = 1_800_000_000.0  # a minute's first second
    assert [limits.hit("feeds", "a", limit=3, window=60, now=start + s)
            for s in (0, 20, 40, 59)] == [True, True, True, False]
    assert limits.hit("feeds", "a", limit=3, window=60, now=start + 60)  # the next minute
    assert limits.seconds_left(60, start + 59.5) == 1


@pytest.mark.django_db
def test_in_the_database_cache_a_days_count_is_kept_until_the_day_ends(settings):
    """`make run` counts in the database cache, whose incr stores the value again with the
    default timeout (five minutes): a mailbox's daily count was forgotten after five quiet
    minutes."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                                   "LOCATION": "depcal_test_limits"}}
    call_command("createcachetable")
    now = 1_800_000_030.0
    left = 86400 - now % 86400
    for _ in range(3):
        assert limits.hit("subscribe-mailbox", "a@example.com", limit=3, window=86400, now=now)
    assert not limits.hit("subscribe-mailbox", "a@example.com", limit=3, window=86400, now=now)
    with connection.cursor() as cursor:
        cursor.execute("SELECT expires FROM depcal_test_limits")
        (expires,) = cursor.fetchone()
    if isinstance(expires, str):  # SQLite
        expires = datetime.fromisoformat(expires)
    expires = expires if expires.tzinfo else expires.replace(tzinfo=UTC)
    assert expires - datetime.now(UTC) > timedelta(seconds=left - 60)
