"""Read-side queries over the catalogue, shared by the pages, the feeds and the API.

Every function takes ``today`` when it needs a date, and returns querysets or plain lists
built from a constant number of queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from itertools import groupby

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet

from deprecations.models import Alias, Change, Citation, Deprecation

# What may follow a family prefix: gpt-4o matches gpt-4o-2024-05-13 and gpt-4o:latest.
FAMILY_SEPARATORS = ("-", ":", ".", "@", "/")


def public_entries() -> QuerySet[Deprecation]:
    return Deprecation.objects.published().with_related()


def filter_entries(qs: QuerySet, *, vendors: Iterable[str] = (), models: Iterable[str] = (),
                   search: str = "") -> QuerySet:
    """Filter by vendor slugs, by model (identifier, alias or family prefix), by free text."""
    vendors = [v.strip().lower() for v in vendors if v and v.strip()]
    if vendors:
        qs = qs.filter(offering__vendor__slug__in=vendors)
    models = [m.strip() for m in models if m and m.strip()]
    if models:
        qs = qs.filter(_model_match(models))
    search = search.strip()
    if search:
        alias_hit = Alias.objects.filter(offering=OuterRef("offering"), name__icontains=search)
        qs = qs.filter(Q(offering__identifier__icontains=search)
                       | Q(offering__display_name__icontains=search) | Exists(alias_hit))
    return qs


def _model_match(models: list[str]) -> Q:
    ident, alias = Q(), Q()
    for m in models:
        ident |= Q(offering__identifier__iexact=m)
        alias |= Q(name__iexact=m)
        for sep in FAMILY_SEPARATORS:
            ident |= Q(offering__identifier__istartswith=m + sep)
            alias |= Q(name__istartswith=m + sep)
    return ident | Exists(Alias.objects.filter(alias, offering=OuterRef("offering")))


@dataclass
class MonthGroup:
    month: date  # first day of the month
    entries: list[Deprecation]


def group_by_month(entries: Iterable[Deprecation]) -> list[MonthGroup]:
    """Group entries (already ordered by shutdown date) by the month of their shutdown."""
    return [
        MonthGroup(month, list(items))
        for month, items in groupby(entries, key=lambda e: e.shutdown_on.replace(day=1))
    ]


def months_before(today: date, months: int) -> date:
    """The first day of the month ``months`` months before today's month."""
    index = today.year * 12 + today.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def urgency(days_left: int | None) -> str:
    """The band a deadline falls in, for highlighting: 7, 30 or 90 days, or ''.

    A tentative date ("not before") gets the band of its day like a firm one: it is the first
    day the model may stop working, so it is the day to be ready by. Only the wording differs
    (never "N days left"), and the home page's "in the next N days" counts include it.
    """
    if days_left is None or days_left < 0:
        return ""
    for band in (7, 30, 90):
        if days_left <= band:
            return f"within-{band}"
    return ""


def catalogue_version() -> str:
    """A short key that changes whenever anything a feed shows changes (for caches, ETags).

    Every change function saves the entry (``updated_at``); counts catch deletions, and the
    alias and citation tables are included because filters and descriptions read them.
    """
    entries = Deprecation.objects.aggregate(n=Count("id"), at=Max("updated_at"))
    aliases = Alias.objects.aggregate(n=Count("id"), top=Max("id"))
    citations = Citation.objects.aggregate(n=Count("id"), top=Max("id"))
    return "{}-{}-{}-{}-{}-{}".format(
        entries["n"], entries["at"].timestamp() if entries["at"] else 0,
        aliases["n"], aliases["top"] or 0, citations["n"], citations["top"] or 0)


def public_changes(*, vendors: Iterable[str] = (), models: Iterable[str] = ()) -> QuerySet[Change]:
    """History rows of published entries, filtered like the entries (the Atom feed, the API)."""
    entries = filter_entries(public_entries(), vendors=vendors, models=models)
    return Change.objects.filter(deprecation__in=entries).select_related(
        "deprecation__offering__vendor")
