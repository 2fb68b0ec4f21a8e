"""Which messages are due: set-based inserts into the delivery ledger.

Each ``record_*`` function is one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` over
subscribers joined with the catalogue: no Python loop over subscribers, and the ledger's
unique keys make running it again (or twice at once) insert nothing new. Sending is
``notifier.mail``'s job.

The rules, for a day ``today`` (a calendar date):

Lead-time alerts
    For a confirmed subscriber, an entry they follow (published, not withdrawn) and a lead
    time L they chose, the alert day is ``shutdown_on - L``. The alert is due on that day and
    stays due for ``CATCH_UP_DAYS`` more days, so a sender that was down catches up; after
    that it is dropped. It is never due once the shutdown date has passed. One alert per
    (subscriber, entry, L, shutdown date): a moved date gives new alerts, other edits do not.

No backlog (real time only)
    A subscriber who confirms on day C gets a welcome email listing what already falls within
    their lead times; lead-time alerts whose alert day is on or before C are not sent to them.
    This compares alert days with the confirmation date only when ``today`` is the real today
    (``clock.today()``). For any other day (``send_alerts --today``, a replay), when a
    subscriber confirmed is ignored: every subscriber confirmed now counts as confirmed before
    that day, so replaying a past day sends what that day would have sent to everyone
    confirmed now. The ledger still prevents any message from going twice.

Change emails
    One per (subscriber, entry, revision) when an entry they follow had a notable change after
    they confirmed and in the last ``CATCH_UP_DAYS`` days before ``today`` (calendar days,
    from midnight): the shutdown date moved, the entry was withdrawn or reinstated, or - for
    subscribers who chose vendors or models - a new entry appeared. Several changes of one
    entry since the last change email make one email. Subscribers who follow everything hear
    of new entries in their digest and their lead-time alerts instead of one email each.

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

from django.db import connection
from django.utils import timezone

from deprecations import clock
from deprecations.models import Alias, Change, Deprecation, Offering, Vendor
from deprecations.queries import FAMILY_SEPARATORS
from notifier.models import LEAD_TIME_CHOICES, Delivery, Follow, Subscriber, lead_bit

CATCH_UP_DAYS = 3
DIGEST_HORIZON_DAYS = 90

T = {
    "subscriber": Subscriber._meta.db_table,
    "follow": Follow._meta.db_table,
    "delivery": Delivery._meta.db_table,
    "deprecation": Deprecation._meta.db_table,
    "offering": Offering._meta.db_table,
    "vendor": Vendor._meta.db_table,
    "alias": Alias._meta.db_table,
    "change": Change._meta.db_table,
}

CONFIRMED = Subscriber.Status.CONFIRMED.value
ALERT_RECORDED = ("x.deprecation_id = d.id AND x.kind = 'alert' AND x.lead_days = w.lead_days "
                  "AND x.shutdown_on = d.shutdown_on")
DIGEST_RECORDED = "x.deprecation_id IS NULL AND x.kind = 'digest' AND x.revision = {:d}"
WITHDRAWN = Deprecation.Status.WITHDRAWN.value

# Columns every inserted ledger row sets (Django's defaults live in Python, not the schema).
INSERT_COLUMNS = ("subscriber_id, deprecation_id, kind, lead_days, revision, shutdown_on, as_of, "
                  "status, attempts, next_attempt_at, created_at, claim_token, claimed_by, "
                  "message_id, last_error")


def is_replay(today: date) -> bool:
    """A run for another day than the real one: confirmation dates are ignored."""
    return today != clock.today()


@dataclass
class Due:
    """What one computation found (and, unless dry, inserted)."""

    alerts: int = 0
    changes: int = 0
    digests: int = 0

    @property
    def total(self) -> int:
        return self.alerts + self.changes + self.digests


# SQL fragments. Aliases: s subscriber, d deprecation, o offering, v vendor.

def _name_match(column: str) -> str:
    """``column`` (lowercased) equals f.value or starts with it plus a family separator."""
    seps = ", ".join(f"'{sep}'" for sep in FAMILY_SEPARATORS)
    return (f"({column} = f.value OR (SUBSTR({column}, 1, LENGTH(f.value)) = f.value "
            f"AND SUBSTR({column}, LENGTH(f.value) + 1, 1) IN ({seps})))")


def follows_sql() -> str:
    """True when subscriber s follows entry d: the SQL twin of ``queries.filter_entries``
    (vendors by slug; models by identifier, alias or family prefix; no rows of a kind = all)."""
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


ENTRY_JOIN = (f"JOIN {T['offering']} o ON o.id = d.offering_id "
              f"JOIN {T['vendor']} v ON v.id = o.vendor_id")


def _date(value: date):
    return connection.ops.adapt_datefield_value(value)


def _moment(value: datetime):
    return connection.ops.adapt_datetimefield_value(value)


def _columns(subscriber: str, entry: str, kind: str, lead: str, revision: str, shutdown: str,
             *, today: date, now: datetime) -> tuple[str, list]:
    """The SELECT list of a ledger row (named as INSERT_COLUMNS), and its parameters."""
    sql = (f"{subscriber} AS subscriber_id, {entry} AS deprecation_id, '{kind}' AS kind, "
           f"{lead} AS lead_days, {revision} AS revision, {shutdown} AS shutdown_on, "
           f"%s AS as_of, 'pending' AS status, 0 AS attempts, %s AS next_attempt_at, "
           f"%s AS created_at, '' AS claim_token, '' AS claimed_by, '' AS message_id, "
           f"'' AS last_error")
    return sql, [_date(today), _moment(now), _moment(now)]


def _not_recorded(condition: str, counting: bool) -> str:
    """Only when counting (dry run): leave out what the ledger already holds. An insert
    relies on ON CONFLICT and the unique keys instead, which is exact whatever the
    planner's statistics say about a ledger that just grew."""
    if not counting:
        return ""
    return (f"AND NOT EXISTS (SELECT 1 FROM {T['delivery']} x WHERE x.subscriber_id = s.id "
            f"AND {condition}) ")


def _alerts_select(today: date, now: datetime, replay: bool,
                   counting: bool = False) -> tuple[str, list]:
    windows, params = [], []
    for lead in LEAD_TIME_CHOICES:
        for late in range(CATCH_UP_DAYS + 1):
            if late > lead:  # past the shutdown date
                continue
            alert_day = today - timedelta(days=late)
            windows.append("SELECT %s AS lead_days, %s AS bit, %s AS alert_day, %s AS shutdown_on")
            params += [lead, lead_bit(lead), _date(alert_day),
                       _date(alert_day + timedelta(days=lead))]
    cols, col_params = _columns("s.id", "d.id", "alert", "w.lead_days", "d.revision",
                                "d.shutdown_on", today=today, now=now)
    sql = (
        f"SELECT {cols} "
        f"FROM {T['subscriber']} s "
        f"JOIN ({' UNION ALL '.join(windows)}) w ON (s.lead_mask & w.bit) <> 0 "
        f"JOIN {T['deprecation']} d ON d.shutdown_on = w.shutdown_on "
        f"{ENTRY_JOIN} "
        f"WHERE s.status = '{CONFIRMED}' AND d.published = %s AND d.status <> '{WITHDRAWN}' "
        f"AND (%s OR s.confirmed_on < w.alert_day) "
        f"{_not_recorded(ALERT_RECORDED, counting)}"
        f"AND {follows_sql()}"
    )
    return sql, col_params + params + [True, replay]


def _notable(change: str = "c") -> str:
    return (f"(({change}.kind = 'moved' AND {change}.field = 'shutdown_on') "
            f"OR {change}.kind IN ('withdrawn', 'reinstated'))")


def _changes_select(today: date, now: datetime) -> tuple[str, list]:
    since = timezone.make_aware(datetime.combine(today - timedelta(days=CATCH_UP_DAYS), time.min))
    cols, col_params = _columns("s.id", "d.id", "change", "0", "d.revision", "d.shutdown_on",
                                today=today, now=now)
    # One row per entry with recent changes: when it last changed notably, when it was
    # created (if lately), and the newest such revision; then one join with subscribers.
    recent = (
        f"SELECT c.deprecation_id, "
        f"MAX(CASE WHEN {_notable()} THEN c.changed_at END) AS changed_at, "
        f"MAX(CASE WHEN c.kind = 'created' THEN c.changed_at END) AS created_at, "
        f"MAX(c.revision) AS revision "
        f"FROM {T['change']} c WHERE c.changed_at >= %s AND ({_notable()} OR c.kind = 'created') "
        f"GROUP BY c.deprecation_id"
    )
    sql = (
        f"SELECT {cols} "
        f"FROM ({recent}) r JOIN {T['deprecation']} d ON d.id = r.deprecation_id {ENTRY_JOIN} "
        f"JOIN {T['subscriber']} s ON s.status = '{CONFIRMED}' "
        f"WHERE d.published = %s AND (d.shutdown_on IS NULL OR d.shutdown_on >= %s) "
        f"AND (r.changed_at > s.confirmed_at OR (r.created_at > s.confirmed_at "
        f"AND EXISTS (SELECT 1 FROM {T['follow']} f0 WHERE f0.subscriber_id = s.id))) "
        f"AND NOT EXISTS (SELECT 1 FROM {T['delivery']} x WHERE x.subscriber_id = s.id "
        f"AND x.deprecation_id = d.id AND x.kind = 'change' AND x.revision >= r.revision) "
        f"AND {follows_sql()}"
    )
    return sql, col_params + [_moment(since), True, _date(today)]


def digest_period(cadence: str, today: date) -> date | None:
    """The first day of the digest period ``today`` falls in, if that digest is still due."""
    start = today - timedelta(days=today.weekday()) if cadence == "weekly" else today
    return start if (today - start).days <= CATCH_UP_DAYS else None


def _digest_select(cadence: str, period: date, today: date, now: datetime,
                   replay: bool, counting: bool = False) -> tuple[str, list]:
    cols, col_params = _columns("s.id", "NULL", "digest", "0", "%s", "NULL",
                                today=today, now=now)
    sql = (
        f"SELECT {cols} "
        f"FROM {T['subscriber']} s "
        f"WHERE s.status = '{CONFIRMED}' AND s.digest = %s AND (%s OR s.confirmed_on < %s) "
        f"{_not_recorded(DIGEST_RECORDED.format(period.toordinal()), counting)}"
        f"AND (EXISTS (SELECT 1 FROM {T['deprecation']} d {ENTRY_JOIN} "
        f"WHERE d.published = %s AND d.status <> '{WITHDRAWN}' "
        f"AND d.shutdown_on >= %s AND d.shutdown_on <= %s AND {follows_sql()}) "
        f"OR EXISTS (SELECT 1 FROM {T['change']} c JOIN {T['deprecation']} d "
        f"ON d.id = c.deprecation_id {ENTRY_JOIN} "
        f"WHERE d.published = %s AND c.changed_at > %s AND c.changed_at > s.confirmed_at "
        f"AND ({_notable()} OR c.kind = 'created') AND {follows_sql()}))"
    )
    horizon = today + timedelta(days=DIGEST_HORIZON_DAYS)
    length = timedelta(days=7 if cadence == Subscriber.Digest.WEEKLY else 1)
    changed_since = timezone.make_aware(datetime.combine(period - length, time.min))
    return sql, [period.toordinal()] + col_params + [
        cadence, replay, _date(period), True, _date(today), _date(horizon), True,
        _moment(changed_since)]


def _run(select: tuple[str, list], *, dry_run: bool) -> int:
    sql, params = select
    with connection.cursor() as cursor:
        if dry_run:
            cursor.execute(f"SELECT COUNT(*) FROM ({sql}) due", params)
            return cursor.fetchone()[0]
        cursor.execute(f"INSERT INTO {T['delivery']} ({INSERT_COLUMNS}) {sql} "
                       f"ON CONFLICT DO NOTHING", params)
        return max(cursor.rowcount, 0)


def record_alerts(today: date, *, now: datetime | None = None, replay: bool | None = None,
                  dry_run: bool = False) -> Due:
    """Insert the lead-time alerts and change emails due on ``today``; with ``dry_run``,
    only count them. ``replay`` defaults to ``is_replay(today)`` (see the module's rules)."""
    now = now or timezone.now()
    replay = is_replay(today) if replay is None else replay
    return Due(alerts=_run(_alerts_select(today, now, replay, dry_run), dry_run=dry_run),
               changes=_run(_changes_select(today, now), dry_run=dry_run))


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
                                dry_run=dry_run)
    return due


def due_rows(today: date, *, now: datetime | None = None, replay: bool | None = None,
             limit: int = 50) -> list[tuple]:
    """(email, kind, identifier, lead days) of alerts and changes due, for ``--dry-run``."""
    now = now or timezone.now()
    replay = is_replay(today) if replay is None else replay
    rows = []
    for sql, params in (_alerts_select(today, now, replay, True), _changes_select(today, now)):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT sub.email, due.kind, off.identifier, due.lead_days FROM ({sql}) due "
                f"JOIN {T['subscriber']} sub ON sub.id = due.subscriber_id "
                f"JOIN {T['deprecation']} dep ON dep.id = due.deprecation_id "
                f"JOIN {T['offering']} off ON off.id = dep.offering_id "
                f"ORDER BY sub.email, off.identifier LIMIT %s", params + [limit])
            rows += cursor.fetchall()
    return rows
