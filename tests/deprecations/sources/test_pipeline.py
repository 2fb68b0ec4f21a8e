"""The whole collection path with real parts: a loopback HTTP server serving the real vendor
documents, a real Celery worker on the test broker, the beat task that fans out fetches."""

import json
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from deprecations import tasks
from deprecations.models import FetchRun, Notice, Retirement, Source, Vendor
from tests.httpserver import Document, LoopbackServer
from tests.worker import CeleryWorker, wait_for

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sources"
DOCUMENTS = {  # slug: (fixture path, vendor slug, parser, authority)
    "openai-deprecations": ("openai/deprecations_2025-11-13.html", "openai", "openai",
                            "primary"),
    "bedrock-lifecycle": ("aws/bedrock_model_lifecycle_2025-11-13.html", "aws-bedrock",
                          "bedrock", "primary"),
    "gemini-changelog": ("google/gemini_api_release_notes_2025-11-13.html", "google-gemini",
                         "gemini-release-notes", "changelog"),
    "cohere-deprecations": ("cohere/deprecations.mdx", "cohere", "cohere", "primary"),
    "deprecations-info": ("aggregator/deprecations_info_feed_2025-11-23.xml", None, "feed",
                          "secondary"),
}
VENDORS = {"openai": "OpenAI", "aws-bedrock": "Amazon Bedrock",
           "google-gemini": "Google Gemini API", "cohere": "Cohere"}


def expected(path):
    return json.loads((FIXTURES / path.replace(Path(path).suffix, ".expected.json")).read_text())


@pytest.fixture
def server():
    with LoopbackServer() as s:
        for slug, (path, *_rest) in DOCUMENTS.items():
            s.routes[f"/{slug}"] = Document((FIXTURES / path).read_bytes())
        yield s


def make_sources(server):
    for slug, name in VENDORS.items():
        Vendor.objects.create(slug=slug, name=name)
    for slug, (_path, vendor, parser, authority) in DOCUMENTS.items():
        Source.objects.create(slug=slug, name=slug, url=server.url(f"/{slug}"), parser=parser,
                              authority=authority, vendor_id=vendor and Vendor.objects.get(
                                  slug=vendor).pk)


def run_cycle(n_runs_before):
    Source.objects.update(next_fetch_at=None)  # all due now
    tasks.fetch_all.delay()  # what beat sends
    wait_for(lambda: FetchRun.objects.count() >= n_runs_before + len(DOCUMENTS), timeout=120,
             what="a fetch run per source")
    return list(FetchRun.objects.order_by("-started_at")[:len(DOCUMENTS)])


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_a_cycle_lands_the_entries_a_second_costs_304s_and_an_outage_loses_nothing(
        server, settings):
    make_sources(server)
    env = {"DEPCAL_FETCH_ALLOW_PRIVATE": "true", "DEPCAL_TODAY": "2025-11-20",
           "DEPCAL_FETCH_RETRIES": "1"}
    with CeleryWorker(queues="default,fetch", extra_env=env) as worker:
        runs = run_cycle(0)
        assert {r.status for r in runs} == {"ok"}, worker.output()[-3000:]
        # Every row of OpenAI's own page is a published entry, with its standing date, or an
        # alias of one ("gpt-4-0125-preview (including gpt-4-turbo-preview ...)").
        entries = Retirement.objects.filter(offering__vendor__slug="openai", published=True)
        openai = {(e.offering.identifier, e.shutdown_on) for e in entries.select_related(
            "offering")}
        aliases = set(entries.values_list("offering__aliases__name", flat=True))
        rows = {r["model"] for r in expected(DOCUMENTS["openai-deprecations"][0])}
        assert rows <= {identifier for identifier, _ in openai} | aliases
        assert {"gpt-4-turbo-preview", "gpt-4-turbo-preview-completions"} <= aliases
        assert ("gpt-4-0314", date(2026, 3, 26)) in openai
        # The changelog and the tracker wait in the review queue; nothing of theirs is public.
        assert not Retirement.objects.filter(offering__vendor__slug="google-gemini").exists()
        assert Notice.objects.filter(source__slug="deprecations-info",
                                     identifier="chatgpt-4o-latest", review="pending").exists()
        snapshot = sorted(Retirement.objects.values_list("pk", "revision", "shutdown_on"))

        runs = run_cycle(len(DOCUMENTS))
        assert {(r.status, r.http_status) for r in runs} == {("not_modified", 304)}

        server.stop()  # the network goes away mid-life
        runs = run_cycle(2 * len(DOCUMENTS))
        assert {r.status for r in runs} == {"unreachable"}
        assert sorted(Retirement.objects.values_list("pk", "revision", "shutdown_on")) == \
            snapshot
        assert all(s.next_fetch_at > timezone.now() for s in Source.objects.all())


@pytest.mark.django_db
def test_fetch_sources_command_prints_a_summary_table(server, settings, capsys):
    settings.DEPCAL_FETCH_ALLOW_PRIVATE = True
    settings.DEPCAL_TODAY = "2025-11-20"
    make_sources(server)
    call_command("fetch_sources", source="openai-deprecations", dry_run=True)
    out = capsys.readouterr().out
    assert "openai-deprecations" in out and "200" in out and "dry run" in out
    assert not Retirement.objects.exists()
    call_command("fetch_sources", source="openai-deprecations")
    assert Retirement.objects.filter(offering__vendor__slug="openai").count() > 60
