"""The "my models" path: a page's filters carried into its calendar, Atom and API links, the
reminder picker, the alternate links in every head, and the footer's links."""

import re
from datetime import date
from html import unescape
from urllib.parse import parse_qs, urlsplit

import icalendar
import pytest
from django.core.cache import cache
from django.urls import reverse

from deprecations.models import Source
from tests.browser.helpers import subscriber_links
from tests.deprecations import factories

pytestmark = pytest.mark.django_db
SITE = "https://depcal.example"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE
    settings.DEPCAL_TODAY = "2026-01-18"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def catalogue():
    factories.entry()  # chatgpt-4o-latest
    factories.entry("gpt-4o-2024-05-13", shutdown=date(2026, 3, 31), announced=None)
    factories.entry("gpt-4o-mini-2024-07-18", shutdown=date(2026, 4, 30), announced=None)
    factories.entry("claude-3-opus-20240229", vendor_slug="anthropic", shutdown=date(2026, 1, 5),
                    announced=None)


def _hrefs(html: str, selector_class: str) -> list[str]:
    return [unescape(h) for h in re.findall(
        rf'<a class="{selector_class}" href="([^"]+)"', html)]


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def _alternates(html: str) -> dict[str, str]:
    head = html[:html.index("</head>")]
    return {kind: unescape(href) for kind, href in re.findall(
        r'<link rel="alternate" type="([^"]+)" href="([^"]+)"', head)}


def _listed(html: str) -> set[str]:
    return set(re.findall(r'<th scope="row">.*?<code>([^<]+)</code>', html))


def test_a_model_search_is_carried_into_the_calendar_atom_and_api_links(client, catalogue):
    html = client.get("/", {"q": "gpt-4o"}).content.decode()
    feed = unescape(re.search(r'id="subscribe-url" [^>]*value="([^"]+)"', html).group(1))
    [atom], [api] = _hrefs(html, "feed-atom"), _hrefs(html, "feed-api")
    for url, path in ((feed, "/calendar.ics"), (atom, "/changes.atom"),
                      (api, "/api/v1/retirements")):
        assert url == f"{SITE}{path}?model=gpt-4o", url
    assert 'href="webcal://depcal.example/calendar.ics?model=gpt-4o"' in html
    # ... and they hold what the page lists
    listed = _listed(html)
    assert listed == {"gpt-4o-2024-05-13", "gpt-4o-mini-2024-07-18"}
    calendar = icalendar.Calendar.from_ical(client.get(feed.removeprefix(SITE)).content)
    assert {str(e["SUMMARY"]).split()[0] for e in calendar.walk("VEVENT")} == listed
    api_rows = client.get(api.removeprefix(SITE)).json()["results"]
    assert {r["identifier"] for r in api_rows} == listed
    assert client.get(atom.removeprefix(SITE)).status_code == 200


def test_vendor_and_model_filters_together_and_the_email_form_starts_from_them(client,
                                                                               catalogue):
    html = client.get("/", {"vendor": "openai", "model": "gpt-4o"}).content.decode()
    [atom] = _hrefs(html, "feed-atom")
    assert _query(atom) == {"vendor": ["openai"], "model": ["gpt-4o"]}
    [subscribe] = _hrefs(html, "feed-mail")
    assert subscribe == "/subscribe/?vendor=openai&model=gpt-4o"
    form = client.get(subscribe).content.decode()
    assert re.search(r'<input type="checkbox" name="vendors" value="openai"[^>]* checked', form)
    assert re.search(r'<input type="text" name="models" value="gpt-4o"', form)


def test_the_reminder_picker_builds_the_feed_address(client, catalogue):
    html = client.get("/", {"vendor": "openai", "alarms": "30,7"}).content.decode()
    feed = unescape(re.search(r'id="subscribe-url" [^>]*value="([^"]+)"', html).group(1))
    assert _query(feed) == {"vendor": ["openai"], "alarms": ["30", "7"]}
    picker = html[html.index('<form class="reminders"'):]
    picker = picker[:picker.index("</form>")]
    assert 'action="#subscribe-heading"' in picker
    assert '<input type="hidden" name="vendor" value="openai">' in picker
    assert re.findall(r'name="alarms" value="([^"]*)"( checked)?>', picker) == [
        ("", ""), ("30,7", " checked"), ("90,30,7,1", "")]
    calendar = client.get(feed.removeprefix(SITE)).content
    assert b"TRIGGER:-P29DT15H" in calendar and b"TRIGGER:-P6DT15H" in calendar
    # the Atom and API links do not take reminders
    assert _query(_hrefs(html, "feed-atom")[0]) == {"vendor": ["openai"]}
    # only the offered choices: anything else is no reminders
    html = client.get("/", {"alarms": "5"}).content.decode()
    assert 'value="" checked' in html and "alarms" not in _alternates(html)["text/calendar"]


def _pages(client) -> dict[str, str]:
    entry = factories.entry("gpt-4-0314", shutdown=date(2026, 3, 26), announced=None)
    links = subscriber_links("ada@example.com", confirmed=True)
    return {"/": "", "/?vendor=anthropic": "vendor=anthropic", "/past/?q=gpt-4o": "model=gpt-4o",
            "/vendors/openai/": "vendor=openai",
            entry.get_absolute_url(): "vendor=openai&model=gpt-4-0314",  # this platform's
            "/subscribe/": "", links["manage"]: "", links["unsubscribe"]: "",
            "/sources/": "", "/scanner/": "", "/no/such/page/": ""}


def test_every_page_head_names_its_atom_and_ical_feeds(client, catalogue):
    for path, query in _pages(client).items():
        response = client.get(path)
        assert response.status_code in (200, 404), path
        alternates = _alternates(response.content.decode())
        suffix = f"?{query}" if query else ""
        assert alternates == {"application/atom+xml": f"{SITE}/changes.atom{suffix}",
                              "text/calendar": f"{SITE}/calendar.ics{suffix}"}, path


def test_the_footer_links_the_feeds_the_api_its_docs_the_scanner_and_the_sources(client,
                                                                                catalogue):
    for path in _pages(client):
        html = client.get(path).content.decode()
        footer = html[html.index('<footer class="site">'):]
        hrefs = re.findall(r'<a href="([^"]+)"', footer)
        assert hrefs == ["/calendar.ics", "/changes.atom", "/api/v1/", "/api/v1/docs",
                         "/scanner/", "/sources/"], path
    for href in hrefs:
        assert client.get(href).status_code == 200, href


def test_the_sources_page_names_each_vendors_own_page_and_what_is_read(client, catalogue):
    openai = factories.vendor("openai")
    openai.website = "https://platform.openai.com/docs/deprecations"
    openai.save()
    Source.objects.create(slug="openai-changelog", name="OpenAI changelog", vendor=openai,
                          url="https://platform.openai.com/docs/changelog",
                          authority=Source.Authority.CHANGELOG)
    Source.objects.create(slug="off", name="Switched off", vendor=openai, enabled=False,
                          url="https://example.com/off")
    Source.objects.create(slug="tracker", name="A tracker", url="https://tracker.example/",
                          authority=Source.Authority.SECONDARY)
    html = client.get(reverse("deprecations:sources")).content.decode()
    section = html[html.index('id="openai"'):html.index('id="trackers"')]
    assert 'href="https://platform.openai.com/docs/deprecations"' in section
    assert "OpenAI changelog" in section and "new retirements are reviewed first" in section
    assert "Switched off" not in html
    assert "A tracker" in html[html.index('id="trackers"'):]


def test_the_scanner_page_is_the_readme_section_with_this_sites_address(client):
    html = client.get(reverse("deprecations:scanner")).content.decode()
    assert "<h1>Scan your code for retired models</h1>" in html
    assert "args: [--server, https://depcal.example]" in html  # this site, not a placeholder
    assert "server: https://depcal.example\n" in html
    assert "depcal.example.org" not in html
    assert "<h2>" not in html[html.index('class="readme"'):]  # that section only
    assert '<code class="language-yaml">repos:' in html  # its code blocks, as code
