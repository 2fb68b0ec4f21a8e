"""The state of a retirement on a given day: the one place it is decided.

A shutdown date that has passed means the offering is retired, unless the vendor gave it as the
earliest possible day ("not before 5 February 2027"): once that day has passed the offering may
shut down any day, and nothing says it has. Pages, the API, calendars and emails ask here (or
read the status stored from here), so none of them calls such an entry retired.
"""

from __future__ import annotations

from datetime import date

from django.db import models
from django.db.models import Q
from django.utils.translation import pgettext_lazy


class Status(models.TextChoices):
    """A retirement's state (``Retirement.Status``). Defined here, with the rule that decides
    it, so that the model's queries can use the rule without an import circle."""

    SCHEDULED = "scheduled", pgettext_lazy("status of a retirement", "scheduled")
    RETIRED = "retired", pgettext_lazy("status of a retirement", "retired")
    # The vendor's "not before" day has passed: it may shut down any day.
    DUE = "due", pgettext_lazy("status of a retirement", "may shut down any day")
    WITHDRAWN = "withdrawn", pgettext_lazy("status of a retirement", "withdrawn")


def status_on(shutdown_on: date | None, today: date, *, tentative: bool = False) -> str:
    """The status a non-withdrawn entry has on ``today``."""
    if shutdown_on is None or shutdown_on >= today:
        return Status.SCHEDULED
    return Status.DUE if tentative else Status.RETIRED


def of(entry, today: date) -> str:
    """``entry``'s status on ``today`` (a withdrawal stands whatever the date)."""
    if entry.status == Status.WITHDRAWN:
        return Status.WITHDRAWN
    return status_on(entry.shutdown_on, today, tentative=entry.shutdown_tentative)


def rule(value: str, today: date) -> Q:
    """The entries whose status on ``today`` is ``value``, as ``of`` decides it."""
    if value == Status.WITHDRAWN:
        return Q(status=Status.WITHDRAWN)
    dated = {Status.RETIRED: shut_down(today),
             Status.DUE: passed_not_before(today),
             Status.SCHEDULED: ~Q(shutdown_on__lt=today)}[value]
    return dated & ~Q(status=Status.WITHDRAWN)


def shut_down(today: date) -> Q:
    """Entries whose shutdown has happened by ``today`` (a passed "not before" day has not)."""
    return Q(shutdown_on__lt=today, shutdown_tentative=False)


def ahead(today: date) -> Q:
    """Entries with a shutdown still to come on ``today``: dated later, or "not before" a day
    that has passed (it may come any day)."""
    return Q(shutdown_on__gte=today) | passed_not_before(today)


def passed_not_before(today: date) -> Q:
    """Entries whose "not before" day has passed by ``today``: they may shut down any day."""
    return Q(shutdown_on__lt=today, shutdown_tentative=True)
