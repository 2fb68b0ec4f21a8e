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
