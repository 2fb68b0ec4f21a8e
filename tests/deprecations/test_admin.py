"""Curation in the admin: date edits go through the change function and record who did it."""

from datetime import date

import pytest
from django.urls import reverse

from deprecations.models import Change, Notice, Retirement, Source
from deprecations.sources import reconcile
from deprecations.sources.parsers import registry
from deprecations.sources.records import Record
from tests.deprecations import factories

pytestmark = pytest.mark.django_db


def _form(entry, **overrides):
    data = {
        "offering": entry.offering_id,
        "announced_on": entry.announced_on or "",
        "deprecated_on": entry.deprecated_on or "",
        "shutdown_on": entry.shutdown_on or "",
        "shutdown_precision": entry.shutdown_precision,
        "replacements": "gpt-5.1-chat-latest",
        "notes": entry.notes,
        "published": "on",
        "citations-TOTAL_FORMS": 0, "citations-INITIAL_FORMS": 0,
        "changes-TOTAL_FORMS": 0, "changes-INITIAL_FORMS": 0,
    }
    data.update(overrides)
    return data


def test_editing_a_date_in_the_admin_records_the_curator_and_marks_the_entry_curated(admin_client):
    e = factories.entry()
    url = reverse("admin:deprecations_retirement_change", args=[e.pk])
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
    url = reverse("admin:deprecations_retirement_change", args=[e.pk])
    response = admin_client.post(url, _form(e, shutdown_on="2020-01-01"))
    assert response.status_code == 200
    assert "cannot be before the announcement" in response.content.decode()
    e.refresh_from_db()
    assert e.shutdown_on == date(2026, 2, 17) and e.revision == 1


def test_admin_list_searches_aliases_and_filters_by_shutdown_month(admin_client):
    factories.entry(aliases=["chatgpt-4o"])
    factories.entry("gpt-4-0314", shutdown=date(2026, 3, 26), announced=None)
    url = reverse("admin:deprecations_retirement_changelist")
    html = admin_client.get(url, {"q": "chatgpt-4o"}).content.decode()
    assert "chatgpt-4o-latest" in html and "gpt-4-0314" not in html
    html = admin_client.get(url, {"shutdown_month": "2026-03"}).content.decode()
    assert "gpt-4-0314" in html and "chatgpt-4o-latest" not in html
    html = admin_client.get(url, {"shutdown_year": "2026"}).content.decode()
    assert "gpt-4-0314" in html and "chatgpt-4o-latest" in html


def test_withdraw_action_goes_through_the_change_function(admin_client):
    e = factories.entry()
    url = reverse("admin:deprecations_retirement_changelist")
    admin_client.post(url, {"action": "withdraw_retirements", "_selected_action": [e.pk]})
    e.refresh_from_db()
    assert e.status == Retirement.Status.WITHDRAWN
    assert e.changes.filter(kind="withdrawn", changed_by__username="admin").exists()


def test_history_is_read_only_in_the_admin(admin_client):
    e = factories.entry()
    html = admin_client.get(reverse("admin:deprecations_retirement_change",
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


def test_replacements_are_edited_one_per_line(admin_client):
    e = factories.entry()
    url = reverse("admin:deprecations_retirement_change", args=[e.pk])
    html = admin_client.get(url).content.decode()
    assert '<textarea name="replacements" cols="40" rows="3"' in html
    assert ">\ngpt-5.1-chat-latest</textarea>" in html  # a line, not JSON
    response = admin_client.post(url, _form(e, replacements="gpt-5.1\r\n\r\n Responses API \r\n"
                                                           "gpt-5.1\r\n"))
    assert response.status_code == 302
    e.refresh_from_db()
    assert e.replacements == ["gpt-5.1", "Responses API"]


def test_publishing_writes_history_from_the_action_and_from_the_form(admin_client):
    hidden = factories.entry("gpt-4-0314", shutdown=date(2026, 3, 26), announced=None,
                             published=False)
    also_hidden = factories.entry("gpt-4-0613", shutdown=date(2026, 3, 26), announced=None,
                                  published=False)
    url = reverse("admin:deprecations_retirement_changelist")
    response = admin_client.post(url, {"action": "publish_retirements",
                                       "_selected_action": [hidden.pk]}, follow=True)
    assert "1 published." in response.content.decode()
    hidden.refresh_from_db()
    published = hidden.changes.get(kind=Change.Kind.PUBLISHED)
    assert hidden.published and hidden.revision == 2
    assert (published.new_date, published.who, published.revision) == (
        date(2026, 3, 26), "admin", 2)
    # ticking the box in the entry's form goes the same way
    form = _form(also_hidden, replacements="")
    admin_client.post(reverse("admin:deprecations_retirement_change", args=[also_hidden.pk]),
                      form)
    also_hidden.refresh_from_db()
    assert also_hidden.published and also_hidden.changes.filter(kind="published").count() == 1


def test_a_sources_parser_is_chosen_from_the_registry(admin_client):
    html = admin_client.get(reverse("admin:deprecations_source_add")).content.decode()
    select = html[html.index('<select name="parser"'):]
    select = select[:select.index("</select>")]
    assert '<option value="" selected>detect from the content</option>' in select
    for name in registry.names():
        assert f'<option value="{name}">{name}: ' in select
    data = {"slug": "x", "name": "X", "url": "https://example.com/x", "authority": "primary",
            "interval_minutes": 360, "health": "unknown", "failures": 0, "parser": "nope"}
    response = admin_client.post(reverse("admin:deprecations_source_add"), data)
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    response = admin_client.post(reverse("admin:deprecations_source_add"),
                                 {**data, "parser": "openai"})
    assert response.status_code == 302 and Source.objects.get().parser == "openai"



@pytest.mark.parametrize("url, reason", [
    ("ftp://example.com/deprecations", "only http(s) URLs with a host"),
    ("http://10.0.0.7/deprecations", "a private, loopback or otherwise non-public address"),
    ("http://169.254.169.254/latest", "a private, loopback or otherwise non-public address"),
    ("http://[::1]:8000/", "a private, loopback or otherwise non-public address"),
    ("http://localhost:8000/deprecations", "localhost is this machine (loopback)"),
    ("https://user:secret@example.com/", "may not carry a user name or password"),
    ("https://example.com/a page", "may not contain backslashes, spaces or control"),
])
def test_a_refused_source_url_says_why(admin_client, settings, url, reason):
    settings.DEPCAL_FETCH_ALLOW_PRIVATE = False
    data = {"slug": "x", "name": "X", "url": url, "authority": "primary",
            "interval_minutes": 360, "parser": ""}
    response = admin_client.post(reverse("admin:deprecations_source_add"), data)
    errors = response.context["adminform"].form.errors["url"]
    assert len(errors) == 1 and reason in errors[0], errors
    assert "Enter a valid URL" not in response.content.decode()
    assert not Source.objects.exists()


def test_a_public_source_url_without_a_scheme_is_taken_as_https(admin_client):
    data = {"slug": "x", "name": "X", "url": "example.com/deprecations", "authority": "primary",
            "interval_minutes": 360, "parser": ""}
    response = admin_client.post(reverse("admin:deprecations_source_add"), data)
    assert response.status_code == 302
    assert Source.objects.get().url == "https://example.com/deprecations"


# The review queue.

@pytest.fixture
def queue():
    """A new retirement from a tracker (waiting), a name the catalogue knows under another
    (waiting, its entry chosen), and a date that disagrees with a curated entry."""
    factories.vendor("openai", "OpenAI")
    entry = factories.entry()
    Retirement.objects.filter(pk=entry.pk).update(curated=True)
    tracker = Source.objects.create(slug="tracker", name="A tracker", url="https://t.example/",
                                    authority=Source.Authority.SECONDARY)
    vendor_page = Source.objects.create(slug="openai-deprecations", name="OpenAI deprecations",
                                        url="https://platform.openai.com/docs/deprecations",
                                        vendor=entry.offering.vendor)

    def record(model, shutdown, **kw):
        return Record(model=model, shutdown=shutdown, vendor="OpenAI", source_text=f"{model} row",
                      replacements=("gpt-5",), **kw)

    today = date(2026, 1, 10)
    reconcile.reconcile(tracker, [record("codex-mini-latest", date(2026, 2, 16)),
                                  record("chatgpt-4o", date(2026, 2, 17))], today=today)
    reconcile.reconcile(vendor_page, [record("chatgpt-4o-latest", date(2026, 2, 18))],
                        today=today)
    new = Notice.objects.get(identifier="codex-mini-latest")
    other_name = Notice.objects.get(identifier="chatgpt-4o")
    other_name.retirement = entry
    other_name.save()
    conflict = Notice.objects.get(identifier="chatgpt-4o-latest")
    assert new.review == other_name.review == "pending" and conflict.review == "conflict"
    assert "review it" in new.review_note
    return {"new": new, "other_name": other_name, "conflict": conflict, "entry": entry}


def test_the_review_list_has_buttons_per_waiting_row_and_says_what_each_state_is(
        admin_client, queue):
    html = admin_client.get(reverse("admin:deprecations_notice_changelist")).content.decode()
    review = reverse("admin:deprecations_notice_review", args=[queue["new"].pk])
    assert (f'formaction="{review}" formmethod="post" name="do" value="approve" '
            'aria-label="Approve codex-mini-latest">Approve</button>') in html
    assert 'aria-label="Reject codex-mini-latest"' in html
    assert 'aria-label="Merge codex-mini-latest"' not in html  # no entry chosen yet
    assert 'aria-label="Merge chatgpt-4o"' in html
    assert "<strong>waiting for review</strong>" in html
    assert "<strong>disagrees with the catalogue</strong>" in html
    entry = reverse("admin:deprecations_retirement_change", args=[queue["entry"].pk])
    assert f'entry: <a href="{entry}">chatgpt-4o-latest</a>' in html


def test_a_rows_approve_button_publishes_says_so_and_goes_back_to_the_filtered_list(
        admin_client, queue):
    listing = reverse("admin:deprecations_notice_changelist") + "?review=queue"
    response = admin_client.post(
        reverse("admin:deprecations_notice_review", args=[queue["new"].pk]),
        {"do": "approve", "action": "", "index": "0"}, HTTP_REFERER="http://testserver" + listing)
    assert response.status_code == 302 and response["Location"] == "http://testserver" + listing
    html = admin_client.get(listing).content.decode()
    assert ("Notice codex-mini-latest (OpenAI): approved by admin: published as a new entry."
            in html)
    notice = Notice.objects.get(pk=queue["new"].pk)
    assert notice.review == "applied" and "review it" not in notice.review_note
    entry = Retirement.objects.get(offering__identifier="codex-mini-latest")
    assert entry.published and entry.changes.get().changed_by.username == "admin"
    page = admin_client.get(reverse("admin:deprecations_notice_changelist")).content.decode()
    row = page[page.index(">codex-mini-latest<"):]
    row = row[:row.index("</tr>")]
    assert "<strong>applied</strong>" in row and "approved by admin" in row
    assert "<button" not in row  # nothing left to do


def test_a_rows_button_on_a_notice_done_already_changes_nothing_and_says_why(
        admin_client, queue):
    url = reverse("admin:deprecations_notice_review", args=[queue["new"].pk])
    admin_client.post(url, {"do": "reject"})
    response = admin_client.post(url, {"do": "approve"}, follow=True)
    assert ("Notice codex-mini-latest (OpenAI) was not changed: it is rejected already"
            in response.content.decode())
    assert not Retirement.objects.filter(offering__identifier="codex-mini-latest").exists()
    assert admin_client.get(url).status_code == 405


def test_the_notice_page_has_approve_reject_and_merge_buttons(admin_client, queue):
    conflict = queue["conflict"]
    url = reverse("admin:deprecations_notice_change", args=[conflict.pk])
    html = admin_client.get(url).content.decode()
    for name, label in (("_approve", "Approve"), ("_reject", "Reject"), ("_merge", "Merge")):
        assert f'<input type="submit" name="{name}" value="{label}"' in html
    replacements = html[html.index("<label>Replacements:</label>"):]
    assert replacements[:replacements.index("</div>")].endswith(
        '<div class="readonly">gpt-5<br>')  # a list, not JSON
    response = admin_client.post(url, {"retirement": queue["entry"].pk, "review_note": "",
                                       "_approve": "Approve"}, follow=True)
    html = response.content.decode()
    assert ("Notice chatgpt-4o-latest (OpenAI): approved by admin: its dates applied to the "
            "entry.") in html
    assert '<input type="submit" name="_approve"' not in html  # done: no more buttons
    entry = queue["entry"]
    entry.refresh_from_db()
    assert entry.shutdown_on == date(2026, 2, 18)
    assert entry.changes.filter(kind="moved", changed_by__username="admin").exists()


def test_merge_from_the_notice_page_uses_the_entry_chosen_in_its_form(admin_client, queue):
    new = queue["new"]
    url = reverse("admin:deprecations_notice_change", args=[new.pk])
    response = admin_client.post(url, {"retirement": queue["entry"].pk, "review_note": "",
                                       "_merge": "Merge"}, follow=True)
    assert ("Notice codex-mini-latest (OpenAI): merged into chatgpt-4o-latest by admin."
            in response.content.decode())
    assert "codex-mini-latest" in queue["entry"].offering.aliases.values_list("name", flat=True)


def test_bulk_actions_say_how_many_and_which_could_not_be_done(admin_client, queue):
    url = reverse("admin:deprecations_notice_changelist")
    response = admin_client.post(url, {"action": "merge_notices", "_selected_action": [
        queue["new"].pk, queue["other_name"].pk]}, follow=True)
    html = response.content.decode()
    assert "1 notice merged." in html
    assert ("Notice codex-mini-latest (OpenAI) was not changed: choose its entry in the "
            "notice&#x27;s form first") in html
    response = admin_client.post(url, {"action": "reject_notices", "_selected_action": [
        queue["new"].pk, queue["conflict"].pk]}, follow=True)
    assert "2 notices rejected." in response.content.decode()
