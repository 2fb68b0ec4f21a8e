"""Every link the public pages give works the first time: the shipped catalogue loaded, every
internal link followed from the pages (and the feeds' and the API's ``url`` fields checked),
each answering 200 at a path with no ``//``, and every entry reached at its one address."""

from datetime import date
from html.parser import HTMLParser
from urllib.parse import parse_qsl, unquote, urljoin, urlsplit

import feedparser
import pytest
from django.core.cache import cache
from django.core.management import call_command
from icalendar import Calendar

from deprecations.models import Retirement
from tests.deprecations import factories

pytestmark = pytest.mark.django_db
SITE = "https://depcal.example"
TODAY = "2026-11-28"
# Pages whose links are followed; what they link to is fetched and must answer 200 too.
START = ["/", "/past/", "/sources/", "/scanner/", "/subscribe/", "/?q=claude", "/?q=gpt-4o"]


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag in ("a", "link") and href:
            self.hrefs.append(href)


def links(html: str, base: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    return [urljoin(SITE + base, h) for h in parser.hrefs]


def internal(url: str) -> str | None:
    """The path and query of a link to this site, or None for another site, mail, webcal."""
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and f"{parts.scheme}://{parts.netloc}" == SITE:
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return None


@pytest.fixture
def shipped(settings):
    settings.DEPCAL_TODAY = TODAY
    settings.SITE_URL = SITE
    settings.DEPCAL_API_RATE = None
    cache.clear()
    call_command("load_catalogue", today=date.fromisoformat(TODAY))
    return list(Retirement.objects.published().select_related("offering__vendor"))


def fetch(client, target: str):
    # The server hands Django the path percent-decoded, as the test client expects it.
    path, _, query = target.partition("?")
    return client.get(unquote(path), query and dict(_pairs(query)) or None)


def _pairs(query):
    return parse_qsl(query, keep_blank_values=True)


def shape(target: str) -> str:
    """A link with a query, as a kind of link: its path and the names of its parameters.
    Every entry page links its own filtered calendar, Atom and API views; one of each kind
    stands for the others (every path, and every page of the archive, is checked)."""
    path, _, query = target.partition("?")
    names = sorted({k if k != "page" else f"page={v}" for k, v in _pairs(query)})
    return f"{path}?{','.join(names)}" if query else path


def crawl(client, start: list[str]):
    """Status of every internal link reachable from ``start`` (pages whose query is a filter
    or a page number are read for links too; feeds, API and static files only fetched), the
    pages each link was found on, and the entry each entry page showed."""
    status, found_on, shown, queue, shapes = {}, {}, {}, list(start), set()
    while queue:
        target = queue.pop()
        if target in status or (target not in start and shape(target) in shapes):
            continue
        shapes.add(shape(target))
        response = fetch(client, target)
        status[target] = response.status_code
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        if response.context and "entry" in response.context:
            shown[unquote(target)] = response.context["entry"].pk
        if target.startswith(("/admin", "/api/")):
            continue
        for url in links(response.content.decode(), target):
            path = internal(url.split("#", 1)[0])
            if path is not None:
                found_on.setdefault(path, set()).add(target)
                if path not in status:
                    queue.append(path)
    return status, found_on, shown


def feed_and_api_urls(client) -> set[str]:
    """The ``url`` of every event of the calendar, entry of the Atom feed and API row."""
    calendar = Calendar.from_ical(client.get("/calendar.ics").content)
    urls = {str(ev["URL"]) for ev in calendar.walk("VEVENT") if "URL" in ev}
    urls |= {item.link for item in feedparser.parse(client.get("/changes.atom").content).entries}
    page = "/api/v1/retirements?page_size=500"
    while page:
        body = fetch(client, page).json()
        urls |= {row["url"] for row in body["results"]}
        page = internal(body["next"]) if body.get("next") else None
    return urls


# One test for the whole shipped catalogue: loading it takes most of the time.
def test_every_link_from_the_pages_feeds_and_api_answers_200_at_one_address(client, shipped):
    status, found_on, shown = crawl(client, START)
    broken = {t: (code, sorted(found_on.get(t, ()))[:3]) for t, code in status.items()
              if code != 200}
    assert broken == {}
    doubled = sorted(t for t in status if "//" in t.split("?", 1)[0])
    assert doubled == []
    # Every published entry is linked from the pages at its own address, which shows it.
    entry_paths = {unquote(e.get_absolute_url()): e.pk for e in shipped}
    assert len(entry_paths) == len(shipped), "two entries share an address"
    assert {p: shown.get(p) for p in entry_paths} == entry_paths
    assert any("/" in e.offering.identifier for e in shipped)  # the case that broke
    # The feeds' and the API's links are the same addresses.
    urls = feed_and_api_urls(client)
    outside = sorted(u for u in urls if internal(u) is None)
    assert outside == []
    unknown = sorted(u for u in urls if unquote(internal(u)) not in entry_paths)
    assert unknown == []


def test_the_identifier_spelled_with_its_own_slashes_redirects_to_the_one_address(client):
    e = factories.entry("/v1/answers", announced=None)
    factories.entry("meta-llama/llama-4-scout", vendor_slug="groq", announced=None)
    assert e.get_absolute_url() == "/vendors/openai/v1/answers/"
    assert client.get("/vendors/openai/v1/answers/").context["entry"].pk == e.pk
    response = client.get("/vendors/openai//v1/answers/")
    assert response.status_code == 301
    assert response["Location"] == "/vendors/openai/v1/answers/"
    assert client.get("/vendors/groq/meta-llama/llama-4-scout/").status_code == 200
    assert client.get("/vendors/openai/answers/").status_code == 404
