"""URLs that come from outside (vendor documents, redirects, the admin): one parser, one rule.

The parser is urllib3's ``parse_url``, the very function requests uses to decide which host and
port to connect to, so what is checked here is what gets fetched. Anything two parsers could
read differently is refused outright: backslashes, whitespace and control characters,
``user:password@``, zone ids, ports out of range. Addresses are public only when they are
globally routable and embed no private IPv4 address (IPv4-mapped, 6to4); NAT64
addresses are refused.
"""

from __future__ import annotations

import ipaddress
import re

from django.core.exceptions import ValidationError
from urllib3.exceptions import LocationParseError
from urllib3.util import Url, parse_url

SCHEMES = ("http", "https")

# Characters on which URL parsers disagree (urlsplit and urllib3 split `a\@b` differently).
_AMBIGUOUS = re.compile(r"[\\\s\x00-\x1f\x7f]")
# NAT64 prefixes (well-known and local-use): the IPv4 address they embed is reached through a
# translator this host cannot see, so they are never taken as public.
_NOT_PUBLIC = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


# The code of these validators' errors: not Django's "invalid", which forms replace with their
# own "Enter a valid URL." and so would hide the reason.
REFUSED = "refused_url"


class RefusedURL(ValueError):
    """Not a URL depcal may store as a link or fetch (scheme, form, or a private address)."""


def parse(url: str) -> Url:
    """The parts of an absolute http(s) URL, as requests will use them; raises ``RefusedURL``."""
    check_characters(url)
    try:
        parts = parse_url(url)
    except LocationParseError as exc:
        raise RefusedURL(f"not a valid URL: {url!r:.200}") from exc
    if parts.scheme not in SCHEMES or not parts.host:
        raise RefusedURL(f"only http(s) URLs with a host, not {url!r:.200}")
    authority = url.split("//", 1)[-1].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    if parts.auth is not None or "@" in authority:
        raise RefusedURL(f"a URL may not carry a user name or password: {url!r:.200}")
    if parts.port is not None and not 1 <= parts.port <= 65535:
        raise RefusedURL(f"port out of range in {url!r:.200}")
    if "%" in parts.host:
        raise RefusedURL(f"scoped (zone id) addresses are not fetched: {url!r:.200}")
    return parts


def check_characters(url: str) -> None:
    """Refuse characters that URL parsers read differently (or silently drop)."""
    if not isinstance(url, str) or _AMBIGUOUS.search(url):
        raise RefusedURL(f"a URL may not contain backslashes, spaces or control characters: "
                         f"{url!r:.200}")


def is_web_url(url: str) -> bool:
    """True for an absolute http(s) URL that ``parse`` accepts: the only links pages render."""
    try:
        parse(url)
    except RefusedURL:
        return False
    return True


def literal_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address a host name spells literally (``[::1]``, ``127.0.0.1``), or None."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def is_public(address) -> bool:
    """A globally routable unicast address, embedding no address that is not."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if ip.version == 6:
        if any(ip in net for net in _NOT_PUBLIC):
            return False
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is not None and not is_public(embedded):
            return False
        if ip.teredo:
            return False
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified
                                 or ip.is_loopback or ip.is_link_local or ip.is_private)


def check_address(address: str, host: str = "") -> None:
    """Raise ``RefusedURL`` unless ``address`` (what ``host`` resolved to) is public."""
    ip = ipaddress.ip_address(address)
    if not is_public(ip):
        where = f"{host} resolves to {ip}" if host and host.strip("[]") != str(ip) else str(ip)
        raise RefusedURL(f"{where}, a private, loopback or otherwise non-public address; "
                         "DEPCAL_FETCH_ALLOW_PRIVATE=true allows it for sources, "
                         "DEPCAL_CHANNELS_ALLOW_PRIVATE=true for alert channels (tests, an "
                         "intranet)")


def validate_web_url(value: str) -> None:
    """Model field validator: http(s) only, in the one form the fetcher accepts."""
    try:
        parse(value)
    except RefusedURL as exc:
        raise ValidationError(str(exc), code=REFUSED) from exc


def validate_source_url(value: str) -> None:
    """Model field validator for what collectors fetch: ``validate_web_url``, and no private
    address written literally, nor localhost (unless DEPCAL_FETCH_ALLOW_PRIVATE)."""
    from django.conf import settings

    validate_web_url(value)
    host = parse(value).host
    if settings.DEPCAL_FETCH_ALLOW_PRIVATE:
        return
    if host.rstrip(".").lower().split(".")[-1] == "localhost":  # always loopback (RFC 6761)
        raise ValidationError(f"{host} is this machine (loopback), not a public address; "
                              "DEPCAL_FETCH_ALLOW_PRIVATE=true allows it (tests, an intranet)",
                              code=REFUSED)
    address = literal_address(host)
    if address is not None:
        try:
            check_address(str(address))
        except RefusedURL as exc:
            raise ValidationError(str(exc), code=REFUSED) from exc
