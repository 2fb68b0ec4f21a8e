"""Findings 6, 14 and 15: anonymous requests get a clear 400, never a 500; every API error is
JSON; the Atom feed is XML a strict parser accepts whatever the filter says."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.test import Client
from lxml import etree

from tests.deprecations import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def anonymous():
    return Client(raise_request_exception=False)  # 500s come back as responses, as in production


@pytest.fixture(autouse=True)
def catalogue(settings):
    settings.DEPCAL_API_RATE = None
    factories.entry()


def many(name, n):
    return "&".join(f"{name}=m{i}" for i in range(n))


def test_many_model_values_are_a_json_400_not_a_500(anonymous):
    for path in (f"/api/v1/changes?{many('model', 55)}",
                 f"/api/v1/retirements?{many('model', 85)}",
                 f"/api/v1/retirements?{many('vendor', 21)}",
                 f"/api/v1/retirements?{many('status', 21)}"):
        response = anonymous.get(path)
        assert response.status_code == 400, path
        body = response.json()
        assert body["error"] == "invalid_parameters" and body["status"] == 400


def test_twenty_model_values_still_work(anonymous):
    models = "&".join(["model=chatgpt-4o"] + [f"model=m{i}" for i in range(19)])
    for path in (f"/api/v1/retirements?{models}", f"/api/v1/changes?{models}",
                 f"/changes.atom?{models}", f"/calendar.ics?{models}"):
        assert anonymous.get(path).status_code == 200, path
    assert anonymous.get(f"/api/v1/retirements?{models}").json()["count"] == 1


FEEDS = ("/changes.atom", "/calendar.ics")
LISTS = ("/", "/past/")


@pytest.mark.parametrize("value", ["a%01b", "%00", "open%0aai", "x%7f", "openai%ef%bf%be",
                                   "%ef%bf%bf"])
def test_control_characters_in_a_query_never_reach_a_view(anonymous, value):
    for name in ("vendor", "q", "model", "alarms", "page", "since", "up%00coming"):
        for path in ("/changes.atom", "/", "/past/", "/calendar.ics", "/vendors/openai/",
                     "/subscribe/"):
            response = anonymous.get(f"{path}?{name}={value}")  # dropped, like other noise
            if name == "vendor" and path in FEEDS + LISTS and response.status_code == 404:
                # What is left once the characters are dropped names no vendor: the feeds
                # say so in plain text rather than serving an empty feed, the list pages on
                # the site's 404 page rather than showing an empty calendar.
                kind = "text/plain" if path in FEEDS else "text/html"
                assert response["Content-Type"].startswith(kind), (path, value)
                assert "No vendor" in response.content.decode(), (path, value)
                continue
            assert response.status_code == 200, (path, name, value)
            if path == "/changes.atom":
                etree.fromstring(response.content, etree.XMLParser(recover=False))
    for path, names in (("retirements", ("vendor", "model", "q", "status", "page")),
                        ("changes", ("vendor", "model", "since", "page_size"))):
        for name in names:  # the API is strict: a 400 that names the parameter
            response = anonymous.get(f"/api/v1/{path}?{name}={value}")
            assert response.status_code == 400, (path, name, value)
            body = response.json()
            assert body["error"] == "invalid_parameters" and name in body["parameters"]


def test_a_control_character_is_dropped_not_the_whole_value(anonymous):
    body = anonymous.get("/changes.atom?vendor=open%01ai").content
    assert b"(openai)" in body  # the feed's title names the filter it applied


def test_a_thousand_and_one_fields_get_json_from_the_api_and_a_400_elsewhere(anonymous):
    fields = many("f", 1001)
    api = anonymous.get(f"/api/v1/vendors?{fields}")
    assert api.status_code == 400 and api["Content-Type"] == "application/json"
    assert api.json()["error"] == "bad_request"
    assert anonymous.get(f"/?{fields}").status_code == 400


def test_an_unexpected_failure_in_the_api_is_json(anonymous, monkeypatch):
    from deprecations.api import views

    def broken(*args, **kwargs):
        raise RuntimeError("expression tree is too large")
    monkeypatch.setattr(views, "filtered_retirements", broken)
    response = anonymous.get("/api/v1/retirements")
    assert response.status_code == 500 and response["Content-Type"] == "application/json"
    assert response.json() == {"status": 500, "error": "server_error", "detail": (
        "Something went wrong on our side; it has been logged. Try again later.")}


@pytest.mark.parametrize("value", ["openai", "Open AI \u202e", "\u00e9\u4e2d\U0001f600",
                                   "<x>&amp;", "\u0085", "\ufdd0", "\ud7ff"])
def test_atom_stays_well_formed_for_any_printable_filter(anonymous, value):
    response = anonymous.get("/changes.atom?vendor=openai&model=" + quote(value))
    assert response.status_code == 200
    etree.fromstring(response.content, etree.XMLParser(recover=False))
    # As a vendor it names none (but openai, or nothing once control characters are
    # dropped): a plain-text 404, never broken Atom.
    response = anonymous.get("/changes.atom?vendor=" + quote(value))
    if response.status_code == 200:
        etree.fromstring(response.content, etree.XMLParser(recover=False))
    else:
        assert response.status_code == 404 and value not in ("openai", "\u0085")
        assert response["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize("query", [
    "shutdown_month=foo", "shutdown_month=2026-13", "shutdown_month=99999-01",
    "shutdown_month=2026-1-1", "shutdown_year=abc", "shutdown_year=99999", "shutdown_year=0000",
    "shutdown_on__year=abc", "shutdown_on__month=13&shutdown_on__year=2026",
    "shutdown_on__day=40&shutdown_on__month=1&shutdown_on__year=2026", "o=abc", "p=abc",
    "q=%00", "offering__vendor__id__exact=abc", "status__exact=%00",
])
def test_admin_list_filters_never_500(admin_client, query):
    admin_client.raise_request_exception = False
    response = admin_client.get(f"/admin/deprecations/retirement/?{query}")
    assert response.status_code in (200, 302, 400), (query, response.status_code)


def test_a_valid_admin_month_filter_still_filters(admin_client):
    factories.entry("later", shutdown=__import__("datetime").date(2026, 5, 1), announced=None)
    html = admin_client.get("/admin/deprecations/retirement/?shutdown_month=2026-05").content
    assert b"later" in html and b"chatgpt-4o-latest" not in html
    html = admin_client.get("/admin/deprecations/retirement/?shutdown_year=2026").content
    assert b"later" in html and b"chatgpt-4o-latest" in html
