"""Sending claimed ledger rows over SMTP, each exactly once.

``send_pending`` claims batches (``notifier.outbox``) and sends each batch over one SMTP
connection. Every row ends in one of: sent; retried later with backoff (a 4xx answer, a
message that could not be composed or encoded); failed after ``max_attempts`` (the address
is then suppressed); bounced (a 5xx answer: the address is stopped); skipped (no longer
wanted). A failure of the connection or of our own account holds nothing against a message:
the batch ends and everything waits for the next run.
"""

from __future__ import annotations

import logging
import re
import smtplib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address
from django.utils import timezone

from notifier import outbox, subscriptions
from notifier.compose import Composer, prepare
from notifier.models import Delivery
from notifier.outbox import SendPolicy

log = logging.getLogger(__name__)

ALERT_KINDS = (Delivery.Kind.ALERT, Delivery.Kind.CHANGE)


@dataclass
class SendReport:
    sent: int = 0
    skipped: int = 0
    retrying: int = 0  # temporary failure, will be tried again
    failed: int = 0  # given up: 5xx (bounced) or too many temporary failures
    interrupted: bool = False  # the connection failed: the rest waits for the next run
    message_ids: list[str] = field(default_factory=list, repr=False)

    def add(self, other: SendReport) -> None:
        for name in ("sent", "skipped", "retrying", "failed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.message_ids += other.message_ids
        self.interrupted = self.interrupted or other.interrupted


# Failures of the connection or of our own account: nothing to hold against an address.
CONNECTION_ERRORS = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError,
                     smtplib.SMTPHeloError, smtplib.SMTPAuthenticationError,
                     smtplib.SMTPSenderRefused, smtplib.SMTPNotSupportedError)


def address_failure(exc: OSError, address: str) -> int | None:
    """The SMTP code when the server refused this recipient or message (4xx or 5xx), or
    None when the failure was the connection's or ours (then nothing is held against the
    address). A 421 means the server is closing the connection."""
    if isinstance(exc, CONNECTION_ERRORS):
        return None
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code = (exc.recipients.get(address) or next(iter(exc.recipients.values())))[0]
    elif isinstance(exc, smtplib.SMTPResponseException):
        code = exc.smtp_code
    else:
        return None
    return None if code == 421 or not 400 <= code < 600 else code


# Data lines that start with a period get one more (RFC 5321 4.5.2), as smtplib's data() does.
_LEADING_PERIOD = re.compile(rb"(?m)^\.")
# An address smtplib.quoteaddr would only put in angle brackets (it parses every address,
# which costs more than the rest of the envelope).
_BARE_ADDRESS = re.compile(r'[^\s<>()@,;:\\"\[\]]+@[^\s<>()@,;:\\"\[\]]+')


@lru_cache(maxsize=256)  # the sender's, for every message
def _path(address: str) -> str:
    """An address as MAIL and RCPT take it (``smtplib.quoteaddr``)."""
    return f"<{address}>" if _BARE_ADDRESS.fullmatch(address) else smtplib.quoteaddr(address)


class TakenOver(Exception):
    """The row is no longer this sender's (its lease ran out and another sender claimed
    it): its message must not go."""


class _Batch:
    """One batch of claimed rows over one connection, and what became of each.

    A message the server accepted is marked sent by the statement that starts the next one
    (``outbox.start_after_sent``), or on its own (``flush``) before anything else is written
    and when the batch ends: one statement per message, and never more than one message
    accepted but not marked."""

    def __init__(self, token: str, policy: SendPolicy, connection):
        self.token, self.policy, self.connection = token, policy, connection
        self.report = SendReport()
        self.opened = False
        self.stopped: set[int] = set()  # addresses that bounced or were suppressed meanwhile
        self.composer = Composer(connection)
        self.accepted: Delivery | None = None  # sent, not yet marked
        self.sender: str | None = None  # the envelope sender, as the backend would write it
        self.ahead: dict[int, tuple] = {}  # row id -> (message, error), composed beforehand
        # (row id, recipients) of an envelope written whose data have not gone (``exchange``;
        # the id is None for the message being sent): the server may be in its DATA, where
        # only data or a closed connection ends it. The next row's, between two messages.
        self.announced: tuple[int | None, list[str]] | None = None

    def flush(self) -> None:
        if self.accepted is not None:
            outbox.finish(self.accepted, self.token, Delivery.Status.SENT)
            self.accepted = None

    def start(self, row: Delivery) -> bool:
        with self.starting(row) as started:
            return started()

    @contextmanager
    def starting(self, row: Delivery) -> Iterator[Callable[[], bool]]:
        """Start the row; the block asks whether it is still ours (``outbox``)."""
        if self.accepted is None:
            started = outbox.start(row, self.token, self.policy)
            yield lambda: started
            return
        sent, self.accepted = self.accepted, None
        with outbox.starting_after_sent(row, sent, self.token, self.policy) as started:
            yield started

    def skip(self, row: Delivery, why: str) -> None:
        self.flush()
        outbox.finish(row, self.token, Delivery.Status.SKIPPED, why)
        self.report.skipped += 1

    def retry(self, row: Delivery, error: str, *, address: bool = True) -> None:
        """A failure of this message: retried with backoff, or failed at the last attempt
        (then the address is suppressed, when the failure was the address's)."""
        self.flush()
        if outbox.retry_later(row, self.token, self.policy, error):
            self.report.retrying += 1
            return
        self.report.failed += 1
        if address:
            subscriptions.suppress(row.subscriber_id,
                                   f"{self.policy.max_attempts} attempts: {error}")
            self.stopped.add(row.subscriber_id)

    def refused(self, row: Delivery, code: int, exc: OSError) -> None:
        if code >= 500:
            outbox.finish(row, self.token, Delivery.Status.BOUNCED, f"{code}: {exc!r}")
            subscriptions.bounce(row.subscriber_id, f"{code}: {exc!r}")
            self.stopped.add(row.subscriber_id)
            self.report.failed += 1
        else:
            self.retry(row, f"{code}: {exc!r}")

    def close(self) -> None:
        if self.announced is not None:  # a QUIT would be read as data: no QUIT
            self.drop()
        if self.opened:
            self.opened = False
            try:
                self.connection.close()
            except Exception:  # a dead connection may fail to QUIT; nothing is lost
                log.debug("notifier: closing the SMTP connection failed", exc_info=True)

    def compose(self, row: Delivery):
        """The row's message (or None: no longer wanted), composed now or beforehand."""
        if row.pk not in self.ahead:
            return self.composer.compose(row)
        msg, error = self.ahead.pop(row.pk)
        if error is not None:
            raise error
        return msg

    def compose_ahead(self, row: Delivery) -> None:
        """Compose the row's message now, for later (``compose``); nothing here may raise."""
        try:
            self.ahead[row.pk] = (self.composer.compose(row), None)
        except Exception as exc:
            self.ahead[row.pk] = (None, exc)

    def abandon(self, row: Delivery, msg=None) -> None:
        """Before a row goes any other way than its announced envelope said (skipped, not
        composed, another recipient, no bytes of its own): the server has said 354 to that
        envelope's DATA, and only closing the connection ends it without a message."""
        smtp = getattr(self.connection, "connection", None)
        if self.announced is not None and smtp is not None and smtp.sock is None:
            self.drop()  # smtplib closed it itself (an answer it could not read)
        if self.announced is None:
            return
        if (self.announced == (row.pk, list(getattr(msg, "to", None) or []))
                and getattr(msg, "wire", None) is not None):
            return
        self.drop()

    def transmit(self, msg, started: Callable[[], bool],
                 meanwhile: Callable[[], None] | None = None,
                 announce: tuple[int, list[str]] | None = None) -> None:
        """Over SMTP, a message composed with its bytes (``Composer``) goes as they are
        (``exchange``); anything else through the backend, which builds them. ``started``
        (the row is still ours, recorded as started) is asked before the message's data go:
        with its bytes, after the envelope (MAIL, RCPT), whose round trips hide the
        statement's. ``meanwhile`` runs while the server reads the data (composing the next
        message there instead of between two messages, when the server would wait for us).
        ``announce`` is the next row's (id, recipients), whose envelope a server that offers
        PIPELINING gets right after this message's data."""
        wire = getattr(msg, "wire", None)
        if wire is None or not isinstance(self.connection, SMTPBackend):
            if not started():
                raise TakenOver
            self.connection.send_messages([msg])
            return
        if self.sender is None:
            self.sender = sanitize_address(msg.from_email, settings.DEFAULT_CHARSET)
        smtp = self.connection.connection
        smtp.ehlo_or_helo_if_needed()
        self.exchange(smtp, msg.to, wire, started, meanwhile, announce)

    def envelope(self, recipients: list[str], size: str = "") -> list[str]:
        # No line break gets in (smtplib's putcmd refused them): the recipients are addresses
        # that go into headers as they are (``Composer.wired``), the sender a sanitized one.
        return [f"MAIL FROM:{_path(self.sender)}{size}\r\n",
                *(f"RCPT TO:{_path(r)}\r\n" for r in recipients), "DATA\r\n"]

    def exchange(self, smtp: smtplib.SMTP, recipients: list[str], wire: bytes,
                 started: Callable[[], bool], meanwhile: Callable[[], None] | None,
                 announce: tuple[int, list[str]] | None) -> None:
        """One message's SMTP transaction, with the checks of the answers and the exceptions
        of smtplib's ``sendmail``, which parses every address again for each message. To a
        server that offers PIPELINING (RFC 2920: Postfix, Exim and most relays do), MAIL,
        RCPT and DATA go in one write, and the next message's go with this one's data (the
        data may open a group, DATA must close it), so a message costs one round trip
        instead of four. To any other, each command waits for its answer, and DATA is sent
        only once the row is known to be still ours."""
        pipelining = smtp.has_extn("pipelining")
        # Written already with the message before (only ever to a server that pipelines).
        written = self.announced is not None
        if not written:
            size = f" SIZE={len(wire)}" if smtp.has_extn("size") else ""
            commands = self.envelope(recipients, size)
            self.announced = (None, recipients)
        if pipelining:
            if not written:
                smtp.send("".join(commands))
            mail = smtp.getreply()
            answers = {r: smtp.getreply() for r in recipients}
            data = smtp.getreply()
        else:
            mail, answers, data = self.one_by_one(smtp, commands, recipients, started)
        # ``data`` is None where DATA was not sent (``one_by_one``).
        codes = (mail[0], *(a[0] for a in answers.values()), data[0] if data else 0)
        refused = {r: answer for r, answer in answers.items() if answer[0] not in (250, 251)}
        leaving = any(code == 421 for code, _ in refused.values())  # the server is closing
        failure = (smtplib.SMTPSenderRefused(*mail, self.sender) if mail[0] != 250
                   else smtplib.SMTPRecipientsRefused(refused)
                   if leaving or len(refused) == len(answers)
                   else smtplib.SMTPDataError(*data) if data and data[0] != 354
                   else None if started() else TakenOver())
        if failure is not None:
            if codes[-1] == 354 or 421 in codes:
                self.drop()  # mid-data (or the server leaving): the message is discarded
            else:
                self.reset(smtp)
            raise failure
        payload = _LEADING_PERIOD.sub(b"..", wire)
        end = b".\r\n" if payload.endswith(b"\r\n") else b"\r\n.\r\n"
        after = ("".join(self.envelope(announce[1])).encode("ascii")
                 if announce and pipelining else b"")
        smtp.send(payload + end + after)
        self.announced = announce if after else None
        if meanwhile is not None:
            meanwhile()
        code, answer = smtp.getreply()
        if code != 250:
            if code == 421 or self.announced is not None:
                self.drop()
            else:
                self.reset(smtp)
            raise smtplib.SMTPDataError(code, answer)

    @staticmethod
    def one_by_one(smtp: smtplib.SMTP, commands: list[str], recipients: list[str],
                   started: Callable[[], bool]) -> tuple[tuple, dict, tuple | None]:
        """The envelope to a server that does not pipeline: the answers to MAIL, each RCPT
        and DATA. Like ``sendmail``, it stops after a refused MAIL or a 421, and sends no DATA
        when every recipient was refused; nor when the row is no longer ours (the answer
        then None)."""
        smtp.send(commands[0])
        mail = smtp.getreply()
        if mail[0] != 250:
            return mail, {}, None
        answers = {}
        for recipient, command in zip(recipients, commands[1:-1], strict=True):
            smtp.send(command)
            answers[recipient] = smtp.getreply()
            if answers[recipient][0] == 421:  # the server is closing: nothing more goes
                return mail, answers, None
        if all(code not in (250, 251) for code, _ in answers.values()) or not started():
            return mail, answers, None
        smtp.send(commands[-1])
        return mail, answers, smtp.getreply()

    def reset(self, smtp: smtplib.SMTP) -> None:
        """End the transaction an envelope began (or, failing that, the connection)."""
        try:
            smtp.rset()
            self.announced = None
        except OSError:
            self.close()  # the next message opens a new connection

    def drop(self) -> None:
        """Close the socket without a QUIT, which the server would read as data: it discards
        the unfinished message. The next message opens a new connection."""
        self.connection.connection.close()
        self.connection.connection = None
        self.opened = False
        self.announced = None

    def send(self, row: Delivery, after: Delivery | None = None) -> bool:
        """Send one row (and compose the ``after`` one while the server reads it); False
        when the connection failed and the batch must end."""
        if row.subscriber_id in self.stopped:
            self.abandon(row)
            self.skip(row, "address stopped")
            return True
        try:
            msg = self.compose(row)
        except Exception as exc:  # a bad row must not stop the others, nor loop forever
            log.exception("notifier: cannot compose delivery %s", row.pk)
            self.abandon(row)
            if self.start(row):
                self.retry(row, f"compose: {exc!r}", address=False)
            return True
        self.abandon(row, msg)
        if msg is None:
            self.skip(row, "no longer wanted")
            return True
        announce = None
        if (after is not None and after.subscriber_id not in self.stopped
                and self.composer.wired(after)):
            announce = (after.pk, [after.subscriber.email])
        with self.starting(row) as started:
            try:
                if not self.opened:
                    self.connection.open()
                    self.opened = True
                self.transmit(msg, started,
                              after and (lambda: self.compose_ahead(after)), announce)
                failure = None
            except Exception as exc:
                failure = exc
            if not started():  # the answer, read before anything else uses the database
                return True  # another sender took it over after our lease ran out
        return self.after(row, failure)

    def after(self, row: Delivery, failure: Exception | None) -> bool:
        """Record what became of a started row's message; False to end the batch."""
        if isinstance(failure, TakenOver):
            return True
        if isinstance(failure, OSError):  # smtplib's exceptions are OSErrors too
            code = address_failure(failure, row.subscriber.email)
            if code is None:  # the connection or our side: retry later, end the batch
                log.warning("notifier: SMTP failed at delivery %s: %r", row.pk, failure)
                outbox.retry_later(row, self.token, self.policy, f"connection: {failure!r}",
                                   give_up=False)
                self.report.retrying += 1
                self.report.interrupted = True
                return False
            self.refused(row, code, failure)
        elif failure is not None:  # the message itself (an address that cannot be encoded...)
            log.warning("notifier: cannot send delivery %s: %r", row.pk, failure)
            self.close()  # the SMTP transaction may be half-way: start the next one afresh
            self.retry(row, f"message: {failure!r}")
        else:
            self.accepted = row  # marked by the next statement
            self.report.sent += 1
            self.report.message_ids.append(row.message_id)
        return True


def send_batch(token: str, rows: list[Delivery], *, policy: SendPolicy,
               connection=None) -> SendReport:
    """Send claimed rows over one connection; stops early if the connection fails."""
    batch = _Batch(token, policy, connection or get_connection(fail_silently=False))
    prepare(rows)
    with outbox.quick_marks():
        try:
            for row, after in zip(rows, [*rows[1:], None], strict=True):
                if not batch.send(row, after):
                    break
        finally:
            batch.flush()
            outbox.release(token)
            batch.close()
    return batch.report


def send_pending(*, kinds=None, policy: SendPolicy | None = None, only_ids=None,
                 max_batches: int | None = None) -> SendReport:
    """Claim and send batches until nothing is ready (or a batch hits a connection error)."""
    policy = policy or SendPolicy.from_settings()
    report = SendReport()
    batches = 0
    outbox.give_up_stale(policy, timezone.now())
    while max_batches is None or batches < max_batches:
        token, rows = outbox.claim(policy=policy, kinds=kinds, only_ids=only_ids)
        if not rows:
            break
        batches += 1
        result = send_batch(token, rows, policy=policy)
        report.add(result)
        if result.interrupted:
            break  # the server is away: backoff and the next run take over
    return report
