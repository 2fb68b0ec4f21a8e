"""The hostile corpus (tests/fixtures/hostile, see its README) sent through the real paths."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client
from lxml import etree

from deprecations.models import Citation, FetchRun, Notice, Retirement, Source
from deprecations.sources import collect, fetch, reconcile
from deprecations.weburl import is_web_url
from notifier.limits import mailbox_key
from notifier.models import Subscriber
from tests.deprecations import factories
from tests.httpserver import Document, LoopbackServer

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "hostile"
DOCUMENTS = sorted((CORPUS / "feeds").iterdir()) + sorted((CORPUS / "pages").iterdir())
TODAY = date(2026, 11, 28)
_ESCAPE = re.compile(r"\\(t|n|r|0|u[0-9a-fA-F]{4})")


def unescape(text: str) -> str:
    """The corpus files' escapes: \\t \\n \\r \\0 \\uXXXX; other backslashes stay."""
    simple = {"t": "\t", "n": "\n", "r": "\r", "0": "\0"}
    return _ESCAPE.sub(lambda m: simple.get(m[1]) or chr(int(m[1][1:], 16)), text)


def lines(name: str) -> list[str]:
    text = (CORPUS / name).read_text()
    return [unescape(line) for line in text.splitlines() if line and not line.startswith("#")]


# Documents

def content_type(path: Path) -> str:
    return "application/xml" if path.suffix == ".xml" else "text/html; charset=utf-8"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
@pytest.mark.parametrize("authority", [Source.Authority.PRIMARY, Source.Authority.SECONDARY])
def test_a_hostile_document_goes_through_collection_safely(document, authority, settings):
    settings.DEPCAL_FETCH_ALLOW_PRIVATE = True
    settings.DEPCAL_FETCH_RETRIES = 0
    settings.DEPCAL_TODAY = TODAY.isoformat()
    openai = factories.vendor("openai", "OpenAI")
    with LoopbackServer() as server:
        server.routes["/doc"] = Document(document.read_bytes(), content_type=content_type(document))
        source = Source.objects.create(
            slug="hostile", name="Hostile", url=server.url("/doc"), authority=authority,
            vendor=openai if authority == Source.Authority.PRIMARY else None)
        run = collect.collect(source, today=TODAY)
    assert FetchRun.objects.filter(pk=run.pk).exists() and run.status
    for notice in Notice.objects.filter(review=Notice.Review.PENDING, retirement=None):
        try:  # a curator approves everything waiting: still nothing but http(s) is cited
            reconcile.approve(notice, today=TODAY)
        except ValueError:
            pass  # a vendor the catalogue does not know: refused, as it should be
    urls = list(Citation.objects.values_list("url", flat=True)) + [
        u for u in Notice.objects.values_list("url", flat=True) if u]
    assert all(is_web_url(u) for u in urls), urls
    client = Client(raise_request_exception=False)
    for entry in Retirement.objects.all():
        response = client.get(entry.get_absolute_url())
        assert response.status_code == 200
        links = re.findall(r'<a\s[^>]*href="([^"]*)"', response.content.decode())
        assert links and all(re.match(r"(https?://|/|\?|#|webcal://)", h) for h in links), links
        assert b"<script" not in response.content


# URLs

@pytest.mark.parametrize("url", lines("urls.txt"))
def test_every_hostile_url_is_refused_before_connecting(url):
    assert fetch.fetch(url, allow_private=False, retries=0).outcome == fetch.ERROR
    assert not (is_web_url(url) and url.startswith("javascript"))


def test_the_url_corpus_is_read_as_written():
    urls = lines("urls.txt")
    assert "http://127.0.0.1:18950\\@8.8.8.8/ok" in urls and "http://exa\tmple.org/" in urls


# Addresses

ADDRESSES = [line.split("\t") for line in lines("addresses.txt")]


@pytest.mark.parametrize("address,mailbox", [a for a in ADDRESSES if a[1] != "-"])
def test_spellings_of_one_mailbox_count_together(address, mailbox):
    assert mailbox_key(address) == mailbox


@pytest.mark.django_db
@pytest.mark.parametrize("address", [a for a, _ in ADDRESSES])
def test_the_subscribe_form_never_fails_on_an_address(address, settings,
                                                      django_capture_on_commit_callbacks,
                                                      eager_tasks):
    # The page, and what the task it queues stores (and sends: tests/notifier).
    cache.clear()  # the per-client subscribe limit of earlier cases
    client = Client(raise_request_exception=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/subscribe/", {"email": address, "lead_times": ["30"],
                                               "digest": "weekly"})
    assert response.status_code in (302, 400), response.status_code
    for email in Subscriber.objects.values_list("email", flat=True):
        assert email.count("@") >= 1 and not re.search(r"[\r\n\x00,;<>]", email), email


# Query strings

ENDPOINTS = ["/", "/past/", "/vendors/openai/", "/subscribe/", "/calendar.ics",
             "/changes.atom", "/api/v1/", "/api/v1/vendors", "/api/v1/retirements",
             "/api/v1/changes", "/api/v1/retirements/1", "/api/v1/docs"]


@pytest.mark.django_db
@pytest.mark.parametrize("query", lines("queries.txt"))
def test_no_hostile_query_string_causes_a_500(query, settings):
    settings.DEPCAL_API_RATE = None
    settings.DEPCAL_TODAY = TODAY.isoformat()
    factories.entry()
    client = Client(raise_request_exception=False)
    for path in ENDPOINTS:
        response = client.get(f"{path}?{query}")
        assert response.status_code < 500, (path, query, response.status_code)
        if path.startswith("/api/v1/") and response.status_code >= 400:
            assert response["Content-Type"] == "application/json", (path, query)
        if path == "/changes.atom" and response.status_code == 200:
            etree.fromstring(response.content, etree.XMLParser(recover=False))
