"""Which messages are due: set-based inserts into the delivery ledger.

Each rule is one ``SELECT`` over subscribers joined with the catalogue: no Python loop over
subscribers. What alerts and changes tell are ``Mention`` rows, one per thing told, shared by
every subscriber told it. A run, serialised with any other, makes the mentions its rules need
(a few hundred rows at most, unique), then inserts one message per subscriber and kind that
lists the mentions the subscriber was not told yet (``_record``), so running it again (or twice
at once) inserts nothing new. Digests are one ``INSERT ... ON CONFLICT DO NOTHING`` per
cadence. Sending is ``notifier.send``'s job.

Who follows what (``follows_sql``) and which changes are told (``NOTABLE``) are defined here
once, for the ledger and for what the messages list.

The rules, for a day ``today`` (a calendar date):

Lead-time alerts
    For a confirmed subscriber, an entry they follow (published, not withdrawn) and a lead
    time L they chose, the alert day is ``shutdown_on - L``. The alert is due on that day and
    stays due for ``CATCH_UP_DAYS`` more days, so a sender that was down catches up; after
    that it is dropped. It is never due once the shutdown date has passed. Told once per
    (subscriber, entry, L, shutdown date): a moved date gives new alerts, other edits do not.
    Every entry one run finds for a subscriber goes in one email. Since an alert is due only
    within those days, a run looks for what was told among the alert messages of the days
    around ``today``, not the whole ledger.

No backlog (real time only)
    A subscriber who confirms on day C gets a welcome email listing what already falls within
    their lead times; lead-time alerts whose alert day is on or before C are not sent to them.
    This compares alert days with the confirmation date only when ``today`` is the real today
    (``clock.today()``). For any other day (``send_alerts --today``, a replay), when a
    subscriber confirmed is ignored: every subscriber confirmed now counts as confirmed before
    that day, so replaying a past day sends what that day would have sent to everyone
    confirmed now. The ledger still prevents any message from going twice.

Change emails
    Told once per (subscriber, entry, revision) when an entry they follow had a notable
    change after they confirmed and in the last ``CATCH_UP_DAYS`` days before ``today``
    (calendar days, from midnight): the shutdown date moved, the entry was withdrawn or
    reinstated, or - for subscribers who chose vendors or models - a new entry appeared.
    Several changes of one entry since the last change email are told as one. Subscribers
    who follow everything hear of new entries in their digest and their lead-time alerts
    instead. The entries one run finds for a subscriber go in one email. Besides the hourly
    run, a run follows each committed change of the catalogue (``tasks.send_changes``).

Digests
    Weekly ones are due on Mondays, daily ones every day, each for ``CATCH_UP_DAYS`` more days;
    one per subscriber and period; only when something is coming within
    ``DIGEST_HORIZON_DAYS`` or something changed since the previous period began (the
    digest itself lists the changes since the previous digest). The no-backlog
    rule applies as for alerts: a period that started on or before the confirmation day is
    skipped in real time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from deprecations import clock, queries
from deprecations.models import Alias, Change, Offering, Retirement, Vendor
from deprecations.queries import FAMILY_SEPARATORS
from notifier.models import (
    LEAD_TIME_CHOICES,
    Delivery,
    Follow,
    Mention,
    MentionList,
    Subscriber,
    lead_bit,
)

log = logging.getLogger(__name__)

CATCH_UP_DAYS = 3
DIGEST_HORIZON_DAYS = 90

T = {
    "subscriber": Subscriber._meta.db_table,
    "follow": Follow._meta.db_table,
    "delivery": Delivery._meta.db_table,
    "mention": Mention._meta.db_table,
    "list": MentionList._meta.db_table,
    "retirement": Retirement._meta.db_table,
    "offering": Offering._meta.db_table,
    "vendor": Vendor._meta.db_table,
    "alias": Alias._meta.db_table,
    "change": Change._meta.db_table,
}

CONFIRMED = Subscriber.Status.CONFIRMED.value
DIGEST_RECORDED = "x.kind = 'digest' AND x.revision = {:d}"
WITHDRAWN = Retirement.Status.WITHDRAWN.value

# Columns every inserted row sets (Django's defaults live in Python, not the schema).
MENTION_COLUMNS = "kind, retirement_id, lead_days, shutdown_on, revision, created_at"
DELIVERY_COLUMNS = ("subscriber_id, kind, revision, as_of, status, attempts, next_attempt_at, "
                    "created_at, claim_token, claimed_by, message_id, last_error, mention_list_id")

# The history rows subscribers are told of: the shutdown date moved (or how it is given
# changed), the retirement was withdrawn or reinstated. A new entry (created, or published
# after review) is told too: in change emails to those who chose vendors or models, in digests
# to everyone.
NOTABLE = ((Change.Kind.MOVED.value, "shutdown_on"), (Change.Kind.WITHDRAWN.value, ""),
           (Change.Kind.REINSTATED.value, ""))
NEW = (Change.Kind.CREATED.value, Change.Kind.PUBLISHED.value)
NEW_SQL = "c.kind IN ({})".format(", ".join(f"'{kind}'" for kind in NEW))


def notable_q() -> Q:
    """``NOTABLE`` as an ORM filter on ``Change``."""
    q = Q()
    for kind, field in NOTABLE:
        q |= Q(kind=kind, **({"field": field} if field else {}))
    return q


def _notable(change: str = "c") -> str:
    """``NOTABLE`` as SQL on the change table aliased ``change``."""
    return "(" + " OR ".join(
        f"({change}.kind = '{kind}'" + (f" AND {change}.field = '{field}')" if field else ")")
        for kind, field in NOTABLE) + ")"


def told_changes(changes):
    """The history rows of ``changes`` that messages tell, oldest first, with their entries."""
    return list(changes.filter(notable_q() | Q(kind__in=NEW))
                .select_related("retirement__offering__vendor").order_by("changed_at", "id"))


def alert_stands(mention: Mention) -> bool:
    """An alert mention still says something true: its entry is published, not withdrawn,
    and shuts down on the date mentioned (otherwise a change message says what happened)."""
    entry = mention.retirement
    return (entry.published and entry.status != Retirement.Status.WITHDRAWN
            and entry.shutdown_on == mention.shutdown_on)


def changes_told(mentions: list[Mention], subscriber: Subscriber) -> list[tuple[Mention, list]]:
    """Each change mention of a published entry (its ``retirement`` loaded) with the history
    rows it tells the subscriber, oldest first: the ``told_changes`` after the subscriber's
    previous change mention of that entry, up to its revision (empty when there is nothing
    left to tell)."""
    mentions = [m for m in mentions
                if m.kind == Mention.Kind.CHANGE and m.retirement.published]
    if not mentions:
        return []
    entries = {m.retirement_id for m in mentions}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT m.retirement_id, m.revision "
            f"FROM ({_told('change', 'AND x.subscriber_id = %s')}) told "
            f"JOIN {T['mention']} m ON m.id = told.mention_id "
            f"WHERE m.retirement_id IN ({', '.join(['%s'] * len(entries))})",
            [subscriber.pk, *entries])
        earlier = cursor.fetchall()
    history = told_changes(Change.objects.filter(retirement__in=entries,
                                                 changed_at__gt=subscriber.confirmed_at))
    result = []
    for m in mentions:
        since = max((revision for entry, revision in earlier
                     if entry == m.retirement_id and revision < m.revision), default=0)
        result.append((m, [c for c in history if c.retirement_id == m.retirement_id
                           and since < c.revision <= m.revision]))
    return result


def is_replay(today: date) -> bool:
    """A run for another day than the real one: confirmation dates are ignored."""
    return today != clock.today()


@dataclass
class Due:
    """What one computation found (and, unless dry, inserted): entries at a lead time and
    changes to tell (counted once per subscriber told), digests, and the messages they went
    in."""

    alerts: int = 0
    changes: int = 0
    digests: int = 0
    messages: int = 0

    @property
    def total(self) -> int:
        return self.alerts + self.changes + self.digests


# SQL fragments. Aliases: s subscriber, d deprecation, o offering, v vendor.

def _names_of(offering: str) -> str:
    """SQL: the lowercased identifier and aliases of offering ``offering``, as rows ``n``."""
    return (f"SELECT LOWER(i.identifier) AS n FROM {T['offering']} i WHERE i.id = {offering} "
            f"UNION SELECT LOWER(a.name) FROM {T['alias']} a WHERE a.offering_id = {offering}")


def keys_sql(offering: str = "o.id") -> str:
    """SQL: the array of every model name that selects offering ``offering`` (lowercased): its
    identifier and aliases, and each of their prefixes that a family separator follows
    (``gpt-4o-2024-05-13`` gives ``gpt``, ``gpt-4o``, ``gpt-4o-2024``, ...). A followed name
    selects the offering when it is one of these, which makes the model rule an equality."""
    seps = ", ".join(f"'{sep}'" for sep in FAMILY_SEPARATORS)
    return (f"ARRAY(SELECT names.n FROM ({_names_of(offering)}) names "
            f"UNION SELECT SUBSTR(names.n, 1, k - 1) FROM ({_names_of(offering)}) names, "
            f"generate_series(1, LENGTH(names.n)) k WHERE SUBSTR(names.n, k, 1) IN ({seps}))")


# What each subscriber follows, one row per subscriber who follows anything (arrays are NULL
# when none of a kind): what the due queries join once instead of looking up each pair.
FOLLOWED = (f"SELECT subscriber_id, "
            f"ARRAY_AGG(value::text) FILTER (WHERE kind = 'vendor') AS vendors, "
            f"ARRAY_AGG(value::text) FILTER (WHERE kind = 'model') AS models "
            f"FROM {T['follow']} GROUP BY subscriber_id")


def follows_sql(followed: str | None = None, keys: str | None = None,
                vendor: str = "v.slug") -> str:
    """True when subscriber s follows entry d of offering o and vendor v (vendors by slug;
    models by identifier, alias or family prefix; no rows of a kind = all): the one rule the
    ledger and the messages use. By default each pair is looked up in the follow table. On
    PostgreSQL, a query that decides millions of pairs at once passes ``followed``, a joined
    ``FOLLOWED`` row of s, and ``keys``, a column holding ``keys_sql()`` of o: the same rule
    as array comparisons, both arrays made once per statement (a test keeps the two forms
    in step; SQLite, which has no arrays and serves small sites, always looks up).

    The site's filters (``queries.filter_retirements``, the private calendar) match the same way
    and a test keeps them in step with this. They stay two texts because this one must
    decide every (subscriber, entry) pair in one statement, where the ORM's filter tests one
    list of names against the entries."""
    if followed is None or not _postgres():
        return _follows_per_pair()
    return (f"({followed}.vendors IS NULL OR {vendor}::text = ANY({followed}.vendors)) "
            f"AND ({followed}.models IS NULL OR {followed}.models && {keys})")


def _name_match(column: str) -> str:
    """``column`` (lowercased) equals f.value or starts with it plus a family separator."""
    seps = ", ".join(f"'{sep}'" for sep in FAMILY_SEPARATORS)
    return (f"({column} = f.value OR (SUBSTR({column}, 1, LENGTH(f.value)) = f.value "
            f"AND SUBSTR({column}, LENGTH(f.value) + 1, 1) IN ({seps})))")


def _follows_per_pair() -> str:
    mine = f"SELECT 1 FROM {T['follow']} f WHERE f.subscriber_id = s.id"
    alias = (f"EXISTS (SELECT 1 FROM {T['alias']} a WHERE a.offering_id = o.id "
             f"AND {_name_match('LOWER(a.name)')})")
    return (
        f"(NOT EXISTS ({mine} AND f.kind = 'vendor') "
        f"OR EXISTS ({mine} AND f.kind = 'vendor' AND f.value = v.slug)) "
        f"AND (NOT EXISTS ({mine} AND f.kind = 'model') "
        f"OR EXISTS ({mine} AND f.kind = 'model' "
        f"AND ({_name_match('LOWER(o.identifier)')} OR {alias})))"
    )


def _postgres() -> bool:
    return connection.vendor == "postgresql"


ENTRY_JOIN = (f"JOIN {T['offering']} o ON o.id = d.offering_id "
              f"JOIN {T['vendor']} v ON v.id = o.vendor_id")


def _keyed_entry_join() -> str:
    """ENTRY_JOIN with o.keys (``keys_sql``) made once per offering, on PostgreSQL: OFFSET 0
    keeps it from folding the subquery into the join, which would make the keys again for
    every row."""
    if not _postgres():
        return ENTRY_JOIN
    return (f"JOIN (SELECT o.id, o.vendor_id, {keys_sql()} AS keys "
            f"FROM {T['offering']} o OFFSET 0) o ON o.id = d.offering_id "
            f"JOIN {T['vendor']} v ON v.id = o.vendor_id")


def _followed_join() -> str:
    """``FOLLOWED`` joined to s as fl, on PostgreSQL; fl.subscriber_id is NULL (or, without
    arrays, looked up) when s follows nothing."""
    if not _postgres():
        return (f"LEFT JOIN (SELECT DISTINCT subscriber_id FROM {T['follow']}) fl "
                f"ON fl.subscriber_id = s.id")
    return f"LEFT JOIN ({FOLLOWED}) fl ON fl.subscriber_id = s.id"


def _follows() -> str:
    """``follows_sql`` over the joins above."""
    return follows_sql("fl", "o.keys")


def followed_retirements(subscriber: Subscriber):
    """The published entries a subscriber follows, by ``follows_sql``."""
    mine = (f"SELECT d.id FROM {T['retirement']} d {ENTRY_JOIN} "
            f"JOIN {T['subscriber']} s ON s.id = %s WHERE {follows_sql()}")
    return queries.public_retirements().filter(pk__in=RawSQL(mine, [subscriber.pk]))


def _date(value: date):
    return connection.ops.adapt_datefield_value(value)


def _moment(value: datetime):
    return connection.ops.adapt_datetimefield_value(value)


def each(column: str, alias: str) -> str:
    """SQL: a join giving one row per element of the JSON list ``column``, as ``alias.value``
    (cast it: text on PostgreSQL)."""
    if _postgres():
        return f"CROSS JOIN LATERAL jsonb_array_elements_text({column}) AS {alias}(value)"
    return f"JOIN json_each({column}) AS {alias}"


def _list_of(value: str, order: str | None = None) -> str:
    """SQL: the aggregate JSON list of ``value``, in ``order`` (default: by value) on
    PostgreSQL; SQLite's aggregates take no order (its lists come in the rows' order)."""
    if _postgres():
        return f"jsonb_agg({value} ORDER BY {order or value})"
    return f"json_group_array({value})"


def told_in(messages: str = "x") -> str:
    """SQL: joins giving one row per mention the ``messages`` (delivery rows) tell, its id as
    ``CAST(t.value AS integer)``."""
    return (f"JOIN {T['list']} tl ON tl.id = {messages}.mention_list_id "
            f"{each('tl.mention_ids', 't')}")


def _told(kind: str, where: str = "") -> str:
    """SQL: (subscriber_id, mention_id) told in messages of ``kind`` (x) that match ``where``."""
    return (f"SELECT x.subscriber_id, CAST(t.value AS integer) AS mention_id "
            f"FROM {T['delivery']} x {told_in()} WHERE x.kind = '{kind}' {where}")


def _delivery_columns(subscriber: str, kind: str, revision: str, *, today: date,
                      now: datetime, mentions: str = "NULL") -> tuple[str, list]:
    """The SELECT list of a new ledger row (named as DELIVERY_COLUMNS); ``mentions``, the id
    of its mention list, defaults to none."""
    sql = (f"{subscriber} AS subscriber_id, {kind} AS kind, {revision} AS revision, "
           f"%s AS as_of, 'pending' AS status, 0 AS attempts, %s AS next_attempt_at, "
           f"%s AS created_at, '' AS claim_token, '' AS claimed_by, '' AS message_id, "
           f"'' AS last_error, {mentions} AS mention_list_id")
    return sql, [_date(today), _moment(now), _moment(now)]


def _not_recorded(condition: str, counting: bool) -> str:
    """Only when counting digests (dry run): leave out what the ledger already holds. An
    insert relies on ON CONFLICT and the unique key instead."""
    if not counting:
        return ""
    return (f"AND NOT EXISTS (SELECT 1 FROM {T['delivery']} x WHERE x.subscriber_id = s.id "
            f"AND {condition}) ")


def _windows(today: date) -> tuple[str, list]:
    """SQL: the (lead_days, bit, alert_day, shutdown_on) windows ``today`` falls in: each lead
    time with each of the days an alert may catch up on."""
    windows, params = [], []
    for lead in LEAD_TIME_CHOICES:
        for late in range(CATCH_UP_DAYS + 1):
            if late > lead:  # past the shutdown date
                continue
            alert_day = today - timedelta(days=late)
            windows.append("SELECT %s AS lead_days, %s AS bit, %s AS alert_day, %s AS shutdown_on")
            params += [lead, lead_bit(lead), _date(alert_day),
                       _date(alert_day + timedelta(days=lead))]
    return " UNION ALL ".join(windows), params


def _alert_mentions(today: date, now: datetime) -> tuple[str, list]:
    """The mentions the alerts due on ``today`` tell (named as MENTION_COLUMNS)."""
    windows, params = _windows(today)
    return (f"SELECT 'alert', d.id, w.lead_days, d.shutdown_on, d.revision, %s "
            f"FROM ({windows}) w JOIN {T['retirement']} d ON d.shutdown_on = w.shutdown_on "
            f"WHERE d.published = %s AND d.status <> '{WITHDRAWN}'",
            [_moment(now)] + params + [True])


def _alert_pairs(today: date, replay: bool,
                 among: tuple[str, list] = ("", [])) -> tuple[str, list]:
    """The alerts due on ``today`` not told yet (see the module's rules), one row per
    subscriber and mention: (subscriber_id, kind, retirement_id, lead_days, mention_id);
    mention_id is NULL for a mention no run has made yet. ``among``, a condition on s and its
    parameters, narrows the subscribers."""
    windows, params = _windows(today)
    # Each window with every lead mask that has its bit: subscribers then join on an
    # equality (a hash join) rather than testing each subscriber against each window.
    every_mask = ", ".join(f"({m})" for m in range(1, 1 << len(LEAD_TIME_CHOICES)))
    masks = (f"SELECT w.*, m.column1 AS mask FROM ({windows}) w "
             f"JOIN (VALUES {every_mask}) m ON (m.column1 & w.bit) <> 0")
    sql, lead = ((_alerted_pairs(masks), "d.lead_days") if _postgres()
                 else (_alerted_pairs_per_pair(masks), "w.lead_days"))
    sql += f" AND {among[0]}" if among[0] else ""
    sql = (f"SELECT s.id AS subscriber_id, d.id AS retirement_id, {lead} AS lead_days, "
           f"d.shutdown_on AS shutdown_on {sql}")
    # What was told is looked up for the alerts found, not for every pair the joins go
    # through (the planner, which cannot estimate the follow and lead-time rules, would do
    # it first); an alert is due only within its catch-up days, so only the alert messages
    # of the days around ``today`` can have told it.
    fence = " OFFSET 0" if _postgres() else ""
    told = _told("alert", "AND x.as_of >= %s AND x.as_of <= %s")
    sql = (f"SELECT due.subscriber_id, 'alert' AS kind, due.retirement_id, due.lead_days, "
           f"n.id AS mention_id FROM ({sql}{fence}) due "
           f"LEFT JOIN {T['mention']} n ON n.kind = 'alert' "
           f"AND n.retirement_id = due.retirement_id AND n.lead_days = due.lead_days "
           f"AND n.shutdown_on = due.shutdown_on "
           f"WHERE NOT EXISTS (SELECT 1 FROM ({told}) told "
           f"WHERE told.subscriber_id = due.subscriber_id AND told.mention_id = n.id)")
    return sql, params + [True, replay] + among[1] + _near(today)


def _near(today: date) -> list:
    """The days around ``today`` whose alert messages can have told an alert due on it."""
    near = timedelta(days=CATCH_UP_DAYS)
    return [_date(today - near), _date(today + near)]


FOLLOW_ROW = "f.kind || ':' || f.value"


def _alert_groups(today: date, replay: bool) -> tuple[str, list]:
    """SQL: (subscriber_id, rep) for each confirmed subscriber, rep being the first of those
    who are due the same alerts on ``today`` for the same reasons: the same lead times, the
    same follow rows, the same alert messages in the days around (what they were told), and,
    in real time, the same confirmation day if it is one of those days (the no-backlog
    rule). Most subscribers share their choices with many others, so the alerts are found
    for the reps only and handed to the rest: a busy day's millions of (subscriber, entry)
    pairs are never made."""
    # As JSON lists, which no two different sets of rows can spell alike (where SQLite
    # orders two equal sets differently, they only make two groups).
    follows = (f"SELECT f.subscriber_id, {_list_of(FOLLOW_ROW)} AS rows "
               f"FROM {T['follow']} f GROUP BY f.subscriber_id")
    told = (f"SELECT x.subscriber_id, {_list_of('x.mention_list_id', 'x.id')} AS rows "
            f"FROM {T['delivery']} x WHERE x.kind = 'alert' AND x.as_of >= %s "
            f"AND x.as_of <= %s GROUP BY x.subscriber_id")
    sql = (f"SELECT s.id AS subscriber_id, MIN(s.id) OVER (PARTITION BY s.lead_mask, "
           f"CAST(f.rows AS text), CAST(t.rows AS text), s.confirmed_on IS NULL, "
           f"CASE WHEN %s OR s.confirmed_on < %s THEN NULL ELSE s.confirmed_on END) AS rep "
           f"FROM {T['subscriber']} s LEFT JOIN ({follows}) f ON f.subscriber_id = s.id "
           f"LEFT JOIN ({told}) t ON t.subscriber_id = s.id "
           f"WHERE s.status = '{CONFIRMED}'")
    return sql, [replay, _date(today - timedelta(days=CATCH_UP_DAYS))] + _near(today)


def _alerts_select(today: date, replay: bool, made: bool = False) -> tuple[str, list]:
    """The alerts due on ``today`` not told yet, one row per subscriber: (subscriber_id, kind,
    ids, told), ids the JSON list of the mentions and told their number (``_per_subscriber``:
    ``made``)."""
    groups, params = _alert_groups(today, replay)
    pairs, pair_params = _alert_pairs(today, replay, ("s.id IN (SELECT rep FROM grp)", []))
    # The groups are made once (MATERIALIZED), for finding the reps and handing out.
    once = "MATERIALIZED " if _postgres() else ""
    return (f"SELECT * FROM (WITH grp AS {once}({groups}) "
            f"SELECT g.subscriber_id, 'alert' AS kind, r.ids, r.told FROM grp g "
            f"JOIN ({_per_subscriber(pairs, made)}) r "
            f"ON r.subscriber_id = g.rep) alerts", params + pair_params)


def _per_subscriber(pairs: str, made: bool) -> str:
    """SQL: ``pairs`` (``_alert_pairs``' rows) as (subscriber_id, ids, told). With ``made``
    (a run that has just made the mentions) a pair without its mention is left out: the
    entry changed since, in a transaction of its own (each statement reads what was
    committed when it began), and the next run tells it. Left out here, after the joins,
    so that the planner keeps the dry run's plan."""
    if not made:
        return (f"SELECT due.subscriber_id, {_list_of('due.mention_id')} AS ids, "
                f"COUNT(*) AS told FROM ({pairs}) due GROUP BY due.subscriber_id")
    return (f"SELECT due.subscriber_id, {_list_of('due.mention_id')} "
            f"FILTER (WHERE due.mention_id IS NOT NULL) AS ids, COUNT(due.mention_id) AS told "
            f"FROM ({pairs}) due GROUP BY due.subscriber_id HAVING COUNT(due.mention_id) > 0")


def _alerted_pairs(masks: str) -> str:
    """FROM and WHERE of the alerts, PostgreSQL: the entries in their windows (a few
    hundred rows, made once, OFFSET 0 keeping the planner from unfolding them), then
    subscribers joined on their lead mask, then the follow rule as array comparisons.
    Left to itself the planner, which cannot estimate those rules, pairs every subscriber
    with every vendor first (tens of millions of rows at a million subscribers)."""
    entries = (f"SELECT w.lead_days, w.alert_day, w.mask, d.id, d.revision, d.shutdown_on, "
               f"v.slug, o.keys FROM ({masks}) w "
               f"JOIN {T['retirement']} d ON d.shutdown_on = w.shutdown_on "
               f"{_keyed_entry_join()} "
               f"WHERE d.published = %s AND d.status <> '{WITHDRAWN}' OFFSET 0")
    return (f"FROM ({entries}) d JOIN {T['subscriber']} s ON s.lead_mask = d.mask "
            f"{_followed_join()} "
            f"WHERE s.status = '{CONFIRMED}' AND (%s OR s.confirmed_on < d.alert_day) "
            f"AND {follows_sql('fl', 'd.keys', 'd.slug')}")


def _alerted_pairs_per_pair(masks: str) -> str:
    """FROM and WHERE of the alerts, elsewhere (SQLite): the follow rule looked up per pair."""
    return (f"FROM ({masks}) w "
            f"JOIN {T['retirement']} d ON d.shutdown_on = w.shutdown_on {ENTRY_JOIN} "
            f"JOIN {T['subscriber']} s ON s.lead_mask = w.mask {_followed_join()} "
            f"WHERE d.published = %s AND d.status <> '{WITHDRAWN}' "
            f"AND s.status = '{CONFIRMED}' AND (%s OR s.confirmed_on < w.alert_day) "
            f"AND {_follows()}")


def _recent_changes(today: date) -> tuple[str, list]:
    """SQL: one row per entry with recent changes: when it last changed notably, when it was
    created (if lately), and the newest such revision."""
    since = timezone.make_aware(datetime.combine(today - timedelta(days=CATCH_UP_DAYS), time.min))
    return (
        f"SELECT c.retirement_id, "
        f"MAX(CASE WHEN {_notable()} THEN c.changed_at END) AS changed_at, "
        f"MAX(CASE WHEN {NEW_SQL} THEN c.changed_at END) AS created_at, "
        f"MAX(c.revision) AS revision "
        f"FROM {T['change']} c WHERE c.changed_at >= %s AND ({_notable()} OR {NEW_SQL}) "
        f"GROUP BY c.retirement_id", [_moment(since)])


CHANGED = "d.published = %s AND (d.shutdown_on IS NULL OR d.shutdown_on >= %s)"


def _change_mentions(today: date, now: datetime) -> tuple[str, list]:
    """The mentions the change emails due on ``today`` tell (named as MENTION_COLUMNS): each
    recently changed entry up to its revision now."""
    recent, params = _recent_changes(today)
    return (f"SELECT 'change', d.id, 0, d.shutdown_on, d.revision, %s "
            f"FROM ({recent}) r JOIN {T['retirement']} d ON d.id = r.retirement_id "
            f"WHERE {CHANGED}", [_moment(now)] + params + [True, _date(today)])


def _change_pairs(today: date) -> tuple[str, list]:
    """The change emails due on ``today`` not told yet, as ``_alert_pairs``' rows."""
    recent, params = _recent_changes(today)
    told = (f"SELECT 1 FROM {T['delivery']} x {told_in()} "
            f"JOIN {T['mention']} m ON m.id = CAST(t.value AS integer) "
            f"WHERE x.subscriber_id = s.id AND x.kind = 'change' AND m.retirement_id = d.id "
            f"AND m.revision >= r.revision")
    sql = (
        f"SELECT s.id AS subscriber_id, 'change' AS kind, d.id AS retirement_id, "
        f"0 AS lead_days, n.id AS mention_id "
        f"FROM ({recent}) r JOIN {T['retirement']} d ON d.id = r.retirement_id "
        f"{_keyed_entry_join()} "
        f"JOIN {T['subscriber']} s ON s.status = '{CONFIRMED}' {_followed_join()} "
        f"LEFT JOIN {T['mention']} n ON n.kind = 'change' AND n.retirement_id = d.id "
        f"AND n.revision = d.revision "
        f"WHERE {CHANGED} "
        # A new entry is told to those who follow something (fl: any follow row).
        f"AND (r.changed_at > s.confirmed_at OR (r.created_at > s.confirmed_at "
        f"AND fl.subscriber_id IS NOT NULL)) "
        f"AND NOT EXISTS ({told}) AND {_follows()}"
    )
    return sql, params + [True, _date(today)]


def _changes_select(today: date, made: bool = False) -> tuple[str, list]:
    """The change emails due on ``today`` not told yet, as ``_alerts_select``'s rows (they
    depend on when each subscriber confirmed, to the second, so they are found for each)."""
    pairs, params = _change_pairs(today)
    return (f"SELECT r.subscriber_id, 'change' AS kind, r.ids, r.told "
            f"FROM ({_per_subscriber(pairs, made)}) r", params)


def digest_period(cadence: str, today: date) -> date | None:
    """The first day of the digest period ``today`` falls in, if that digest is still due."""
    start = today - timedelta(days=today.weekday()) if cadence == "weekly" else today
    return start if (today - start).days <= CATCH_UP_DAYS else None


def _digest_select(cadence: str, period: date, today: date, now: datetime,
                   replay: bool, counting: bool = False) -> tuple[str, list]:
    cols, col_params = _delivery_columns("s.id", "'digest'", "%s", today=today, now=now)
    sql = (
        f"SELECT {cols} "
        f"FROM {T['subscriber']} s "
        f"WHERE s.status = '{CONFIRMED}' AND s.digest = %s AND (%s OR s.confirmed_on < %s) "
        f"{_not_recorded(DIGEST_RECORDED.format(period.toordinal()), counting)}"
        # One EXISTS per subscriber that stops at the first entry: the rule per pair is
        # cheaper here than making the joined arrays (``_follows``) for every subscriber.
        f"AND (EXISTS (SELECT 1 FROM {T['retirement']} d {ENTRY_JOIN} "
        f"WHERE d.published = %s AND d.status <> '{WITHDRAWN}' "
        f"AND d.shutdown_on >= %s AND d.shutdown_on <= %s AND {follows_sql()}) "
        f"OR EXISTS (SELECT 1 FROM {T['change']} c JOIN {T['retirement']} d "
        f"ON d.id = c.retirement_id {ENTRY_JOIN} "
        f"WHERE d.published = %s AND c.changed_at > %s AND c.changed_at > s.confirmed_at "
        f"AND ({_notable()} OR {NEW_SQL}) AND {follows_sql()}))"
    )
    horizon = today + timedelta(days=DIGEST_HORIZON_DAYS)
    length = timedelta(days=7 if cadence == Subscriber.Digest.WEEKLY else 1)
    changed_since = timezone.make_aware(datetime.combine(period - length, time.min))
    return sql, [period.toordinal()] + col_params + [
        cadence, replay, _date(period), True, _date(today), _date(horizon), True,
        _moment(changed_since)]


def _run(select: tuple[str, list], *, into: str, columns: str, dry_run: bool) -> int:
    if dry_run:
        return _count(select)
    sql, params = select
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {into} ({columns}) {sql} ON CONFLICT DO NOTHING", params)
        return max(cursor.rowcount, 0)


def _count(select: tuple[str, list], what: str = "COUNT(*)") -> int:
    sql, params = select
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {what} FROM ({sql}) due", params)
        return int(cursor.fetchone()[0] or 0)  # SUM gives a decimal on PostgreSQL


def _told_count(select: tuple[str, list]) -> int:
    """How many mentions the messages of ``select`` (``_alerts_select``'s rows) would tell."""
    return _count(select, "SUM(due.told)")


def exclusive(key: int) -> None:
    """Serialise recording runs that share ``key`` (in the caller's transaction), so that
    what one run finds not recorded yet is still not recorded when it inserts it. SQLite's
    IMMEDIATE transactions already do."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


GROUP_LOCK = 0x64657063616C  # "depcal": the key of the recording lock


FOUND = "depcal_found_message"  # a run's messages before they go in the ledger


def _record(rules: list[tuple[tuple[str, list], tuple[str, list]]], today: date,
            now: datetime) -> Due:
    """Record what ``rules`` find, each a pair (select of the mentions it may tell, select
    of the messages due, ``_alerts_select``'s rows), in one transaction: make the mentions
    (those made before stay as they are), number the messages, make their lists, insert
    them. The runs are serialised (``exclusive``), so what one finds not told is still not
    told when it inserts it, and a message's key, the subscriber's next number for the
    kind, is free. A run that fails leaves nothing behind."""
    due = Due()
    with transaction.atomic(), connection.cursor() as cursor:
        exclusive(GROUP_LOCK)
        for (sql, params), _ in rules:
            cursor.execute(f"INSERT INTO {T['mention']} ({MENTION_COLUMNS}) {sql} "
                           f"ON CONFLICT DO NOTHING", params)
        found = " UNION ALL ".join(sql for _, (sql, _) in rules)
        # Numbered in a statement of its own (a temporary table: this connection only, no
        # WAL): looking the ledger up while inserting into it, the planner may scan the
        # rows being inserted once per message.
        cursor.execute(
            f"CREATE TEMPORARY TABLE {FOUND} AS SELECT f.subscriber_id, f.kind, f.ids, f.told, "
            f"COALESCE((SELECT MAX(x.revision) FROM {T['delivery']} x "
            f"WHERE x.subscriber_id = f.subscriber_id AND x.kind = f.kind), 0) + 1 AS revision "
            f"FROM ({found}) f", [p for _, (_, params) in rules for p in params])
        cursor.execute(f"SELECT kind, COUNT(*), SUM(told) FROM {FOUND} GROUP BY kind")
        for kind, messages, told in cursor.fetchall():
            told = int(told)  # SUM gives a decimal on PostgreSQL
            due.messages += messages
            if kind == Delivery.Kind.ALERT:
                due.alerts += told
            else:
                due.changes += told
        made, lists, lists_params = _make_lists(cursor)
        cols, params = _delivery_columns("g.subscriber_id", "g.kind", "g.revision",
                                         today=today, now=now, mentions="l.id")
        # In subscriber order: each index is then written from left to right rather than
        # at random places (fewer pages read and dirtied on a big day).
        cursor.execute(f"{made}INSERT INTO {T['delivery']} ({DELIVERY_COLUMNS}) "
                       f"SELECT {cols} FROM {FOUND} g JOIN {lists} "
                       f"ORDER BY g.subscriber_id, g.kind", params + lists_params)
        if cursor.rowcount != due.messages:  # a message without its list: record nothing
            raise RuntimeError(f"{due.messages} messages found but {cursor.rowcount} "
                               f"inserted with their lists; nothing was recorded")
        cursor.execute(f"DROP TABLE {FOUND}")
    _analyze_after(due.messages)
    return due


def _make_lists(cursor) -> tuple[str, str, list]:
    """Make one mention list per distinct list the run found (``FOUND``'s ids), shared by
    the messages that tell it (most subscribers are told what many others are). Returns
    what the insert of the messages needs: a WITH clause, the join of the lists made as
    ``l`` on ``g.ids``, and its parameters."""
    make = f"INSERT INTO {T['list']} (mention_ids) SELECT DISTINCT ids FROM {FOUND}"
    if _postgres():
        # The lists made are those the insert returns, whatever ids its sequence gives.
        return (f"WITH made AS ({make} RETURNING id, mention_ids) ",
                "made l ON l.mention_ids = g.ids", [])
    # SQLite cannot read an insert's RETURNING as a table. Its ids (AUTOINCREMENT) come
    # after every id the table ever had, and runs are serialised: the lists made are those
    # past the largest id before.
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {T['list']}")
    before = cursor.fetchone()[0]
    cursor.execute(make)
    return "", f"{T['list']} l ON l.id > %s AND l.mention_ids = g.ids", [before]


ANALYZE_SHARE = 0.1  # of the rows the planner counts in the ledger


def _analyze_after(inserted: int) -> None:
    """After a run that inserted more than a tenth of the rows the planner counts in the
    ledger (its count comes from its last look), have PostgreSQL look again: the next run
    reads what this one told, and with a count from before it the planner picks plans made
    for a smaller table (bench due: the next run 2.5 times slower at 100,000 subscribers;
    at 2,000, 4.5 s instead of 0.1 s, reading the ledger once per subscriber and entry).
    Autovacuum would, a minute or more later."""
    if not inserted or not _postgres():
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = CAST(%s AS regclass)",
                       [T["delivery"]])
        counted = max(cursor.fetchone()[0], 0)  # -1: never looked at
        if inserted <= ANALYZE_SHARE * counted:
            return
        try:
            # The run is committed: a ledger busy with a long maintenance job (a VACUUM
            # takes the same lock) must not hold its sending up, and a failure here is not
            # the run's.
            with transaction.atomic():
                cursor.execute("SET LOCAL lock_timeout = '2s'")
                # The columns the due queries filter and join on, not the others.
                cursor.execute(f"ANALYZE {T['delivery']} (subscriber_id, kind, revision, "
                               f"as_of, mention_list_id)")
        except DatabaseError as error:
            log.warning("the ledger's statistics were not refreshed: %s", error)


def record_alerts(today: date, *, now: datetime | None = None, replay: bool | None = None,
                  dry_run: bool = False) -> Due:
    """Record the lead-time alerts and change emails due on ``today``, grouped into one
    message per subscriber and kind; with ``dry_run``, only count them. ``replay``
    defaults to ``is_replay(today)`` (see the module's rules)."""
    now = now or timezone.now()
    replay = is_replay(today) if replay is None else replay
    if dry_run:
        return Due(alerts=_told_count(_alerts_select(today, replay)),
                   changes=_told_count(_changes_select(today)))
    return _record([(_alert_mentions(today, now), _alerts_select(today, replay, made=True)),
                    (_change_mentions(today, now), _changes_select(today, made=True))],
                   today, now)


def record_changes(today: date, *, now: datetime | None = None) -> Due:
    """Record the change emails due now (the catalogue just changed), grouped."""
    now = now or timezone.now()
    return _record([(_change_mentions(today, now), _changes_select(today, made=True))],
                   today, now)


def record_digests(today: date, *, now: datetime | None = None, replay: bool | None = None,
                   dry_run: bool = False) -> Due:
    """Insert the daily and weekly digests due on ``today`` (see the module's rules)."""
    now = now or timezone.now()
    replay = is_replay(today) if replay is None else replay
    due = Due()
    for cadence in (Subscriber.Digest.DAILY, Subscriber.Digest.WEEKLY):
        period = digest_period(cadence, today)
        if period is not None:
            due.digests += _run(_digest_select(cadence, period, today, now, replay, dry_run),
                                into=T["delivery"], columns=DELIVERY_COLUMNS, dry_run=dry_run)
    due.messages = due.digests
    if not dry_run:
        _analyze_after(due.messages)
    return due


def due_rows(today: date, *, replay: bool | None = None, limit: int = 50) -> list[tuple]:
    """(email, kind, identifier, lead days) of alerts and changes due, for ``--dry-run``."""
    replay = is_replay(today) if replay is None else replay
    rows = []
    for sql, params in (_alert_pairs(today, replay), _change_pairs(today)):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT sub.email, due.kind, off.identifier, due.lead_days FROM ({sql}) due "
                f"JOIN {T['subscriber']} sub ON sub.id = due.subscriber_id "
                f"JOIN {T['retirement']} dep ON dep.id = due.retirement_id "
                f"JOIN {T['offering']} off ON off.id = dep.offering_id "
                f"ORDER BY sub.email, off.identifier LIMIT %s", params + [limit])
            rows += cursor.fetchall()
    return rows
