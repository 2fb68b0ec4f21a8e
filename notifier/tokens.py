"""Signed tokens for the links in emails: confirm (expires), manage and unsubscribe (do not).

Tokens are Django signatures over the subscriber's id with a salt per purpose, so one kind of
link can never be used as another and none can be made without SECRET_KEY. They carry no
email address. The private feed uses a random secret instead (``Subscriber.feed_token``),
because it must be resettable and is pasted into calendar apps.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext as _

from notifier.models import Subscriber

CONFIRM, MANAGE, UNSUBSCRIBE = "confirm", "manage", "unsubscribe"
_SALT = "depcal.notifier.{}"


class BadToken(Exception):
    """The token was tampered with, made for another purpose, or (confirm) has expired."""

    def __init__(self, message: str, *, expired: bool = False):
        super().__init__(message)
        self.expired = expired


def make(subscriber: Subscriber, purpose: str) -> str:
    """A URL-safe token for ``purpose``. Confirm tokens also bind the request counter, so
    a link from an older request stops working once a newer one was sent."""
    payload = [subscriber.pk, subscriber.confirm_requests] if purpose == CONFIRM else [
        subscriber.pk]
    signer = signing.TimestampSigner(salt=_SALT.format(purpose))
    return signer.sign_object(payload, compress=False)


def read(token: str, purpose: str) -> Subscriber:
    """The subscriber a token was made for; raises ``BadToken``."""
    signer = signing.TimestampSigner(salt=_SALT.format(purpose))
    max_age = settings.NOTIFIER_CONFIRM_MAX_AGE if purpose == CONFIRM else None
    try:
        payload = signer.unsign_object(token, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise BadToken(_("This link has expired."), expired=True) from exc
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise BadToken(_("This link is not valid.")) from exc
    if not isinstance(payload, list) or not payload or not isinstance(payload[0], int):
        raise BadToken(_("This link is not valid."))
    subscriber = Subscriber.objects.filter(pk=payload[0]).first()
    if subscriber is None:
        raise BadToken(_("This link is not valid."))
    if purpose == CONFIRM and payload[1:] != [subscriber.confirm_requests]:
        raise BadToken(_("This link was replaced by a newer one; use the latest email."))
    return subscriber
