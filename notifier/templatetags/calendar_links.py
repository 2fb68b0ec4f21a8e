"""``{% feed_links %}``: the addresses of the feeds and the API for what a page shows.

``base.html`` puts the calendar and the Atom feed in every page's head (``rel="alternate"``),
and pages include ``notifier/_subscribe.html`` to offer them with the API and a reminder
picker, so the catalogue's pages never import the notifier. Pages name their scope with
``feed_vendors``, ``feed_models`` and ``feed_alarms`` in their context (none: everything).
"""

from urllib.parse import quote, urlencode

from django import template
from django.conf import settings
from django.urls import reverse

from notifier import calendars

register = template.Library()


def subscribe_links(feed_filter: calendars.FeedFilter, *, path: str = "") -> dict[str, str]:
    """The feed's https address, its webcal:// twin, and the Google and Outlook links."""
    feed = calendars.feed_url(path or reverse("notifier:calendar"), feed_filter)
    webcal = "webcal://" + feed.split("://", 1)[1]
    name = calendars.feed_title(feed_filter)
    return {
        "name": name,
        "feed": feed,
        "webcal": webcal,
        # Google wants the webcal:// form (cid=https://... fails); its own query, if any,
        # must be escaped so that it stays part of cid.
        "google": "https://calendar.google.com/calendar/r?cid=" + quote(webcal, safe=":/"),
        "outlook": "https://outlook.live.com/calendar/0/addfromweb?"
                   + urlencode({"url": feed, "name": name}),
    }


def _with_query(url_name: str, query: str) -> str:
    return settings.SITE_URL + reverse(url_name) + (f"?{query}" if query else "")


@register.simple_tag
def feed_links(vendors=None, models=None, alarms=None) -> dict[str, str]:
    """The calendar links (with ``alarms``), the Atom feed and the API's list, all for the
    same ``vendors`` and ``models``, in the canonical form the feeds cache by."""
    def words(values):
        return tuple(v for v in (values or ()) if isinstance(v, str))

    scope = calendars.FeedFilter(vendors=words(vendors), models=words(models))
    links = subscribe_links(calendars.FeedFilter(
        vendors=scope.vendors, models=scope.models,
        alarms=tuple(a for a in (alarms or ()) if isinstance(a, int))))
    links["scope"] = scope.query_string()  # also what the subscribe form is filled in with
    links["atom"] = _with_query("deprecations:changes-atom", links["scope"])
    links["api"] = _with_query("deprecations:api:retirements", links["scope"])
    links["api_docs"] = _with_query("deprecations:api:docs", "")
    return links
