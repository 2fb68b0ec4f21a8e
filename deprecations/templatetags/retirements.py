"""Filters that word an entry's dates and history on pages (see ``deprecations.display``)."""

from django import template

from deprecations import display

register = template.Library()


@register.filter
def shutdown(entry, style: str = "") -> str:
    """``{{ e|shutdown }}``: 5 February 2027, February 2027, not before 5 February 2027;
    ``{{ e|shutdown:"short" }}`` in the short date format; ``{{ e|shutdown:"bare" }}`` without
    "not before", for sentences that say it otherwise."""
    if style == "bare":
        return display.day(entry.shutdown_on, month_only=entry.shutdown_precision == "month")
    return display.retirement_shutdown(entry, short=style == "short")


@register.filter
def change_text(change) -> str:
    """``{{ c|change_text }}``: one line of an entry's history."""
    return display.change_text(change)
