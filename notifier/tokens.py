"""Signed tokens for the links in emails: confirm, manage and unsubscribe, each expiring.

Tokens are Django signatures, with a salt per purpose, over the subscriber's ``link_key`` (a
random key, new on every confirmation), so one kind of link can never be used as another,
none can be made without SECRET_KEY, and none says which row or address it is for. Links from
before a re-confirmation stop working. Confirm links expire after three days; manage and
unsubscribe links after NOTIFIER_LINK_MAX_AGE (a year: every email carries fresh ones, and an
old email's unsubscribe link keeps working that long). The private feed uses a random secret
instead (``Subscriber.feed_token``), because it must be resettable and is pasted into calendar
apps. Tokens are kept out of the logs (``depcal.logs``).
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext as _

from notifier.models import Subscriber

CONFIRM, MANAGE, UNSUBSCRIBE = "confirm", "manage", "unsubscribe"
_SALT = "depcal.notifier.{}"


class BadToken(Exception):
    """The token was tampered with, made for another purpose, or has expired."""

    def __init__(self, message: str, *, expired: bool = False, used: bool = False):
        super().__init__(message)
        self.expired = expired
        self.used = used


def make(subscriber: Subscriber, purpose: str) -> str:
    """A URL-safe token for ``purpose``. Confirm tokens also bind the request counter, so
    a link from an older request stops working once a newer one was sent."""
    payload = [subscriber.link_key, subscriber.confirm_requests] if purpose == CONFIRM else [
        subscriber.link_key]
    return _signer(purpose, settings.SECRET_KEY).sign_object(payload, compress=False)


@lru_cache(maxsize=16)  # two links per message; a new signer for each cost a fifth more
def _signer(purpose: str, key: str) -> signing.TimestampSigner:
    """The signer that makes ``purpose``'s tokens with ``key`` (reading them also tries the
    fallback keys: ``read``)."""
    return signing.TimestampSigner(key=key, salt=_SALT.format(purpose))


def read(token: str, purpose: str) -> Subscriber:
    """The subscriber a token was made for; raises ``BadToken``."""
    signer = signing.TimestampSigner(salt=_SALT.format(purpose))
    max_age = (settings.NOTIFIER_CONFIRM_MAX_AGE if purpose == CONFIRM
               else settings.NOTIFIER_LINK_MAX_AGE)
    try:
        payload = signer.unsign_object(token, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise BadToken(_("This link has expired."), expired=True) from exc
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise BadToken(_("This link is not valid.")) from exc
    if not isinstance(payload, list) or not payload:
        raise BadToken(_("This link is not valid."))
    if purpose == UNSUBSCRIBE and isinstance(payload[0], int) and len(payload) == 1:
        # Emails sent before link keys carried the row id: their unsubscribe links keep
        # working until they expire, as an email's unsubscribe link must.
        subscriber = Subscriber.objects.filter(pk=payload[0]).first()
    elif isinstance(payload[0], str):
        subscriber = Subscriber.objects.filter(link_key=payload[0]).first()
    else:
        subscriber = None
    if subscriber is None and purpose == CONFIRM:
        # Signed by us and unexpired, but confirming gave the address a new key: a second
        # click, or a mail client's preview that opened the link after the button was pressed.
        raise BadToken(_("This link was already used: the address is confirmed. The welcome "
                         "email holds the link to manage your alerts."), used=True)
    if subscriber is None:
        raise BadToken(_("This link is not valid."))
    if purpose == CONFIRM and payload[1:] != [subscriber.confirm_requests]:
        raise BadToken(_("This link was replaced by a newer one; use the latest email."))
    return subscriber
