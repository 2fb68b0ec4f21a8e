"""The JSON API, /api/v1/: routes, filters, errors, caching headers, CORS, throttling, schema."""

import json
from datetime import UTC, date, datetime

import pytest
import schemathesis
from depcal_scan import retirements as scan_catalogue
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from deprecations import changes
from deprecations.api.export import catalogue_document
from tests.deprecations import factories

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture(autouse=True)
def _pinned(settings):
    factories.pin_site(settings, "2026-02-01")


@pytest.fixture
def catalogue():
    at = datetime(2025, 11, 18, 12, tzinfo=UTC)
    latest = factories.entry(aliases=["chatgpt-4o"], now=at, citations=[
        {"url": "https://platform.openai.com/docs/deprecations", "title": "OpenAI deprecations",
         "retrieved_on": date(2025, 11, 19)}])
    snapshot = factories.entry("gpt-4o-2024-05-13", shutdown=date(2026, 6, 1),
                               replacements=("gpt-5",), now=at)
    opus = factories.entry("claude-3-opus-20240229", vendor_slug="anthropic",
                           shutdown=date(2026, 1, 5), replacements=("claude-opus-4-1",), now=at)
    undated = factories.entry("text-moderation-007", shutdown=None, replacements=(), now=at)
    return {"latest": latest, "snapshot": snapshot, "opus": opus, "undated": undated}


def get(client, path, **headers):
    return client.get(path if path.startswith(("/", "http")) else f"{API}/{path}", **headers)


def identifiers(response):
    return [r["identifier"] for r in response.json()["results"]]


# What "done" means

def test_lists_chatgpt_4o_latest_with_its_date_and_replacement_under_openai(client, catalogue):
    response = get(client, "retirements?vendor=openai")
    assert response.status_code == 200
    rows = {r["identifier"]: r for r in response.json()["results"]}
    assert "claude-3-opus-20240229" not in rows
    row = rows["chatgpt-4o-latest"]
    assert row["shutdown_on"] == "2026-02-17"
    assert row["replacement"] == "gpt-5.1-chat-latest"
    assert row["days_left"] == 16
    assert row["vendor"] == {"slug": "openai", "name": "Openai", "is_platform": False}
    assert row["aliases"] == ["chatgpt-4o"]
    assert row["url"] == "https://depcal.example/vendors/openai/chatgpt-4o-latest/"


def test_the_schema_is_valid_openapi_3_and_covers_every_route(client):
    response = get(client, "openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == {f"{API}/", f"{API}/vendors", f"{API}/retirements",
                                    f"{API}/retirements/{{id}}", f"{API}/changes",
                                    f"{API}/watchlist"}


# Routes and filters

def test_root_links_to_everything(client):
    links = get(client, "").json()
    assert links["retirements"] == "https://depcal.example/api/v1/retirements"
    assert links["changes_atom"] == "https://depcal.example/changes.atom"


def test_vendors_with_their_counts(client, catalogue):
    assert get(client, "vendors").json() == [
        {"slug": "anthropic", "name": "Anthropic", "website": "", "is_platform": False,
         "url": "https://depcal.example/vendors/anthropic/", "retirements": 1},
        {"slug": "openai", "name": "Openai", "website": "", "is_platform": False,
         "url": "https://depcal.example/vendors/openai/", "retirements": 3},
    ]


def test_retirements_soonest_first_undated_last(client, catalogue):
    assert identifiers(get(client, "retirements")) == [
        "claude-3-opus-20240229", "chatgpt-4o-latest", "gpt-4o-2024-05-13",
        "text-moderation-007"]


@pytest.mark.parametrize("query, expected", [
    ("model=gpt-4o", ["gpt-4o-2024-05-13"]),  # family prefix
    ("model=chatgpt-4o", ["chatgpt-4o-latest"]),  # alias
    ("model=CHATGPT-4O-LATEST", ["chatgpt-4o-latest"]),
    ("model=gpt-4", []),
    ("vendor=anthropic&vendor=openai&model=claude-3-opus", ["claude-3-opus-20240229"]),
    ("vendor=", ["claude-3-opus-20240229", "chatgpt-4o-latest", "gpt-4o-2024-05-13",
                 "text-moderation-007"]),
    ("upcoming=true", ["chatgpt-4o-latest", "gpt-4o-2024-05-13"]),
    ("upcoming=false", ["claude-3-opus-20240229"]),
    ("shutdown_before=2026-02-17", ["claude-3-opus-20240229"]),
    ("shutdown_after=2026-02-17", ["gpt-4o-2024-05-13"]),
    ("shutdown_after=2026-01-01&shutdown_before=2026-03-01",
     ["claude-3-opus-20240229", "chatgpt-4o-latest"]),
    ("q=moderation", ["text-moderation-007"]),
    ("status=withdrawn", []),
])
def test_retirement_filters(client, catalogue, query, expected):
    assert identifiers(get(client, f"retirements?{query}")) == expected


def test_withdrawn_entries_are_listed_with_their_status_but_not_as_upcoming(client, catalogue):
    changes.withdraw(catalogue["snapshot"], via="test")
    assert identifiers(get(client, "retirements?status=withdrawn")) == ["gpt-4o-2024-05-13"]
    assert identifiers(get(client, "retirements?upcoming=true")) == ["chatgpt-4o-latest"]


def test_unpublished_entries_stay_out(client, catalogue):
    hidden = factories.entry("o1-preview", published=False)
    assert "o1-preview" not in identifiers(get(client, "retirements"))
    assert get(client, f"retirements/{hidden.pk}").status_code == 404


def test_pages(client, catalogue):
    first = get(client, "retirements?page_size=3").json()
    assert first["count"] == 4
    assert len(first["results"]) == 3
    assert first["next"] == "http://testserver/api/v1/retirements?page=2&page_size=3"
    second = get(client, first["next"]).json()
    assert [r["identifier"] for r in second["results"]] == ["text-moderation-007"]
    assert second["next"] is None


def test_one_retirement_with_history_and_sources(client, catalogue):
    entry = catalogue["latest"]
    changes.move_date(entry, "shutdown_on", date(2026, 2, 16), via="press",
                      now=datetime(2025, 11, 20, tzinfo=UTC))
    changes.move_date(entry, "shutdown_on", date(2026, 2, 17), via="openai",
                      now=datetime(2025, 11, 21, tzinfo=UTC))
    body = get(client, f"retirements/{entry.pk}").json()
    assert body["identifier"] == "chatgpt-4o-latest"
    assert body["revision"] == 3
    assert [(h["kind"], h["old_date"], h["new_date"]) for h in body["history"]] == [
        ("created", None, "2026-02-17"), ("moved", "2026-02-17", "2026-02-16"),
        ("moved", "2026-02-16", "2026-02-17")]
    assert body["sources"] == [{"url": "https://platform.openai.com/docs/deprecations",
                                "title": "OpenAI deprecations", "retrieved_on": "2025-11-19",
                                "quote": ""}]


def test_changes_since_a_timestamp(client, catalogue):
    changes.move_date(catalogue["snapshot"], "shutdown_on", date(2026, 7, 1), via="openai",
                      now=datetime(2025, 12, 1, tzinfo=UTC))
    changes.withdraw(catalogue["undated"], via="openai", now=datetime(2025, 12, 2, tzinfo=UTC))
    everything = get(client, "changes").json()
    assert everything["count"] == 6
    recent = get(client, "changes?since=2025-11-30T00:00:00Z").json()["results"]
    assert [(c["kind"], c["retirement"]["identifier"]) for c in recent] == [
        ("moved", "gpt-4o-2024-05-13"), ("withdrawn", "text-moderation-007")]
    assert (recent[0]["old_date"], recent[0]["new_date"]) == ("2026-06-01", "2026-07-01")
    assert recent[0]["retirement"]["shutdown_on"] == "2026-07-01"
    assert recent[1]["retirement"]["status"] == "withdrawn"
    # strictly after: passing back the newest changed_at seen gives nothing new
    since = recent[-1]["changed_at"].replace("+00:00", "Z")
    assert get(client, f"changes?since={since}").json()["results"] == []
    assert get(client, "changes?since=2025-12-02").json()["count"] == 0
    assert get(client, "changes?since=2025-12-01&vendor=openai").json()["count"] == 1


# Errors

@pytest.mark.parametrize("query, parameter", [
    ("retirements?shutdown_before=17-02-2026", "shutdown_before"),
    ("retirements?shutdown_after=2026-02-30", "shutdown_after"),
    ("retirements?status=gone", "status"),
    ("retirements?upcoming=perhaps", "upcoming"),
    ("retirements?page=0", "page"),
    ("retirements?page=two", "page"),
    ("retirements?page_size=501", "page_size"),
    ("retirements?page_size=-1", "page_size"),
    ("retirements?q=" + "x" * 101, "q"),
    ("retirements?model=a%00b", "model"),
    ("changes?since=yesterday", "since"),
    ("changes?since=0001-01-01T00:00:00%2B14:00", "since"),
    ("changes?since=9999-12-31T23:59:59-14:00", "since"),
    ("changes?page_size=1e3", "page_size"),
    ("changes?since=", "since"),
    ("retirements?upcoming=", "upcoming"),
    ("retirements?page=", "page"),
])
def test_a_bad_parameter_is_a_400_that_names_it(client, query, parameter):
    response = get(client, query)
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400
    assert body["error"] == "invalid_parameters"
    assert parameter in body["detail"]
    assert body["parameters"][parameter] and all(isinstance(m, str)
                                                 for m in body["parameters"][parameter])


@pytest.mark.parametrize("endpoint", ["retirements", "changes"])
def test_an_unknown_vendor_is_a_404_that_names_it_not_an_empty_list(client, catalogue,
                                                                    endpoint):
    """As the feeds and the pages answer: a misspelt slug would answer an empty list that
    looks right."""
    response = get(client, f"{endpoint}?vendor=openai&vendor=nosuch")
    assert response.status_code == 404
    assert response.json() == {
        "status": 404, "error": "not_found",
        "detail": "Query parameter vendor: No vendor nosuch in depcal. Vendors: anthropic, "
                  "openai."}
    assert get(client, f"{endpoint}?vendor=OpenAI&vendor=").status_code == 200


def test_not_found_is_json(client, catalogue):
    for path in ("retirements/999999", "retirements/99999999999999999999", "nowhere",
                 "retirements?page=99"):
        response = get(client, path)
        assert response.status_code == 404, path
        assert response["Content-Type"] == "application/json"
        assert response.json()["error"] == "not_found"


@pytest.mark.parametrize("path, target", [
    ("/api/v1/retirements/", "/api/v1/retirements"),
    ("/api/v1/retirements/?vendor=openai&page=2", "/api/v1/retirements?vendor=openai&page=2"),
    ("/api/v1/docs/", "/api/v1/docs"),
    ("/api/v1/retirements/12//", "/api/v1/retirements/12"),
    ("/api/v1/openapi.json/", "/api/v1/openapi.json"),
])
def test_a_trailing_slash_redirects_to_the_endpoint(client, path, target):
    response = client.get(path)
    assert response.status_code == 301 and response["Location"] == target


def test_a_trailing_slash_on_no_endpoint_is_still_a_json_404(client):
    for path in ("/api/v1/nowhere/", "/api/v1/retirements/x/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"] == "not_found"


def test_only_reads_are_allowed(client):
    response = client.post(f"{API}/retirements", {})
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"


# HTTP caching, CORS, throttling

GET_PATHS = ["", "vendors", "retirements?vendor=openai", "retirements/{pk}", "changes",
             "openapi.json", "docs"]


@pytest.mark.parametrize("path", GET_PATHS)
def test_every_get_has_an_etag_and_answers_304(client, catalogue, path):
    url = path.format(pk=catalogue["latest"].pk)
    first = get(client, url)
    assert first.status_code == 200
    assert first["ETag"].startswith('"')
    assert "max-age=" in first["Cache-Control"]
    again = get(client, url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]


def test_the_etag_changes_with_the_catalogue(client, catalogue):
    before = get(client, "retirements")["ETag"]
    changes.move_date(catalogue["latest"], "shutdown_on", date(2026, 3, 1), via="test")
    after = get(client, "retirements", HTTP_IF_NONE_MATCH=before)
    assert after.status_code == 200
    assert after["ETag"] != before


def test_cors_is_open_for_reads(client, catalogue):
    response = get(client, "retirements", HTTP_ORIGIN="https://example.org")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]
    preflight = client.options(f"{API}/retirements", HTTP_ORIGIN="https://example.org",
                               HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
                               HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match")
    assert preflight.status_code == 200
    assert "if-none-match" in preflight["Access-Control-Allow-Headers"]
    assert "POST" not in preflight["Access-Control-Allow-Methods"]
    page = client.get("/", HTTP_ORIGIN="https://example.org")
    assert "Access-Control-Allow-Origin" not in page


def test_clients_are_throttled_per_ip_address(client, settings):
    settings.DEPCAL_API_RATE = "3/minute"
    for _ in range(3):
        assert get(client, "vendors", REMOTE_ADDR="192.0.2.1").status_code == 200
    throttled = get(client, "vendors", REMOTE_ADDR="192.0.2.1")
    assert throttled.status_code == 429
    assert int(throttled["Retry-After"]) > 0
    assert throttled.json()["error"] == "throttled"
    # counted by address: another client is served, and a forged X-Forwarded-For changes nothing
    assert get(client, "vendors", REMOTE_ADDR="192.0.2.2").status_code == 200
    assert get(client, "vendors", REMOTE_ADDR="192.0.2.1",
               HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 429


# The docs page works offline

def test_the_docs_page_loads_its_assets_from_this_site(client):
    response = get(client, "docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>" not in html and "<style>" not in html  # the CSP allows neither inline
    assert '<script src="/api/v1/docs?script="></script>' in html
    script = get(client, "docs?script=")
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/v1/openapi.json" in script.content.decode()
    assert "cdn" not in html.lower()
    assets = [a for a in ("swagger-ui.css", "swagger-ui-bundle.js",
                          "swagger-ui-standalone-preset.js") if a in html]
    assert len(assets) == 3
    for asset in assets:
        url = f"/static/drf_spectacular_sidecar/swagger-ui-dist/{asset}"
        assert url in html
        served = client.get(url)
        assert served.status_code == 200, url
        assert sum(len(chunk) for chunk in served.streaming_content) > 1000


# Query counts

def _bulk(n, start=0):
    at = datetime(2025, 11, 18, tzinfo=UTC)
    for i in range(start, start + n):
        entry = factories.entry(f"model-{i:03d}", shutdown=date(2026, 1, 1 + i % 28),
                                aliases=[f"alias-{i}-a", f"alias-{i}-b"], now=at,
                                citations=[{"url": f"https://example.org/{i}"}])
        changes.move_date(entry, "shutdown_on", date(2026, 3, 1), via="test", now=at)


def _queries(client, path):
    with CaptureQueriesContext(connection) as ctx:
        assert get(client, path).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("path", ["retirements?page_size=500", "changes?page_size=500",
                                  "vendors"])
def test_query_count_does_not_grow_with_the_page(client, path):
    _bulk(3)
    few = _queries(client, path)
    _bulk(27, start=3)  # ten times the rows on the same page
    assert _queries(client, path) == few


def test_one_retirement_takes_a_fixed_number_of_queries(client, catalogue):
    pk = catalogue["latest"].pk
    before = _queries(client, f"retirements/{pk}")
    for day in range(1, 8):
        changes.move_date(catalogue["latest"], "shutdown_on", date(2026, 3, day), via="test")
        changes.add_citation(catalogue["latest"], url=f"https://example.org/{day}")
    assert _queries(client, f"retirements/{pk}") == before


# The export shares the API's shape, so the scanner reads both with one loader

def test_the_export_is_the_lists_shape(client, catalogue):
    document = catalogue_document(today=date(2026, 2, 1))
    listed = get(client, "retirements?page_size=500").json()
    assert json.loads(json.dumps(document["results"])) == listed["results"]
    assert document["next"] is None
    assert scan_catalogue.from_document(document) == scan_catalogue.from_document(listed)
    latest = next(r for r in scan_catalogue.from_document(listed)
                  if r.identifier == "chatgpt-4o-latest")
    assert latest.names == ("chatgpt-4o-latest", "chatgpt-4o")
    assert latest.replacement == "gpt-5.1-chat-latest"


# Schemathesis: every operation, generated inputs, against the app in-process (WSGI).
# The schema is read at import (it needs no database); the cases run in the test's transaction.

schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", WSGIHandler())
# NUL cannot reach PostgreSQL; the API rejects it with a 400 (schemathesis would call NUL valid).
schema.config.generation.update(max_examples=10, allow_x00=False, deterministic=True,
                                database="none")


@pytest.fixture
def _served(catalogue):
    """Keep the test's database connection open across WSGI requests (as Django's test
    client does), so the requests see the test's data in its transaction."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield catalogue
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@schema.parametrize()
@hypothesis_settings(deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.usefixtures("_served")
def test_api_conforms_to_its_schema(case):
    case.call_and_validate()
