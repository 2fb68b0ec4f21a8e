"""A batch's messages, with shared content rendered once, are the messages each row renders on
its own: the same subject, bodies, headers and recipient, for every kind that shares its
content, in every language, for subscribers who follow different things."""

import email
import email.policy
from datetime import UTC, date, datetime
from unittest import mock

import pytest
from django.core import signing
from django.utils import translation

from deprecations import changes
from deprecations.models import Change
from notifier import alerts, compose, tokens
from notifier.models import Delivery, Mention, MentionList
from tests.deprecations import factories
from tests.notifier.people import subscriber

pytestmark = pytest.mark.django_db
ALERT_DAY = date(2026, 2, 24)  # 30 days before 26 March; 90 before 25 May


@pytest.fixture(autouse=True)
def pinned_clock():
    """Both paths sign their links in the same second."""
    with mock.patch.object(signing.time, "time", return_value=signing.time.time()):
        yield


def ledger() -> list[Delivery]:
    """Alerts, change emails and digests for subscribers in both languages, with different
    follows, lead times and cadences (so some rows share a content and some do not)."""
    moving = [factories.entry(name, shutdown=date(2026, 3, 26), announced=None,
                              replacements=["gpt-5", "gpt-4.1"])
              for name in ("gpt-4.5-preview", "o1-mini")][1]
    factories.entry("dall-e-2", shutdown=date(2026, 5, 25), announced=None, replacements=[])
    factories.entry("claude-2", vendor_slug="anthropic", shutdown=date(2026, 3, 26),
                    announced=None)
    Change.objects.update(changed_at=datetime(2025, 6, 1, tzinfo=UTC))  # old news
    people = [
        subscriber("ada@example.com"),
        subscriber("bea@example.com", vendors=["openai"]),
        subscriber("chloe@example.fr", lead_times=[30]),
        subscriber("dan@example.fr", vendors=["anthropic"], digest="daily"),
        subscriber("eve@example.com", lead_times=[90, 30], digest="daily"),
        subscriber("fay@example.com", models=["o1-mini"], digest="daily"),
        subscriber("gus@example.com", vendors=["anthropic"]),
        subscriber("hal@example.com", models=["gpt-4.5-preview"]),
    ]
    for person in people:
        if person.email.endswith(".fr"):
            person.language = "fr"
            person.save(update_fields=["language"])
    assert alerts.record_alerts(ALERT_DAY, replay=True).total
    changes.move_date(moving, "shutdown_on", date(2026, 4, 30), via="test")
    assert alerts.record_changes(ALERT_DAY).total
    assert alerts.record_digests(ALERT_DAY, replay=True).total
    return list(Delivery.objects.select_related("subscriber").order_by("id"))


def parts(message) -> dict:
    return {"subject": message.subject, "to": message.to, "from": message.from_email,
            "text": message.body, "html": message.alternatives[0][0],
            "headers": message.extra_headers}


def test_a_batch_composes_every_message_as_the_row_alone_would():
    rows = ledger()
    kinds = {r.kind for r in rows}
    assert kinds >= {Delivery.Kind.ALERT, Delivery.Kind.CHANGE, Delivery.Kind.DIGEST}
    assert {r.subscriber.language for r in rows} == {"en", "fr"}
    alone = {r.pk: compose.compose(r) for r in
             Delivery.objects.select_related("subscriber").order_by("id")}
    composer = compose.Composer()
    compose.prepare(rows)
    together = {r.pk: composer.compose(r) for r in rows}
    assert set(alone) == set(together)
    for pk, message in alone.items():
        if message is None:
            assert together[pk] is None
            continue
        assert parts(together[pk]) == parts(message), pk
    # Some rows shared a rendering: fewer renderings than messages.
    shared = [m for r, m in zip(rows, together.values(), strict=True)
              if m is not None and compose.KINDS[r.kind].shared]
    assert len(composer.framed) < len(shared)


def test_each_message_carries_its_own_subscribers_links_and_no_one_elses():
    rows = [r for r in ledger() if r.kind == Delivery.Kind.ALERT]
    composer = compose.Composer()
    compose.prepare(rows)
    messages = [(r.subscriber, m) for r in rows if (m := composer.compose(r)) is not None]
    assert len(messages) >= 4
    people = {r.subscriber.pk: r.subscriber for r in rows}
    for person, message in messages:
        own = tokens.make(person, tokens.UNSUBSCRIBE)
        assert message.to == [person.email]
        assert message.extra_headers["List-Unsubscribe"].endswith(f"/{own}>")
        for body in (message.body, message.alternatives[0][0]):
            assert own in body and person.feed_token in body
            assert tokens.make(person, tokens.MANAGE) in body
            for other in people.values():
                if other.pk != person.pk:
                    assert other.feed_token not in body
                    assert tokens.make(other, tokens.UNSUBSCRIBE) not in body
        assert not any(marker in message.body or marker in message.alternatives[0][0]
                       for marker in composer.markers.values())


def as_sent(data: bytes) -> dict:
    """What a mail client reads of a message's bytes: its headers (unfolded, decoded; where
    a long one was folded does not matter) and the text of each part."""
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    return {"headers": sorted((k, str(v).strip()) for k, v in parsed.items()
                              if k not in ("Date", "Content-Type")),
            "types": [p.get_content_type() for p in parsed.walk()],
            "text": parsed.get_body(("plain",)).get_content(),
            "html": parsed.get_body(("html",)).get_content()}


def test_the_bytes_a_batch_sends_read_as_the_message_built_afresh():
    rows = ledger()
    composer = compose.Composer()
    compose.prepare(rows)
    wired = [m for r in rows if (m := composer.compose(r)) is not None and m.wire is not None]
    assert len(wired) == sum(1 for r in Delivery.objects.all() if compose.compose(r))
    for message in wired:
        afresh = message.message().as_bytes(linesep="\r\n")
        assert as_sent(message.wire) == as_sent(afresh)
        assert email.message_from_bytes(message.wire)["Date"]
        assert b"\r\n" in message.wire and b"\n" not in message.wire.replace(b"\r\n", b"")


@pytest.mark.parametrize("address", [
    "ada@example.com", "a.b+tag@mail.example.co.uk", "o'brien@example.ie", "x_y-z@a-b.example",
    "a..b@example.com", ".a@example.com", "a.@example.com", "Ada <ada@example.com>",
    "\"a b\"@example.com", "ada@exämple.com", "adä@example.com", "ada@[127.0.0.1]", "a@b",
    "=?utf-8?q?ada?=@example.com",
])
def test_an_address_goes_into_the_header_as_it_is_exactly_when_the_backend_keeps_it(address):
    try:
        kept = compose.sanitize_address(address, "utf-8") == address
    except ValueError:
        kept = False
    assert compose._plain(address) is kept


@pytest.mark.parametrize("name", ["notifier:manage", "notifier:unsubscribe",
                                  "notifier:private_feed", "notifier:confirm"])
@pytest.mark.parametrize("token", ["abc", "eyJhIjoxfQ:1vA2bc:Zx_y-Q", "needs quoting é?"])
def test_a_token_link_is_the_path_reverse_gives(name, token):
    assert compose.token_path(name, token) == compose.reverse(name, args=[token])


@pytest.mark.urls("tests.notifier.translated_urls")
@pytest.mark.parametrize("token", ["abc", "needs quoting é?"])
def test_a_link_is_made_in_the_language_it_is_for_whatever_language_is_active(token):
    """A batch reads where its links go once per language (``Composer._where_in``) and makes
    each link outside that language; a route whose path depends on the language must still
    be made in the subscriber's, the first time as every time after."""
    compose._route.cache_clear()
    with translation.override("fr"):
        where, expected = compose._where(), compose.reverse("manage", args=[token])
    assert expected.startswith("/fr/manage/")
    with translation.override("en"):
        assert compose.token_path("manage", token, where) == expected
        assert compose.token_path("manage", token, where) == expected
        assert compose.token_path("manage", token).startswith("/en/manage/")


def test_a_batch_loads_each_entry_once_and_each_mention_keeps_its_own_lead_time(
        django_assert_max_num_queries):
    """A batch's entries are read once each, not once per mention, and its rows share them;
    composing writes the lead time on a copy of the entry it shows, so two mentions of one
    entry (an alert that catches up with two lead times) still show theirs, and the next
    row reads the entry as loaded."""
    entry = factories.entry("dall-e-2", shutdown=date(2026, 5, 25), announced=None)
    people = [subscriber(f"s{n}@example.com", lead_times=[90]) for n in range(5)]
    assert alerts.record_alerts(ALERT_DAY, replay=True).alerts == 5
    first = Delivery.objects.get(subscriber=people[0])
    told = Mention.objects.get(kind="alert")
    other = Mention.objects.create(retirement=entry, kind="alert", lead_days=60,
                                   shutdown_on=told.shutdown_on, revision=told.revision,
                                   created_at=told.created_at)
    first.mention_list = MentionList.objects.create(mention_ids=[told.pk, other.pk])
    first.save(update_fields=["mention_list"])
    rows = list(Delivery.objects.select_related("subscriber").order_by("id"))
    with django_assert_max_num_queries(3):  # the lists, their mentions, then their entries
        compose.prepare(rows)
    assert len({id(m.retirement) for row in rows for m in row.told}) == 1  # shared
    leads = [e.lead_days for e in compose.context_for(rows[0])["entries"]]
    assert sorted(leads) == [60, 90]
    assert [e.lead_days for e in compose.context_for(rows[1])["entries"]] == [90]
    shared = rows[2].told[0].retirement
    assert not hasattr(shared, "lead_days") and not hasattr(shared, "when")


def test_a_row_whose_list_is_gone_is_skipped_and_said_and_the_batch_goes_on(caplog):
    """Nothing deletes a mention list (the key has no database constraint, for speed), but a
    hand-made delete must not stop the batch with it."""
    factories.entry("dall-e-2", shutdown=date(2026, 5, 25), announced=None)
    people = [subscriber(f"s{n}@example.com", lead_times=[90]) for n in range(2)]
    assert alerts.record_alerts(ALERT_DAY, replay=True).messages == 2
    lost = Delivery.objects.get(subscriber=people[0])
    lost.mention_list_id = 10**6
    lost.save(update_fields=["mention_list"])
    rows = list(Delivery.objects.select_related("subscriber").order_by("id"))
    compose.prepare(rows)
    assert [compose.compose(row) is None for row in rows] == [True, False]
    assert f"its mention list {10**6} is missing" in caplog.text
