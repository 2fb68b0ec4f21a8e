"""``{% calendar_links %}``: the addresses that subscribe a calendar app to a feed.

Pages include ``notifier/_subscribe.html`` (which loads this), so the catalogue's pages never
import the notifier: ``{% include "notifier/_subscribe.html" with feed_vendor=vendor.slug %}``.
"""

from urllib.parse import quote, urlencode

from django import template
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


@register.simple_tag
def calendar_links(vendors=None, vendor="", model=""):
    """Links for the public feed filtered by ``vendors`` (a list), ``vendor`` and ``model``."""
    chosen = [v for v in (vendors or []) if isinstance(v, str)]
    if vendor:
        chosen.append(vendor)
    feed_filter = calendars.FeedFilter(vendors=tuple(chosen), models=(model,) if model else ())
    return subscribe_links(feed_filter)
