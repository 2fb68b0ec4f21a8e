"""Limits on subscribe requests, in the cache every process shares (``depcal.limits``).

Per client address (NOTIFIER_IP_LIMIT_PER_HOUR), and per mailbox however its address is
spelled (NOTIFIER_MAILBOX_LIMIT_PER_DAY confirmation requests): ``Target+1@Example.com``,
``"target"@example.com`` and ``target@example.com.`` reach one inbox, so they count as one.
The key is for counting only; mail still goes to the address as it was typed.
"""

from __future__ import annotations

from django.conf import settings

from depcal import limits
from depcal.clientip import client_key


def mailbox_key(email: str) -> str:
    """The mailbox an address delivers to, as far as the address shows it."""
    local, _, domain = email.strip().rpartition("@")
    local = local.strip('"').replace("\\", "").split("+", 1)[0].strip().lower()
    domain = domain.strip().rstrip(".").lower()
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        pass
    return f"{local}@{domain}"


def client_allowed(request) -> bool:
    """One more subscribe request from this client is within the hourly limit."""
    limit = settings.NOTIFIER_IP_LIMIT_PER_HOUR
    return limits.hit("subscribe-ip", client_key(request), limit=limit, window=3600)


def mailbox_allowed(email: str) -> bool:
    """One more confirmation request for this mailbox is within the daily limit."""
    limit = settings.NOTIFIER_MAILBOX_LIMIT_PER_DAY
    return limits.hit("subscribe-mailbox", mailbox_key(email), limit=limit, window=86400)
