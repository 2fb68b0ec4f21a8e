"""One collection run for one source: fetch, parse, reconcile, record, keep health.

Validators (ETag, Last-Modified) are stored only after the catalogue took the document, so a
run that dies half-way is simply done again next time; reconciling is idempotent.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import mail_admins
from django.utils import timezone

from deprecations import version
from deprecations.models import FetchRun, Source
from deprecations.sources import fetch, parsers, reconcile
from deprecations.sources.records import Record

log = logging.getLogger(__name__)

# After a failure, try again sooner than the normal interval, backing off: 15, 30, 60... min.
RETRY_FIRST = timedelta(minutes=15)
# How often a source is read when the admin set no interval of its own: one that answers
# conditional requests (it sent an ETag) costs a 304 when nothing changed, so it is read
# every 15 minutes and a vendor's notice reaches subscribers within minutes; others hourly.
EVERY_WITH_ETAG = timedelta(minutes=15)
EVERY_WITHOUT_ETAG = timedelta(minutes=60)


def interval(source: Source) -> timedelta:
    """How long after a good fetch the source is due again."""
    if source.interval_minutes:
        return timedelta(minutes=source.interval_minutes)
    return EVERY_WITH_ETAG if source.etag else EVERY_WITHOUT_ETAG


class DryRun(Exception):
    """Raised inside the transaction of a dry run so that nothing is kept."""


def collect(source: Source, *, today: date, now: datetime | None = None,
            dry_run: bool = False, fetched: fetch.FetchResult | None = None) -> FetchRun:
    """Fetch and reconcile one source; returns the (saved, unless dry run) ``FetchRun``.
    ``fetched``: the source's document already fetched by ``download`` (the command fetches
    several at once, then reconciles them one by one)."""
    now = now or timezone.now()
    result = fetched or download(source)
    run = FetchRun(source=source, started_at=now, duration_ms=result.duration_ms,
                   http_status=result.http_status, bytes=len(result.body), error=result.error)
    if result.outcome == fetch.OK:
        _take(source, run, result, today=today, now=now, dry_run=dry_run)
    else:
        run.status = {fetch.NOT_MODIFIED: FetchRun.Status.NOT_MODIFIED,
                      fetch.UNREACHABLE: FetchRun.Status.UNREACHABLE,
                      fetch.BLOCKED: FetchRun.Status.BLOCKED}.get(result.outcome,
                                                                  FetchRun.Status.ERROR)
    if not dry_run:
        _finish(source, run, result, now)
    return run


def download(source: Source) -> fetch.FetchResult:
    """Fetch the source's document (network only, no database: safe in a thread)."""
    try:
        result = fetch.fetch(
            source.url, etag=source.etag, last_modified=source.last_modified,
            timeout=settings.DEPCAL_FETCH_TIMEOUT, deadline=settings.DEPCAL_FETCH_DEADLINE,
            max_bytes=settings.DEPCAL_FETCH_MAX_BYTES,
            allow_private=settings.DEPCAL_FETCH_ALLOW_PRIVATE,
            user_agent=settings.DEPCAL_USER_AGENT, retries=settings.DEPCAL_FETCH_RETRIES,
        )
    except Exception as exc:  # fetch() should not raise; if it does, the run still counts
        log.exception("fetch failed on %s", source.slug)
        result = fetch.FetchResult(fetch.ERROR, error=f"fetch failed: {exc!r}"[:2000])
    return result


def parser_for(source: Source, body: bytes) -> parsers.Parser:
    """The source's parser, else the one that fits the document best."""
    return parsers.get(source.parser) if source.parser else parsers.detect(body, source.url)


def read(source: Source, body: bytes, parser: parsers.Parser | None = None) -> list[Record]:
    """The records of a document of ``source`` (raises ``parsers.ParseError`` if unreadable)."""
    parser = parser or parser_for(source, body)
    return parser.fn(body, url=source.cite_url,
                     vendor=source.vendor.name if source.vendor else None)


def _take(source, run, result, *, today, now, dry_run):
    """Parse the body and reconcile it; sets the run's status and counts."""
    try:
        parser = parser_for(source, result.body)
        run.parser = parser.name
        records = read(source, result.body, parser)
    except parsers.ParseError as exc:  # not a document this parser reads: say so, no traceback
        run.status, run.error = FetchRun.Status.ERROR, f"parser failed: {exc}"[:2000]
        return
    except Exception as exc:  # a parser bug must not stop the other sources
        log.exception("parser failed on %s", source.slug)
        run.status, run.error = FetchRun.Status.ERROR, f"parser failed: {exc!r}"[:2000]
        return
    run.rows = len(records)
    if not records and (source.last_row_count or 0) > 0:
        run.status = FetchRun.Status.EMPTY
        run.error = (f"no retirement rows found, where the last good fetch had "
                     f"{source.last_row_count}: the page layout may have changed")
        return
    try:
        with version.writing():
            counts = reconcile.reconcile(source, records, today=today, now=now)
            if dry_run:
                raise DryRun
    except DryRun:
        pass
    except Exception as exc:  # recorded on the run, the source turns unhealthy, admins hear
        log.exception("reconcile failed on %s", source.slug)
        run.status, run.error = FetchRun.Status.ERROR, f"reconcile failed: {exc!r}"[:2000]
        return
    run.status = FetchRun.Status.OK
    run.new, run.changed = counts.new, counts.changed
    run.unchanged, run.flagged = counts.unchanged, counts.flagged


def _finish(source: Source, run: FetchRun, result, now) -> None:
    run.save()
    before = source.health
    source.last_fetched_at = now
    if run.status in (FetchRun.Status.OK, FetchRun.Status.NOT_MODIFIED):
        source.health, source.health_note, source.failures = Source.Health.OK, "", 0
        source.last_success_at = now
        if run.status == FetchRun.Status.OK:
            source.etag, source.last_modified = result.etag, result.last_modified
            source.last_row_count = run.rows
        source.next_fetch_at = now + interval(source)
    else:
        source.health = {
            FetchRun.Status.UNREACHABLE: Source.Health.UNREACHABLE,
            FetchRun.Status.BLOCKED: Source.Health.BLOCKED,
            FetchRun.Status.EMPTY: Source.Health.EMPTY,
        }.get(run.status, Source.Health.ERROR)
        source.health_note = run.error
        source.failures += 1
        retry = RETRY_FIRST * 2 ** min(source.failures - 1, 8)
        source.next_fetch_at = now + min(retry, interval(source))
        log.warning("source %s: %s (%s)", source.slug, source.health, run.error)
    source.save()
    if source.health != before and source.health in ALERTING:
        _alert_admins(source, run)


# Health states worth an email: a network outage is not (it fixes itself, and offline
# development would flood), a block or a page that lost its rows needs a person.
ALERTING = {Source.Health.BLOCKED, Source.Health.EMPTY, Source.Health.ERROR}


def _alert_admins(source: Source, run: FetchRun) -> None:
    mail_admins(
        f"Source {source.slug} is unhealthy: {source.get_health_display()}",
        f"{source.name} ({source.url})\n\n{run.error}\n\nNothing in the catalogue was retired "
        f"or deleted because of it. See the source in the admin.",
        fail_silently=True,
    )


def due_sources(now: datetime):
    return Source.objects.filter(enabled=True).exclude(next_fetch_at__gt=now)


def claim(source: Source, now: datetime) -> bool:
    """Take a due source for this cycle (a conditional update, so two beats never both do)."""
    lease = now + interval(source)
    return bool(Source.objects.filter(pk=source.pk, next_fetch_at=source.next_fetch_at)
                .update(next_fetch_at=lease))
