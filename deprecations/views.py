"""Public pages: the calendar (upcoming and recent), the archive, a vendor, an entry."""

from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from deprecations import clock, freshness, queries, timeline
from deprecations.models import Change, Deprecation, Vendor

ARCHIVE_PAGE_SIZE = 50
RECENT_MONTHS = 12


def _decorate(entries, today):
    """Days left and urgency band for display (pure arithmetic, no queries)."""
    entries = list(entries)
    for e in entries:
        e.days = e.days_left(today)
        e.band = queries.urgency(e.days)
        e.days_ago = -e.days if e.days is not None and e.days < 0 else None
    return entries


def _filters(request):
    return {
        "vendors": request.GET.getlist("vendor"),
        "search": request.GET.get("q", "")[:100],
    }


def home(request):
    today = clock.today()
    filters = _filters(request)
    live = queries.filter_entries(
        queries.public_entries().exclude(status=Deprecation.Status.WITHDRAWN),
        vendors=filters["vendors"], search=filters["search"],
    )
    recent_from = queries.months_before(today, RECENT_MONTHS - 1)
    upcoming = _decorate(live.filter(shutdown_on__gte=today), today)
    start, end = timeline.window(today)
    past = _decorate(live.filter(shutdown_on__lt=today, shutdown_on__gte=recent_from)
                     .order_by("-shutdown_on", "offering__identifier"), today)
    context = {
        "today": today,
        "vendors": Vendor.objects.all(),
        "selected_vendors": filters["vendors"],
        "search": filters["search"],
        "upcoming_groups": queries.group_by_month(upcoming),
        "upcoming_count": len(upcoming),
        "soon": {band: sum(1 for e in upcoming if 0 <= e.days <= band) for band in (7, 30, 90)},
        "undated": live.filter(shutdown_on=None),
        "past_groups": queries.group_by_month(past),
        "older_count": live.filter(shutdown_on__lt=recent_from).count(),
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
    past = queries.filter_entries(
        queries.public_entries().exclude(status=Deprecation.Status.WITHDRAWN)
        .filter(shutdown_on__lt=today).order_by("-shutdown_on", "offering__identifier"),
        vendors=filters["vendors"], search=filters["search"],
    )
    page = Paginator(past, ARCHIVE_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "today": today,
        "page": page,
        "groups": queries.group_by_month(_decorate(page.object_list, today)),
        "vendors": Vendor.objects.all(),
        "selected_vendors": filters["vendors"],
        "search": filters["search"],
    }
    return render(request, "deprecations/archive.html", context)


def vendor(request, slug):
    today = clock.today()
    vendor = get_object_or_404(Vendor, slug=slug)
    entries = queries.public_entries().filter(offering__vendor=vendor)
    upcoming = _decorate(entries.filter(shutdown_on__gte=today), today)
    past = _decorate(entries.filter(shutdown_on__lt=today).order_by("-shutdown_on"), today)
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
    }
    return render(request, "deprecations/vendor.html", context)


def entry(request, slug, identifier):
    today = clock.today()
    at_vendor = queries.public_entries().filter(offering__vendor__slug=slug)
    entry = at_vendor.prefetch_related(
        "citations", Prefetch("changes", Change.objects.select_related("changed_by")),
    ).filter(offering__identifier=identifier).first()
    if entry is None:
        return _redirect_to_entry(at_vendor, identifier)
    elsewhere = []
    if entry.offering.family:
        elsewhere = list(queries.public_entries().filter(offering__family=entry.offering.family)
                         .exclude(offering__vendor=entry.offering.vendor))
    line = timeline.entry_line(entry, entry.changes.all(), today=today)
    line.title = _("The dates of %(identifier)s, and every earlier date it had") % {
        "identifier": entry.offering.identifier}
    context = {
        "today": today,
        "timeline": line,
        "entry": _decorate([entry], today)[0],
        # This platform's row first, then the others' by date, to read side by side.
        "elsewhere": elsewhere,
        "same_model": [entry, *elsewhere],
    }
    return render(request, "deprecations/entry.html", context)


def _redirect_to_entry(at_vendor, name):
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
