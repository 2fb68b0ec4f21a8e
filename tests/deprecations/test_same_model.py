"""One model on several platforms: each platform's entry shows the others' dates side by side,
while calendars and alerts stay per platform."""

import re
from datetime import date

import pytest
from django.core.cache import cache
from icalendar import Calendar

from tests.deprecations import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pinned(settings):
    settings.DEPCAL_TODAY = "2026-11-28"
    settings.SITE_URL = "https://depcal.example"
    cache.clear()


@pytest.fixture
def platforms():
    factories.vendor("openai", name="OpenAI")
    factories.vendor("azure", name="Azure OpenAI")
    factories.vendor("anthropic", name="Anthropic")
    factories.vendor("aws-bedrock", name="Amazon Bedrock")

    def add(identifier, vendor, shutdown, **kw):
        return factories.entry(identifier, vendor_slug=vendor, shutdown=shutdown,
                               announced=None, replacements=kw.pop("replacements", ()), **kw)

    made = {
        "o3": add("o3-2025-04-16", "openai", date(2026, 12, 11), aliases=["o3"],
                  replacements=["gpt-5.6-sol"]),
        "azure-o3": add("o3", "azure", date(2026, 11, 19)),
        "opus": add("claude-opus-4-1-20250805", "anthropic", date(2026, 8, 5),
                    replacements=["claude-opus-4-8"]),
        "bedrock-opus": add("anthropic.claude-opus-4-1-20250805-v1:0", "aws-bedrock",
                            date(2027, 1, 8), display_name="Claude Opus 4.1"),
    }
    # Neighbours with names that start the same way: never the same model.
    add("o3-mini-2025-01-31", "openai", date(2026, 10, 23))
    add("o3-pro-2025-06-10", "openai", date(2026, 12, 11))
    add("o3-mini", "azure", date(2026, 11, 1))
    add("claude-opus-4-20250514", "anthropic", date(2026, 6, 15))
    add("anthropic.claude-opus-4-20250514-v1:0", "aws-bedrock", date(2026, 12, 1),
        display_name="Claude Opus 4")
    return made


def side_by_side(client, entry) -> list[tuple[str, str, str]]:
    """(platform, identifier, shutdown) of each row of the entry page's comparison table."""
    html = client.get(entry.get_absolute_url()).content.decode()
    table = html[html.index('<table class="elsewhere"'):]
    table = table[:table.index("</table>")]
    rows = re.findall(r"<tr[^>]*>\s*<th scope=\"row\">(.*?)</th>\s*<td>(.*?)</td>\s*"
                      r"<td>(.*?)</td>", table, re.S)
    return [tuple(re.sub(r"<[^>]+>", "", cell).strip() for cell in row) for row in rows]


def test_o3_at_openai_and_on_azure(client, platforms):
    assert side_by_side(client, platforms["o3"]) == [
        ("OpenAI (this page)", "o3-2025-04-16", "11 December 2026"),
        ("Azure OpenAI", "o3", "19 November 2026"),
    ]
    assert side_by_side(client, platforms["azure-o3"]) == [
        ("Azure OpenAI (this page)", "o3", "19 November 2026"),
        ("OpenAI", "o3-2025-04-16", "11 December 2026"),
    ]


def test_claude_opus_4_1_at_anthropic_and_on_bedrock(client, platforms):
    assert side_by_side(client, platforms["opus"]) == [
        ("Anthropic (this page)", "claude-opus-4-1-20250805", "5 August 2026"),
        ("Amazon Bedrock", "anthropic.claude-opus-4-1-20250805-v1:0", "8 January 2027"),
    ]
    assert side_by_side(client, platforms["bedrock-opus"]) == [
        ("Amazon Bedrock (this page)", "anthropic.claude-opus-4-1-20250805-v1:0",
         "8 January 2027"),
        ("Anthropic", "claude-opus-4-1-20250805", "5 August 2026"),
    ]


def test_the_other_platforms_rows_link_to_their_entries(client, platforms):
    html = client.get(platforms["opus"].get_absolute_url()).content.decode()
    assert 'href="/vendors/aws-bedrock/anthropic.claude-opus-4-1-20250805-v1:0/"' in html
    assert 'aria-current="page"' in html


def test_a_model_on_one_platform_only_has_no_comparison(client, platforms):
    lone = factories.entry("text-embedding-ada-002", announced=None)
    assert '<table class="elsewhere"' not in client.get(lone.get_absolute_url()).content.decode()


def test_the_entry_pages_calendar_is_this_platform_only(client, platforms):
    html = client.get(platforms["azure-o3"].get_absolute_url()).content.decode()
    feed = re.search(r'id="subscribe-url"[^>]*value="([^"]+)"', html).group(1)
    assert feed == "https://depcal.example/calendar.ics?vendor=azure&amp;model=o3"
    body = client.get("/calendar.ics?vendor=azure&model=o3").content
    events = [(str(e["SUMMARY"]), e.decoded("DTSTART"))
              for e in Calendar.from_ical(body).walk("VEVENT")]
    assert ("o3 shutdown (Azure OpenAI)", date(2026, 11, 19)) in events
    assert not any("OpenAI)" in summary and "Azure" not in summary for summary, _ in events)


def test_alerts_stay_per_platform(platforms):
    """Someone following o3 is told about each platform's date on its own day."""
    from notifier import alerts
    from tests.notifier.test_alerts import subscriber

    subscriber(models=["o3"], lead_times=[30])
    due = {day: [(identifier, lead) for _, kind, identifier, lead in
                 alerts.due_rows(day, replay=True)
                 if kind == "alert" and identifier in ("o3", "o3-2025-04-16")]
           for day in (date(2026, 10, 20), date(2026, 11, 11))}
    assert due == {date(2026, 10, 20): [("o3", 30)],
                   date(2026, 11, 11): [("o3-2025-04-16", 30)]}
