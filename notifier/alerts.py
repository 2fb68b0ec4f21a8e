"""Which messages are due: set-based inserts into the delivery ledger.

Each rule is one ``SELECT`` over subscribers joined with the catalogue: no Python loop over
subscribers. Alerts and changes are recorded as ``Mention`` rows (each told once): a run,
serialised with any other, stages the mentions not recorded yet, makes one message per
subscriber and kind for them, then inserts each mention with its message (``group``); the
ledger's unique keys back this, so running it again (or twice at once) inserts nothing new.
Digests are one ``INSERT ... ON CONFLICT DO NOTHING`` per cadence. Sending is
``notifier.send``'s job.

Who follows what (``follows_sql``) and which changes are told (``NOTABLE``) are defined here
once, for the ledger and for what the messages list.

The rules, for a day ``today`` (a calendar date):

Lead-time alerts
    For a confirmed subscriber, an entry they follow (published, not withdrawn) and a lead
    time L they chose, the alert day is ``shutdown_on - L``. The alert is due on that day and
    stays due for ``CATCH_UP_DAYS`` more days, so a sender that was down catches up; after
    that it is dropped. It is never due once the shutdown date has passed. One mention per
    (subscriber, entry, L, shutdown date): a moved date gives new alerts, other edits do not.
    Every entry one run finds for a subscriber goes in one email.

No backlog (real time only)
    A subscriber who confirms on day C gets a welcome email listing what already falls within
    their lead times; lead-time alerts whose alert day is on or before C are not sent to them.
    This compares alert days with the confirmation date only when ``today`` is the real today
    (``clock.today()``). For any other day (``send_alerts --today``, a replay), when a
    subscriber confirmed is ignored: every subscriber confirmed now counts as confirmed before
    that day, so replaying a past day sends what that day would have sent to everyone
    confirmed now. The ledger still prevents any message from going twice.

Change emails
    One mention per (subscriber, entry, revision) when an entry they follow had a notable
    change after they confirmed and in the last ``CATCH_UP_DAYS`` days before ``today``
    (calendar days, from midnight): the shutdown date moved, the entry was withdrawn or
    reinstated, or - for subscribers who chose vendors or models - a new entry appeared.
    Several changes of one entry since the last change email make one mention. Subscribers
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

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import OuterRef, Q, Subquery
from django.db.models.expressions import RawSQL
from django.utils import timezone

from deprecations import clock, queries
from deprecations.models import Alias, Change, Offering, Retirement, Vendor
from deprecations.queries import FAMILY_SEPARATORS
from notifier.models import LEAD_TIME_CHOICES, Delivery, Follow, Mention, Subscriber, lead_bit

CATCH_UP_DAYS = 3
DIGEST_HORIZON_DAYS = 90

T = {
    "subscriber": Subscriber._meta.db_table,
    "follow": Follow._meta.db_table,
    "delivery": Delivery._meta.db_table,
    "mention": Mention._meta.db_table,
    "retirement": Retirement._meta.db_table,
    "offering": Offering._meta.db_table,
    "vendor": Vendor._meta.db_table,
    "alias": Alias._meta.db_table,
    "change": Change._meta.db_table,
}

CONFIRMED = Subscriber.Status.CONFIRMED.value
ALERT_RECORDED = ("x.retirement_id = due.retirement_id AND x.kind = 'alert' "
                  "AND x.lead_days = due.lead_days AND x.shutdown_on = due.shutdown_on")
DIGEST_RECORDED = "x.kind = 'digest' AND x.revision = {:d}"
WITHDRAWN = Retirement.Status.WITHDRAWN.value

# Columns every inserted row sets (Django's defaults live in Python, not the schema).
MENTION_COLUMNS = ("subscriber_id, retirement_id, kind, lead_days, shutdown_on, revision, "
                   "created_at")
DELIVERY_COLUMNS = ("subscriber_id, kind, revision, as_of, status, attempts, next_attempt_at, "
                    "created_at, claim_token, claimed_by, message_id, last_error")

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


def changes_told(mentions, subscriber: Subscriber) -> list[tuple[Mention, list]]:
    """Each change mention of a published entry with the history rows it tells, oldest
    first: the ``told_changes`` after the previous change mention of that entry to that
    subscriber, up to its revision (empty when there is nothing left to tell)."""
    earlier = Mention.objects.filter(
        subscriber=subscriber, kind=Mention.Kind.CHANGE, retirement=OuterRef("retirement"),
        id__lt=OuterRef("id")).order_by("-revision").values("revision")[:1]
    mentions = list(mentions.filter(retirement__published=True)
                    .select_related("retirement__offering__vendor")
                    .annotate(since=Subquery(earlier)))
    history = told_changes(Change.objects.filter(
        retirement__in=[m.retirement_id for m in mentions],
        changed_at__gt=subscriber.confirmed_at))
    return [(m, [c for c in history if c.retirement_id == m.retirement_id
                 and (m.since or 0) < c.revision <= m.revision]) for m in mentions]


def is_replay(today: date) -> bool:
    """A run for another day than the real one: confirmation dates are ignored."""
    return today != clock.today()


@dataclass
class Due:
    """What one computation found (and, unless dry, inserted): mentions of entries at a lead
    time, of changes, digests, and the messages the mentions were grouped into."""

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


def _mention_columns(kind: str, lead: str, shutdown: str, *, now: datetime) -> tuple[str, list]:
    """The SELECT list of a mention of entry d to subscriber s (named as MENTION_COLUMNS)."""
    sql = (f"s.id AS subscriber_id, d.id AS retirement_id, '{kind}' AS kind, "
           f"{lead} AS lead_days, {shutdown} AS shutdown_on, d.revision AS revision, "
           f"%s AS created_at")
    return sql, [_moment(now)]


def _delivery_columns(subscriber: str, kind: str, revision: str, *, today: date,
                      now: datetime) -> tuple[str, list]:
    """The SELECT list of a new ledger row (named as DELIVERY_COLUMNS)."""
    sql = (f"{subscriber} AS subscriber_id, {kind} AS kind, {revision} AS revision, "
           f"%s AS as_of, 'pending' AS status, 0 AS attempts, %s AS next_attempt_at, "
           f"%s AS created_at, '' AS claim_token, '' AS claimed_by, '' AS message_id, "
           f"'' AS last_error")
    return sql, [_date(today), _moment(now), _moment(now)]


def _not_recorded(condition: str, counting: bool) -> str:
    """Only when counting digests (dry run): leave out what the ledger already holds. An
    insert relies on ON CONFLICT and the unique key instead."""
    if not counting:
        return ""
    return (f"AND NOT EXISTS (SELECT 1 FROM {T['delivery']} x WHERE x.subscriber_id = s.id "
            f"AND {condition}) ")


def _alerts_select(today: date, now: datetime, replay: bool) -> tuple[str, list]:
    """The alerts due on ``today`` that the ledger does not hold yet (see the module's
    rules)."""
    windows, params = [], []
    for lead in LEAD_TIME_CHOICES:
        for late in range(CATCH_UP_DAYS + 1):
            if late > lead:  # past the shutdown date
                continue
            alert_day = today - timedelta(days=late)
            windows.append("SELECT %s AS lead_days, %s AS bit, %s AS alert_day, %s AS shutdown_on")
            params += [lead, lead_bit(lead), _date(alert_day),
                       _date(alert_day + timedelta(days=lead))]
    # Each window with every lead mask that has its bit: subscribers then join on an
    # equality (a hash join) rather than testing each subscriber against each window.
    every_mask = ", ".join(f"({m})" for m in range(1, 1 << len(LEAD_TIME_CHOICES)))
    masks = (f"SELECT w.*, m.column1 AS mask FROM ({' UNION ALL '.join(windows)}) w "
             f"JOIN (VALUES {every_mask}) m ON (m.column1 & w.bit) <> 0")
    sql, lead = ((_alerted_pairs(masks), "d.lead_days") if _postgres()
                 else (_alerted_pairs_per_pair(masks), "w.lead_days"))
    cols, col_params = _mention_columns("alert", lead, "d.shutdown_on", now=now)
    sql = f"SELECT {cols} {sql}"
    # The ledger is looked up for the alerts found, not for every pair the joins go through
    # (the planner, which cannot estimate the follow and lead-time rules, would do it first).
    fence = " OFFSET 0" if _postgres() else ""
    sql = (f"SELECT due.* FROM ({sql}{fence}) due WHERE NOT EXISTS (SELECT 1 FROM "
           f"{T['mention']} x WHERE x.subscriber_id = due.subscriber_id AND {ALERT_RECORDED})")
    return sql, col_params + params + [True, replay]


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


def _changes_select(today: date, now: datetime) -> tuple[str, list]:
    since = timezone.make_aware(datetime.combine(today - timedelta(days=CATCH_UP_DAYS), time.min))
    cols, col_params = _mention_columns("change", "0", "d.shutdown_on", now=now)
    # One row per entry with recent changes: when it last changed notably, when it was
    # created (if lately), and the newest such revision; then one join with subscribers.
    recent = (
        f"SELECT c.retirement_id, "
        f"MAX(CASE WHEN {_notable()} THEN c.changed_at END) AS changed_at, "
        f"MAX(CASE WHEN {NEW_SQL} THEN c.changed_at END) AS created_at, "
        f"MAX(c.revision) AS revision "
        f"FROM {T['change']} c WHERE c.changed_at >= %s AND ({_notable()} OR {NEW_SQL}) "
        f"GROUP BY c.retirement_id"
    )
    sql = (
        f"SELECT {cols} "
        f"FROM ({recent}) r JOIN {T['retirement']} d ON d.id = r.retirement_id "
        f"{_keyed_entry_join()} "
        f"JOIN {T['subscriber']} s ON s.status = '{CONFIRMED}' {_followed_join()} "
        f"WHERE d.published = %s AND (d.shutdown_on IS NULL OR d.shutdown_on >= %s) "
        # A new entry is told to those who follow something (fl: any follow row).
        f"AND (r.changed_at > s.confirmed_at OR (r.created_at > s.confirmed_at "
        f"AND fl.subscriber_id IS NOT NULL)) "
        f"AND NOT EXISTS (SELECT 1 FROM {T['mention']} x WHERE x.subscriber_id = s.id "
        f"AND x.retirement_id = d.id AND x.kind = 'change' AND x.revision >= r.revision) "
        f"AND {_follows()}"
    )
    return sql, col_params + [_moment(since), True, _date(today)]


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
    sql, params = select
    with connection.cursor() as cursor:
        if dry_run:
            cursor.execute(f"SELECT COUNT(*) FROM ({sql}) due", params)
            return cursor.fetchone()[0]
        cursor.execute(f"INSERT INTO {into} ({columns}) {sql} ON CONFLICT DO NOTHING", params)
        return max(cursor.rowcount, 0)


def _count(select: tuple[str, list]) -> int:
    return _run(select, into=T["mention"], columns=MENTION_COLUMNS, dry_run=True)


def exclusive(key: int) -> None:
    """Serialise recording runs that share ``key`` (in the caller's transaction), so that
    what one run finds not recorded yet is still not recorded when it inserts it. SQLite's
    IMMEDIATE transactions already do."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


GROUP_LOCK = 0x64657063616C  # "depcal": the key of the recording lock

# Where a run stages what it found (temporary tables: this connection only, no WAL): the
# mentions, then one message per subscriber and kind. Each mention is then written once,
# with its message, instead of being inserted and then updated to point at it.
FOUND = "depcal_found_mention"
NUMBERED = "depcal_found_message"


def _stage(cursor, selects: dict[str, tuple[str, list]]) -> dict[str, int]:
    """Put the mentions each select finds (those not recorded yet) in ``FOUND``; returns
    how many per kind."""
    cursor.execute(f"CREATE TEMPORARY TABLE {FOUND} AS SELECT {MENTION_COLUMNS} "
                   f"FROM {T['mention']} WHERE 1 = 0")
    found = {}
    for kind, (sql, params) in selects.items():
        cursor.execute(f"INSERT INTO {FOUND} ({MENTION_COLUMNS}) {sql}", params)
        found[kind] = max(cursor.rowcount, 0)
    return found


def group(cursor, today: date, *, now: datetime) -> int:
    """Make one message per subscriber and kind for the staged mentions (``FOUND``), then
    insert the mentions with their message; returns how many messages. A message's key is
    the subscriber's next number for the kind: runs are serialised (``exclusive``), so
    nobody takes it meanwhile."""
    cursor.execute(
        f"CREATE TEMPORARY TABLE {NUMBERED} AS "
        f"SELECT g.subscriber_id, g.kind, COALESCE(MAX(x.revision), 0) + 1 AS revision "
        f"FROM (SELECT DISTINCT subscriber_id, kind FROM {FOUND}) g "
        f"LEFT JOIN {T['delivery']} x ON x.subscriber_id = g.subscriber_id AND x.kind = g.kind "
        f"GROUP BY g.subscriber_id, g.kind")
    cols, params = _delivery_columns("g.subscriber_id", "g.kind", "g.revision",
                                     today=today, now=now)
    # In subscriber order, as the mentions below: each index is then written from left to
    # right rather than at random places (fewer pages read and dirtied on a big day).
    cursor.execute(f"INSERT INTO {T['delivery']} ({DELIVERY_COLUMNS}) SELECT {cols} "
                   f"FROM {NUMBERED} g ORDER BY g.subscriber_id, g.kind", params)
    made = max(cursor.rowcount, 0)
    # No ON CONFLICT: what was staged is not recorded (the selects leave recorded mentions
    # out, under the lock), so a conflict would be a fault, and it undoes the whole run.
    found = ", ".join(f"f.{column.strip()}" for column in MENTION_COLUMNS.split(","))
    cursor.execute(
        f"INSERT INTO {T['mention']} ({MENTION_COLUMNS}, delivery_id) SELECT {found}, x.id "
        f"FROM {FOUND} f JOIN {NUMBERED} g ON g.subscriber_id = f.subscriber_id "
        f"AND g.kind = f.kind JOIN {T['delivery']} x ON x.subscriber_id = g.subscriber_id "
        f"AND x.kind = g.kind AND x.revision = g.revision "
        f"ORDER BY f.subscriber_id, f.retirement_id")
    for table in (FOUND, NUMBERED):
        cursor.execute(f"DROP TABLE {table}")
    return made


def _record(selects: dict[str, tuple[str, list]], today: date, now: datetime) -> Due:
    """Record what ``selects`` find (kind: select of mentions not recorded yet), grouped
    into messages, in one transaction: a run that fails leaves nothing behind."""
    with transaction.atomic(), connection.cursor() as cursor:
        exclusive(GROUP_LOCK)
        found = _stage(cursor, selects)
        due = Due(alerts=found.get("alert", 0), changes=found.get("change", 0))
        due.messages = group(cursor, today, now=now)
    return due


def record_alerts(today: date, *, now: datetime | None = None, replay: bool | None = None,
                  dry_run: bool = False) -> Due:
    """Record the lead-time alerts and change emails due on ``today``, grouped into one
    message per subscriber and kind; with ``dry_run``, only count the mentions. ``replay``
    defaults to ``is_replay(today)`` (see the module's rules)."""
    now = now or timezone.now()
    replay = is_replay(today) if replay is None else replay
    if dry_run:
        return Due(alerts=_count(_alerts_select(today, now, replay)),
                   changes=_count(_changes_select(today, now)))
    return _record({"alert": _alerts_select(today, now, replay),
                    "change": _changes_select(today, now)}, today, now)


def record_changes(today: date, *, now: datetime | None = None) -> Due:
    """Record the change emails due now (the catalogue just changed), grouped."""
    now = now or timezone.now()
    return _record({"change": _changes_select(today, now)}, today, now)


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
    return due


def due_rows(today: date, *, now: datetime | None = None, replay: bool | None = None,
             limit: int = 50) -> list[tuple]:
    """(email, kind, identifier, lead days) of alerts and changes due, for ``--dry-run``."""
    now = now or timezone.now()
    replay = is_replay(today) if replay is None else replay
    rows = []
    for sql, params in (_alerts_select(today, now, replay), _changes_select(today, now)):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT sub.email, due.kind, off.identifier, due.lead_days FROM ({sql}) due "
                f"JOIN {T['subscriber']} sub ON sub.id = due.subscriber_id "
                f"JOIN {T['retirement']} dep ON dep.id = due.retirement_id "
                f"JOIN {T['offering']} off ON off.id = dep.offering_id "
                f"ORDER BY sub.email, off.identifier LIMIT %s", params + [limit])
            rows += cursor.fetchall()
    return rows
