"""Who a request comes from, for rate limits and login lockouts (one rule for all of them).

Without a proxy the client is REMOTE_ADDR. Behind ``DEPCAL_TRUSTED_PROXIES`` reverse proxies
that each append to X-Forwarded-For, it is the address the outermost proxy saw: the N-th
entry from the right; entries further left were written by the client and are ignored.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def client_address(request) -> str:
    """The client's IP address as text ('' when there is none that parses)."""
    remote = _address(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.DEPCAL_TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    forwarded = [a for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    if not forwarded:
        return remote
    return _address(forwarded[-min(proxies, len(forwarded))]) or remote


def client_key(request) -> str:
    """What limits count under: the client's IPv4 address, or its IPv6 /64 (one host
    usually holds a whole /64, so single IPv6 addresses would be free to rotate)."""
    address = client_address(request)
    if ":" in address:
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return address


def _address(text: str) -> str:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text.split("%", 1)[0]))
    except ValueError:
        return ""
