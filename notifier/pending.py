"""One PostgreSQL statement sent now and answered later, on Django's own connection.

The sender starts each message with a statement whose round trip would otherwise wait in
line with the SMTP exchange; sent before the envelope and read before the data, it costs
little (``outbox.starting_after_sent``). psycopg's pipeline mode does the same, but its own
bookkeeping cost a fifth of the sending rate (bench mail, alternated runs: 0.24x and 0.32x
smtplib against 0.37x and 0.39x), so this uses
the libpq calls psycopg exposes for such uses (``Connection.pgconn``, ``psycopg.pq``).
The statement is prepared once per connection (and per types of its values), its values
adapted by psycopg's own adapters (a ``Transformer`` kept per connection) and sent as text
parameters: per message, the server does not parse it again. Named prepared statements
need a direct connection or PgBouncer 1.21 and later with ``max_prepared_statements`` set
(README, configuration). Bypassed by the statement: Django's
query log and execute wrappers.
"""

from __future__ import annotations

import hashlib
import re
import select
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache

from django.db import DatabaseError
from psycopg import pq
from psycopg.adapt import PyFormat, Transformer

_NAMED = re.compile(r"%\((\w+)\)s")


@dataclass
class _Session:
    """What a connection keeps for these statements: its adapters and what it prepared."""

    adapt: Transformer
    prepared: set[bytes] = field(default_factory=set)


_sessions: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # connection -> _Session


@contextmanager
def statement(db, sql: str, params: dict) -> Iterator[Callable[[], int]]:
    """Send ``sql`` on ``db`` (Django's connection) without waiting for its answer; the
    block gets a function that reads its row count (once; later calls repeat it). Leaving
    the block, however it is left, reads the answer if nobody did, so the connection is free
    for the next query; if even that fails (an interrupted read), the connection is closed,
    and Django opens a new one when next asked. Elsewhere than on PostgreSQL the statement
    simply runs at once.

    ``sql`` names its values ``%(name)s`` (a name may come back; ``%%`` is a percent sign);
    values are what psycopg adapts (a str or None is typed by the server from where it
    stands)."""
    if db.vendor != "postgresql":  # nothing to overlap with: run at once
        with db.cursor() as cursor:
            cursor.execute(sql, params)
            count = cursor.rowcount
        yield lambda: count
        return
    db.ensure_connection()
    conn = db.connection
    order, numbered = _shape(sql)
    session = _sessions.get(conn) or _sessions.setdefault(conn, _Session(Transformer(conn)))
    values = session.adapt.dump_sequence([params[key] for key in order],
                                         [PyFormat.TEXT] * len(order))
    name = _prepare(db, conn, session, numbered, tuple(session.adapt.types))
    conn.pgconn.send_query_prepared(name, values)
    outcome: list = []

    def count() -> int:
        if not outcome:
            try:
                outcome.append(_read(conn.pgconn))
            except DatabaseError as exc:
                outcome.append(exc)
        if isinstance(outcome[0], Exception):
            raise outcome[0]
        return outcome[0]
    try:
        _flush(conn.pgconn)
        yield count
    finally:
        if not outcome:
            try:
                count()
            except BaseException:
                db.close()  # its state is unknown: a new connection, not a confused one
                raise


@lru_cache(maxsize=16)
def _shape(sql: str) -> tuple[tuple[str, ...], bytes]:
    """A statement's value names in order, and its text with them numbered (a name's number:
    its first place in the query)."""
    order = tuple(dict.fromkeys(_NAMED.findall(sql)))
    numbered = _NAMED.sub(lambda m: f"${order.index(m.group(1)) + 1}", sql).replace("%%", "%")
    return order, numbered.encode()


@lru_cache(maxsize=64)
def _named(numbered: bytes, oids: tuple[int, ...]) -> bytes:
    """The name of a statement prepared with these parameter types (0: the server's choice)."""
    return b"depcal_" + hashlib.sha1(numbered + repr(oids).encode()).hexdigest()[:20].encode()


def _prepare(db, conn, session: _Session, numbered: bytes, oids: tuple[int, ...]) -> bytes:
    """The statement's name, prepared on this connection (now, the first time). A prepare
    interrupted before its answer closes the connection, as ``statement`` does."""
    name = _named(numbered, oids)
    if name not in session.prepared:
        conn.pgconn.send_prepare(name, numbered, oids)
        try:
            _read(conn.pgconn)
        except DatabaseError:
            raise  # answered: the connection is free
        except BaseException:
            db.close()
            raise
        session.prepared.add(name)
    return name


def _wait(pgconn, event: int) -> None:
    poller = select.poll()  # no file descriptor of its own to open and close per message
    poller.register(pgconn.socket, event)
    poller.poll()


def _flush(pgconn) -> None:
    """Everything sent (psycopg keeps its connections non-blocking)."""
    while pgconn.flush():
        _wait(pgconn, select.POLLOUT)


def _read(pgconn) -> int:
    """The statement's row count, once its answer is in."""
    _flush(pgconn)
    pgconn.consume_input()
    while pgconn.is_busy():
        _wait(pgconn, select.POLLIN)
        pgconn.consume_input()
    results = []
    while (result := pgconn.get_result()) is not None:
        results.append(result)
    for result in results:
        if result.status != pq.ExecStatus.COMMAND_OK:
            raise DatabaseError((result.error_message or b"").decode(errors="replace").strip())
    return int(results[-1].command_tuples or 0)
