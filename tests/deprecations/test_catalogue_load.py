"""Loading the shipped catalogue: complete, idempotent, and respectful of curators."""

import copy
from datetime import date

import pytest
from django.core.management import call_command

from deprecations import changes, shipped
from deprecations.models import Change, Retirement, Source

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 25)


@pytest.fixture(scope="module")
def data():
    return shipped.read()


def test_the_shipped_catalogue_loads_with_chatgpt_4o_latest(data):
    report = shipped.load(data, today=TODAY)
    assert report.created == len(data["entries"]) > 150
    e = Retirement.objects.get(offering__identifier="chatgpt-4o-latest",
                                offering__vendor__slug="openai")
    assert (e.shutdown_on, e.replacements, e.status) == (
        date(2026, 2, 17), ["gpt-5.1-chat-latest"], "retired")
    assert e.citations.exists()
    vendors = set(Retirement.objects.values_list("offering__vendor__slug", flat=True))
    assert {"openai", "anthropic", "google-gemini", "google-vertex", "aws-bedrock", "azure",
            "cohere"} <= vendors


def test_loading_twice_changes_nothing(data):
    shipped.load(data, today=TODAY)
    before = (Change.objects.count(), sorted(Retirement.objects.values_list("pk", "revision")))
    report = shipped.load(data, today=TODAY)
    assert (report.created, report.moved, report.unchanged) == (0, 0, len(data["entries"]))
    assert before == (Change.objects.count(),
                      sorted(Retirement.objects.values_list("pk", "revision")))


def test_a_newer_file_moves_dates_with_history_but_a_curated_entry_wins(data):
    shipped.load(data, today=TODAY)
    newer = copy.deepcopy(data)
    by_id = {row["identifier"]: row for row in newer["entries"]}
    by_id["chatgpt-4o-latest"]["shutdown"] = "2026-03-17"
    by_id["gpt-4-0314"]["shutdown"] = "2026-04-26"
    curated = Retirement.objects.get(offering__identifier="gpt-4-0314")
    changes.move_date(curated, "deprecated_on", curated.deprecated_on, via="admin")
    Retirement.objects.filter(pk=curated.pk).update(curated=True)
    report = shipped.load(newer, today=TODAY)
    assert report.moved == 1 and report.kept_curated == ["openai/gpt-4-0314"]
    moved = Retirement.objects.get(offering__identifier="chatgpt-4o-latest")
    assert moved.shutdown_on == date(2026, 3, 17)
    assert moved.changes.filter(kind="moved", via="catalogue file").exists()
    assert Retirement.objects.get(pk=curated.pk).shutdown_on == date(2026, 3, 26)


def test_the_command_loads_the_catalogue_and_the_sources_once(capsys):
    call_command("load_catalogue", today=TODAY)
    call_command("load_catalogue", today=TODAY)
    out = capsys.readouterr().out
    assert "0 created, 0 updated" in out
    assert Source.objects.filter(slug="openai-deprecations").exists()
    assert Source.objects.count() == len(shipped.read(shipped.SOURCES_PATH))


def test_every_shipped_source_names_a_registered_parser_or_none():
    from deprecations.sources import parsers

    for row in shipped.read(shipped.SOURCES_PATH):
        assert row["parser"] == "" or row["parser"] in parsers.names(), row["slug"]


SHIPPED_IN_2025 = {  # how the OpenAI source shipped before its page moved
    "slug": "openai-deprecations", "name": "OpenAI API deprecations",
    "url": "https://platform.openai.com/docs/deprecations", "parser": "openai",
    "authority": "primary"}


def _shipped(slug):
    return next(r for r in shipped.read(shipped.SOURCES_PATH) if r["slug"] == slug)


def test_a_source_whose_page_moved_is_updated_not_kept_beside_the_new_one(data):
    shipped.load(data, today=TODAY)
    Source.objects.create(**SHIPPED_IN_2025, etag='"old"', last_row_count=78)
    report = shipped.load_sources(shipped.read(shipped.SOURCES_PATH))
    source = Source.objects.get(slug="openai-deprecations")
    row = _shipped("openai-deprecations")
    assert (source.url, source.page_url, source.parser) == (row["url"], row["page_url"], "")
    assert source.url == "https://developers.openai.com/api/docs/deprecations.md"
    # a new document: the old page's validators and row count say nothing about it
    assert (source.etag, source.last_row_count) == ("", None)
    assert report.updated == 1 and report.kept_edited == []
    assert Source.objects.filter(url__contains="platform.openai.com").count() == 0
    again = shipped.load_sources(shipped.read(shipped.SOURCES_PATH))
    assert (again.created, again.updated) == (0, 0)


def test_what_an_admin_edited_is_kept_and_reported(data):
    shipped.load(data, today=TODAY)
    mirror = "https://mirror.example.org/openai-deprecations.md"
    Source.objects.create(**{**SHIPPED_IN_2025, "url": mirror})  # the admin's own choice
    report = shipped.load_sources(shipped.read(shipped.SOURCES_PATH))
    source = Source.objects.get(slug="openai-deprecations")
    assert source.url == mirror
    assert source.parser == ""  # the parser was still as shipped: it follows the file
    assert report.kept_edited == ["openai-deprecations: url"]


def test_the_command_reports_kept_edits(data, capsys):
    Source.objects.create(**{**SHIPPED_IN_2025, "name": "Our OpenAI source"})
    call_command("load_catalogue", today=TODAY)
    out = capsys.readouterr().out
    assert "kept source setting edited in the admin: openai-deprecations: name" in out
    assert Source.objects.get(slug="openai-deprecations").name == "Our OpenAI source"


def test_every_platform_has_a_source_with_a_public_url():
    rows = shipped.read(shipped.SOURCES_PATH)
    vendors = {v["slug"] for v in shipped.read(shipped.DATA_DIR / "vendors.json")}
    assert {r["vendor"] for r in rows if r["vendor"]} == vendors
    assert len(vendors) == 20
    for row in rows:
        assert row["url"].startswith("https://"), row["slug"]
        assert row["authority"] in ("primary", "changelog", "secondary")
        for name, old in row.get("previously", {}).items():
            assert row[name] not in old, (row["slug"], name)  # history, not the current value
