"""iCalendar feeds of the catalogue: which entries a feed holds, its bytes, and serving them.

The public feed (``notifier.ical_views``) and the private feeds of subscriptions both go through
``serve``: it renders a feed once per (filter, catalogue version, day), keeps the bytes in
Django's cache, and answers polls with 304 when the client already has them. Rendering takes
its date as ``today=`` and never reads the clock, so the same catalogue gives the same bytes
(DTSTAMP is the entry's ``updated_at``, not "now"). docs/standards.md, "iCalendar feeds",
lists the rules followed here, numbered as rows 1-13.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db.models import Max, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from icalendar import Alarm, Calendar, Event, vDuration, vText

from depcal import limits
from deprecations import clock, queries, status
from deprecations.models import Retirement, Vendor

PRODID = "-//depcal//deprecation calendar//EN"
CONTENT_TYPE = "text/calendar; charset=utf-8"
REFRESH = timedelta(hours=12)  # REFRESH-INTERVAL and X-PUBLISHED-TTL (row 6)
COLOR = "darkorange"  # a CSS colour name (row 6)
# Serve may answer from a shared cache for an hour; clients refresh every twelve.
MAX_AGE = 3600
PRIVATE_CACHE_CONTROL = f"private, max-age={MAX_AGE}"
PUBLIC_CACHE_CONTROL = f"public, max-age={MAX_AGE}"
CACHE_TIMEOUT = 24 * 3600  # rendered bytes; the key changes with the catalogue anyway
MONTH_ONLY = "(month only: vendor gave no day)"
TENTATIVE = "(the vendor's earliest possible date: it may come later, never sooner)"

MAX_ALARMS = 5
MAX_ALARM_DAYS = 365
MAX_VALUES = 20  # vendors or models per filter; more are dropped, not an error
MAX_VALUE_LENGTH = 100
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _clean_words(values, *, limit: int = MAX_VALUES) -> tuple[str, ...]:
    # Control characters never occur in slugs or identifiers (and PostgreSQL refuses NUL).
    words = {_CONTROL.sub("", str(v)).strip().lower()[:MAX_VALUE_LENGTH] for v in values}
    return tuple(sorted(w for w in words if w))[:limit]


def _clean_alarms(values) -> tuple[int, ...]:
    kept: list[int] = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int):
            continue
        if 0 <= value <= MAX_ALARM_DAYS and value not in kept:
            kept.append(value)
    return tuple(sorted(kept[:MAX_ALARMS], reverse=True))


@dataclass(frozen=True)
class FeedFilter:
    """What one feed shows. Always normalised, however it was built: vendors and models
    lowercase, deduplicated and sorted; alarms the first five distinct whole days in 0..365,
    largest first. Equal filters give equal feeds and equal cache keys."""

    vendors: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    upcoming: bool = False
    alarms: tuple[int, ...] = ()

    def __post_init__(self):
        object.__setattr__(self, "vendors", _clean_words(self.vendors))
        object.__setattr__(self, "models", _clean_words(self.models))
        object.__setattr__(self, "upcoming", bool(self.upcoming))
        object.__setattr__(self, "alarms", _clean_alarms(self.alarms))

    @classmethod
    def from_query(cls, query) -> FeedFilter:
        """From a QueryDict (``request.GET``): ``vendor`` and ``model`` repeatable or
        comma-separated, ``upcoming=1``, ``alarms=30,7``. Values that are not understood are
        ignored (an unknown vendor stays, and simply matches nothing)."""
        alarms = []
        for word in _split(query, "alarms"):
            try:
                alarms.append(int(word))
            except ValueError:
                continue
        return cls(
            vendors=tuple(_split(query, "vendor")),
            models=tuple(_split(query, "model")),
            upcoming=query.get("upcoming", "").strip().lower() in TRUE_WORDS,
            alarms=tuple(alarms),
        )

    def query_string(self) -> str:
        """The canonical query string (no ``?``); ``from_query`` of it gives this filter."""
        pairs = [("vendor", v) for v in self.vendors] + [("model", m) for m in self.models]
        if self.upcoming:
            pairs.append(("upcoming", "1"))
        pairs += [("alarms", str(days)) for days in self.alarms]
        return urlencode(pairs)

    def cache_key(self) -> str:
        """A short key, safe for any cache backend, equal for equal filters."""
        raw = json.dumps([self.vendors, self.models, self.upcoming, self.alarms])
        return "feedfilter-" + hashlib.sha256(raw.encode()).hexdigest()[:32]


def _split(query, name: str) -> list[str]:
    return [word for value in query.getlist(name) for word in value.split(",")][:MAX_VALUES * 2]


# Which entries, and what each event says.

def feed_retirements(feed_filter: FeedFilter, *, today: date) -> QuerySet[Retirement]:
    """Published entries with a shutdown date that the filter selects, in a stable order.
    Withdrawn ones stay (as cancelled events). Three queries, whatever the size."""
    qs = queries.filter_retirements(
        queries.public_retirements().filter(shutdown_on__isnull=False),
        vendors=feed_filter.vendors, models=feed_filter.models,
    )
    if feed_filter.upcoming:
        qs = qs.upcoming(today)
    return qs.prefetch_related("citations").order_by(
        "shutdown_on", "offering__vendor__slug", "offering__identifier", "pk")


def event_summary(entry: Retirement) -> str:
    """``gpt-4o shutdown (OpenAI)``; on a tentative date, which is only the earliest possible
    day, ``gemini-2.0-flash shutdown, not before this day (Google Gemini API)``."""
    what = "shutdown, not before this day" if entry.shutdown_tentative else "shutdown"
    return f"{entry.offering.identifier} {what} ({entry.offering.vendor.name})"


def retirement_url(entry: Retirement) -> str:
    return settings.SITE_URL + entry.get_absolute_url()


def event_description(entry: Retirement, *, page_url: str = "", today=None) -> str:
    """Plain text: the date, the replacement, the other dates, the sources, the page."""
    lines = []
    if entry.status == Retirement.Status.WITHDRAWN:
        lines.append("Withdrawn: the vendor called this retirement off.")
    elif today and status.of(entry, today) == Retirement.Status.DUE:
        lines.append("May shut down any day: the earliest possible date has passed.")
    shutdown = entry.shutdown_on.isoformat()
    if entry.shutdown_precision == Retirement.Precision.MONTH:
        shutdown = f"{entry.shutdown_on:%B %Y} {MONTH_ONLY}"
    if entry.shutdown_tentative:
        shutdown = f"not before {shutdown} {TENTATIVE}"
    lines.append(f"Shutdown: {shutdown}")
    lines.append("Replacement: " + (" or ".join(entry.replacements) or "none named"))
    if entry.announced_on:
        lines.append(f"Announced: {entry.announced_on.isoformat()}")
    if entry.deprecated_on:
        lines.append(f"Deprecated: {entry.deprecated_on.isoformat()}")
    aliases = [a.name for a in entry.offering.aliases.all()]
    if aliases:
        lines.append("Also known as: " + ", ".join(aliases))
    if entry.notes:
        lines.append(f"Notes: {entry.notes.strip()}")
    citations = list(entry.citations.all())
    if citations:
        lines.append("Sources:")
        lines += [f"- {c.title}: {c.url}" if c.title else f"- {c.url}" for c in citations]
    lines.append(f"Details: {page_url or retirement_url(entry)}")
    return "\n".join(lines)


def alarm_text(entry: Retirement, days: int) -> str:
    """What a reminder says; a tentative date is never counted down as the shutdown."""
    when = "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"
    if entry.shutdown_tentative:
        return (f"{entry.offering.identifier} ({entry.offering.vendor.name}): the earliest "
                f"possible shutdown day is {when}")
    return f"{event_summary(entry)} {when}"


def alarm_trigger(days: int) -> timedelta:
    """For an all-day event: ``days`` days before, at 09:00 local (7 -> -P6DT15H, 0 -> PT9H)."""
    return timedelta(hours=9) - timedelta(days=days)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


def _event(entry: Retirement, *, alarms: tuple[int, ...], today: date) -> Event:
    withdrawn = entry.status == Retirement.Status.WITHDRAWN
    stamp = _utc(entry.updated_at)
    page_url = retirement_url(entry)
    event = Event()
    event.add("uid", entry.uid)
    event.add("dtstamp", stamp)  # the entry's last change, so unchanged bytes stay unchanged
    event.add("dtstart", entry.shutdown_on)  # a DATE, no TZID (row 3)
    event.add("dtend", entry.shutdown_on + timedelta(days=1))  # exclusive
    event.add("summary", event_summary(entry))
    event.add("description", event_description(entry, page_url=page_url, today=today))
    event.add("categories", [entry.offering.vendor.name])
    event.add("url", page_url)
    event.add("sequence", entry.revision)
    event.add("last-modified", stamp)
    # RFC 5545 3.8.1.11: a date the vendor gives as the earliest possible is not confirmed.
    event.add("status", "CANCELLED" if withdrawn
              else "TENTATIVE" if entry.shutdown_tentative else "CONFIRMED")
    event.add("transp", "TRANSPARENT")
    if withdrawn or entry.shutdown_on < today:
        return event  # no reminders of what will not happen or has happened
    for days in alarms:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", alarm_text(entry, days))
        alarm.add("trigger", alarm_trigger(days))
        event.add_component(alarm)
    return event


def _calendar(*, name: str, description: str, url: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    # Row 6: RFC 7986 names and the X-WR ones that Apple, Google and Outlook read.
    cal.add("name", vText(name))
    cal.add("x-wr-calname", vText(name))
    cal.add("description", vText(description))
    cal.add("x-wr-caldesc", vText(description))
    cal.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(REFRESH))
    cal.add("source", url, parameters={"VALUE": "URI"})
    cal.add("url", settings.SITE_URL + "/")
    cal.add("color", COLOR)
    return cal


def render(feed_filter: FeedFilter, *, today: date, name: str, description: str,
           url: str) -> bytes:
    """The feed's bytes: one all-day event per selected retirement.

    ``url`` is the feed's own address (published as SOURCE, where clients refresh from);
    ``name`` and ``description`` label the calendar in clients. ``today`` decides what
    ``upcoming`` leaves out, and leaves reminders off past events.
    """
    cal = _calendar(name=name, description=description, url=url)
    for entry in feed_retirements(feed_filter, today=today):
        cal.add_component(_event(entry, alarms=feed_filter.alarms, today=today))
    return cal.to_ical()


# Names for feeds and their addresses.

def feed_title(feed_filter: FeedFilter) -> str:
    """A calendar name that says what is in it ("depcal: OpenAI retirements")."""
    scope = []
    if feed_filter.vendors:
        names = dict(Vendor.objects.filter(slug__in=feed_filter.vendors)
                     .values_list("slug", "name"))
        scope.append(", ".join(names.get(slug, slug) for slug in feed_filter.vendors))
    if feed_filter.models:
        scope.append(", ".join(feed_filter.models))
    title = "depcal: " + (" / ".join(scope) or "AI model and API") + " retirements"
    return title + (" (upcoming)" if feed_filter.upcoming else "")


def feed_description(feed_filter: FeedFilter) -> str:
    what = "Upcoming shutdown dates" if feed_filter.upcoming else "Shutdown dates"
    return (f"{what} of hosted AI models and APIs, as the vendors announced them, "
            f"collected by depcal ({settings.SITE_URL}/).")


def feed_url(path: str, feed_filter: FeedFilter) -> str:
    """The absolute, canonical address of the feed at ``path`` with this filter."""
    query = feed_filter.query_string()
    return settings.SITE_URL + path + (f"?{query}" if query else "")


# Serving.

@dataclass(frozen=True)
class RenderedFeed:
    body: bytes
    etag: str  # strong: a hash of the bytes
    last_modified: int  # seconds since the epoch


def _last_modified(feed_filter: FeedFilter, today: date) -> int:
    """The newest change of any entry; for feeds that depend on the date, at least the start
    of today (capped at now), since a day passing changes them without any entry changing."""
    newest = Retirement.objects.aggregate(at=Max("updated_at"))["at"]
    moments = [newest] if newest else []
    if feed_filter.upcoming or feed_filter.alarms or not moments:
        start_of_day = timezone.make_aware(datetime.combine(today, time.min))
        moments.append(min(start_of_day, timezone.now()))
    return int(max(moments).timestamp())


def rendered(feed_filter: FeedFilter, *, today: date, name: str, description: str,
             url: str, request: HttpRequest | None = None) -> RenderedFeed:
    """The feed from the cache, rendering it only if the catalogue changed since; a render
    counts against the requesting client's DEPCAL_FEED_RENDER_RATE (``limits.Limited``)."""
    labels = hashlib.sha256(json.dumps([name, description, url]).encode()).hexdigest()[:16]
    key = (f"depcal-feed:{feed_filter.cache_key()}:{labels}:{today.isoformat()}:"
           f"{queries.catalogue_version()}")
    feed = cache.get(key)
    if feed is None:
        if request is not None:
            limits.check("feed-render", request, settings.DEPCAL_FEED_RENDER_RATE)
        body = render(feed_filter, today=today, name=name, description=description, url=url)
        feed = RenderedFeed(body=body, etag=f'"{hashlib.sha256(body).hexdigest()[:40]}"',
                            last_modified=_last_modified(feed_filter, today))
        cache.set(key, feed, CACHE_TIMEOUT)
    return feed


def serve(request: HttpRequest, feed_filter: FeedFilter, *, name: str,
          description: str) -> HttpResponse:
    """Answer a GET or HEAD for the feed at ``request.path``: 200 with the bytes, or 304 when
    the client's ETag or date still holds. Cache-Control is private; a public view may
    replace it with ``PUBLIC_CACHE_CONTROL``."""
    feed = rendered(feed_filter, today=clock.today(), name=name, description=description,
                    url=feed_url(request.path, feed_filter), request=request)
    # HEAD: the headers GET would send, without the bytes (servers warn about a body).
    head = request.method == "HEAD"
    response = HttpResponse(b"" if head else feed.body, content_type=CONTENT_TYPE)
    response["Content-Length"] = str(len(feed.body))
    response["ETag"] = feed.etag
    response["Last-Modified"] = http_date(feed.last_modified)
    response["Cache-Control"] = PRIVATE_CACHE_CONTROL
    return get_conditional_response(request, etag=feed.etag,
                                    last_modified=feed.last_modified, response=response)
