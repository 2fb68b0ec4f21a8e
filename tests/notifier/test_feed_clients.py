"""The feed as real clients read it: ical.js (Thunderbird's parser) and node-ical.

``tests/notifier/js`` pins both (package.json + package-lock.json); the first test of a run
installs them with ``npm ci`` when node_modules is missing. Without ``node`` on PATH these
tests are skipped, except under CI=true, where that is a failure.
"""

import json
import os
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
import vobject

from deprecations import changes, shipped
from deprecations.models import Retirement
from notifier import calendars
from notifier.calendars import FeedFilter
from tests.deprecations import factories

JS_DIR = Path(__file__).resolve().parent / "js"
PARSERS = ("ical.js", "node-ical")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
pytestmark = pytest.mark.slow  # node and npm processes


@pytest.fixture(scope="session")
def node() -> str:
    """The node binary, with the pinned parsers installed next to parse.mjs."""
    found = shutil.which("node")
    if not found:
        message = ("node is not on PATH: these tests read the feed with ical.js and node-ical "
                   "(install Node.js 20+, e.g. apt-get install nodejs npm)")
        if IN_CI:
            pytest.fail("CI=true: " + message)
        pytest.skip(message)
    if not (JS_DIR / "node_modules" / "ical.js").is_dir() or not (
            JS_DIR / "node_modules" / "node-ical").is_dir():
        npm = shutil.which("npm")
        if not npm:
            pytest.fail("node is installed but npm is not: cannot install tests/notifier/js")
        result = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=JS_DIR,
                                capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            pytest.fail(f"npm ci in {JS_DIR} failed:\n{result.stdout}\n{result.stderr}")
    return found


def read_with_clients(node: str, body: bytes, tmp_path: Path) -> dict[str, list[dict]]:
    path = tmp_path / "feed.ics"
    path.write_bytes(body)
    result = subprocess.run([node, str(JS_DIR / "parse.mjs"), str(path)], capture_output=True,
                            text=True, timeout=60, env={**os.environ, "TZ": "America/New_York"})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def expected_events(entries) -> list[dict]:
    """What the database says each event must be, in the parsers' terms."""
    def status(e):
        if e.status == Retirement.Status.WITHDRAWN:
            return "CANCELLED"
        return "TENTATIVE" if e.shutdown_tentative else "CONFIRMED"

    def summary(e):
        qualifier = ", not before this day" if e.shutdown_tentative else ""
        return f"{e.offering.identifier} shutdown{qualifier} ({e.offering.vendor.name})"

    return sorted(({
        "uid": e.uid,
        "summary": summary(e),
        "start": e.shutdown_on.isoformat(),
        "end": (e.shutdown_on + timedelta(days=1)).isoformat(),
        "status": status(e),
        "sequence": e.revision,
    } for e in entries), key=lambda row: row["uid"])


@pytest.fixture
def catalogue():
    factories.entry(citations=[{"url": "https://platform.openai.com/docs/deprecations",
                                "title": "OpenAI: deprecations; models, dates"}])
    factories.entry("claude-2.1", vendor_slug="anthropic", shutdown=date(2026, 7, 1),
                    announced=None, shutdown_precision="month", replacements=())
    factories.entry("gpt-4-0314", shutdown=date(2024, 6, 13), announced=None)
    # "Not sooner than" dates: tentative events, one of them month-only.
    factories.entry("gemini-2.0-flash", vendor_slug="google", shutdown=date(2027, 2, 5),
                    announced=None, shutdown_tentative=True)
    factories.entry("claude-3-haiku", vendor_slug="anthropic", shutdown=date(2026, 9, 1),
                    announced=None, shutdown_precision="month", shutdown_tentative=True)
    # Month and year ends, a leap day: the dates where off-by-one bugs live.
    factories.entry("year-end", shutdown=date(2025, 12, 31), announced=None)
    factories.entry("leap-day", vendor_slug="google", shutdown=date(2028, 2, 29), announced=None)
    moved = factories.entry("moved-model", shutdown=date(2026, 3, 31), announced=None)
    changes.move_date(moved, "shutdown_on", date(2026, 4, 30), via="test")
    withdrawn = factories.entry("withdrawn-model", shutdown=date(2026, 3, 1), announced=None)
    changes.withdraw(withdrawn, via="test")
    factories.entry("odd;name,with\\ü✓", vendor_slug="tricky", shutdown=date(2026, 5, 1),
                    announced=None, notes="Long notes ✓ " * 40)
    for i in range(40):
        factories.entry(f"bulk-{i:02d}", vendor_slug=("openai", "cohere")[i % 2],
                        shutdown=date(2025, 1, 1) + timedelta(days=23 * i), announced=None)


@pytest.mark.django_db
@pytest.mark.parametrize("feed_filter", [FeedFilter(), FeedFilter(alarms=(30, 7, 0)),
                                         FeedFilter(upcoming=True, vendors=("openai",))],
                         ids=["full", "alarms", "upcoming-openai"])
def test_every_client_parser_reads_what_the_database_holds(node, catalogue, tmp_path,
                                                            feed_filter):
    today = date(2026, 1, 18)
    body = calendars.render(feed_filter, today=today, name="depcal: clients ✓; test",
                            description="For ical.js, node-ical", url="https://x.example/c.ics")
    seen = read_with_clients(node, body, tmp_path)
    expected = expected_events(calendars.feed_retirements(feed_filter, today=today))
    assert len(expected) > 5
    if not feed_filter.vendors:
        assert sum(e["status"] == "TENTATIVE" for e in expected) == 2
    for parser in PARSERS:
        events = sorted(seen[parser], key=lambda row: row["uid"])
        assert len(events) == len(expected), parser  # node-ical merges duplicate UIDs
        assert events == expected, parser


@pytest.mark.django_db
def test_a_moved_date_reaches_the_clients_as_a_newer_sequence(node, tmp_path):
    entry = factories.entry()
    url = "https://x.example/c.ics"

    def seen():
        body = calendars.render(FeedFilter(), today=date(2026, 1, 18), name="n",
                                description="d", url=url)
        return read_with_clients(node, body, tmp_path)

    before = seen()
    changes.move_date(entry, "shutdown_on", date(2026, 2, 28), via="test")
    after = seen()
    for parser in PARSERS:
        (old,), (new,) = before[parser], after[parser]
        assert new["uid"] == old["uid"]
        assert new["sequence"] > old["sequence"]
        assert (new["start"], new["end"]) == ("2026-02-28", "2026-03-01")


@pytest.mark.django_db
def test_the_shipped_catalogue_reads_the_same_in_every_client(node, tmp_path):
    """The real data, with its real notes, sources and month-only dates."""
    if not shipped.DEFAULT_PATH.exists():
        pytest.skip(f"no shipped catalogue at {shipped.DEFAULT_PATH}")
    today = date(2026, 1, 18)
    shipped.load(shipped.read(), today=today)
    body = calendars.render(FeedFilter(alarms=(30, 7)), today=today, name="depcal",
                            description="all", url="https://x.example/calendar.ics")
    strict = vobject.readOne(body.decode(), validate=True)
    expected = expected_events(calendars.feed_retirements(FeedFilter(), today=today))
    assert len(strict.vevent_list) == len(expected) > 100
    seen = read_with_clients(node, body, tmp_path)
    for parser in PARSERS:
        assert sorted(seen[parser], key=lambda row: row["uid"]) == expected, parser
