"""How channels reach the network, and what an answer means for the ledger.

Every request goes through the collector's guarded transport
(``deprecations.sources.fetch.guarded_session``): the host is resolved once, every address
is checked (private, loopback, link-local, NAT64 and the like are refused unless
``DEPCAL_CHANNELS_ALLOW_PRIVATE``), the socket connects to the checked address, TLS verifies
the host name, proxies from the environment are ignored, each connect and read has
``DEPCAL_CHANNELS_TIMEOUT`` and the whole message ``DEPCAL_CHANNELS_DEADLINE``. At most
``MAX_READ`` bytes of an answer are read. Nothing is retried here: the ledger retries.

An answer is one of three outcomes: *accepted* (2xx); *retry* later (a timeout, a connection
that failed, a 5xx, a 429, after the ``Retry-After`` it asks for, at most a day); *refused*
for good (any other status: redirects are not followed, a 4xx; or an address that may not be
reached), which pauses the channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import requests
from django.conf import settings

from deprecations.sources import fetch
from deprecations.weburl import RefusedURL

ACCEPTED, RETRY, REFUSED = "accepted", "retry", "refused"
MAX_READ = 64 * 1024  # an answer's body is only ever quoted in an error
LONGEST_WAIT = timedelta(days=1)  # the most a Retry-After is honoured for


@dataclass(frozen=True)
class Outcome:
    verdict: str
    error: str = ""
    retry_after: timedelta | None = None  # what a 429 or 503 asked for

    @property
    def accepted(self) -> bool:
        return self.verdict == ACCEPTED


def retry_after(value: str | None, *, now: datetime | None = None) -> timedelta | None:
    """A ``Retry-After`` header (seconds or an HTTP date) as a wait, at most ``LONGEST_WAIT``;
    None when absent or unreadable."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        wait = timedelta(seconds=int(value[:9]))
    else:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        wait = max(moment - (now or datetime.now(UTC)), timedelta(0))
    return min(wait, LONGEST_WAIT)


def judge(status: int, headers, body: bytes | None = b"") -> Outcome:
    """What an HTTP answer means for a message."""
    if 200 <= status < 300:
        return Outcome(ACCEPTED)
    text = (body or b"")[:200].decode("utf-8", "replace").strip()
    error = f"HTTP {status}" + (f": {text}" if text else "")
    if status == 429 or status >= 500:
        return Outcome(RETRY, error, retry_after(headers.get("Retry-After")))
    if 300 <= status < 400:
        error += f" (a redirect to {headers.get('Location', '?')[:200]}: give the final URL)"
    return Outcome(REFUSED, error)


def guarded():
    """A guarded session (and its guard) for one message, on the channels' settings."""
    return fetch.guarded_session(allow_private=settings.DEPCAL_CHANNELS_ALLOW_PRIVATE,
                                 deadline=settings.DEPCAL_CHANNELS_DEADLINE,
                                 user_agent=settings.DEPCAL_USER_AGENT, retries=0)


def failure(exc: Exception) -> Outcome:
    """The outcome of a request that raised instead of answering."""
    if isinstance(exc, RefusedURL):
        return Outcome(REFUSED, f"refused: {exc}")
    if isinstance(exc, requests.RequestException):
        return Outcome(RETRY, f"{type(exc).__name__}: {fetch.error_reason(exc)}")
    return Outcome(REFUSED, f"{type(exc).__name__}: {fetch.error_reason(exc)}")


def late(deadline: float) -> Outcome:
    return Outcome(RETRY, f"no answer within {deadline:g} s (DEPCAL_CHANNELS_DEADLINE)")


def post(url: str, body: bytes, headers: dict[str, str]) -> Outcome:
    """POST ``body`` to ``url`` once, guarded; never raises."""
    with guarded() as (http, guard):
        try:
            fetch.check_url(url, allow_private=settings.DEPCAL_CHANNELS_ALLOW_PRIVATE)
            with http.post(url, data=body, headers=headers, stream=True,
                           timeout=settings.DEPCAL_CHANNELS_TIMEOUT,
                           allow_redirects=False) as response:
                outcome = judge(response.status_code, response.headers,
                                fetch.read_capped(response, MAX_READ))
        except (RefusedURL, requests.RequestException, ValueError, UnicodeError) as exc:
            outcome = failure(exc)
        if guard.expired and not outcome.accepted:
            outcome = late(settings.DEPCAL_CHANNELS_DEADLINE)
    return outcome
