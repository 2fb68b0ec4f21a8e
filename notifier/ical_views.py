"""The public calendar feed: ``/calendar.ics`` with filters as query parameters."""

from django.views.decorators.http import require_safe

from depcal import limits
from deprecations.atom import unknown_vendor_response
from notifier import calendars


@require_safe
@limits.throttled(*limits.FEEDS)
def calendar_feed(request):
    """Every published retirement (``?upcoming=1``: only those to come), filtered by
    ``vendor`` and ``model``, with optional ``alarms=30,7``. See ``calendars.FeedFilter``.
    A vendor that does not exist is a 404, not an empty calendar."""
    feed_filter = calendars.FeedFilter.from_query(request.GET)
    if unknown := unknown_vendor_response(feed_filter.vendors):
        return unknown
    response = calendars.serve(
        request, feed_filter,
        name=calendars.feed_title(feed_filter),
        description=calendars.feed_description(feed_filter),
    )
    response["Cache-Control"] = calendars.PUBLIC_CACHE_CONTROL
    return response
