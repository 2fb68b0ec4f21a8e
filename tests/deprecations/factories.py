"""Small builders for catalogue objects in tests (through the same change functions)."""

from datetime import date

from deprecations import changes
from deprecations.models import Vendor


def vendor(slug="openai", name=None, **kw):
    obj, _ = Vendor.objects.get_or_create(slug=slug, defaults={"name": name or slug.title(), **kw})
    return obj


def entry(identifier="chatgpt-4o-latest", *, vendor_slug="openai", shutdown=date(2026, 2, 17),
          announced=date(2025, 11, 18), replacements=("gpt-5.1-chat-latest",), **kw):
    return changes.create_retirement(
        vendor(vendor_slug), identifier, shutdown_on=shutdown, announced_on=announced,
        replacements=list(replacements), via="test", **kw,
    )


def pin_site(settings, today) -> None:
    """What a page test runs on: ``today`` pinned (an ISO string or a date), absolute links on
    one address, no API throttle (the throttling test sets its own), an empty cache (rendered
    feeds and pages of another test's catalogue)."""
    from django.core.cache import cache

    settings.DEPCAL_TODAY = str(today)
    settings.SITE_URL = "https://depcal.example"
    settings.DEPCAL_API_RATE = None
    cache.clear()
