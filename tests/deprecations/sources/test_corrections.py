"""The corrections file: a vendor's slips fixed, and notices the parsers cannot read added,
each through the change functions with its reason and citation."""

from datetime import date

import pytest

from deprecations.models import Change, Retirement
from deprecations.sources import build
from tests.deprecations import factories

CITATION = {"url": "https://developers.openai.com/api/docs/deprecations",
            "title": "OpenAI API deprecations"}


def added(**overrides):
    return {"vendor": "openai", "identifier": "self-serve fine-tuning",
            "new": {"kind": "feature"},
            "set": {"announced": "2026-05-07", "shutdown": "2027-01-06"},
            "reason": "\"Jan 6, 2027: Active existing customers will no longer be able to "
                      "create new fine-tuning jobs\"", "citation": CITATION, **overrides}


@pytest.mark.django_db
def test_a_notice_no_parser_reads_is_added_with_its_reason_and_citation():
    factories.vendor("openai")
    report = build.Report()
    build.apply_corrections([added()], report=report)
    entry = Retirement.objects.get(offering__identifier="self-serve fine-tuning")
    assert (entry.offering.kind, entry.announced_on, entry.shutdown_on) == (
        "feature", date(2026, 5, 7), date(2027, 1, 6))
    assert entry.notes.startswith("Added: ") and entry.published
    assert [c.url for c in entry.citations.all()] == [CITATION["url"]]
    assert Change.objects.filter(retirement=entry, kind=Change.Kind.CREATED).count() == 1
    assert report.corrected == [f"openai/self-serve fine-tuning: {added()['reason']}"]


@pytest.mark.django_db
def test_an_entry_the_build_already_has_is_corrected_not_added_again():
    factories.entry("self-serve fine-tuning", shutdown=date(2026, 7, 2))
    build.apply_corrections([added()], report=build.Report())
    entry = Retirement.objects.get(offering__identifier="self-serve fine-tuning")
    assert entry.shutdown_on == date(2027, 1, 6)
    assert entry.notes.startswith("Corrected: ")


@pytest.mark.django_db
def test_a_correction_for_a_missing_entry_stops_the_build():
    factories.vendor("openai")
    fix = added()
    del fix["new"]
    with pytest.raises(ValueError, match="not there: openai/self-serve fine-tuning"):
        build.apply_corrections([fix], report=build.Report())
