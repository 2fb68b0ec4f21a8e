"""Public pages: the calendar (upcoming and recent), the archive, a vendor, an entry, where
the dates come from, and how to scan code for retired models."""

import functools
import re
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from markdown_it import MarkdownIt

from deprecations import clock, freshness, queries, status, timeline
from deprecations.models import Change, Retirement, Source, Vendor, url_key

ARCHIVE_PAGE_SIZE = 50
RECENT_MONTHS = 12
MAX_VENDORS = 20


def _decorate(entries, today):
    """Days left and urgency band for display (pure arithmetic, no queries)."""
    entries = list(entries)
    for e in entries:
        e.days = e.days_left(today)
        e.state = status.of(e, today)
        e.due = e.state == Retirement.Status.DUE  # "not before" a day that has passed
        # A day to be ready by that has passed: as urgent as one due today.
        e.band = queries.urgency(0 if e.due else e.days)
        e.days_ago = -e.days if e.days is not None and e.days < 0 else None
    return entries


# Reminder presets offered next to a page's calendar links: ``?alarms=`` on the page is
# carried into the feed's address, whose events then remind that many days before.
REMINDERS = {"": (), "30,7": (30, 7), "90,30,7,1": (90, 30, 7, 1)}
REMINDER_LABELS = {"": gettext_lazy("No reminders"),
                   "30,7": gettext_lazy("30 and 7 days before"),
                   "90,30,7,1": gettext_lazy("90, 30, 7 and 1 day before")}


def _filters(request) -> dict:
    """What a list page shows, named as the feeds and the API name it: ``vendor`` slugs and
    ``model`` names (identifier, alias or family prefix, matched as the feeds match them).
    ``q`` is the pages' older name for ``model`` and means the same, so old links work."""
    vendors = [v.strip().lower() for v in request.GET.getlist("vendor")[:MAX_VENDORS]]
    return {
        "vendors": list(dict.fromkeys(v for v in vendors if v)),
        "models": queries.model_words(request.GET.getlist("model") + request.GET.getlist("q")),
    }


def _feed_scope(request, *, vendors=(), models=(), keep=()) -> dict:
    """What ``base.html`` (alternate links) and ``notifier/_subscribe.html`` (calendar, Atom
    and API links, reminder picker) need: the scope of the page, the reminders chosen, and
    the ``keep`` query pairs the picker must send back so the page stays filtered."""
    reminder = request.GET.get("alarms", "")
    reminder = reminder if reminder in REMINDERS else ""
    return {
        "feed_vendors": list(vendors),
        "feed_models": list(models),
        "feed_alarms": REMINDERS[reminder],
        "reminder": reminder,
        "reminder_choices": list(REMINDER_LABELS.items()),
        "feed_keep": list(keep),
    }


def _list_context(request, filters: dict) -> dict:
    """The filters form of a list page, its query string, and its feed scope."""
    pairs = ([("vendor", v) for v in filters["vendors"]]
             + [("model", m) for m in filters["models"]])
    return {
        "vendors": Vendor.objects.all(),
        "selected_vendors": filters["vendors"],
        "search": ", ".join(filters["models"]),
        "filter_query": urlencode(pairs),
        **_feed_scope(request, vendors=filters["vendors"], models=filters["models"],
                      keep=pairs),
    }


def _suggestions(models: list[str]) -> list[str]:
    """Names close to the models typed, for a filter that selects nothing at all."""
    if not models:
        return []
    return list(dict.fromkeys(name for names in queries.closest_names(models).values()
                              for name in names))[:8]


def _unknown_vendor_page(request, filters: dict):
    """A 404 naming the vendors ``vendor=`` asks for that do not exist, as the feeds answer
    (a misspelt slug would otherwise show an empty calendar that looks right), with links to
    the vendors that do; None if all exist."""
    unknown = queries.unknown_vendors(filters["vendors"])
    if not unknown:
        return None
    return render(request, "404.html", {"unknown_vendors": unknown,
                                        "known_vendors": Vendor.objects.order_by("slug")},
                  status=404)


def home(request):
    today = clock.today()
    filters = _filters(request)
    if unknown := _unknown_vendor_page(request, filters):
        return unknown
    live = queries.filter_retirements(
        queries.public_retirements().exclude(status=Retirement.Status.WITHDRAWN),
        vendors=filters["vendors"], models=filters["models"],
    )
    recent_from = queries.months_before(today, RECENT_MONTHS - 1)
    upcoming = _decorate(live.upcoming(today), today)
    start, end = timeline.window(today)
    past = _decorate(live.past(today).filter(shutdown_on__gte=recent_from)
                     .order_by("-shutdown_on", "offering__identifier"), today)
    undated = list(live.filter(shutdown_on=None))
    older_count = live.past(today).filter(shutdown_on__lt=recent_from).count()
    nothing = not (upcoming or past or undated or older_count)
    context = {
        "today": today,
        **_list_context(request, filters),
        "upcoming_groups": queries.group_by_month(upcoming),
        "upcoming_count": len(upcoming),
        # Dated shutdowns ahead; a passed "not before" day is said on its own line, not
        # counted as due this week (it may be any day, or already past).
        "soon": {band: sum(1 for e in upcoming if not e.due and 0 <= e.days <= band)
                 for band in (7, 30, 90)},
        "due_count": sum(1 for e in upcoming if e.due),
        "undated": undated,
        "past_groups": queries.group_by_month(past),
        "older_count": older_count,
        "nothing": nothing,
        "suggestions": _suggestions(filters["models"]) if nothing else [],
        "freshness": freshness.freshness(now=clock.now()),
        "timeline": timeline.build(
            live.filter(shutdown_on__gte=start, shutdown_on__lt=end), today=today,
            title=_("Retirements from %(start)s to %(end)s, one row per vendor") % {
                "start": date_format(start, "F Y"), "end": date_format(end, "F Y")}),
    }
    return render(request, "deprecations/home.html", context)


def archive(request):
    today = clock.today()
    filters = _filters(request)
    if unknown := _unknown_vendor_page(request, filters):
        return unknown
    past = queries.filter_retirements(
        queries.public_retirements().exclude(status=Retirement.Status.WITHDRAWN)
        .past(today).order_by("-shutdown_on", "offering__identifier"),
        vendors=filters["vendors"], models=filters["models"],
    )
    page = Paginator(past, ARCHIVE_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "today": today,
        "page": page,
        "groups": queries.group_by_month(_decorate(page.object_list, today)),
        "suggestions": [] if page.object_list else _suggestions(filters["models"]),
        **_list_context(request, filters),
    }
    return render(request, "deprecations/archive.html", context)


def vendor(request, slug):
    today = clock.today()
    vendor = get_object_or_404(Vendor, slug=slug)
    entries = queries.public_retirements().filter(offering__vendor=vendor)
    upcoming = _decorate(entries.upcoming(today), today)
    past = _decorate(entries.past(today).order_by("-shutdown_on"), today)
    start, end = timeline.window(today)
    context = {
        "today": today,
        "vendor": vendor,
        "timeline": timeline.build(
            entries.filter(shutdown_on__gte=start, shutdown_on__lt=end), today=today,
            title=_("%(vendor)s retirements from %(start)s to %(end)s") % {
                "vendor": vendor.name, "start": date_format(start, "F Y"),
                "end": date_format(end, "F Y")}),
        "upcoming_groups": queries.group_by_month(upcoming),
        "undated": entries.filter(shutdown_on=None),
        "past_groups": queries.group_by_month(past),
        **_feed_scope(request, vendors=[vendor.slug]),
    }
    return render(request, "deprecations/vendor.html", context)


def entry(request, slug, identifier):
    today = clock.today()
    at_vendor = queries.public_retirements().filter(offering__vendor__slug=slug)
    entry = _entry_at(at_vendor.prefetch_related(
        "citations", Prefetch("changes", Change.objects.select_related("changed_by")),
    ), identifier)
    if entry is None:
        return _redirect_to_retirement(at_vendor, identifier)
    if url_key(entry.offering.identifier) != identifier:
        # reached by the identifier itself (``//v1/answers``): its address has one spelling
        return redirect(entry, permanent=True)
    elsewhere = []
    if entry.offering.family:
        elsewhere = list(queries.public_retirements().filter(offering__family=entry.offering.family)
                         .exclude(offering__vendor=entry.offering.vendor))
    line = timeline.retirement_line(entry, entry.changes.all(), today=today)
    line.title = _("The dates of %(identifier)s, and every earlier date it had") % {
        "identifier": entry.offering.identifier}
    context = {
        "today": today,
        "timeline": line,
        "entry": _decorate([entry], today)[0],
        # This platform's row first, then the others' by date, to read side by side.
        "elsewhere": elsewhere,
        "same_model": [entry, *elsewhere],
        # its calendar follows this platform only
        **_feed_scope(request, vendors=[entry.offering.vendor.slug],
                      models=[entry.offering.identifier]),
    }
    return render(request, "deprecations/entry.html", context)


def _entry_at(at_vendor, key: str):
    """The entry whose address spells its identifier ``key`` (``models.url_key``): the
    identifier itself, or one with empty parts (``/v1/answers``), found among those that
    end the same way; its identifier exactly as typed comes first."""
    exact = at_vendor.filter(offering__identifier=key).first()
    if exact is not None or not key:
        return exact
    last = key.rsplit("/", 1)[-1]
    return next((e for e in at_vendor.filter(offering__identifier__contains=last)
                 if url_key(e.offering.identifier) == key), None)


def _redirect_to_retirement(at_vendor, name):
    """An address that names an entry another way: its old numeric id (permanently: ids never
    change on an install), or one of its aliases or its identifier in other letter case
    (temporarily: a later entry may take that very name). Anything else is a 404."""
    if name.isascii() and name.isdigit() and len(name) < 19:
        found = at_vendor.filter(pk=int(name)).first()
        if found is not None:
            return redirect(found, permanent=True)
    named = list(at_vendor.filter(Q(offering__identifier__iexact=name)
                                  | Q(offering__aliases__name__iexact=name)).distinct()[:2])
    if len(named) == 1:
        return redirect(named[0])
    raise Http404("No published retirement at this address.")


def sources(request):
    """Where each vendor's dates come from: its own deprecation page, and the documents the
    collectors read (with the day each was last read successfully)."""
    watched = Source.objects.filter(enabled=True).order_by("name")
    vendors = list(Vendor.objects.prefetch_related(Prefetch("sources", watched,
                                                            to_attr="watched")))
    # A vendor with no deprecation page has its changelog as its site: that link is not
    # called a deprecation page (the changelog's own line says what it is).
    not_deprecation_pages = {page_url or url for url, page_url in Source.objects.exclude(
        authority=Source.Authority.PRIMARY).values_list("url", "page_url")}
    for v in vendors:
        v.deprecation_page = "" if v.website in not_deprecation_pages else v.website
    return render(request, "deprecations/sources.html", {
        "vendors": vendors,
        "trackers": queries.with_agreement(watched.filter(vendor=None)),
    })


README = settings.BASE_DIR / "README.md"
SCANNER_SECTION = "Scanning your code"
README_SERVER = "https://depcal.example.org"  # the README's placeholder for a depcal server


@functools.cache
def readme_section(title: str, site_url: str) -> str | None:
    """One ``## title`` section of the README as HTML (the one place the scanner's usage is
    written down), with its placeholder server address replaced by this site's."""
    try:
        text = README.read_text(encoding="utf-8")
    except OSError:
        return None
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    if match is None:
        return None
    body = match.group(1).replace(README_SERVER, site_url)
    return MarkdownIt("commonmark", {"html": False}).enable("table").render(body)


def scanner(request):
    section = readme_section(SCANNER_SECTION, settings.SITE_URL)
    if section is None:
        raise Http404("The README is not installed with this copy of depcal.")
    return render(request, "deprecations/scanner.html", {"section": mark_safe(section)})
