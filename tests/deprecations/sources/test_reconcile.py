"""Reconciling records into the catalogue: idempotent, review queue, conflicts, curated wins."""

from datetime import date

import pytest

from deprecations import changes
from deprecations.models import Change, Notice, Retirement, Source
from deprecations.sources import reconcile
from deprecations.sources.records import Record
from tests.deprecations import factories

pytestmark = pytest.mark.django_db
TODAY = date(2025, 11, 20)


def source(slug="openai-deprecations", authority=Source.Authority.PRIMARY, vendor="openai"):
    return Source.objects.create(
        slug=slug, name=slug, url=f"https://example.com/{slug}", authority=authority,
        vendor=factories.vendor(vendor, "OpenAI") if vendor else None)


def rec(model="chatgpt-4o-latest", shutdown=date(2026, 2, 17), **kw):
    kw.setdefault("vendor", "OpenAI")
    kw.setdefault("announced", date(2025, 11, 18))
    kw.setdefault("replacements", ("gpt-5.1-chat-latest",))
    return Record(model=model, shutdown=shutdown, source_text=f"{model} row", **kw)


def test_a_new_retirement_on_the_vendor_page_is_published_with_its_citation():
    s = source()
    counts = reconcile.reconcile(s, [rec(anchor="2025-11-18-chatgpt-4o-latest")], today=TODAY)
    assert (counts.new, counts.changed, counts.unchanged, counts.flagged) == (1, 0, 0, 0)
    e = Retirement.objects.get()
    assert (e.identifier, e.shutdown_on, e.replacements, e.published) == (
        "chatgpt-4o-latest", date(2026, 2, 17), ["gpt-5.1-chat-latest"], True)
    assert e.citations.get().url.endswith("#2025-11-18-chatgpt-4o-latest")
    assert e.changes.get().via == "source:openai-deprecations"


def test_the_same_document_twice_changes_nothing():
    s = source()
    reconcile.reconcile(s, [rec(), rec("gpt-4-0314", date(2026, 3, 26))], today=TODAY)
    before = (Notice.objects.count(), Change.objects.count(),
              list(Retirement.objects.values_list("revision", flat=True)))
    counts = reconcile.reconcile(s, [rec(), rec("gpt-4-0314", date(2026, 3, 26))], today=TODAY)
    assert (counts.new, counts.changed, counts.unchanged) == (0, 0, 2)
    assert before == (Notice.objects.count(), Change.objects.count(),
                      list(Retirement.objects.values_list("revision", flat=True)))


def test_a_date_moved_on_the_vendor_page_moves_the_entry_with_history():
    s = source()
    reconcile.reconcile(s, [rec()], today=TODAY)
    counts = reconcile.reconcile(s, [rec(shutdown=date(2026, 3, 17))], today=TODAY)
    assert counts.changed == 1
    e = Retirement.objects.get()
    assert (e.shutdown_on, e.revision) == (date(2026, 3, 17), 2)
    moved = e.changes.get(kind="moved")
    assert (moved.old_date, moved.new_date, moved.via) == (
        date(2026, 2, 17), date(2026, 3, 17), "source:openai-deprecations")


def test_a_curated_entry_is_never_overwritten_the_difference_is_flagged():
    e = factories.entry()
    Retirement.objects.filter(pk=e.pk).update(curated=True)
    counts = reconcile.reconcile(source(), [rec(shutdown=date(2026, 2, 16))], today=TODAY)
    assert counts.flagged == 1
    e.refresh_from_db()
    assert e.shutdown_on == date(2026, 2, 17) and e.revision == 1
    notice = Notice.objects.get()
    assert notice.review == Notice.Review.CONFLICT and notice.retirement == e
    assert "2026-02-16" in notice.review_note and "curated" in notice.review_note


def test_a_secondary_source_never_publishes_or_moves_by_itself():
    tracker = source("deprecations-info", Source.Authority.SECONDARY, vendor=None)
    factories.vendor("openai", "OpenAI")
    counts = reconcile.reconcile(tracker, [rec("codex-mini-latest", date(2026, 1, 16))],
                                 today=TODAY)
    assert counts.new == 1 and not Retirement.objects.exists()
    notice = Notice.objects.get()
    assert notice.review == Notice.Review.PENDING
    entry = reconcile.approve(notice, today=TODAY)
    assert (entry.identifier, entry.published, entry.vendor.slug) == (
        "codex-mini-latest", True, "openai")
    # A disagreeing date from the tracker is flagged, not applied.
    counts = reconcile.reconcile(tracker, [rec("codex-mini-latest", date(2026, 1, 20))],
                                 today=TODAY)
    assert counts.flagged == 1
    assert Retirement.objects.get().shutdown_on == date(2026, 1, 16)


def test_the_same_model_twice_in_one_document_keeps_both_facts_and_the_newest_stands():
    s = source()
    older = rec("gpt-4-0314", date(2024, 6, 13), announced=date(2023, 6, 13))
    newer = rec("gpt-4-0314", date(2026, 3, 26), announced=date(2025, 9, 26))
    reconcile.reconcile(s, [older, newer], today=TODAY)
    assert Retirement.objects.get().shutdown_on == date(2026, 3, 26)
    reviews = dict(Notice.objects.values_list("shutdown_on", "review"))
    assert reviews == {date(2026, 3, 26): "applied", date(2024, 6, 13): "superseded"}


def test_records_agreeing_with_the_catalogue_add_a_citation_only():
    e = factories.entry()
    counts = reconcile.reconcile(source("openai-mirror"), [rec()], today=TODAY)
    assert counts.unchanged == 1
    e.refresh_from_db()
    assert e.revision == 1 and e.citations.count() == 1


def test_a_later_copy_naming_the_replacement_fills_an_entry_that_had_none():
    # Kimi's page announced a sunset first, and named kimi-k3 as what to move to weeks later
    s = source()
    reconcile.reconcile(s, [rec(replacements=())], today=TODAY)
    counts = reconcile.reconcile(s, [rec(replacements=("kimi-k3",))], today=TODAY)
    assert (counts.changed, counts.flagged) == (0, 0)
    e = Retirement.objects.get()
    assert (e.replacements, e.revision, e.changes.count()) == (["kimi-k3"], 2, 1)
    # a replacement it has is not replaced by another copy's
    reconcile.reconcile(s, [rec(replacements=("other-model",))], today=TODAY)
    e.refresh_from_db()
    assert e.replacements == ["kimi-k3"]


def test_a_curated_entry_without_a_replacement_is_left_as_curated():
    e = factories.entry(replacements=[])
    Retirement.objects.filter(pk=e.pk).update(curated=True)
    reconcile.reconcile(source(), [rec(replacements=("kimi-k3",))], today=TODAY)
    e.refresh_from_db()
    assert e.replacements == []


def test_an_unknown_vendor_waits_for_review():
    tracker = source("deprecations-info", Source.Authority.SECONDARY, vendor=None)
    counts = reconcile.reconcile(tracker, [rec(vendor="Mistral")], today=TODAY)
    assert counts.flagged == 1
    assert "unknown vendor" in Notice.objects.get().review_note


def test_aliases_find_the_entry():
    e = factories.entry("gpt-4-0125-preview", shutdown=date(2026, 3, 26), announced=None,
                        aliases=["gpt-4-turbo-preview"])
    counts = reconcile.reconcile(source(), [rec("gpt-4-turbo-preview", date(2026, 3, 26),
                                                announced=None)], today=TODAY)
    assert counts.unchanged == 1 and Notice.objects.get().retirement == e


def test_reject_and_merge_from_the_review_queue():
    tracker = source("deprecations-info", Source.Authority.SECONDARY, vendor=None)
    e = factories.entry()
    reconcile.reconcile(tracker, [rec("chatgpt-4o", date(2026, 2, 17)),
                                  rec("not-a-model", date(2026, 5, 1))], today=TODAY)
    merged = Notice.objects.get(identifier="chatgpt-4o")
    reconcile.merge(merged, e)
    assert list(e.offering.aliases.values_list("name", flat=True)) == ["chatgpt-4o"]
    rejected = Notice.objects.get(identifier="not-a-model")
    reconcile.reject(rejected, note="not a retirement")
    rejected.refresh_from_db()
    assert rejected.review == "rejected" and Retirement.objects.count() == 1


def test_withdrawn_entries_are_not_resurrected_or_deleted_by_missing_rows():
    s = source()
    reconcile.reconcile(s, [rec(), rec("gpt-4-0314", date(2026, 3, 26))], today=TODAY)
    changes.withdraw(Retirement.objects.get(offering__identifier="gpt-4-0314"))
    reconcile.reconcile(s, [rec()], today=TODAY)  # the row disappeared from the page
    assert Retirement.objects.count() == 2
    assert Retirement.objects.get(offering__identifier="gpt-4-0314").status == "withdrawn"


def test_a_display_name_finds_the_entry_keyed_by_model_id():
    e = factories.entry("anthropic.claude-3-opus-20240229-v1:0", vendor_slug="aws-bedrock",
                        display_name="Claude 3 Opus", shutdown=date(2026, 1, 15), announced=None)
    bedrock = source("bedrock-lifecycle", vendor="aws-bedrock")
    counts = reconcile.reconcile(bedrock, [rec("Claude 3 Opus", date(2026, 1, 15),
                                               vendor="AWS Bedrock", announced=None)],
                                 today=TODAY)
    assert counts.unchanged == 1 and Notice.objects.get().retirement == e


def test_the_same_facts_twice_in_one_document_make_one_entry():
    ada = rec("ada", date(2024, 1, 4), announced=date(2023, 7, 6))
    counts = reconcile.reconcile(source(), [ada, ada], today=TODAY)
    assert counts.new == 1 and Retirement.objects.get().identifier == "ada"
    assert Notice.objects.count() == 1


def test_a_record_that_breaks_the_rules_is_flagged_and_the_rest_still_lands():
    bad = rec("backwards", date(2024, 1, 4), announced=date(2025, 1, 1))
    counts = reconcile.reconcile(source(), [bad, rec()], today=TODAY)
    assert (counts.new, counts.flagged) == (1, 1)
    assert Retirement.objects.get().identifier == "chatgpt-4o-latest"
    notice = Notice.objects.get(identifier="backwards")
    assert notice.review == "conflict" and "before the announcement" in notice.review_note


def test_a_date_moved_back_to_an_earlier_value_is_applied_again():
    s = source()
    reconcile.reconcile(s, [rec()], today=TODAY)  # A
    reconcile.reconcile(s, [rec(shutdown=date(2026, 3, 17))], today=TODAY)  # B
    counts = reconcile.reconcile(s, [rec()], today=TODAY)  # A again: its notice exists
    assert counts.changed == 1
    e = Retirement.objects.get()
    assert (e.shutdown_on, e.revision) == (date(2026, 2, 17), 3)
    counts = reconcile.reconcile(s, [rec()], today=TODAY)  # and once more: nothing
    assert (counts.changed, counts.unchanged) == (0, 1)


def test_a_tentative_date_is_published_as_tentative_and_a_confirmed_one_drops_the_qualifier():
    s = source()
    reconcile.reconcile(s, [rec(tentative=True)], today=TODAY)
    e = Retirement.objects.get()
    assert e.shutdown_tentative and Notice.objects.get().shutdown_tentative
    # The same day, now firm: a new notice (the fingerprint differs) that moves the qualifier.
    counts = reconcile.reconcile(s, [rec()], today=TODAY)
    assert counts.changed == 1
    e.refresh_from_db()
    assert not e.shutdown_tentative
    moved = e.changes.get(kind=Change.Kind.MOVED)
    assert (moved.old_tentative, moved.new_tentative) == (True, False)
