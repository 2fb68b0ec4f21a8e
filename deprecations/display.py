"""Dates and changes as a reader sees them, in the active language.

A shutdown date may be month-only ("February 2027") or tentative: the vendor gives it as the
earliest possible day, shown as "not before 5 February 2027" and never counted down. Pages,
timeline labels and the entry's history all word dates through here, so they agree.
"""

from __future__ import annotations

from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext


def day(value: date | None, *, short: bool = False, month_only: bool = False) -> str:
    """``5 February 2027`` (``5 Feb 2027`` short, ``February 2027`` month-only), or ''."""
    if value is None:
        return ""
    if short:
        return date_format(value, "SHORT_DATE_FORMAT")
    return date_format(value, "F Y" if month_only else "j F Y")


def shutdown_text(value: date | None, *, precision: str = "day", tentative: bool = False,
                  short: bool = False) -> str:
    """A shutdown date with its qualifiers: ``not before 5 February 2027`` when tentative."""
    month_only = precision == "month" and not short
    text = day(value, short=short, month_only=month_only)
    if not text or not tentative:
        return text
    if month_only:
        return pgettext("the earliest month a vendor gives for a shutdown", "not before %(month)s"
                        ) % {"month": text}
    return pgettext("the earliest day a vendor gives for a shutdown", "not before %(date)s"
                    ) % {"date": text}


def retirement_shutdown(entry, *, short: bool = False) -> str:
    return shutdown_text(entry.shutdown_on, precision=entry.shutdown_precision,
                         tentative=entry.shutdown_tentative, short=short)


def change_text(change) -> str:
    """One line of an entry's history: what changed, from what to what."""
    if change.kind != "moved":
        return change.get_kind_display()
    if change.field == "shutdown_on":
        old = shutdown_text(change.old_date, tentative=change.old_tentative, short=True) or "—"
        new = shutdown_text(change.new_date, tentative=change.new_tentative, short=True) or "—"
        if change.old_tentative or change.new_tentative:
            # "from not before X to Y" reads badly in both languages: an arrow instead.
            return gettext("Shutdown changed: %(old)s → %(new)s") % {"old": old, "new": new}
        return gettext("Shutdown moved from %(old)s to %(new)s") % {"old": old, "new": new}
    old = day(change.old_date, short=True) or "—"
    new = day(change.new_date, short=True) or "—"
    if change.field == "announced_on":
        return gettext("Announcement date moved from %(old)s to %(new)s") % {"old": old,
                                                                             "new": new}
    return gettext("Deprecation date moved from %(old)s to %(new)s") % {"old": old, "new": new}
