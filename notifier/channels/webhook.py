"""Generic webhooks: one JSON POST per message, signed as the Standard Webhooks specification
says, so a receiver verifies it with the ``standardwebhooks`` package (or 10 lines of HMAC).

Headers: ``webhook-id`` (the message's id, the same on every retry: a receiver drops a
repeat by it), ``webhook-timestamp`` (when this attempt was signed, in seconds) and
``webhook-signature`` (``v1,`` and the base64 HMAC-SHA256 of ``id.timestamp.body`` under the
channel's secret). The secret is ``whsec_`` and 32 random bytes in base64, shown once.
"""

from __future__ import annotations

import base64
import secrets
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from standardwebhooks import Webhook

from deprecations import weburl
from deprecations.sources import fetch
from deprecations.weburl import RefusedURL
from notifier.channels import http
from notifier.channels.errors import BadChannel

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def check(url: str) -> str:
    """How the channel is shown (its path hidden: it often holds a token); ``BadChannel`` if
    the URL is not one the fetcher would accept, or names a private address literally."""
    try:
        fetch.check_url(url, allow_private=settings.DEPCAL_CHANNELS_ALLOW_PRIVATE)
        parts = weburl.parse(url)
    except RefusedURL as exc:
        raise BadChannel(str(exc)) from exc
    shown = f"{parts.scheme}://{parts.netloc}"
    return shown + ("/…" if (parts.path or "/") != "/" or parts.query else "/")


def headers(secret: str, message_id: str, body: str, *, now: datetime) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id=message_id, timestamp=now, data=body),
    }


def send(channel, message, *, now: datetime | None = None,
         shared: dict | None = None) -> http.Outcome:
    """Sign and POST ``message`` (``content.Message``); never raises."""
    body = message.body(shared)
    return http.post(channel.url, body.encode("utf-8"),
                     headers(channel.secret, message.id, body, now=now or timezone.now()))
