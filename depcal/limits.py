"""Rate limits counted in the default cache, which every process shares (the database cache
under ``make run``, Redis in production: see CACHE_URL), keyed by ``clientip.client_key``.

Fixed windows: ``hit`` counts one event and says whether it is still within the limit. Views
wrapped in ``throttled`` answer 429 with Retry-After once a client is over its rate; code
inside them raises ``Limited`` for a costlier limit of its own (rendering an uncached feed).
"""

from __future__ import annotations

import functools
import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse

from depcal.clientip import client_key

# Windows follow the wall clock, not DEPCAL_TODAY (a pinned day must not freeze them); tests
# put a fixed moment here (tests/conftest.py, ``one_window``).
wall = time.time

PERIODS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600,
           "hour": 3600, "d": 86400, "day": 86400}


class Limited(Exception):
    def __init__(self, retry_after: int):
        super().__init__(f"rate limited; retry after {retry_after} s")
        self.retry_after = retry_after


def parse_rate(rate: str) -> tuple[int, int]:
    """``"120/minute"`` -> (120, 60)."""
    count, _, period = rate.partition("/")
    return int(count), PERIODS[period.strip().lower()]


def hit(scope: str, key: str, *, limit: int, window: int, now: float | None = None) -> bool:
    """Count one event for ``key``; True while this window holds ``limit`` events or fewer.
    Windows are fixed (aligned on multiples of ``window`` seconds): each has its own counter,
    so a count ends with its window however often the client keeps asking."""
    now = wall() if now is None else now
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    cache_key = f"depcal:limit:{scope}:{digest}:{int(now // window)}"
    left = seconds_left(window, now)
    cache.add(cache_key, 0, left)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, left)
        return True
    if left > cache.default_timeout:
        # The database cache's incr stores the value again with the default timeout (five
        # minutes): a day's count would be forgotten after five quiet minutes.
        cache.touch(cache_key, left)
    return count <= limit


def seconds_left(window: int, now: float) -> int:
    """Until the current window of ``window`` seconds ends (at least 1)."""
    return max(1, math.ceil((now // window + 1) * window - now))


def check(scope: str, request, rate: str | None, *, now: float | None = None) -> None:
    """Raise ``Limited`` when this request's client is over ``rate`` (None: no limit), with
    the seconds until its window ends."""
    if not rate:
        return
    limit, window = parse_rate(rate)
    now = wall() if now is None else now
    if not hit(scope, client_key(request), limit=limit, window=window, now=now):
        raise Limited(seconds_left(window, now))


def too_many(retry_after: int) -> HttpResponse:
    response = HttpResponse("Too many requests from this address; try again later.\n",
                            status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(retry_after)
    return response


# The public feeds' limit: their views and the fast path that answers repeats count the same.
FEEDS = ("feeds", "DEPCAL_FEED_RATE")


def throttled(scope: str, setting: str):
    """A view limited to ``settings.<setting>`` requests per client; ``Limited`` raised
    inside it becomes the same 429."""
    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                check(scope, request, getattr(settings, setting, None))
                return view(request, *args, **kwargs)
            except Limited as limited:
                return too_many(limited.retry_after)
        return wrapper
    return decorate
