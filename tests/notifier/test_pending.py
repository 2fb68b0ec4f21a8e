"""A statement sent now and answered later (``notifier.pending``), on PostgreSQL: its row
count, its error, and a connection free for the next query however the block is left."""

import pytest
from django.db import DatabaseError, connection

from notifier import pending
from notifier.models import Subscriber
from tests.notifier.people import subscriber

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif("connection.vendor != 'postgresql'")]

RENAME = "UPDATE notifier_subscriber SET language = %(language)s WHERE email LIKE %(like)s"


def test_the_count_is_read_when_asked_and_the_statement_committed():
    for name in ("ada", "bea", "cy"):
        subscriber(f"{name}@example.com")
    with pending.statement(connection, RENAME, {"language": "fr", "like": "%a@%"}) as count:
        assert count() == 2
        assert count() == 2  # read once, repeated
    assert Subscriber.objects.filter(language="fr").count() == 2


def test_a_failing_statement_raises_and_the_connection_goes_on():
    with pytest.raises(DatabaseError, match="notifier_nothing"):
        with pending.statement(connection, "UPDATE notifier_nothing SET x = 1", {}) as count:
            count()
    assert Subscriber.objects.count() == 0


def test_a_block_left_by_an_exception_reads_the_answer_first():
    subscriber("ada@example.com")
    with pytest.raises(KeyError):
        with pending.statement(connection, RENAME, {"language": "fr", "like": "ada%"}):
            raise KeyError("the SMTP exchange failed")
    assert not connection.connection.pgconn.is_busy()
    assert Subscriber.objects.get().language == "fr"
