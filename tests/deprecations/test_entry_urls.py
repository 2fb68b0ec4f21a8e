"""Entry addresses: readable, the same on every install, and every link goes through them."""

from datetime import UTC, date, datetime
from io import StringIO
from urllib.parse import unquote

import feedparser
import pytest
from django.core.management import call_command
from django.urls import resolve
from icalendar import Calendar

from deprecations import changes
from tests.deprecations import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site(settings):
    factories.pin_site(settings, "2026-01-18")


def test_an_entry_lives_at_its_vendor_and_identifier(client):
    e = factories.entry()
    assert e.get_absolute_url() == "/vendors/openai/chatgpt-4o-latest/"
    response = client.get("/vendors/openai/chatgpt-4o-latest/")
    assert response.status_code == 200
    assert response.context["entry"].pk == e.pk


@pytest.mark.parametrize("vendor, identifier, path", [
    ("aws-bedrock", "anthropic.claude-3-opus-20240229-v1:0",
     "/vendors/aws-bedrock/anthropic.claude-3-opus-20240229-v1:0/"),
    ("google-vertex", "claude-3-5-sonnet@20240620",
     "/vendors/google-vertex/claude-3-5-sonnet@20240620/"),
    ("google-gemini", "models/gemini-1.0-pro-001",
     "/vendors/google-gemini/models/gemini-1.0-pro-001/"),
    ("fireworks", "accounts/fireworks/models/llama-v3p1-405b-instruct",
     "/vendors/fireworks/accounts/fireworks/models/llama-v3p1-405b-instruct/"),
    ("ollama", "odd name?#%", "/vendors/ollama/odd%20name%3F%23%25/"),
])
def test_identifiers_with_dots_colons_at_signs_and_slashes_round_trip(client, vendor, identifier,
                                                                      path):
    e = factories.entry(identifier, vendor_slug=vendor, announced=None)
    assert e.get_absolute_url() == path
    # The server hands Django the path percent-decoded.
    assert resolve(unquote(path)).kwargs == {"slug": vendor, "identifier": identifier}
    response = client.get(path)
    assert response.status_code == 200
    assert response.context["entry"].pk == e.pk


def test_old_numeric_addresses_redirect_permanently(client):
    e = factories.entry()
    response = client.get(f"/vendors/openai/{e.pk}/")
    assert response.status_code == 301
    assert response["Location"] == "/vendors/openai/chatgpt-4o-latest/"


def test_an_identifier_made_of_digits_is_the_entry_not_an_old_id(client):
    first = factories.entry()
    digits = factories.entry(str(first.pk), announced=None)
    response = client.get(f"/vendors/openai/{first.pk}/")
    assert response.status_code == 200 and response.context["entry"].pk == digits.pk


def test_an_alias_or_another_letter_case_redirects_for_now(client):
    factories.entry(aliases=["chatgpt-4o"])
    for path in ("/vendors/openai/chatgpt-4o/", "/vendors/openai/ChatGPT-4o-Latest/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == "/vendors/openai/chatgpt-4o-latest/"


def test_a_missing_slash_is_added(client):
    factories.entry("anthropic.claude-3-opus-20240229-v1:0", vendor_slug="aws-bedrock")
    response = client.get("/vendors/aws-bedrock/anthropic.claude-3-opus-20240229-v1:0")
    assert response.status_code == 301
    assert response["Location"] == "/vendors/aws-bedrock/anthropic.claude-3-opus-20240229-v1:0/"


def test_no_such_entry_another_vendors_or_an_unpublished_one_is_404(client):
    e = factories.entry()
    factories.entry("pending-one", published=False)
    factories.entry("shared-alias-a", announced=None, aliases=["both"])
    factories.entry("shared-alias-b", announced=None, aliases=["both"])
    for path in ("/vendors/openai/nothing-here/", "/vendors/anthropic/chatgpt-4o-latest/",
                 f"/vendors/anthropic/{e.pk}/", "/vendors/openai/pending-one/",
                 "/vendors/openai/both/", "/vendors/openai/99999999999999999999/"):
        assert client.get(path).status_code == 404, path


def test_the_api_atom_and_calendar_link_to_the_readable_address(client):
    at = datetime(2026, 1, 10, tzinfo=UTC)
    factories.entry("anthropic.claude-3-opus-20240229-v1:0", vendor_slug="aws-bedrock",
                    shutdown=date(2026, 3, 1), announced=None, now=at)
    url = "https://depcal.example/vendors/aws-bedrock/anthropic.claude-3-opus-20240229-v1:0/"
    row = client.get("/api/v1/retirements").json()["results"][0]
    assert row["url"] == url
    assert client.get("/api/v1/changes").json()["results"][0]["retirement"]["url"] == url
    assert feedparser.parse(client.get("/changes.atom").content).entries[0].link == url
    event = Calendar.from_ical(client.get("/calendar.ics").content).walk("VEVENT")[0]
    assert str(event["URL"]) == url
    assert f"Details: {url}" in str(event["DESCRIPTION"])


def test_pages_link_to_the_readable_address(client):
    e = factories.entry("claude-3-opus-20240229", vendor_slug="anthropic",
                        shutdown=date(2026, 3, 1), announced=None)
    changes.move_date(e, "shutdown_on", date(2026, 3, 2), via="test")
    link = 'href="/vendors/anthropic/claude-3-opus-20240229/"'
    for path in ("/", "/vendors/anthropic/"):
        assert link in client.get(path).content.decode(), path


def test_emails_link_to_the_readable_address(mailoutbox):
    from tests.notifier.test_alerts import subscriber

    factories.entry("anthropic.claude-3-opus-20240229-v1:0", vendor_slug="aws-bedrock",
                    shutdown=date(2026, 2, 17), announced=None)
    subscriber(lead_times=[30])
    call_command("send_alerts", "--today", "2026-01-18", stdout=StringIO())
    [message] = mailoutbox
    assert ("https://depcal.example/vendors/aws-bedrock/anthropic.claude-3-opus-20240229-v1:0/"
            in message.body)
