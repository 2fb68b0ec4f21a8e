"""Which messages are due: lead times on calendar dates, catch-up, no backlog, changes, digests.

Days are passed in (``today=``); mail goes to Django's in-memory outbox.
"""

import random
import threading
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core import mail as outbox
from django.core.management import call_command
from django.db import connection, connections
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from deprecations import changes, queries
from deprecations.models import Change, Retirement
from notifier import alerts, compose, send
from notifier.models import Delivery, Mention, MentionList, Subscriber
from tests.deprecations import factories
from tests.notifier.people import subscriber

pytestmark = pytest.mark.django_db




def told(kind="alert"):
    """(message, mention) for each mention each message of ``kind`` tells."""
    mentions = Mention.objects.select_related("retirement__offering").in_bulk()
    return [(row, mentions[pk]) for row in Delivery.objects.filter(kind=kind).order_by("id")
            for pk in row.mention_ids]


def due_alerts(today, **kw):
    alerts.record_alerts(today, replay=kw.pop("replay", False), **kw)
    return sorted((m.retirement.identifier, m.lead_days, row.as_of) for row, m in told())


@pytest.mark.parametrize("shutdown, lead, alert_day", [
    (date(2028, 2, 29), 30, date(2028, 1, 30)),  # leap day
    (date(2028, 2, 29), 1, date(2028, 2, 28)),
    (date(2028, 2, 29), 90, date(2027, 12, 1)),
    (date(2028, 3, 1), 1, date(2028, 2, 29)),  # the alert falls on the leap day
    (date(2028, 3, 1), 7, date(2028, 2, 23)),
    (date(2027, 3, 1), 1, date(2027, 2, 28)),  # no leap day that year
    (date(2026, 3, 31), 30, date(2026, 3, 1)),  # month ends
    (date(2026, 4, 30), 60, date(2026, 3, 1)),
    (date(2027, 1, 1), 1, date(2026, 12, 31)),  # year end
])
def test_a_lead_time_alert_falls_on_its_calendar_day(shutdown, lead, alert_day):
    factories.entry(shutdown=shutdown, announced=None)
    subscriber(lead_times=[lead])
    assert due_alerts(alert_day - timedelta(days=1)) == []
    assert due_alerts(alert_day) == [("chatgpt-4o-latest", lead, alert_day)]


def test_an_alert_stays_due_three_days_then_is_dropped():
    factories.entry(shutdown=date(2026, 2, 17))  # 30-day alert day: 18 Jan
    subscriber(lead_times=[30])
    assert due_alerts(date(2026, 1, 22)) == []  # four days late: dropped
    assert due_alerts(date(2026, 1, 21)) == [("chatgpt-4o-latest", 30, date(2026, 1, 21))]
    [row] = Delivery.objects.all()
    assert compose.compose(row).subject.startswith("chatgpt-4o-latest shuts down in 27 days (")


def test_no_alert_after_the_shutdown_date():
    factories.entry(shutdown=date(2026, 2, 17))
    subscriber(lead_times=[1])
    assert due_alerts(date(2026, 2, 18)) == []
    assert due_alerts(date(2026, 2, 17)) == [("chatgpt-4o-latest", 1, date(2026, 2, 17))]


def test_only_the_chosen_lead_times_and_each_once():
    factories.entry(shutdown=date(2026, 2, 17))
    subscriber(lead_times=[90, 7])
    for day in range(0, 120):
        alerts.record_alerts(date(2025, 11, 1) + timedelta(days=day), replay=False)
    assert sorted((m.lead_days, row.as_of) for row, m in told()) == [
        (7, date(2026, 2, 10)), (90, date(2025, 11, 19))]


def test_subscribers_with_the_same_choices_share_the_work_and_each_gets_exactly_their_own():
    """The run finds the alerts once per group of subscribers with the same lead times,
    follows, recent alert messages and (in real time) recent confirmation day, and hands
    them out; each subscriber must get exactly what the rule gives them alone, which
    ``_alert_pairs`` (the listing of ``send_alerts --dry-run``) computes pair by pair."""
    day = date(2026, 3, 10)
    for n, (lead, late) in enumerate([(90, 0), (30, 1), (30, 0), (7, 2), (7, 0), (1, 3)]):
        factories.entry(f"model-{n}", vendor_slug=("openai", "anthropic")[n % 2],
                        shutdown=day + timedelta(days=lead - late), announced=None)
    factories.entry("gpt-4o-2024-05-13", shutdown=day + timedelta(days=30), announced=None)
    Change.objects.update(changed_at=datetime(2025, 6, 1, tzinfo=UTC))  # old news
    pick = random.Random(7)
    # Confirmed, but with no confirmation day (the admin, an import): never told in real time.
    odd = subscriber("odd@example.com")
    Subscriber.objects.filter(pk=odd.pk).update(confirmed_on=None)
    odd.refresh_from_db()
    people = [odd, subscriber("first@example.com")]  # everything, default lead times
    for n in range(60):
        follows = pick.choice([{}, {"vendors": ["openai"]}, {"models": ["gpt-4o"]},
                               {"vendors": ["anthropic"], "models": ["gpt-4o"]}])
        leads = pick.choice([[90, 30, 7, 1], [30, 7], [7, 1], [90, 30, 7, 1]])
        confirmed = pick.choice([date(2025, 1, 1), date(2025, 1, 1), day - timedelta(days=1),
                                 day - timedelta(days=3), day])
        people.append(subscriber(f"s{n}@example.com", confirmed_on=confirmed,
                                 lead_times=leads, **follows))
    # A day earlier, a third were not confirmed yet: the same choices, other messages.
    later = people[2::3]
    people += [subscriber(f"plain{n}@example.com") for n in range(4)]  # as "first"
    Subscriber.objects.filter(pk__in=[p.pk for p in later]).update(status="pending")
    alerts.record_alerts(day - timedelta(days=1), replay=False)
    Subscriber.objects.filter(pk__in=[p.pk for p in later]).update(status="confirmed")

    sql, params = alerts._alert_pairs(day, False)
    expected = {p.pk: set() for p in people}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT subscriber_id, retirement_id, lead_days FROM ({sql}) due", params)
        for person, entry, lead in cursor.fetchall():
            expected[person].add((entry, lead))
    groups, params = alerts._alert_groups(day, False)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT subscriber_id, rep FROM ({groups}) g", params)
        rep = dict(cursor.fetchall())
    due = alerts.record_alerts(day, replay=False)

    got = {p.pk: set() for p in people}
    for row, m in told():
        if row.as_of == day:
            got[row.subscriber_id].add((m.retirement_id, m.lead_days))
    assert got == expected
    assert due.alerts == sum(map(len, expected.values())) > 20
    assert len({frozenset(v) for v in expected.values()}) > 3  # not one answer for all
    alike = [p.pk for p in people if p.confirmed_on == date(2025, 1, 1) and p not in later
             and p.lead_mask == people[1].lead_mask and not p.follow_set.exists()]
    assert len(alike) > 4 and len({rep[pk] for pk in alike}) == 1  # shared
    assert rep[odd.pk] == odd.pk and expected[odd.pk] == set()
    assert len(set(rep.values())) < len(people)


def test_a_new_subscriber_gets_no_backlog_in_real_time():
    factories.entry(shutdown=date(2026, 2, 17))  # alert days: 19 Nov, 18 Jan, 10 Feb, 16 Feb
    factories.entry("gpt-4o-2024-05-13", shutdown=date(2026, 2, 18), announced=None)
    subscriber(confirmed_on=date(2026, 1, 18), lead_times=[30])
    # On the confirmation day the welcome email lists both: no alert for the one due today,
    # and none for one whose catch-up window is still open.
    assert due_alerts(date(2026, 1, 18)) == []
    assert due_alerts(date(2026, 1, 19)) == [("gpt-4o-2024-05-13", 30, date(2026, 1, 19))]


def test_a_replayed_day_ignores_when_subscribers_confirmed(settings):
    settings.DEPCAL_TODAY = "2026-11-25"
    factories.entry(shutdown=date(2026, 2, 17))
    subscriber(confirmed_on=date(2026, 11, 25), lead_times=[30])
    assert alerts.is_replay(date(2026, 1, 18)) and not alerts.is_replay(date(2026, 11, 25))
    assert alerts.record_alerts(date(2026, 1, 18)).alerts == 1  # replay: sent to them
    assert alerts.record_alerts(date(2026, 1, 18)).alerts == 0  # and only once


def test_an_entry_already_retired_in_real_time_can_be_replayed(settings):
    settings.DEPCAL_TODAY = "2026-11-25"
    entry = factories.entry(shutdown=date(2026, 2, 17))
    changes.refresh_statuses(date(2026, 11, 25))
    assert Retirement.objects.get(pk=entry.pk).status == "retired"
    subscriber(lead_times=[30])
    assert alerts.record_alerts(date(2026, 1, 18)).alerts == 1


def test_withdrawn_unpublished_and_unfollowed_entries_are_not_alerted():
    withdrawn = factories.entry(shutdown=date(2026, 2, 17))
    changes.withdraw(withdrawn)
    factories.entry("draft", shutdown=date(2026, 2, 17), published=False)
    factories.entry("claude-2", vendor_slug="anthropic", shutdown=date(2026, 2, 17))
    subscriber(lead_times=[30], vendors=["openai"])
    assert due_alerts(date(2026, 1, 18)) == []


def test_a_moved_date_gives_a_change_email_and_alerts_for_the_new_date():
    entry = factories.entry(shutdown=date(2026, 2, 17))
    subscriber(lead_times=[30, 7])
    assert alerts.record_alerts(date(2026, 1, 18), replay=False).alerts == 1
    changes.move_date(entry, "shutdown_on", date(2026, 3, 17))
    due = alerts.record_alerts(date(2026, 1, 19), replay=False)
    assert (due.alerts, due.changes) == (0, 1)
    change = Delivery.objects.get(kind="change")
    message = compose.compose(change)
    assert message.subject == ("chatgpt-4o-latest: shutdown moved to 17 Mar 2026 "
                               "(was 17 Feb 2026) - move to gpt-5.1-chat-latest")
    assert alerts.record_alerts(date(2026, 1, 19), replay=False).total == 0
    assert due_alerts(date(2026, 2, 15)) == [("chatgpt-4o-latest", 30, date(2026, 1, 18)),
                                             ("chatgpt-4o-latest", 30, date(2026, 2, 15))]


def test_an_edit_that_does_not_move_the_shutdown_sends_nothing_new():
    entry = factories.entry(shutdown=date(2026, 2, 17))
    subscriber(lead_times=[30])
    assert alerts.record_alerts(date(2026, 1, 18), replay=False).alerts == 1
    changes.move_date(entry, "announced_on", date(2025, 11, 19))  # bumps the revision
    assert alerts.record_alerts(date(2026, 1, 19), replay=False).total == 0


def test_a_withdrawal_gives_one_change_email_and_the_waiting_alert_is_skipped():
    entry = factories.entry(shutdown=date(2026, 2, 17))
    subscriber(lead_times=[30])
    alerts.record_alerts(date(2026, 1, 18), replay=False)
    changes.withdraw(entry)
    assert alerts.record_alerts(date(2026, 1, 18), replay=False).changes == 1
    report = send.send_pending()
    assert (report.sent, report.skipped) == (1, 1)
    [message] = outbox.outbox
    assert message.subject == "chatgpt-4o-latest: retirement withdrawn (was 17 Feb 2026)"
    assert "withdrawn by the vendor" in message.body


def test_changes_before_confirmation_are_not_sent():
    entry = factories.entry(shutdown=date(2026, 2, 17))
    changes.move_date(entry, "shutdown_on", date(2026, 3, 1))
    subscriber(confirmed_on=date(2026, 11, 25), lead_times=[30])
    Subscriber.objects.update(confirmed_at=datetime.now(UTC) + timedelta(seconds=1))
    assert alerts.record_alerts(date(2026, 1, 19), replay=False).changes == 0


def test_a_new_entry_is_announced_to_those_who_follow_its_model_or_vendor():
    everything = subscriber("all@example.com")
    by_model = subscriber("model@example.com", models=["gpt-4o"])
    by_vendor = subscriber("vendor@example.com", vendors=["anthropic"])
    factories.entry("gpt-4o-2024-05-13", shutdown=date(2026, 6, 30), announced=None)
    alerts.record_alerts(date(2026, 1, 10), replay=False)
    assert [row.subscriber_id for row, _ in told("change")] == [by_model.pk]
    message = compose.compose(Delivery.objects.get(kind="change"))
    assert message.subject == ("New: gpt-4o-2024-05-13 shuts down 30 Jun 2026 - move to "
                               "gpt-5.1-chat-latest")
    assert everything and by_vendor


def test_several_changes_of_one_entry_make_one_email():
    entry = factories.entry(shutdown=date(2026, 2, 17))
    subscriber()
    changes.move_date(entry, "shutdown_on", date(2026, 3, 1))
    changes.move_date(entry, "shutdown_on", date(2026, 3, 15))
    assert alerts.record_alerts(date(2026, 1, 10), replay=False).changes == 1
    message = compose.compose(Delivery.objects.get(kind="change"))
    assert "from 17 Feb 2026 to 1 Mar 2026" in message.body
    assert "from 1 Mar 2026 to 15 Mar 2026" in message.body


def test_the_follow_rule_in_sql_is_the_same_as_the_site_filter():
    factories.entry()
    factories.entry("gpt-4o-2024-05-13", shutdown=date(2026, 6, 30), announced=None)
    factories.entry("gpt-4o-mini", shutdown=date(2026, 7, 1), announced=None)
    factories.entry("gpt-4", shutdown=date(2026, 7, 2), announced=None, aliases=["gpt-4-0613"])
    factories.entry("chatgpt-4o-0806", shutdown=date(2026, 7, 1), announced=None,
                    aliases=["chatgpt-legacy"])
    factories.entry("anthropic.claude-3-opus-20240229-v1:0", vendor_slug="bedrock",
                    shutdown=date(2026, 1, 5), announced=None)
    factories.entry("claude-3-opus-20240229", vendor_slug="anthropic", shutdown=date(2026, 1, 5),
                    announced=None, aliases=["claude-3-opus-latest"])
    filters = [
        {}, {"vendors": ["openai"]}, {"models": ["gpt-4o"]}, {"models": ["GPT-4"]},
        {"models": ["chatgpt-legacy"]}, {"models": ["claude-3-opus"]},
        {"models": ["anthropic.claude-3-opus"]}, {"models": ["gpt"]},
        {"vendors": ["anthropic", "bedrock"], "models": ["claude-3-opus"]},
        {"vendors": ["openai"], "models": ["claude-3-opus"]}, {"models": ["gpt-4-0613", "x%"]},
        {"models": ["gpt_4o"]},
    ]
    people = [subscriber(f"s{n}@example.com", **f) for n, f in enumerate(filters)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT s.id, d.id FROM {alerts.T['subscriber']} s, {alerts.T['retirement']} d "
            f"{alerts.ENTRY_JOIN} WHERE {alerts.follows_sql()}")
        sql_pairs = set(cursor.fetchall())
    for person, chosen in zip(people, filters, strict=True):
        expected = set(queries.filter_retirements(Retirement.objects.all(), **chosen)
                       .values_list("pk", flat=True))
        got = {d for s, d in sql_pairs if s == person.pk}
        assert got == expected, chosen


def test_the_follow_rule_joined_once_is_the_rule_looked_up_per_pair():
    # The due queries join each subscriber's follows and each offering's names once; the
    # same rule looked up per pair (what the test above compares with the site) must agree.
    factories.entry("gpt-4o-2024-05-13", shutdown=date(2026, 6, 30), announced=None)
    factories.entry("gpt-4", shutdown=date(2026, 7, 2), announced=None, aliases=["gpt-4-0613"])
    factories.entry("claude-3-opus-20240229", vendor_slug="anthropic", shutdown=date(2026, 1, 5),
                    announced=None, aliases=["claude-3-opus-latest"])
    for n, chosen in enumerate([{}, {"vendors": ["openai"]}, {"models": ["gpt-4o"]},
                                {"models": ["gpt-4-0613", "claude-3-opus"]},
                                {"vendors": ["anthropic"], "models": ["gpt-4o", "claude-3"]}]):
        subscriber(f"s{n}@example.com", **chosen)
    pairs = {}
    for name, joins, rule in (
            ("per pair", alerts.ENTRY_JOIN, alerts.follows_sql()),
            ("joined", alerts._keyed_entry_join() + " " + alerts._followed_join(),
             alerts._follows())):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT s.id, d.id FROM {alerts.T['subscriber']} s "
                           f"CROSS JOIN {alerts.T['retirement']} d {joins} WHERE {rule}")
            pairs[name] = set(cursor.fetchall())
    assert pairs["per pair"] == pairs["joined"]
    assert 0 < len(pairs["joined"]) < 5 * 3


def test_the_due_computation_takes_the_same_queries_for_any_number_of_subscribers():
    factories.entry(shutdown=date(2026, 2, 17))
    factories.entry("gpt-4o-2024-05-13", shutdown=date(2026, 2, 17), announced=None)
    subscriber("first@example.com")
    with CaptureQueriesContext(connection) as few:
        assert alerts.record_alerts(date(2026, 1, 18), replay=False).alerts == 2
    for n in range(40):
        subscriber(f"s{n}@example.com", models=["gpt-4o"] if n % 2 else ())
    with CaptureQueriesContext(connection) as many:
        assert alerts.record_alerts(date(2026, 1, 18), replay=False).alerts == 60
    # Besides the lock, and the statistics after the commit (a test of their own).
    statements = [[" ".join(q["sql"].split()[:3]) for q in run.captured_queries
                   if not any(word in q["sql"] for word in (
                       "SAVEPOINT", "pg_advisory", "reltuples", "lock_timeout", "ANALYZE"))]
                  for run in (few, many)]
    # The mentions alerts and changes may tell (a few rows, whatever the number of
    # subscribers), then the messages numbered and counted, their distinct lists of what
    # they tell and the messages (one statement on PostgreSQL): nothing per subscriber and
    # entry is written, and nothing is updated afterwards.
    mention, delivery = Mention._meta.db_table, Delivery._meta.db_table
    lists = MentionList._meta.db_table
    made = (["WITH made AS"] if connection.vendor == "postgresql" else [
        "SELECT COALESCE(MAX(id), 0)", f"INSERT INTO {lists}", f"INSERT INTO {delivery}"])
    assert statements[0] == statements[1] == [
        f"INSERT INTO {mention}", f"INSERT INTO {mention}", "CREATE TEMPORARY TABLE",
        "SELECT kind, COUNT(*),", *made, f"DROP TABLE {alerts.FOUND}"]
    assert Mention.objects.filter(kind="alert").count() == 2
    assert Delivery.objects.filter(kind="alert").count() == 41  # one per subscriber
    assert sum(len(row.mention_ids) for row in Delivery.objects.filter(kind="alert")) == 2 + 60
    assert not Delivery.objects.filter(kind="alert", mention_list=None).exists()
    # Shared: the first run's list of both alerts, then the second run's of both and of one.
    alerted = Mention.objects.filter(kind="alert")
    made = MentionList.objects.filter(pk__in=Delivery.objects.filter(kind="alert").values(
        "mention_list"))
    assert sorted(sorted(ids) for ids in made.values_list("mention_ids", flat=True)) == sorted(
        [sorted(alerted.values_list("pk", flat=True))] * 2 + [[alerted.get(
            retirement__offering__identifier="gpt-4o-2024-05-13").pk]])


def _failing_at(statement: str):
    """A database hook that fails the first statement holding ``statement``, as a crash
    between two statements of a run would stop it."""
    def hook(execute, sql, params, many, context):
        if statement in " ".join(sql.split()):
            raise RuntimeError(f"stopped before: {statement}")
        return execute(sql, params, many, context)
    return hook


@pytest.mark.parametrize("statement", [
    f"INSERT INTO {Mention._meta.db_table} ", "CREATE TEMPORARY TABLE",
    f"INSERT INTO {MentionList._meta.db_table} ", f"INSERT INTO {Delivery._meta.db_table} ",
    "DROP TABLE"])
def test_a_run_stopped_between_statements_leaves_nothing_and_the_next_records_all(statement):
    factories.entry(shutdown=date(2026, 2, 17))
    factories.entry("gpt-4o-2024-05-13", shutdown=date(2026, 2, 17), announced=None)
    for n in range(3):
        subscriber(f"s{n}@example.com")
    with connection.execute_wrapper(_failing_at(statement)), pytest.raises(RuntimeError):
        alerts.record_alerts(date(2026, 1, 18), replay=False)
    assert not Mention.objects.exists() and not Delivery.objects.exists()
    assert not MentionList.objects.exists()
    assert alerts.record_alerts(date(2026, 1, 18), replay=False).messages == 3
    assert alerts.record_alerts(date(2026, 1, 18), replay=False).total == 0  # again: nothing
    assert Mention.objects.filter(kind="alert").count() == 2  # shared by the three
    assert sorted(Delivery.objects.values_list("subscriber__email", "revision")) == [
        (f"s{n}@example.com", 1) for n in range(3)]
    assert len(told()) == 6


def test_deleting_an_entry_deletes_its_mentions_and_messages_tell_the_rest():
    kept = factories.entry(shutdown=date(2026, 2, 17))
    gone = factories.entry("gpt-4o-2024-05-13", shutdown=date(2026, 2, 17), announced=None)
    leaving, staying = subscriber("leaving@example.com"), subscriber("staying@example.com")
    alerts.record_alerts(date(2026, 1, 18), replay=False)
    alerted = Mention.objects.filter(kind="alert")
    assert alerted.count() == 2
    assert [sorted(row.mention_ids) for row in Delivery.objects.all()] == [
        sorted(alerted.values_list("pk", flat=True))] * 2
    leaving.delete()
    assert list(Delivery.objects.values_list("subscriber", flat=True)) == [staying.pk]
    Retirement.objects.filter(pk=gone.pk).delete()
    assert set(Mention.objects.values_list("retirement", flat=True)) == {kept.pk}
    row = Delivery.objects.get()
    compose.prepare([row])
    assert [m.retirement_id for m in row.told] == [kept.pk]
    assert "gpt-4o-2024-05-13" not in compose.compose(row).body


@pytest.mark.parametrize("kind", ["alert", "change"])
def test_an_entry_changed_between_a_runs_statements_waits_for_the_next_run(kind):
    """On PostgreSQL each statement of a run reads what other transactions committed before
    it began, so an entry can change after the run made its mentions: its new date (an
    alert) or revision (a change) has no mention yet. The run leaves it out, never listing
    a mention that does not exist, and the next run (a change always brings one) tells it."""
    entry = factories.entry(shutdown=date(2026, 2, 17))
    subscriber(lead_times=[30])
    if kind == "change":
        changes.move_date(entry, "shutdown_on", date(2026, 3, 1))
        today, moved = date(2026, 1, 10), {"revision": F("revision") + 1}
    else:
        Change.objects.update(changed_at=datetime(2025, 6, 1, tzinfo=UTC))  # old news
        today, moved = date(2026, 1, 18), {"shutdown_on": date(2026, 2, 16)}

    def meanwhile(execute, sql, params, many, context):
        if sql.startswith("CREATE TEMPORARY TABLE"):  # as another transaction would
            Retirement.objects.filter(pk=entry.pk).update(**moved)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(meanwhile):
        assert alerts.record_alerts(today, replay=False).total == 0
    assert not Delivery.objects.exists()
    assert alerts.record_alerts(today, replay=False).total == 1
    [(row, told_)] = told(kind)
    entry.refresh_from_db()
    assert (told_.retirement_id, told_.shutdown_on) == (entry.pk, entry.shutdown_on)
    assert told_.revision == entry.revision or kind == "alert"


def test_lists_made_with_ids_below_the_largest_one_still_reach_their_messages():
    """A ledger restored with its rows but not its id sequence: PostgreSQL then gives new
    lists ids below those already there."""
    factories.entry(shutdown=date(2026, 2, 17))
    for n in range(3):
        subscriber(f"s{n}@example.com")
    MentionList.objects.create(pk=10**6, mention_ids=[])
    assert alerts.record_alerts(date(2026, 1, 18), replay=False).messages == 3
    assert Delivery.objects.filter(kind="alert", mention_list__isnull=False).count() == 3
    assert len(told()) == 3


@pytest.mark.django_db(transaction=True)  # ANALYZE reads committed rows
def test_a_run_that_grows_the_ledger_by_a_tenth_refreshes_the_planners_count():
    """Else the next run is planned for the smaller ledger: at 2,000 subscribers it scanned
    the ledger once per subscriber and entry (bench due)."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's planner keeps no row counts unless asked")

    def counted() -> float:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = CAST(%s AS regclass)",
                           [Delivery._meta.db_table])
            return cursor.fetchone()[0]

    with connection.cursor() as cursor:  # an empty ledger counted as such
        cursor.execute(f"ANALYZE {Delivery._meta.db_table}")
    assert counted() == 0
    factories.entry(shutdown=date(2026, 2, 17))
    for n in range(30):
        subscriber(f"s{n}@example.com")
    assert alerts.record_alerts(date(2026, 1, 18), replay=False).messages == 30
    assert counted() == Delivery.objects.count() == 30
    # Two more messages: under a tenth of 30 rows, the count stays as it was.
    for n in range(2):
        subscriber(f"late{n}@example.com")
    assert alerts.record_alerts(date(2026, 1, 18), replay=False).messages == 2
    assert counted() == 30
    # Four more, over a tenth of 30: counted again.
    for n in range(4):
        subscriber(f"later{n}@example.com")
    assert alerts.record_alerts(date(2026, 1, 18), replay=False).messages == 4
    assert counted() == Delivery.objects.count() == 36


@pytest.mark.django_db(transaction=True)  # two connections, real commits
def test_a_ledger_locked_by_maintenance_leaves_its_statistics_for_later_and_records_all(
        caplog):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's planner keeps no row counts unless asked")
    factories.entry(shutdown=date(2026, 2, 17))
    for n in range(3):
        subscriber(f"s{n}@example.com")
    maintenance = connections.create_connection("default")
    try:
        with maintenance.cursor() as cursor:  # what a VACUUM holds, in a transaction
            # Let go after 20 s if the run waits for it after all: a failure, not a hang.
            cursor.execute("SET idle_in_transaction_session_timeout = '20s'")
            cursor.execute("BEGIN")
            cursor.execute(f"LOCK TABLE {Delivery._meta.db_table} IN SHARE UPDATE EXCLUSIVE "
                           f"MODE")
            assert alerts.record_alerts(date(2026, 1, 18), replay=False).messages == 3
            cursor.execute("ROLLBACK")
    finally:
        maintenance.close()
    assert Delivery.objects.filter(kind="alert").count() == 3
    assert "statistics were not refreshed" in caplog.text and "lock timeout" in caplog.text


@pytest.mark.django_db(transaction=True)  # two connections, real commits
def test_two_runs_at_once_record_each_mention_once():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time by itself")
    factories.entry(shutdown=date(2026, 2, 17))
    factories.entry("gpt-4o-2024-05-13", shutdown=date(2026, 2, 17), announced=None)
    for n in range(3):
        subscriber(f"s{n}@example.com")
    start, found, errors = threading.Barrier(2), [], []

    def run():
        try:
            start.wait()
            found.append(alerts.record_alerts(date(2026, 1, 18), replay=False))
        except Exception as error:  # noqa: BLE001 - what the assertion below shows
            errors.append(error)
        finally:
            connections.close_all()

    runs = [threading.Thread(target=run) for _ in range(2)]
    for thread in runs:
        thread.start()
    for thread in runs:
        thread.join()
    assert errors == []
    assert sorted((due.alerts, due.messages) for due in found) == [(0, 0), (6, 3)]
    assert Mention.objects.filter(kind="alert").count() == 2 and Delivery.objects.count() == 3
    assert len(told()) == 6


def test_weekly_digests_are_due_from_monday_for_three_days_and_daily_ones_every_day():
    factories.entry(shutdown=date(2026, 2, 17))
    subscriber("weekly@example.com", digest="weekly")
    subscriber("daily@example.com", digest="daily")
    subscriber("none@example.com", digest="none")
    days = {date(2026, 1, 12) + timedelta(days=n): n for n in range(7)}  # Monday..Sunday
    counts = {day: alerts.record_digests(day, replay=False).digests for day in days}
    assert counts == {date(2026, 1, 12): 2, date(2026, 1, 13): 1, date(2026, 1, 14): 1,
                      date(2026, 1, 15): 1, date(2026, 1, 16): 1, date(2026, 1, 17): 1,
                      date(2026, 1, 18): 1}
    assert alerts.record_digests(date(2026, 1, 16), replay=False).digests == 0  # re-run
    assert not Delivery.objects.filter(subscriber__email="none@example.com").exists()
    assert alerts.digest_period("weekly", date(2026, 1, 15)) == date(2026, 1, 12)
    assert alerts.digest_period("weekly", date(2026, 1, 16)) is None  # Friday: dropped


def test_a_digest_lists_what_is_coming_and_what_changed_since_the_last_one():
    entry = factories.entry(shutdown=date(2026, 2, 17))
    factories.entry("far-away", shutdown=date(2026, 12, 1), announced=None)
    subscriber(digest="daily")
    alerts.record_digests(date(2026, 1, 12), replay=False)
    first = compose.compose(Delivery.objects.get(kind="digest"))
    assert first.subject == ("depcal daily digest: 1 shutdown in the next 90 days: "
                             "chatgpt-4o-latest, 17 Feb 2026 (2 changes)")
    assert send.send_pending().sent == 1
    changes.move_date(entry, "shutdown_on", date(2026, 2, 20))
    alerts.record_digests(date(2026, 1, 13), replay=False)
    second = compose.compose(Delivery.objects.filter(kind="digest").latest("id"))
    assert "(1 change)" in second.subject
    assert "chatgpt-4o-latest (Openai): shutdown moved from 17 Feb 2026 to 20 Feb 2026" in (
        second.body)
    assert "far-away" not in second.body


def test_nothing_to_say_means_no_digest():
    factories.entry(shutdown=date(2026, 12, 1))  # more than 90 days away
    Change.objects.update(changed_at=datetime(2025, 6, 1, tzinfo=UTC))  # and no news since
    subscriber(digest="daily")
    assert alerts.record_digests(date(2026, 1, 12), replay=False).digests == 0
    Change.objects.update(changed_at=datetime(2026, 1, 11, 12, tzinfo=UTC))
    assert alerts.record_digests(date(2026, 1, 12), replay=False).digests == 1


def test_digests_have_no_backlog_in_real_time_either():
    factories.entry(shutdown=date(2026, 2, 17))
    subscriber(confirmed_on=date(2026, 1, 13), digest="weekly")
    assert alerts.record_digests(date(2026, 1, 13), replay=False).digests == 0
    assert alerts.record_digests(date(2026, 1, 13), replay=True).digests == 1


def test_send_alerts_twice_for_a_day_sends_once_and_dry_run_records_nothing():
    factories.entry(shutdown=date(2026, 2, 17))
    subscriber(lead_times=[30])
    dry = StringIO()
    call_command("send_alerts", today="2026-01-18", dry_run=True, stdout=dry)
    assert "due 1 (dry run" in dry.getvalue() and "ada@example.com: alert chatgpt-4o-latest" in (
        dry.getvalue())
    assert not Delivery.objects.exists() and not outbox.outbox
    first, second = StringIO(), StringIO()
    call_command("send_alerts", today="2026-01-18", stdout=first)
    call_command("send_alerts", today="2026-01-18", stdout=second)
    assert "due 1 in 1 message, sent 1, skipped 0, failed 0" in first.getvalue()
    assert "due 0 in 0 messages, sent 0, skipped 0, failed 0" in second.getvalue()
    assert len(outbox.outbox) == 1


def test_send_digests_command_and_a_bad_date(settings):
    factories.entry(shutdown=date(2026, 2, 17))
    subscriber(digest="weekly")
    out = StringIO()
    call_command("send_digests", today="2026-01-12", stdout=out)
    assert "due 1 in 1 message, sent 1" in out.getvalue()
    assert outbox.outbox[0].subject.startswith("depcal weekly digest: 1 shutdown")
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("send_alerts", today="18/01/2026")


def test_the_admin_shows_what_a_message_tells(admin_client):
    factories.entry(shutdown=date(2026, 2, 17))
    factories.entry("gpt-4o-2024-05-13", shutdown=date(2026, 2, 17), announced=None)
    subscriber()
    alerts.record_alerts(date(2026, 1, 18), replay=False)
    row = Delivery.objects.get(kind="alert")
    MentionList.objects.bulk_create(MentionList(mention_ids=[n]) for n in range(50))
    with CaptureQueriesContext(connection) as queries:
        page = admin_client.get(f"/admin/notifier/delivery/{row.pk}/change/").content.decode()
    assert "chatgpt-4o-latest (alert of" in page and "gpt-4o-2024-05-13 (alert of" in page
    assert "30 days before 2026-02-17" in page
    # What it tells, not a choice among every list ever made.
    assert 'name="mention_list"' not in page
    assert not [q for q in queries.captured_queries if "WHERE" not in q["sql"]
                and f'FROM "{MentionList._meta.db_table}"' in q["sql"]]
