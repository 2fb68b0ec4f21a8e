"""Read-side queries over the catalogue, shared by the pages, the feeds and the API.

Every function takes ``today`` when it needs a date, and returns querysets or plain lists
built from a constant number of queries.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from itertools import groupby

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from deprecations import version
from deprecations.models import Alias, Change, Notice, Retirement, Source, Vendor

# What may follow a family prefix: gpt-4o matches gpt-4o-2024-05-13 and gpt-4o:latest.
FAMILY_SEPARATORS = ("-", ":", ".", "@", "/")
MAX_MODEL_WORDS = 20
MAX_WORD_LENGTH = 100
_WORD_SEPARATORS = re.compile(r"[\s,]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def public_retirements() -> QuerySet[Retirement]:
    return Retirement.objects.published().with_related()


def filter_retirements(qs: QuerySet, *, vendors: Iterable[str] = (), models: Iterable[str] = (),
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


def model_words(values: Iterable[str]) -> list[str]:
    """Model names as people type them into a box or a query string ("gpt-4o, claude-3"):
    split on commas and spaces, lowercase, deduplicated in order, bounded."""
    words = (w for value in values for w in _WORD_SEPARATORS.split(
        _CONTROL.sub("", value).lower()) if w)
    return list(dict.fromkeys(w[:MAX_WORD_LENGTH] for w in words))[:MAX_MODEL_WORDS]


def unknown_vendors(slugs: Iterable[str]) -> list[str]:
    """The slugs, lowercased, that name no vendor (one query; none when no slug is given)."""
    wanted = sorted({s.strip().lower() for s in slugs if s and s.strip()})
    if not wanted:
        return []
    known = set(Vendor.objects.filter(slug__in=wanted).values_list("slug", flat=True))
    return [s for s in wanted if s not in known]


def unknown_vendor_message(slugs: Iterable[str]) -> str | None:
    """What the feeds, the API and the pages say when ``vendor=`` names a vendor that does not
    exist (a misspelt slug would otherwise give an empty answer that looks right): the unknown
    slugs and every known one. None when all exist."""
    unknown = unknown_vendors(slugs)
    if not unknown:
        return None
    known = ", ".join(Vendor.objects.order_by("slug").values_list("slug", flat=True))
    return f"No vendor {', '.join(unknown)} in depcal. Vendors: {known}."


def unmatched_models(names: Iterable[str]) -> list[str]:
    """The names that select no published entry (a typo, or a model not announced yet)."""
    return [n for n in names if not filter_retirements(public_retirements(), models=[n]).exists()]


def vendors_of_models(names: Iterable[str]) -> dict[str, list[str]]:
    """For each name, the slugs of the vendors whose published entries it selects (as
    ``filter_retirements`` selects them; none for a name that selects nothing). One query a
    name, as ``unmatched_models``: for the few names of one subscription."""
    published = Retirement.objects.published()
    return {n: sorted(set(filter_retirements(published, models=[n])
                          .values_list("offering__vendor__slug", flat=True)))
            for n in names}


def closest_names(words: Iterable[str], *, limit: int = 5) -> dict[str, list[str]]:
    """For each word, the identifiers and aliases of published entries it may have meant:
    those that contain it first (shortest first), then those spelled alike (difflib). Two
    queries, however many words."""
    published = Retirement.objects.published()
    names = {n.lower() for n in published.values_list("offering__identifier", flat=True)}
    names |= {n.lower() for n in Alias.objects.filter(
        offering__retirement__in=published).values_list("name", flat=True)}
    ordered = sorted(names)
    found = {}
    for word in (w.strip().lower() for w in words):
        containing = sorted((n for n in names if word in n and n != word),
                            key=lambda n: (len(n), n))
        alike = [n for n in difflib.get_close_matches(word, ordered, n=limit + 1, cutoff=0.6)
                 if n != word]
        found[word] = list(dict.fromkeys(containing[:limit] + alike))[:limit] if word else []
    return found


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
    entries: list[Retirement]


def group_by_month(entries: Iterable[Retirement]) -> list[MonthGroup]:
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
    """A short key that changes whenever anything a feed shows changes (for caches, ETags):
    one row kept current by every write to the catalogue (``deprecations.version``)."""
    return version.current()


def public_changes(*, vendors: Iterable[str] = (), models: Iterable[str] = ()) -> QuerySet[Change]:
    """History rows of published entries, filtered like the entries (the Atom feed, the API)."""
    entries = filter_retirements(public_retirements(), vendors=vendors, models=models)
    return Change.objects.filter(retirement__in=entries).select_related(
        "retirement__offering__vendor")


def with_agreement(trackers: QuerySet[Source]) -> QuerySet[Source]:
    """Trackers with how many published entries each gives the same shutdown date as the
    catalogue (``agrees``) and a different one (``disagrees``), counting what it says now (its
    notices still standing, not those superseded or rejected)."""
    standing = (Q(notices__retirement__published=True, notices__shutdown_on__isnull=False)
                & ~Q(notices__review__in=[Notice.Review.SUPERSEDED, Notice.Review.REJECTED]))
    same = Q(notices__shutdown_on=F("notices__retirement__shutdown_on"))
    return trackers.annotate(
        agrees=Count("notices__retirement", filter=standing & same, distinct=True),
        disagrees=Count("notices__retirement", filter=standing & ~same, distinct=True))
