"""Loading the shipped file again (every ``make run``) never undoes a date set since by a
collector, a review or a curator; it still corrects the dates that came from the file."""

import copy
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse

from deprecations import shipped
from deprecations.models import Change, Notice, Retirement, Source, Vendor
from deprecations.sources import reconcile
from deprecations.sources.records import Record

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 28)

FILE = {
    "as_of": "2026-09-30",
    "vendors": [{"slug": "openai", "name": "OpenAI"}],
    "entries": [
        {"vendor": "openai", "identifier": "gpt-5-2025-08-07", "announced": "2026-06-11",
         "shutdown": "2026-12-11", "replacements": ["gpt-5.6-sol"],
         "sources": [{"url": "https://developers.openai.com/api/docs/deprecations",
                      "retrieved_on": "2026-09-30"}]},
        {"vendor": "openai", "identifier": "o3", "announced": "2026-06-11",
         "shutdown": "2026-12-11"},
    ],
}


def _entry(identifier="gpt-5-2025-08-07"):
    return Retirement.objects.get(offering__identifier=identifier)


def _file(**shutdowns):
    newer = copy.deepcopy(FILE)
    for row in newer["entries"]:
        row["shutdown"] = shutdowns.get(row["identifier"].replace("-", "_"), row["shutdown"])
    return newer


def _vendor_page():
    return Source.objects.create(slug="openai-deprecations", name="OpenAI deprecations",
                                 url="https://developers.openai.com/api/docs/deprecations.md",
                                 vendor=Vendor.objects.get(slug="openai"))


def _record(shutdown, **kw):
    return Record(vendor="OpenAI", model="gpt-5-2025-08-07", announced=date(2026, 6, 11),
                  shutdown=shutdown, source_text="gpt-5-2025-08-07 row", **kw)


def test_a_date_a_collector_moved_survives_the_next_load():
    shipped.load(FILE, today=TODAY)
    reconcile.reconcile(_vendor_page(), [_record(date(2027, 1, 15))], today=TODAY)
    assert _entry().shutdown_on == date(2027, 1, 15)
    report = shipped.load(FILE, today=TODAY)
    assert _entry().shutdown_on == date(2027, 1, 15)
    assert report.kept_set_elsewhere == [
        "openai/gpt-5-2025-08-07: shutdown_on (set by source:openai-deprecations)"]
    assert report.moved == 0
    last = _entry().changes.order_by("-id").first()
    assert (last.via, last.new_date) == ("source:openai-deprecations", date(2027, 1, 15))


def test_a_tentative_qualifier_a_collector_set_survives_the_next_load():
    shipped.load(FILE, today=TODAY)
    reconcile.reconcile(_vendor_page(), [_record(date(2026, 12, 11), tentative=True)],
                        today=TODAY)
    shipped.load(FILE, today=TODAY)
    assert _entry().shutdown_tentative is True


def test_a_date_approved_in_review_survives_the_next_load(admin_user):
    shipped.load(FILE, today=TODAY)
    tracker = Source.objects.create(slug="tracker", name="A tracker", url="https://t.example/",
                                    authority=Source.Authority.SECONDARY)
    reconcile.reconcile(tracker, [_record(date(2027, 2, 1))], today=TODAY)
    notice = Notice.objects.get(identifier="gpt-5-2025-08-07")
    assert _entry().shutdown_on == date(2026, 12, 11)  # a tracker waits for review
    reconcile.approve(notice, today=TODAY, by=admin_user)
    report = shipped.load(FILE, today=TODAY)
    assert _entry().shutdown_on == date(2027, 2, 1)
    assert report.kept_set_elsewhere == [
        f"openai/gpt-5-2025-08-07: shutdown_on (set by {admin_user.get_username()})"]


def test_a_date_a_curator_set_in_the_admin_survives_even_once_no_longer_marked_curated(
        admin_client):
    shipped.load(FILE, today=TODAY)
    e = _entry()
    url = reverse("admin:deprecations_retirement_change", args=[e.pk])
    admin_client.post(url, {
        "offering": e.offering_id, "announced_on": "2026-06-11", "deprecated_on": "",
        "shutdown_on": "2026-12-18", "shutdown_precision": "day", "replacements": "gpt-5.6-sol",
        "notes": "", "published": "on", "citations-TOTAL_FORMS": 0,
        "citations-INITIAL_FORMS": 0, "changes-TOTAL_FORMS": 0, "changes-INITIAL_FORMS": 0})
    assert _entry().shutdown_on == date(2026, 12, 18)
    Retirement.objects.filter(pk=e.pk).update(curated=False)
    shipped.load(FILE, today=TODAY)
    assert _entry().shutdown_on == date(2026, 12, 18)


def test_a_newer_file_still_corrects_the_dates_it_set_itself():
    shipped.load(FILE, today=TODAY)
    reconcile.reconcile(_vendor_page(), [_record(date(2027, 1, 15))], today=TODAY)
    report = shipped.load(_file(o3="2027-01-08", gpt_5_2025_08_07="2026-12-12"), today=TODAY)
    assert _entry("o3").shutdown_on == date(2027, 1, 8)  # the file's own date: corrected
    assert _entry().shutdown_on == date(2027, 1, 15)  # the collector's: kept
    assert report.moved == 1
    moved = _entry("o3").changes.get(kind=Change.Kind.MOVED)
    assert (moved.via, moved.old_date, moved.new_date) == (
        Change.VIA_CATALOGUE, date(2026, 12, 11), date(2027, 1, 8))


def test_the_command_says_which_dates_it_kept(capsys):
    shipped.load(FILE, today=TODAY)
    reconcile.reconcile(_vendor_page(), [_record(date(2027, 1, 15))], today=TODAY)
    call_command("load_catalogue", today=TODAY)
    out = capsys.readouterr().out
    assert ("kept a date set since the file: openai/gpt-5-2025-08-07: shutdown_on "
            "(set by source:openai-deprecations)") in out
