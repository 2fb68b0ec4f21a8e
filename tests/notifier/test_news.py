"""News within minutes: a catalogue change commits, its change email goes out at once.

Tasks run eagerly here (as on a site without a worker); ``tests/notifier/test_exactly_once``
and the freshness benchmark run real workers.
"""

import ast
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail as outbox
from django.db import transaction
from django.utils import timezone

from deprecations import changes
from deprecations.models import Change, Source
from deprecations.signals import catalogue_changed
from deprecations.sources import collect
from notifier.models import Subscriber
from notifier.subscriptions import set_choices
from tests.deprecations import factories
from tests.deprecations.sources.test_collect import page  # noqa: F401 - registers the test-json parser
from tests.httpserver import Document, LoopbackServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def follower(eager_tasks):
    s = Subscriber.objects.create(
        email="ada@example.com", status="confirmed", requested_at=datetime(2025, 1, 1, tzinfo=UTC),
        confirmed_at=datetime(2025, 1, 1, tzinfo=UTC), confirmed_on=date(2025, 1, 1))
    set_choices(s, vendors=["openai"])
    return s


@pytest.mark.django_db(transaction=True)  # real commits
def test_a_moved_date_is_mailed_when_its_transaction_commits(follower):
    entry = factories.entry(shutdown=date(2027, 3, 1))
    [new] = outbox.outbox  # it committed: its followers hear of it at once
    assert new.subject.startswith("New: chatgpt-4o-latest shuts down 1 Mar 2027")
    outbox.outbox.clear()
    heard = []
    receiver = lambda sender, **kw: heard.append(sender)  # noqa: E731
    catalogue_changed.connect(receiver, weak=False, dispatch_uid="test-news")
    try:
        with transaction.atomic():
            changes.move_date(entry, "shutdown_on", date(2027, 4, 15), via="admin")
            changes.withdraw(entry, via="admin")
            assert not outbox.outbox and not heard  # not before the commit
    finally:
        catalogue_changed.disconnect(dispatch_uid="test-news")
    assert len(heard) == 1  # one announcement per transaction, however many changes
    [message] = outbox.outbox
    assert message.subject == ("chatgpt-4o-latest: retirement withdrawn (was 15 Apr 2027)")
    assert "shutdown moved from 1 Mar 2027 to 15 Apr 2027" in message.body
    assert "retirement withdrawn by the vendor" in message.body


@pytest.mark.django_db(transaction=True)
def test_a_change_that_rolls_back_mails_nothing(follower):
    entry = factories.entry(shutdown=date(2027, 3, 1))
    outbox.outbox.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        changes.move_date(entry, "shutdown_on", date(2027, 4, 15))
        raise RuntimeError("the admin's save failed later")
    assert not outbox.outbox
    assert not Change.objects.filter(kind="moved").exists()
    changes.move_date(entry, "shutdown_on", date(2027, 4, 16))  # outside a transaction
    assert "shutdown moved from 1 Mar 2027 to 16 Apr 2027" in outbox.outbox[-1].body


@pytest.mark.django_db(transaction=True)  # each collection commits
def test_a_collector_run_that_moves_dates_mails_them_in_one_email(follower, settings):
    settings.DEPCAL_FETCH_ALLOW_PRIVATE = True
    factories.vendor("openai", "OpenAI")
    rows = [{"model": "gpt-a", "shutdown": "2027-03-01"}, {"model": "gpt-b",
                                                           "shutdown": "2027-03-01"}]
    with LoopbackServer() as server:
        server.routes["/d"] = Document(json.dumps(rows).encode(), "application/json")
        source = Source.objects.create(slug="openai-page", name="OpenAI page", parser="test-json",
                                       url=server.url("/d"), vendor=factories.vendor("openai"))
        collect.collect(source, today=date(2026, 11, 28))
        assert outbox.outbox[-1].subject == "2 retirements changed: gpt-a and gpt-b"
        for row in rows:
            row["shutdown"] = "2027-05-01"
        server.routes["/d"] = Document(json.dumps(rows).encode(), "application/json")
        source.refresh_from_db()
        collect.collect(source, today=date(2026, 11, 28))
    assert len(outbox.outbox) == 2
    assert "shutdown moved from 1 Mar 2027 to 1 May 2027" in outbox.outbox[-1].body
    source.refresh_from_db()  # it sent an ETag: read again in 15 minutes
    assert source.next_fetch_at - source.last_fetched_at == timedelta(minutes=15)


def test_sources_are_read_every_15_minutes_with_an_etag_else_hourly_unless_set():
    assert collect.interval(Source(etag='"x"')) == timedelta(minutes=15)
    assert collect.interval(Source(etag="")) == timedelta(minutes=60)
    assert collect.interval(Source(etag='"x"', interval_minutes=720)) == timedelta(hours=12)


def test_the_catalogue_never_imports_the_notifier():
    """``deprecations`` tells the notifier through a signal: no import the other way."""
    root = Path(settings.BASE_DIR) / "deprecations"
    offenders = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.relative_to(root)}: {n}" for n in names
                          if n.split(".")[0] == "notifier"]
    assert not offenders


@pytest.mark.django_db(transaction=True)
def test_an_entry_published_from_the_review_queue_is_news_at_once(follower):
    entry = factories.entry("gpt-waited", shutdown=date(2027, 3, 1), published=False)
    Change.objects.update(changed_at=timezone.now() - timedelta(days=30))  # waited a month
    assert not outbox.outbox  # nobody hears of an entry under review
    assert changes.publish(entry, via="review")
    [message] = outbox.outbox
    assert message.subject == "New: gpt-waited shuts down 1 Mar 2027 - move to gpt-5.1-chat-latest"
    assert "published after review, shutdown 1 Mar 2027" in message.body
