"""Today's date at the edges (views, commands, tasks); logic below them takes ``today=``.

``DEPCAL_TODAY=YYYY-MM-DD`` pins it, for demos and for tests of whole pages.
"""

from datetime import date

from django.conf import settings
from django.utils import timezone


def today() -> date:
    pinned = getattr(settings, "DEPCAL_TODAY", None)
    return date.fromisoformat(pinned) if pinned else timezone.localdate()
