"""Real history: two copies of a vendor's page, a few weeks apart, replayed through the collector.

Three pages were copied twice in 2026 (OpenAI's deprecations, Gemini's deprecations, the Kimi
model list). A loopback server serves the older copy, the collector reads it as a fetched
page (the shipped source's parser and authority, detection where the parser is blank), then
the server serves the newer copy: the ``Change`` rows written by the second read are exactly
the differences between the two copies. Serving the older copy again changes nothing: a row
that is missing from a page is never a reason to withdraw or delete an entry.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from deprecations import shipped
from deprecations.models import Change, Retirement, Source, Vendor
from deprecations.sources import collect
from tests.httpserver import Document, LoopbackServer

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sources" / "2026"

PAGES = {  # shipped source -> (older copy, newer copy)
    "openai-deprecations": ("openai/deprecations_2026-08-22.md",
                            "openai/deprecations_2026-09-08.md"),
    "gemini-deprecations": ("google/gemini_deprecations_2026-08-22.md",
                            "google/gemini_deprecations_2026-09-05.md"),
    "moonshot-models": ("moonshot/models_2026-08-22.md", "moonshot/models_2026-09-01.md"),
}


@pytest.fixture
def server(settings):
    settings.DEPCAL_FETCH_ALLOW_PRIVATE = True
    settings.DEPCAL_FETCH_RETRIES = 1
    with LoopbackServer() as s:
        yield s


def shipped_source(server, slug: str) -> Source:
    """The source as ``sources.json`` ships it, at the loopback server's address."""
    row = next(r for r in shipped.read(shipped.SOURCES_PATH) if r["slug"] == slug)
    vendor = next(v for v in shipped.read(shipped.DATA_DIR / "vendors.json")
                  if v["slug"] == row["vendor"])
    return Source.objects.create(
        slug=slug, name=row["name"], url=server.url(f"/{slug}.md"), parser=row["parser"],
        authority=row["authority"], vendor=Vendor.objects.create(
            slug=vendor["slug"], name=vendor["name"]))


def serve(server, slug: str, path: str) -> None:
    server.routes[f"/{slug}.md"] = Document((FIXTURES / path).read_bytes(),
                                           content_type="text/markdown; charset=utf-8")


def read(source: Source, copied_on: str):
    day = date.fromisoformat(copied_on)
    run = collect.collect(source, today=day, now=datetime(day.year, day.month, day.day, 12,
                                                          tzinfo=UTC))
    assert run.status == "ok", run.error
    return run


def changes_since(pk: int) -> set[tuple]:
    return {(c.retirement.offering.vendor.slug, c.retirement.offering.identifier, c.kind,
             c.field, c.old_date, c.new_date, c.new_tentative, c.via)
            for c in Change.objects.filter(pk__gt=pk).select_related(
                "retirement__offering__vendor")}


def last_change() -> int:
    return Change.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def created(vendor, identifiers, shutdown, source, tentative=False):
    return {(vendor, i, "created", "shutdown_on", None, date.fromisoformat(shutdown), tentative,
             f"source:{source}") for i in identifiers}


def test_replaying_two_copies_of_each_page_writes_exactly_their_differences(server):
    sources = {slug: shipped_source(server, slug) for slug in PAGES}
    for slug, (older, _newer) in PAGES.items():
        serve(server, slug, older)
        read(sources[slug], older.rsplit("_", 1)[1][:10])
    before, entries_before = last_change(), Retirement.objects.count()
    assistants = Retirement.objects.get(offering__identifier="Assistants API")

    for slug, (_older, newer) in PAGES.items():
        serve(server, slug, newer)
        read(sources[slug], newer.rsplit("_", 1)[1][:10])

    assert changes_since(before) == (
        # "2026-08-26: Transcription models", new in the later copy
        created("openai", ["whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe",
                           "gpt-4o-transcribe-diarize"], "2027-02-26", "openai-deprecations")
        # a new "Gemini Omni Flash models" table; the page's dates are the earliest possible
        | created("google-gemini", ["gemini-omni-flash-preview"], "2026-09-30",
                  "gemini-deprecations", tentative=True)
        # the moonshot-v1 series' member that only the later copy lists (the older one gave
        # the series' sunset already, "on August 31" on a page dated by its May 25, 2026)
        | created("moonshot", ["moonshot-v1-auto"], "2026-08-31", "moonshot-models"))
    assert Retirement.objects.count() == entries_before + 6
    # the Assistants API moved to the past section of OpenAI's page: the same facts, no change
    moved = Retirement.objects.get(pk=assistants.pk)
    assert (moved.shutdown_on, moved.revision) == (date(2026, 8, 26), assistants.revision)


def test_a_row_missing_from_a_page_withdraws_and_deletes_nothing(server):
    sources = {slug: shipped_source(server, slug) for slug in PAGES}
    for slug, (older, newer) in PAGES.items():
        serve(server, slug, newer)
        read(sources[slug], newer.rsplit("_", 1)[1][:10])
        before = last_change()
        for path in (older, newer):  # the older copy, without the newer rows; then back
            serve(server, slug, path)
            read(sources[slug], "2026-11-28")
            assert changes_since(before) == set(), path
    assert not Change.objects.exclude(kind="created").exists()
    whisper = Retirement.objects.get(offering__identifier="whisper-1")
    assert (whisper.shutdown_on, whisper.status, whisper.published) == (
        date(2027, 2, 26), "scheduled", True)
