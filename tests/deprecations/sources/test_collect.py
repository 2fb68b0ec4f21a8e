"""One collection run: fetch from a loopback server, parse, reconcile, record, keep health."""

import json
from datetime import date

import pytest
from django.core import mail

from deprecations.models import FetchRun, Retirement, Source
from deprecations.sources import collect, parsers
from deprecations.sources.records import Record
from tests.deprecations import factories
from tests.httpserver import Document, LoopbackServer, fails_then

pytestmark = pytest.mark.django_db
TODAY = date(2025, 11, 20)


@parsers.register("test-json", sniff=lambda data, url: 0.0)
def _json_rows(data, *, url="", vendor=None):
    """Rows as JSON: [{"model": ..., "shutdown": "YYYY-MM-DD"}] (a stand-in vendor page)."""
    try:
        rows = json.loads(data)
    except ValueError as exc:
        raise parsers.ParseError("not JSON") from exc
    return [Record(vendor=vendor or "OpenAI", model=r["model"],
                   shutdown=date.fromisoformat(r["shutdown"]), source_url=url) for r in rows]


def page(*rows):
    return Document(json.dumps([{"model": m, "shutdown": d} for m, d in rows]).encode(),
                    content_type="application/json")


@pytest.fixture
def server(settings):
    settings.DEPCAL_FETCH_ALLOW_PRIVATE = True
    settings.DEPCAL_FETCH_RETRIES = 1
    settings.ADMINS = [("admins", "admins@example.com")]
    with LoopbackServer() as s:
        yield s


def make_source(server, path="/deprecations"):
    return Source.objects.create(slug="vendor-page", name="Vendor page", url=server.url(path),
                                 parser="test-json", vendor=factories.vendor("openai", "OpenAI"))


def test_first_fetch_lands_entries_and_the_second_costs_a_304_without_parsing(server):
    server.routes["/deprecations"] = page(("chatgpt-4o-latest", "2026-02-17"))
    s = make_source(server)
    run = collect.collect(s, today=TODAY)
    assert (run.status, run.http_status, run.rows, run.new) == ("ok", 200, 1, 1)
    assert Retirement.objects.get().shutdown_on == date(2026, 2, 17)
    s.refresh_from_db()
    assert s.health == "ok" and s.etag and s.last_row_count == 1
    run = collect.collect(s, today=TODAY)
    assert (run.status, run.http_status, run.rows) == ("not_modified", 304, 0)
    assert server.hits[-1][1]["If-None-Match"] == s.etag
    assert FetchRun.objects.count() == 2


def test_a_server_error_then_success_is_retried_and_loses_nothing(server):
    server.routes["/deprecations"] = fails_then(1, 500, page(("gpt-4-0314", "2026-03-26")))
    run = collect.collect(make_source(server), today=TODAY)
    assert run.status == "ok" and Retirement.objects.count() == 1


def test_an_unreachable_source_is_recorded_backed_off_and_changes_nothing(server):
    factories.entry()
    s = make_source(server, "/nowhere")
    server.routes["/nowhere"] = fails_then(99, 503, page())
    run = collect.collect(s, today=TODAY)
    s.refresh_from_db()
    assert run.status == "unreachable" and s.health == "unreachable" and s.failures == 1
    assert s.next_fetch_at is not None
    assert Retirement.objects.count() == 1 and len(mail.outbox) == 0  # no email for outages


def test_a_page_that_lost_its_rows_marks_the_source_unhealthy_and_retires_nothing(server):
    server.routes["/deprecations"] = page(("chatgpt-4o-latest", "2026-02-17"))
    s = make_source(server)
    collect.collect(s, today=TODAY)
    server.routes["/deprecations"] = page()  # the vendor changed its layout
    run = collect.collect(s, today=TODAY)
    s.refresh_from_db()
    assert run.status == "empty" and s.health == "empty"
    assert "layout" in run.error
    assert Retirement.objects.get().status == "scheduled"
    assert len(mail.outbox) == 1 and "unhealthy" in mail.outbox[0].subject
    collect.collect(s, today=TODAY)  # still empty: no second email
    assert len(mail.outbox) == 1
    assert s.etag == Source.objects.get().etag  # validators kept from the last good page


def test_a_bot_challenge_reads_as_blocked_never_as_no_retirements(server):
    server.routes["/deprecations"] = lambda h: (403, {}, b"<html>Just a moment...</html>")
    s = make_source(server)
    s.last_row_count = 78
    s.save()
    run = collect.collect(s, today=TODAY)
    s.refresh_from_db()
    assert run.status == "blocked" and s.health == "blocked" and len(mail.outbox) == 1


def test_garbage_bytes_are_a_parse_error_recorded_on_the_run(server):
    server.routes["/deprecations"] = Document(b"\x00\xff garbage \x89PNG")
    run = collect.collect(make_source(server), today=TODAY)
    assert run.status == "error" and "parser failed" in run.error
    assert not Retirement.objects.exists()


def test_a_dry_run_fetches_and_counts_but_keeps_nothing(server):
    server.routes["/deprecations"] = page(("chatgpt-4o-latest", "2026-02-17"))
    s = make_source(server)
    run = collect.collect(s, today=TODAY, dry_run=True)
    assert (run.status, run.new) == ("ok", 1)
    s.refresh_from_db()
    assert not Retirement.objects.exists() and not FetchRun.objects.exists() and not s.etag


def test_due_sources_are_claimed_once(server):
    from django.utils import timezone

    s = make_source(server)
    now = timezone.now()
    assert list(collect.due_sources(now)) == [s]
    assert collect.claim(s, now) is True
    assert collect.claim(s, now) is False  # a second beat with the stale row gets nothing
    assert list(collect.due_sources(now)) == []


def test_a_reconcile_failure_is_recorded_and_marks_the_source_unhealthy(server, monkeypatch):
    from deprecations.sources import reconcile

    server.routes["/deprecations"] = page(("chatgpt-4o-latest", "2026-02-17"))

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")
    monkeypatch.setattr(reconcile, "reconcile", broken)
    s = make_source(server)
    run = collect.collect(s, today=TODAY)
    s.refresh_from_db()
    assert run.pk and run.status == "error" and "reconcile failed" in run.error
    assert s.health == "error" and not s.etag and len(mail.outbox) == 1
