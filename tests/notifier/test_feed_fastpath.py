"""Public feeds answered from a process's copy of the full answer (depcal/fastpath.py)."""

import contextlib
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client

from deprecations import atom, changes
from notifier import calendars, ical_views
from tests.deprecations import factories
from tests.deprecations.test_catalogue_version import database_url
from tests.notifier import people

ROOT = Path(__file__).resolve().parents[2]
FEED = "/calendar.ics"
ATOM = "/changes.atom"
# What the full stack adds to every answer, which the copy must carry too.
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy",
                    "Cross-Origin-Opener-Policy", "X-Frame-Options")


@pytest.fixture(autouse=True)
def pinned_today_and_empty_cache(settings):
    settings.DEPCAL_TODAY = "2026-01-18"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def catalogue(db):
    return {"openai": factories.entry(),
            "opus": factories.entry("claude-3-opus-20240229", vendor_slug="anthropic",
                                    shutdown=date(2026, 1, 5), announced=None)}


@contextlib.contextmanager
def views_watched():
    """Count the calls of what the iCal and Atom views each do first on every request (they
    still work if called)."""
    with mock.patch("notifier.ical_views.unknown_vendor_response",
                    wraps=ical_views.unknown_vendor_response) as ical, \
            mock.patch("deprecations.atom.unknown_vendor_response",
                       wraps=atom.unknown_vendor_response) as atom_view:
        yield ical, atom_view


def headers_but_date(response) -> dict:
    return {k: v for k, v in response.items() if k != "Date"}


@pytest.mark.parametrize("path", [FEED, FEED + "?vendor=anthropic&alarms=7", ATOM])
def test_a_repeated_request_is_answered_from_the_copy_with_the_same_headers(
        client, catalogue, path):
    first = client.get(path)
    # Both views check the vendor filter first on every request.
    with views_watched() as (ical, atom):
        second = client.get(path)
    assert ical.call_count == atom.call_count == 0  # no view ran
    assert second.status_code == first.status_code == 200
    assert second.content == first.content
    assert headers_but_date(second) == headers_but_date(first)
    for name in SECURITY_HEADERS:
        assert second[name], name
    assert "public" in second["Cache-Control"]


@pytest.mark.parametrize("path", [FEED, ATOM])
def test_a_matching_etag_gets_a_304_and_another_one_the_bytes(client, catalogue, path):
    etag = client.get(path)["ETag"]
    with views_watched() as (ical, atom):
        not_modified = client.get(path, headers={"if-none-match": etag})
        other = client.get(path, headers={"if-none-match": '"something-else"'})
    assert ical.call_count == atom.call_count == 0  # both answered from the copy
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified["ETag"] == etag and not_modified["X-Content-Type-Options"] == "nosniff"
    assert other.status_code == 200 and other.content


def test_a_first_request_that_revalidates_gets_its_304(client, catalogue):
    etag = client.get(FEED)["ETag"]
    fresh = Client()  # a new handler: an empty copy, as in another web process
    assert fresh.get(FEED, headers={"if-none-match": etag}).status_code == 304
    with mock.patch.object(calendars, "serve") as serve:
        assert fresh.get(FEED, headers={"if-none-match": etag}).status_code == 304
    assert serve.call_count == 0


def test_head_has_the_headers_of_get_without_the_bytes(client, catalogue):
    get = client.get(FEED)
    head = client.head(FEED)
    assert head.status_code == 200 and head.content == b""
    assert head["Content-Length"] == get["Content-Length"] == str(len(get.content))
    assert head["ETag"] == get["ETag"]


def test_a_request_with_an_origin_is_answered_in_full(client, catalogue):
    client.get(ATOM)
    response = client.get(ATOM, headers={"origin": "https://reader.example"})
    assert response["Access-Control-Allow-Origin"] == "*"


def test_a_change_changes_the_etag_and_the_bytes(client, catalogue):
    first = client.get(FEED)
    changes.move_date(catalogue["opus"], "shutdown_on", date(2026, 9, 9), via="test")
    second = client.get(FEED)
    assert second["ETag"] != first["ETag"]
    assert b"20260909" in second.content and b"20260909" not in first.content
    assert client.get(FEED, headers={"if-none-match": first["ETag"]}).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_change_made_by_another_process_changes_the_etag_and_the_bytes(settings):
    settings.DEPCAL_CATALOGUE_VERSION_MEMO = 0  # the bound itself: test_catalogue_version.py
    opus = factories.entry("claude-3-opus-20240229", vendor_slug="anthropic",
                           shutdown=date(2026, 1, 5), announced=None)
    client = Client()
    first = client.get(FEED)
    assert client.get(FEED, headers={"if-none-match": first["ETag"]}).status_code == 304
    env = {**os.environ, "DATABASE_URL": database_url(),
           "DJANGO_SETTINGS_MODULE": "depcal.settings", "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", (
        "import django; django.setup()\nfrom datetime import date\n"
        "from deprecations import changes\nfrom deprecations.models import Retirement\n"
        f"changes.move_date(Retirement.objects.get(pk={opus.pk}), 'shutdown_on', "
        "date(2026, 9, 9), via='another process')\n")], cwd=ROOT, env=env, check=True,
        timeout=120)
    second = client.get(FEED, headers={"if-none-match": first["ETag"]})
    assert second.status_code == 200 and second["ETag"] != first["ETag"]
    assert b"20260909" in second.content and b"20260909" not in first.content


def test_a_private_feed_is_never_answered_to_another_token(client, catalogue):
    ada = people.subscriber("ada@example.com", vendors=["openai"])
    bob = people.subscriber("bob@example.com", vendors=["anthropic"])
    ada_feed = client.get(f"/calendar/{ada.feed_token}.ics")
    bob_feed = client.get(f"/calendar/{bob.feed_token}.ics")
    for _ in range(2):  # again: what was answered once is not answered to the other
        assert client.get(f"/calendar/{ada.feed_token}.ics").content == ada_feed.content
        assert client.get(f"/calendar/{bob.feed_token}.ics").content == bob_feed.content
    assert b"chatgpt-4o-latest" in ada_feed.content and b"claude-3" not in ada_feed.content
    assert b"claude-3-opus" in bob_feed.content and b"chatgpt" not in bob_feed.content
    assert ada_feed["Cache-Control"].startswith("private")
    assert client.get(f"/calendar/{ada.feed_token}x.ics").status_code == 404


def test_a_rate_limited_client_is_limited_on_the_copy_too(client, catalogue, settings,
                                                         one_window):
    settings.DEPCAL_FEED_RATE = "3/minute"
    statuses = [client.get(FEED).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]


def test_with_a_cache_that_keeps_nothing_nothing_is_kept_here_either(catalogue, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    client = Client()  # a handler built under these settings
    with mock.patch.object(calendars, "render", wraps=calendars.render) as render:
        client.get(FEED)
        client.get(FEED)
    assert render.call_count == 2


def test_an_encoded_answer_is_never_kept():
    """The copy's key does not hold Accept-Encoding: a compressed answer kept there would
    reach clients that cannot read it."""
    from django.http import HttpResponse

    from depcal.fastpath import shareable

    plain = HttpResponse(b"BEGIN:VCALENDAR", content_type="text/calendar")
    plain["Cache-Control"] = "public, max-age=3600"
    assert shareable(plain)
    plain["Content-Encoding"] = "gzip"
    assert not shareable(plain)
