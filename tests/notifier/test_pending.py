"""A statement sent now and answered later (``notifier.pending``), on PostgreSQL: its row
count, its error, and a connection free for the next query however the block is left."""

from datetime import UTC, datetime

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


def _prepared() -> list[tuple[str, int]]:
    """This connection's prepared statements: (text, number of parameters)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, CARDINALITY(parameter_types) "
                       "FROM pg_prepared_statements WHERE name LIKE 'depcal_%%' ORDER BY name")
        return cursor.fetchall()


def test_the_statement_is_prepared_once_per_connection_and_again_on_a_new_one():
    subscriber("ada@example.com")
    for language in ("fr", "en"):
        with pending.statement(connection, RENAME, {"language": language, "like": "ada%"}) as n:
            assert n() == 1
    assert _prepared() == [
        ("UPDATE notifier_subscriber SET language = $1 WHERE email LIKE $2", 2)]
    connection.close()  # Django opens another when next asked: prepared there anew
    with pending.statement(connection, RENAME, {"language": "fr", "like": "ada%"}) as n:
        assert n() == 1
    assert len(_prepared()) == 1
    assert Subscriber.objects.get().language == "fr"


def test_values_go_as_their_types_and_a_name_used_twice_is_one_parameter():
    ada = subscriber("ada@example.com")
    moment = datetime(2026, 11, 29, 5, 6, 7, 891011, tzinfo=UTC)
    sql = ("UPDATE notifier_subscriber SET confirmed_at = %(at)s, bounce_reason = %(why)s, "
           "unsubscribed_at = %(never)s WHERE id = %(id)s AND %(id)s > 0 AND %(yes)s "
           "AND email LIKE '%%@example.com'")
    with pending.statement(connection, sql, {"at": moment, "why": Subscriber.Status.BOUNCED,
                                             "never": None, "id": ada.pk, "yes": True}) as n:
        assert n() == 1
    ada.refresh_from_db()
    assert (ada.confirmed_at, ada.bounce_reason, ada.unsubscribed_at) == (moment, "bounced",
                                                                          None)
    assert _prepared() == [(
        "UPDATE notifier_subscriber SET confirmed_at = $1, bounce_reason = $2, "
        "unsubscribed_at = $3 WHERE id = $4 AND $4 > 0 AND $5 AND email LIKE '%@example.com'",
        5)]


def test_values_of_other_types_get_a_statement_of_their_own():
    """A statement is prepared per the types of its values: a None, which the server types
    from where it stands (here an integer, 32 bits), does not fix the type of the value that
    comes after it (a 64-bit integer)."""
    ada = subscriber("ada@example.com")
    sql = ("UPDATE notifier_subscriber SET language = 'fr' "
           "WHERE id = %(id)s AND %(big)s + 0 > 0")
    with pending.statement(connection, sql, {"id": ada.pk, "big": None}) as n:
        assert n() == 0  # NULL > 0 is not true
    with pending.statement(connection, sql, {"id": ada.pk, "big": 2 ** 40}) as n:
        assert n() == 1
    assert Subscriber.objects.get().language == "fr"
    assert len(_prepared()) == 2


def test_a_prepare_interrupted_before_its_answer_closes_the_connection(monkeypatch):
    subscriber("ada@example.com")
    read = pending._read

    def interrupted(pgconn):
        raise KeyboardInterrupt

    monkeypatch.setattr(pending, "_read", interrupted)
    with pytest.raises(KeyboardInterrupt):
        with pending.statement(connection, RENAME, {"language": "fr", "like": "ada%"}):
            pass
    assert connection.connection is None  # closed, not left waiting for an answer
    monkeypatch.setattr(pending, "_read", read)
    with pending.statement(connection, RENAME, {"language": "fr", "like": "ada%"}) as n:
        assert n() == 1
    assert Subscriber.objects.get().language == "fr"
