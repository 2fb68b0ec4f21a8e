"""Subscribers for tests: confirmed long ago unless told otherwise, with their choices."""

from datetime import UTC, date, datetime

from notifier.models import Subscriber
from notifier.subscriptions import set_choices


def subscriber(email="ada@example.com", *, confirmed_on=date(2025, 1, 1), **choices):
    s = Subscriber.objects.create(
        email=email, status="confirmed", requested_at=datetime(2025, 1, 1, tzinfo=UTC),
        confirmed_at=datetime.combine(confirmed_on, datetime.min.time(), tzinfo=UTC),
        confirmed_on=confirmed_on)
    set_choices(s, **choices)
    return s
