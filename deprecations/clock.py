"""Today's date and the current moment at the edges (views, commands, tasks); logic below them
takes ``today=`` / ``now=``.

``DEPCAL_TODAY=YYYY-MM-DD`` pins them (now is noon of that day), for demos and for tests of
whole pages.
"""

from datetime import date, datetime, time

from django.conf import settings
from django.utils import timezone


def _pinned() -> date | None:
    pinned = settings.DEPCAL_TODAY
    return date.fromisoformat(pinned) if pinned else None


def today() -> date:
    return _pinned() or timezone.localdate()


def now() -> datetime:
    pinned = _pinned()
    return timezone.make_aware(datetime.combine(pinned, time(12))) if pinned else timezone.now()


def start_of(day: date) -> datetime:
    """The first moment of ``day`` in the site's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))
