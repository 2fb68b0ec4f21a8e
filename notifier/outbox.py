"""The outbox: ledger rows claimed by one sender at a time, each ending sent, retried or failed.

A sender claims a batch of ready rows with a lease (``select_for_update(skip_locked=True)`` on
PostgreSQL, a conditional update elsewhere), renews a row's claim just before its SMTP
transaction (``start``) and marks it once the server answered (``finish`` or ``retry_later``);
the mark of a message the server accepted goes with the next message's start, in one
statement (``start_after_sent``). A sender that dies leaves at most one row sent but not
marked; once its lease runs out another sender takes it again, under the same Message-ID,
and the rows of the batch it had not tried with it. Every attempt counts: a row that
keeps killing its sender, or keeps failing, ends failed after ``max_attempts``, never in a
loop. Nothing here knows about SMTP (``notifier.send``) or templates (``notifier.compose``).
The alert channels' ledger (``ChannelMessage``, ``notifier.channels.deliver``) goes through the
same functions: ``model=`` says which ledger.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from functools import lru_cache

from django.conf import settings
from django.db import connection as db
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from notifier import pending
from notifier.models import Delivery


@dataclass(frozen=True)
class SendPolicy:
    """How a sender works; defaults from the ``NOTIFIER_*`` settings, read when used."""

    batch_size: int
    lease_seconds: int  # must exceed EMAIL_TIMEOUT: a claim older than this is stale
    max_attempts: int
    backoff_seconds: int  # first retry; then x4 each time

    @classmethod
    def from_settings(cls, **overrides) -> SendPolicy:
        values = {"batch_size": settings.NOTIFIER_BATCH_SIZE,
                  "lease_seconds": settings.NOTIFIER_LEASE_SECONDS,
                  "max_attempts": settings.NOTIFIER_MAX_ATTEMPTS,
                  "backoff_seconds": settings.NOTIFIER_BACKOFF_SECONDS}
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def backoff(self, attempts: int) -> timedelta:
        return timedelta(seconds=self.backoff_seconds * 4 ** max(attempts - 1, 0))


def message_id(row: Delivery) -> str:
    """Deterministic from the row: the same on every retry, never another row's (the creation
    time is in it, so a database rebuilt from scratch does not reuse old ids)."""
    return _message_id(row.pk, row.created_at, mail_domain())


@lru_cache(maxsize=1024)  # asked of each row when composing, filling and starting it
def _message_id(pk: int, created_at: datetime, domain: str) -> str:
    return f"<delivery-{pk}.{created_at:%Y%m%d%H%M%S%f}@{domain}>"


def mail_domain() -> str:
    """The domain of the Message-IDs: the sender address's."""
    return _domain_of(settings.DEFAULT_FROM_EMAIL)


@lru_cache(maxsize=8)
def _domain_of(address: str) -> str:
    # Parsed once per address: each message's id needs it, and parsing is most of its cost.
    return parseaddr(address)[1].rpartition("@")[2] or "depcal.localhost"


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _orphaned(now: datetime) -> Q:
    """Taken by a sender that died: its lease ran out."""
    return Q(status=Delivery.Status.SENDING, lease_until__lt=now)


def _last_attempt_died(policy: SendPolicy) -> Q:
    """Its sender died during the row's last allowed attempt (with ``_orphaned``)."""
    return Q(send_started_at__isnull=False, attempts__gte=policy.max_attempts)


def _ready(now: datetime, kinds, policy: SendPolicy) -> Q:
    """Pending and due, or orphaned, unless on its last attempt (``give_up_stale`` fails
    those)."""
    ready = (Q(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
             | (_orphaned(now) & ~_last_attempt_died(policy)))
    return ready & Q(kind__in=kinds) if kinds else ready


def give_up_stale(policy: SendPolicy, now: datetime, model=Delivery) -> int:
    """Rows whose sender died while sending them, on their last allowed attempt: failed, not
    taken again (a message that kills its sender must not do so forever). Senders run it
    once before their first claim; ``claim`` never takes such a row meanwhile."""
    return model.objects.filter(_orphaned(now) & _last_attempt_died(policy)).update(
        status=Delivery.Status.FAILED, claim_token="", lease_until=None,
        last_error=f"the sender stopped during each of {policy.max_attempts} attempts")


def claim(*, policy: SendPolicy, kinds=None, now: datetime | None = None,
          only_ids=None, model=Delivery) -> tuple[str, list[Delivery]]:
    """Take up to ``batch_size`` ready rows for this sender: (claim token, rows).

    Ready: pending and due for an attempt, or claimed by a sender whose lease ran out (it
    died). PostgreSQL skips rows another claimer holds; elsewhere a conditional update only
    takes rows that are still ready, so two claimers never get the same row. The rows come
    with their subscriber (and a channel message with its channel).
    """
    now = now or timezone.now()
    token = uuid.uuid4().hex
    ready = _ready(now, kinds, policy)
    if only_ids is not None:
        ready &= Q(pk__in=only_ids)
    claimed = {"status": Delivery.Status.SENDING, "claim_token": token,
               "claimed_by": _worker_name()[:100], "send_started_at": None,
               "lease_until": now + timedelta(seconds=policy.lease_seconds)}
    if db.vendor == "postgresql":
        with transaction.atomic():
            ids = list(model.objects.select_for_update(skip_locked=True).filter(ready)
                       .order_by("next_attempt_at", "id")
                       .values_list("id", flat=True)[:policy.batch_size])
            model.objects.filter(pk__in=ids).update(**claimed)
    else:
        ids = list(model.objects.filter(ready).order_by("next_attempt_at", "id")
                   .values_list("id", flat=True)[:policy.batch_size])
        model.objects.filter(ready, pk__in=ids).update(**claimed)
    # By primary key: the rows are known, and the ready index a claim token would be looked
    # up in fills with dead entries during a burst, until a vacuum.
    rows = list(model.objects.filter(pk__in=ids, claim_token=token,
                                     status=Delivery.Status.SENDING)
                .select_related().order_by("id"))
    return token, rows


def _mine(row: Delivery, token: str):
    return type(row).objects.filter(pk=row.pk, claim_token=token, status=Delivery.Status.SENDING)


def start(row: Delivery, token: str, policy: SendPolicy, *, identity=message_id) -> bool:
    """Renew this row's lease just before its SMTP transaction and count the attempt; False if
    it was taken over. One statement: per message, round trips cost more than the commit.
    ``identity(row)`` is the id the message goes out under, the same on every attempt."""
    now = timezone.now()
    row.message_id = identity(row)
    row.attempts += 1
    return _mine(row, token).update(
        lease_until=now + timedelta(seconds=policy.lease_seconds), send_started_at=now,
        attempts=F("attempts") + 1, message_id=row.message_id) == 1


_START_AFTER_SENT = """
UPDATE {table} SET
  status = CASE WHEN id = %(row)s THEN status ELSE %(sent)s END,
  claim_token = CASE WHEN id = %(row)s THEN claim_token ELSE '' END,
  lease_until = CASE WHEN id = %(row)s THEN %(lease)s ELSE NULL END,
  send_started_at = CASE WHEN id = %(row)s THEN %(now)s ELSE send_started_at END,
  attempts = CASE WHEN id = %(row)s THEN attempts + 1 ELSE attempts END,
  message_id = CASE WHEN id = %(row)s THEN %(message_id)s ELSE message_id END,
  sent_at = CASE WHEN id = %(row)s THEN sent_at ELSE %(now)s END,
  last_error = CASE WHEN id = %(row)s THEN last_error ELSE '' END
WHERE id IN (%(row)s, %(done)s) AND claim_token = %(token)s AND status = %(sending)s
"""


def start_after_sent(row: Delivery, sent: Delivery, token: str, policy: SendPolicy, *,
                     identity=message_id) -> bool:
    """``start`` this row and mark ``sent`` (the message the server accepted just before)
    sent, in one statement: one round trip and one commit per message. The crash window
    stays one message: a sender that dies before this statement leaves only ``sent``
    unmarked, and nothing of this row has gone out yet."""
    with starting_after_sent(row, sent, token, policy, identity=identity) as started:
        return started()


@contextmanager
def starting_after_sent(row: Delivery, sent: Delivery, token: str, policy: SendPolicy, *,
                        identity=message_id) -> Iterator[Callable[[], bool]]:
    """``start_after_sent``, answered when asked: the block gets a function that says
    whether the row is still this sender's. The statement is on its way when the block
    starts (``pending``) and its answer is read at the first ask; meanwhile a sender
    exchanges the message's envelope with the SMTP server, so the statement's round trip
    costs little. The answer must be asked for before the message's data go (the crash
    window stays one message), and nothing else may use the database before it. In SQL,
    because the ORM's equivalent (``Case`` per column) costs more to build than the
    statement to run."""
    now = timezone.now()
    row.message_id = identity(row)
    row.attempts += 1
    model = type(row)
    moment = model._meta.get_field("sent_at").get_db_prep_value
    sql = _START_AFTER_SENT.format(table=db.ops.quote_name(model._meta.db_table))
    params = {"row": row.pk, "done": sent.pk, "token": token, "message_id": row.message_id,
              "sent": Delivery.Status.SENT, "sending": Delivery.Status.SENDING,
              "now": moment(now, db),
              "lease": moment(now + timedelta(seconds=policy.lease_seconds), db)}
    answer: list[bool] = []
    with pending.statement(db, sql, params) as count:
        def started() -> bool:
            if not answer:
                # Both rows updated, or (rarely: a lease ran out) find out whether this one was.
                answer.append(count() == 2
                              or _mine(row, token).filter(send_started_at=now).exists())
            return answer[0]
        yield started


@contextmanager
def quick_marks():
    """While a batch is sent, PostgreSQL commits its marks without waiting for the disk
    (``synchronous_commit`` off on this connection): a mark is visible to every other sender
    at once, so a dead sender still leaves at most its one message in flight unmarked. Only
    a crash of the database server itself may forget its last moments of marks; the
    messages they marked are then sent again, under the same Message-ID, never lost."""
    if db.vendor != "postgresql":
        yield
        return
    with db.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        with db.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def finish(row: Delivery, token: str, status: str, error: str = "") -> None:
    _mine(row, token).update(status=status, claim_token="", lease_until=None,
                             sent_at=timezone.now() if status == Delivery.Status.SENT else None,
                             last_error=error[:2000])


def retry_later(row: Delivery, token: str, policy: SendPolicy, error: str, *,
                give_up: bool = True, delay: timedelta | None = None) -> bool:
    """A temporary failure: back to pending with backoff (or after ``delay``, as a server's
    Retry-After asks); False once it has given up (the row is then failed). Failures of the
    server or the connection (``give_up=False``) are never held against a message: an outage
    delays everything but fails nothing."""
    row.refresh_from_db(fields=["attempts"])
    if give_up and row.attempts >= policy.max_attempts:
        finish(row, token, Delivery.Status.FAILED, error)
        return False
    _mine(row, token).update(status=Delivery.Status.PENDING, claim_token="", lease_until=None,
                             next_attempt_at=timezone.now() + (delay if delay is not None else
                                 policy.backoff(min(row.attempts, policy.max_attempts))),
                             last_error=error[:2000])
    return True


def release(token: str, model=Delivery) -> int:
    """Give back the rows of a claim that were not tried (no attempt counted)."""
    return model.objects.filter(claim_token=token, status=Delivery.Status.SENDING,
                                send_started_at=None).update(
        status=Delivery.Status.PENDING, claim_token="", lease_until=None)


def retry_failed(rows, *, now: datetime | None = None) -> int:
    """Queue failed rows again with their attempts reset (the admin's action); same
    Message-ID."""
    return rows.filter(status=Delivery.Status.FAILED).update(
        status=Delivery.Status.PENDING, attempts=0, next_attempt_at=now or timezone.now())
