"""The public pages: what they list, how they group, and that queries do not grow with rows."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deprecations import changes
from tests.deprecations import factories

pytestmark = pytest.mark.django_db
TODAY = "2026-01-18"


@pytest.fixture(autouse=True)
def pinned_today(settings):
    settings.DEPCAL_TODAY = TODAY


def _many(n, start=date(2025, 3, 1), prefix="model"):
    for i in range(n):
        day = date.fromordinal(start.toordinal() + i * 9)
        factories.entry(f"{prefix}-{i}", vendor_slug=("openai", "anthropic", "cohere")[i % 3],
                        shutdown=day, announced=None, aliases=[f"alias-{i}"])


def test_home_lists_upcoming_by_month_with_days_left_and_the_replacement(client):
    factories.entry()  # chatgpt-4o-latest, 2026-02-17
    html = client.get("/").content.decode()
    assert "chatgpt-4o-latest" in html and "gpt-5.1-chat-latest" in html
    assert "February 2026" in html
    assert "30 days left" in html  # 2026-01-18 -> 2026-02-17
    assert 'class="within-30' in html


def test_home_shows_recent_past_newest_first_and_links_older_to_the_archive(client):
    factories.entry("old-model", shutdown=date(2024, 6, 13), announced=None)
    factories.entry("recent-a", shutdown=date(2025, 12, 1), announced=None)
    factories.entry("recent-b", shutdown=date(2025, 6, 1), announced=None)
    html = client.get("/").content.decode()
    past = html[html.index('id="past"'):]
    assert past.index("recent-a") < past.index("recent-b")
    assert "old-model" not in html
    assert "1 older retirement in the archive" in html
    assert "old-model" in client.get(reverse("deprecations:archive")).content.decode()


def _listed(html: str) -> set[str]:
    """The identifiers in the page's tables (not in its links or suggestions)."""
    return set(re.findall(r'<th scope="row">.*?<code>([^<]+)</code>', html))


def _section(html: str, css_class: str) -> str:
    start = html.index(f'class="{css_class}"')
    return html[start:html.index("</section>" if css_class == "subscribe" else "</form>", start)]


def test_home_filters_by_vendor_and_by_model_as_the_feeds_do(client):
    factories.entry()
    factories.entry("gpt-4o-2024-05-13", shutdown=date(2026, 3, 31), announced=None,
                    aliases=["gpt-4o-may"])
    factories.entry("claude-3-opus-20240229", vendor_slug="anthropic", shutdown=date(2026, 1, 5),
                    announced=None, aliases=["claude-3-opus-latest"])
    everything = {"chatgpt-4o-latest", "gpt-4o-2024-05-13", "claude-3-opus-20240229"}
    assert _listed(client.get("/").content.decode()) == everything
    assert _listed(client.get("/", {"vendor": "anthropic"}).content.decode()) == {
        "claude-3-opus-20240229"}
    # identifier, alias or family prefix, as in the calendar, Atom and API filters
    for model, found in [("gpt-4o", {"gpt-4o-2024-05-13"}),
                         ("GPT-4o-May", {"gpt-4o-2024-05-13"}),
                         ("claude-3-opus", {"claude-3-opus-20240229"}),
                         ("gpt-4o, claude-3-opus-latest",
                          {"gpt-4o-2024-05-13", "claude-3-opus-20240229"})]:
        assert _listed(client.get("/", {"model": model}).content.decode()) == found, model
    # ?q= is the older name of ?model= on pages: old links show the same, with the same feeds
    old, new = (client.get("/", query).content.decode()
                for query in ({"q": "gpt-4o"}, {"model": "gpt-4o"}))
    assert _listed(old) == _listed(new) == {"gpt-4o-2024-05-13"}
    assert _section(old, "subscribe") == _section(new, "subscribe")
    assert 'value="gpt-4o"' in _section(old, "filters")


def test_a_filter_that_matches_nothing_says_so_and_offers_close_names(client):
    factories.entry("claude-3-opus-20240229", vendor_slug="anthropic", shutdown=date(2026, 1, 5),
                    announced=None, aliases=["claude-3-opus-latest"])
    html = client.get("/", {"model": "opus-latest"}).content.decode()
    assert _listed(html) == set()
    assert "Nothing matches “opus-latest”." in html
    assert "Recent ones are listed below" not in html and 'id="past"' not in html
    assert ('Closest names: <a href="?model=claude-3-opus-latest"><code>claude-3-opus-latest'
            '</code></a>') in html
    html = client.get("/past/", {"model": "claude-3-opuss"}).content.decode()
    assert "Nothing matches “claude-3-opuss”." in html
    assert '<a href="?model=claude-3-opus-20240229">' in html


@pytest.mark.parametrize("path", ["/", "/past/"])
def test_an_unknown_vendor_is_a_404_page_that_names_it_as_the_feeds_answer(client, path):
    factories.entry()
    factories.vendor("anthropic", name="Anthropic")
    response = client.get(path, {"vendor": ["openai", "nosuch"]})
    assert response.status_code == 404
    html = response.content.decode()
    assert "No vendor is called nosuch in depcal. The vendors: " in html
    assert ('<a href="?vendor=anthropic"><code>anthropic</code></a>, '
            '<a href="?vendor=openai"><code>openai</code></a>.') in html
    assert client.get(path, {"vendor": "OpenAI"}).status_code == 200
    french = client.get(path, {"vendor": "nosuch"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert "Aucun fournisseur ne s'appelle nosuch dans depcal." in french.content.decode()


def test_no_upcoming_entry_points_below_only_when_something_is_below(client):
    factories.entry("gpt-4-0314", shutdown=date(2025, 12, 1), announced=None)
    factories.entry("claude-2", vendor_slug="anthropic", shutdown=None, announced=None,
                    deprecated_on=date(2025, 12, 1))
    html = client.get("/", {"vendor": "openai"}).content.decode()
    assert "No upcoming retirement matches. Recent ones are listed below." in html
    html = client.get("/", {"vendor": "anthropic"}).content.decode()
    assert "No upcoming retirement matches.</p>" in html and "listed below" not in html


def test_withdrawn_and_unpublished_entries_are_not_listed(client):
    changes.withdraw(factories.entry("withdrawn-one"))
    factories.entry("pending-one", published=False)
    html = client.get("/").content.decode()
    assert "withdrawn-one" not in html and "pending-one" not in html


def test_scraped_text_is_escaped(client):
    factories.entry("<script>alert(1)</script>", notes="<b>bold</b>")
    html = client.get("/").content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_entry_page_shows_dates_sources_history_and_other_platforms(client):
    e = factories.entry("claude-3-opus-20240229", vendor_slug="anthropic",
                        shutdown=date(2026, 1, 5), announced=date(2025, 6, 30), replacements=[],
                        citations=[{"url": "https://docs.anthropic.com/deprecations",
                                    "title": "Anthropic model deprecations"}])
    changes.move_date(e, "shutdown_on", date(2026, 1, 6), via="test")
    factories.entry("anthropic.claude-3-opus-20240229-v1:0", vendor_slug="aws-bedrock",
                    display_name="Claude 3 Opus", shutdown=date(2026, 1, 15), announced=None)
    html = client.get(e.get_absolute_url()).content.decode()
    assert "6 January 2026" in html and "Anthropic model deprecations" in html
    assert "moved from 5 Jan 2026 to 6 Jan 2026" in html
    assert "anthropic.claude-3-opus-20240229-v1:0" in html  # the same model on Bedrock


def test_unknown_entry_or_vendor_is_404(client):
    e = factories.entry()
    assert client.get(f"/vendors/anthropic/{e.pk}/").status_code == 404
    assert client.get("/vendors/anthropic/chatgpt-4o-latest/").status_code == 404
    assert client.get("/vendors/nobody/").status_code == 404


@pytest.mark.parametrize("url", ["/", "/past/", "/vendors/openai/"])
def test_queries_per_page_do_not_grow_with_rows(client, url):
    _many(6)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _many(60, start=date(2024, 1, 1), prefix="more")
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many]


def test_entry_page_queries_do_not_grow_with_history(client):
    e = factories.entry(aliases=["a1"])
    with CaptureQueriesContext(connection) as few:
        client.get(e.get_absolute_url())
    for day in range(1, 20):
        changes.move_date(e, "shutdown_on", date(2026, 3, day))
        changes.add_citation(e, url=f"https://example.com/{day}")
    with CaptureQueriesContext(connection) as many:
        client.get(e.get_absolute_url())
    assert len(many) == len(few)


def test_catalogue_version_changes_with_every_change_function():
    from deprecations.queries import catalogue_version

    e = factories.entry()
    versions = [catalogue_version()]
    changes.move_date(e, "shutdown_on", date(2026, 2, 16))
    versions.append(catalogue_version())
    changes.add_aliases(e.offering, ["chatgpt-4o"])
    versions.append(catalogue_version())
    changes.withdraw(e)
    versions.append(catalogue_version())
    assert len(set(versions)) == 4
    assert catalogue_version() == versions[-1]


def test_home_vendor_and_entry_pages_draw_the_timeline(client):
    e = factories.entry()
    changes.move_date(e, "shutdown_on", date(2026, 2, 18))
    html = client.get("/").content.decode()
    assert "<svg" in html and "chatgpt-4o-latest (Openai): shutdown 18 Feb 2026" in html
    assert 'class="tl-today"' in html
    assert "<svg" in client.get("/vendors/openai/").content.decode()
    html = client.get(e.get_absolute_url()).content.decode()
    assert "shutdown was 17 Feb 2026 until" in html
