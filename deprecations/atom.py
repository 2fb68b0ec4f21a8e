"""The Atom feed of changes, ``/changes.atom``: one entry per change to a published retirement.

A new retirement, a date moved (with the old and the new date), a withdrawal, a reinstatement,
a publication after review;
newest first, each linking to the entry's page. Filters as on the calendar: ``vendor``
(repeatable) and ``model`` (identifier, alias or family prefix, repeatable). An entry's id is
derived from the retirement's vendor, identifier and the change's revision, so it is the same
on every render and every host. The feed is rendered once per catalogue version and filter and
served from the cache, with an ETag from its bytes (304 when unchanged).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotFound
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control, set_response_etag
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.views.decorators.http import require_safe

from depcal import limits
from deprecations import queries
from deprecations.models import ENTRY_NAMESPACE, Change

ITEMS = 100
CACHE_SECONDS = 3600
MAX_AGE = 300


def feed_filters(request) -> dict[str, list[str]]:
    """The calendar's filters, cleaned: trimmed, bounded, NUL-free, sorted for a stable key."""
    def clean(name, length):
        values = {v.replace("\x00", "").strip()[:length] for v in request.GET.getlist(name)[:20]}
        return sorted(v for v in values if v)
    return {"vendor": clean("vendor", 100), "model": clean("model", 200)}


def unknown_vendor_response(slugs) -> HttpResponse | None:
    """A plain 404 naming the vendors a feed's ``vendor=`` asks for that do not exist (a
    misspelt slug would otherwise give an empty feed that looks right); None if all exist."""
    message = queries.unknown_vendor_message(slugs)
    if message is None:
        return None
    return HttpResponseNotFound(f"{message}\n", content_type="text/plain; charset=utf-8")


def change_guid(change: Change) -> str:
    entry = change.retirement
    key = f"change/{entry.offering.vendor.slug}/{entry.offering.identifier}/{change.revision}"
    return uuid.uuid5(ENTRY_NAMESPACE, key).urn


def _fmt(day, tentative: bool = False) -> str:
    if not day:
        return "no date"
    return f"not before {day.isoformat()}" if tentative else day.isoformat()


FIELD_NAMES = {"shutdown_on": "shutdown", "announced_on": "announcement",
               "deprecated_on": "deprecation"}


def _retires(change: Change) -> str:
    if not change.new_date:
        return "to be retired (no date yet)"
    return (f"retires {'' if change.new_tentative else 'on '}"
            f"{_fmt(change.new_date, change.new_tentative)}")


def describe_change(change: Change) -> str:
    entry = change.retirement
    if change.kind == Change.Kind.CREATED:  # the date as first announced: later moves follow
        return f"new: {_retires(change)}"
    if change.kind == Change.Kind.MOVED:
        what = FIELD_NAMES.get(change.field, change.field or "date")
        if change.field != "shutdown_on":
            return f"{what} moved from {_fmt(change.old_date)} to {_fmt(change.new_date)}"
        old = _fmt(change.old_date, change.old_tentative)
        new = _fmt(change.new_date, change.new_tentative)
        if change.old_date == change.new_date:  # only the qualifier changed
            return f"shutdown date {'now ' + new if change.new_tentative else 'confirmed: ' + new}"
        return f"{what} moved from {old} to {new}"
    if change.kind == Change.Kind.PUBLISHED:
        return f"published after review: {_retires(change)}"
    if change.kind == Change.Kind.WITHDRAWN:
        return "retirement withdrawn"
    return (f"retirement reinstated, shutdown "
            f"{_fmt(entry.shutdown_on, entry.shutdown_tentative)}")


class ChangesFeed(Feed):
    feed_type = Atom1Feed
    author_name = "depcal"
    item_guid_is_permalink = False

    def get_object(self, request, *args, **kwargs):
        return feed_filters(request)

    def title(self, filters):
        scope = ", ".join(filters["vendor"] + filters["model"])
        return "depcal: changes to AI model retirements" + (f" ({scope})" if scope else "")

    def subtitle(self, filters):
        return "New retirements, moved shutdown dates and withdrawals, newest first."

    def link(self, filters):
        return settings.SITE_URL + reverse("deprecations:home")

    def feed_url(self, filters):
        query = urlencode([(k, v) for k in ("vendor", "model") for v in filters[k]])
        return (settings.SITE_URL + reverse("deprecations:changes-atom")
                + (f"?{query}" if query else ""))

    def feed_guid(self, filters):
        return self.feed_url(filters)

    def items(self, filters):
        return queries.public_changes(vendors=filters["vendor"], models=filters["model"]) \
            .order_by("-changed_at", "-pk")[:ITEMS]

    def item_title(self, change):
        entry = change.retirement
        return f"{entry.offering.identifier} ({entry.offering.vendor.name}): " \
               f"{describe_change(change)}"

    def item_description(self, change):
        entry = change.retirement
        parts = [describe_change(change).capitalize() + "."]
        if entry.replacements:
            parts.append(f"Replacement: {' or '.join(entry.replacements)}.")
        if change.note:
            parts.append(change.note)
        return escape(" ".join(parts))  # scraped text is data, never markup

    def item_link(self, change):
        return settings.SITE_URL + change.retirement.get_absolute_url()

    def item_guid(self, change):
        return change_guid(change)

    def item_pubdate(self, change):
        return change.changed_at

    def item_updateddate(self, change):
        return change.changed_at

    def item_categories(self, change):
        return [change.retirement.offering.vendor.slug, change.kind]


@require_safe
@limits.throttled(*limits.FEEDS)
def changes_atom(request):
    filters = feed_filters(request)
    if unknown := unknown_vendor_response(filters["vendor"]):
        return unknown
    key = "depcal:changes.atom:" + hashlib.sha256(json.dumps(
        [queries.catalogue_version(), filters, settings.SITE_URL]).encode()).hexdigest()
    cached = cache.get(key)
    if cached is None:
        limits.check("feed-render", request, settings.DEPCAL_FEED_RENDER_RATE)
        rendered = ChangesFeed()(request)
        cached = (rendered.content, rendered["Content-Type"])
        cache.set(key, cached, CACHE_SECONDS)
    response = HttpResponse(cached[0], content_type=cached[1])
    set_response_etag(response)
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    return get_conditional_response(request, etag=response["ETag"], response=response)
