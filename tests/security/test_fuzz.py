"""Fuzzing the public query parameters (Hypothesis): whatever a client sends to the pages, the
feeds, the Atom feed and the API, the answer is never a 500, an API error is JSON, and the Atom
feed is well-formed XML. On PostgreSQL (CI) this also covers what SQLite lets through (NUL)."""

from __future__ import annotations

from urllib.parse import quote, quote_from_bytes

import pytest
from django.core.cache import cache
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from tests.deprecations import factories

pytestmark = pytest.mark.django_db
NAMES = ["vendor", "model", "q", "page", "page_size", "status", "upcoming", "since",
         "shutdown_before", "shutdown_after", "alarms", "format", "lang", "script", "welcome"]
SPECIAL = ["", " ", "0", "-1", "1e3", "true", "openai", "gpt-4o", "2026-02-17",
           "2026-02-17T00:00:00+14:00", "9999-12-31", "0001-01-01", "%", "_", "\\", "'", '"',
           "\x00", "\ufffe", "\u202e", "\U0001f600", "x" * 5000, ",,,", "99999999999999999999"]
FUZZ = settings(max_examples=40, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
values = st.one_of(st.sampled_from(SPECIAL), st.text(max_size=40))
queries = st.lists(st.tuples(st.sampled_from(NAMES), values), max_size=8)


@pytest.fixture
def paths(settings):
    settings.DEPCAL_API_RATE = None
    settings.DEPCAL_TODAY = "2026-01-18"
    entry = factories.entry()
    factories.entry("claude-3-opus-20240229", vendor_slug="anthropic", aliases=["claude-3-opus"])
    return ["/", "/past/", "/vendors/openai/", entry.get_absolute_url(), "/subscribe/",
            "/calendar.ics", "/changes.atom", "/api/v1/", "/api/v1/vendors",
            "/api/v1/retirements", f"/api/v1/retirements/{entry.pk}", "/api/v1/changes",
            "/api/v1/docs"]


def check(client, path, query_string):
    response = client.get(f"{path}?{query_string}")
    assert response.status_code < 500, (path, query_string)
    if path.startswith("/api/v1/") and response.status_code >= 400 and path != "/api/v1/docs":
        assert response["Content-Type"] == "application/json", (path, query_string)
    if path == "/changes.atom" and response.status_code == 200:
        etree.fromstring(response.content, etree.XMLParser(recover=False))


@FUZZ
@given(query=queries)
def test_no_query_makes_anything_fail(paths, query):
    cache.clear()  # every render is a cold one
    client = Client(raise_request_exception=False)
    encoded = "&".join(f"{quote(name)}={quote(value)}" for name, value in query)
    for path in paths:
        check(client, path, encoded)


@FUZZ
@given(name=st.sampled_from(NAMES), raw=st.binary(max_size=40))
def test_no_bytes_make_anything_fail(paths, name, raw):
    client = Client(raise_request_exception=False)
    for path in paths:
        check(client, path, f"{name}={quote_from_bytes(raw)}")
