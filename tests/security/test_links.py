"""Finding 1 (model and page side) and finding 11: links from documents are http(s) or nothing,
and a fetch that goes wrong in any way still leaves a recorded run."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model

from deprecations import changes
from deprecations.models import Citation, FetchRun, Notice, Source
from deprecations.sources import collect, reconcile
from deprecations.sources.records import Record
from tests.deprecations import factories
from tests.httpserver import LoopbackServer

pytestmark = pytest.mark.django_db
TODAY = date(2025, 11, 20)
HOSTILE_LINKS = ["javascript:alert(document.domain)//", "JavaScript:alert(1)",
                 "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)",
                 " javascript:alert(1)", "java\tscript:alert(1)", "//evil.example/x",
                 "http://127.0.0.1:1\\@evil.example/", "http://user:pw@evil.example/"]


def tracker(authority=Source.Authority.SECONDARY):
    return Source.objects.create(slug="tracker", name="A tracker", authority=authority,
                                 url="https://tracker.example/feed.xml",
                                 page_url="https://tracker.example/")


@pytest.mark.parametrize("link", HOSTILE_LINKS)
@pytest.mark.parametrize("authority", [Source.Authority.SECONDARY, Source.Authority.PRIMARY])
def test_a_hostile_link_in_a_record_is_never_stored_or_cited(link, authority):
    factories.vendor("openai", "OpenAI")
    source = tracker(authority)
    record = Record(vendor="OpenAI", model="gpt-x", shutdown=date(2026, 3, 1), source_url=link,
                    anchor="row-1")
    reconcile.reconcile(source, [record], today=TODAY)
    notice = Notice.objects.get()
    assert notice.url == "https://tracker.example/#row-1"
    if authority == Source.Authority.SECONDARY:  # waits for review; approving cites the same
        reconcile.approve(notice, today=TODAY)
    assert list(Citation.objects.values_list("url", flat=True)) == [notice.url]


def test_an_anchor_that_would_break_the_url_is_encoded_into_the_fragment():
    factories.vendor("openai", "OpenAI")
    source = tracker(Source.Authority.PRIMARY)
    record = Record(vendor="OpenAI", model="gpt-x", shutdown=date(2026, 3, 1),
                    source_url="https://vendor.example/page", anchor='x" onmouseover="alert(1)')
    reconcile.reconcile(source, [record], today=TODAY)
    url = Notice.objects.get().url
    # The record percent-encodes its anchor: nothing in it can close an attribute.
    assert url == "https://vendor.example/page#x%22%20onmouseover=%22alert(1)"
    assert not set('"<> ') & set(url)


@pytest.mark.parametrize("link", HOSTILE_LINKS)
def test_the_change_function_refuses_a_non_http_citation(link):
    entry = factories.entry()
    with pytest.raises(ValueError, match="http"):
        changes.add_citation(entry, url=link, title="x")
    assert not entry.citations.exists()


def test_an_entry_page_never_renders_a_non_http_href(client, settings):
    settings.DEPCAL_TODAY = "2026-01-18"
    entry = factories.entry()
    # A row stored before the rule existed (written directly, as an old database might hold).
    Citation.objects.create(retirement=entry, url="javascript:alert(document.domain)//",
                            title="Old row")
    changes.add_citation(entry, url="https://platform.openai.com/docs/deprecations",
                         title="OpenAI deprecations")
    html = client.get(entry.get_absolute_url()).content.decode()
    assert 'href="https://platform.openai.com/docs/deprecations"' in html
    assert "Old row" in html and "javascript:" not in html
    api = client.get(f"/api/v1/retirements/{entry.pk}").json()
    assert {s["url"] for s in api["sources"]} == {
        "", "https://platform.openai.com/docs/deprecations"}


@pytest.mark.parametrize("url,ok", [
    ("https://platform.openai.com/docs/deprecations", True),
    ("http://127.0.0.1:18950\\@8.8.8.8/ok", False),
    ("http://user:pw@vendor.example/", False),
    ("javascript:alert(1)//", False),
    ("http://127.0.0.1:8000/page", False),
    ("http://[::1]/page", False),
])
def test_the_admin_source_form_refuses_urls_the_fetcher_would_read_differently(client, url, ok):
    admin = get_user_model().objects.create_superuser("boss", password="x" * 20)
    client.force_login(admin)
    response = client.post("/admin/deprecations/source/add/", {
        "slug": "s", "name": "S", "url": url, "page_url": "", "parser": "",
        "authority": "primary", "enabled": "on", "interval_minutes": "360",
        "health": "unknown", "health_note": "", "failures": "0"})
    assert Source.objects.filter(slug="s").exists() is ok, response.content[:3000]


def test_a_redirect_to_a_port_out_of_range_saves_a_failed_run(settings):
    settings.DEPCAL_FETCH_ALLOW_PRIVATE = True
    settings.DEPCAL_FETCH_RETRIES = 0
    with LoopbackServer() as server:
        server.routes["/page"] = lambda h: (302, {"Location": "http://127.0.0.1:99999/"}, b"")
        source = Source.objects.create(slug="s", name="S", url=server.url("/page"))
        run = collect.collect(source, today=TODAY)
    source.refresh_from_db()
    assert FetchRun.objects.get() == run and run.status == FetchRun.Status.ERROR
    assert "refused" in run.error
    assert (source.health, source.failures) == (Source.Health.ERROR, 1)


def test_a_fetcher_that_raises_anyway_still_saves_a_run(settings, monkeypatch):
    from deprecations.sources import fetch

    def broken(*args, **kwargs):
        raise ValueError("Port could not be cast to integer value as '99999'")
    monkeypatch.setattr(fetch, "fetch", broken)
    source = Source.objects.create(slug="s", name="S", url="https://vendor.example/")
    run = collect.collect(source, today=TODAY)
    source.refresh_from_db()
    assert run.pk and run.status == FetchRun.Status.ERROR and "99999" in run.error
    assert source.health == Source.Health.ERROR
