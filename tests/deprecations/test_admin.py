"""Curation in the admin: date edits go through the change function and record who did it."""

from datetime import date

import pytest
from django.urls import reverse

from deprecations.models import Change, Deprecation
from tests.deprecations import factories

pytestmark = pytest.mark.django_db


def _form(entry, **overrides):
    data = {
        "offering": entry.offering_id,
        "announced_on": entry.announced_on or "",
        "deprecated_on": entry.deprecated_on or "",
        "shutdown_on": entry.shutdown_on or "",
        "shutdown_precision": entry.shutdown_precision,
        "replacements": '["gpt-5.1-chat-latest"]',
        "notes": entry.notes,
        "published": "on",
        "citations-TOTAL_FORMS": 0, "citations-INITIAL_FORMS": 0,
        "changes-TOTAL_FORMS": 0, "changes-INITIAL_FORMS": 0,
    }
    data.update(overrides)
    return data


def test_editing_a_date_in_the_admin_records_the_curator_and_marks_the_entry_curated(admin_client):
    e = factories.entry()
    url = reverse("admin:deprecations_deprecation_change", args=[e.pk])
    response = admin_client.post(url, _form(e, shutdown_on="2026-02-16", notes="press said 16th"))
    assert response.status_code == 302, response.content.decode()[:2000]
    e.refresh_from_db()
    assert (e.shutdown_on, e.notes, e.curated, e.revision) == (
        date(2026, 2, 16), "press said 16th", True, 2)
    moved = e.changes.get(kind=Change.Kind.MOVED)
    assert (moved.old_date, moved.new_date, moved.who, moved.via) == (
        date(2026, 2, 17), date(2026, 2, 16), "admin", "admin")


def test_an_invalid_date_in_the_admin_is_a_form_error_and_saves_nothing(admin_client):
    e = factories.entry()
    url = reverse("admin:deprecations_deprecation_change", args=[e.pk])
    response = admin_client.post(url, _form(e, shutdown_on="2020-01-01"))
    assert response.status_code == 200
    assert "cannot be before the announcement" in response.content.decode()
    e.refresh_from_db()
    assert e.shutdown_on == date(2026, 2, 17) and e.revision == 1


def test_admin_list_searches_aliases_and_filters_by_shutdown_month(admin_client):
    factories.entry(aliases=["chatgpt-4o"])
    factories.entry("gpt-4-0314", shutdown=date(2026, 3, 26), announced=None)
    url = reverse("admin:deprecations_deprecation_changelist")
    html = admin_client.get(url, {"q": "chatgpt-4o"}).content.decode()
    assert "chatgpt-4o-latest" in html and "gpt-4-0314" not in html
    html = admin_client.get(url, {"shutdown_month": "2026-03"}).content.decode()
    assert "gpt-4-0314" in html and "chatgpt-4o-latest" not in html
    html = admin_client.get(url, {"shutdown_year": "2026"}).content.decode()
    assert "gpt-4-0314" in html and "chatgpt-4o-latest" in html


def test_withdraw_action_goes_through_the_change_function(admin_client):
    e = factories.entry()
    url = reverse("admin:deprecations_deprecation_changelist")
    admin_client.post(url, {"action": "withdraw_entries", "_selected_action": [e.pk]})
    e.refresh_from_db()
    assert e.status == Deprecation.Status.WITHDRAWN
    assert e.changes.filter(kind="withdrawn", changed_by__username="admin").exists()


def test_history_is_read_only_in_the_admin(admin_client):
    e = factories.entry()
    html = admin_client.get(reverse("admin:deprecations_deprecation_change",
                                    args=[e.pk])).content.decode()
    assert "history" in html.lower()
    assert 'name="changes-0-kind"' not in html  # shown, not editable


def test_the_admin_front_page_flags_unhealthy_sources_and_the_review_queue(admin_client):
    from deprecations.models import Notice, Source

    s = Source.objects.create(slug="openai-deprecations", name="OpenAI", url="https://x.test/",
                              health=Source.Health.BLOCKED)
    Notice.objects.create(source=s, fingerprint="f", vendor_name="OpenAI", identifier="m",
                          review=Notice.Review.PENDING, first_seen_at="2025-11-20T00:00Z",
                          last_seen_at="2025-11-20T00:00Z")
    html = admin_client.get("/admin/").content.decode()
    assert "1 unhealthy source" in html and "openai-deprecations" in html
    assert "1</strong> notice waiting for review" in html
