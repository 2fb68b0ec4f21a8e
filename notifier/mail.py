"""Composing messages from templates and sending ledger rows, each exactly once.

``send_pending`` claims a batch of ready rows (``select_for_update(skip_locked=True)`` on
PostgreSQL, a conditional update elsewhere), then sends them over one SMTP connection. Each
row is re-claimed by a conditional update just before its SMTP transaction and marked sent
(with its Message-ID) right after the server accepts it, so a sender that dies in between can
leave at most that one message to be sent again, with the same Message-ID, once its lease
expires. A 4xx answer retries the row with backoff and suppresses the address after
``max_attempts``; a 5xx marks the address bounced; a lost connection ends the batch.

Templates: ``email/<kind>_subject.txt``, ``email/<kind>.txt`` and ``email/<kind>.html``.
"""

from __future__ import annotations

import logging
import os
import smtplib
import socket
import uuid
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection as db
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from deprecations import queries
from deprecations.models import Change, Deprecation
from notifier import tokens
from notifier.models import Delivery, Subscriber

log = logging.getLogger(__name__)

ALERT_KINDS = (Delivery.Kind.ALERT, Delivery.Kind.CHANGE)
LIST_KINDS = (Delivery.Kind.WELCOME, Delivery.Kind.ALERT, Delivery.Kind.CHANGE,
              Delivery.Kind.DIGEST)
NOTABLE_CHANGE = (Q(kind=Change.Kind.MOVED, field="shutdown_on")
                  | Q(kind__in=[Change.Kind.WITHDRAWN, Change.Kind.REINSTATED]))


@dataclass(frozen=True)
class SendPolicy:
    """How a sender works; settings ``NOTIFIER_<FIELD>`` (upper case) override defaults."""

    batch_size: int = 100
    lease_seconds: int = 300  # must exceed EMAIL_TIMEOUT: a claim older than this is stale
    max_attempts: int = 5
    backoff_seconds: int = 60  # first retry; then x4 each time

    @classmethod
    def from_settings(cls, **overrides) -> SendPolicy:
        values = {f.name: getattr(settings, f"NOTIFIER_{f.name.upper()}", f.default)
                  for f in fields(cls)}
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def backoff(self, attempts: int) -> timedelta:
        return timedelta(seconds=self.backoff_seconds * 4 ** max(attempts - 1, 0))


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


# Composing.

def message_id(row: Delivery) -> str:
    """Deterministic from the row: the same on every retry, never another row's (the creation
    time is in it, so a database rebuilt from scratch does not reuse old ids)."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "depcal.localhost"
    return f"<delivery-{row.pk}.{row.created_at:%Y%m%d%H%M%S%f}@{domain}>"


def links(subscriber: Subscriber) -> dict[str, str]:
    site = settings.SITE_URL
    return {
        "manage_url": site + reverse("notifier:manage",
                                     args=[tokens.make(subscriber, tokens.MANAGE)]),
        "unsubscribe_url": site + reverse("notifier:unsubscribe",
                                          args=[tokens.make(subscriber, tokens.UNSUBSCRIBE)]),
        "feed_url": site + reverse("notifier:private_feed", args=[subscriber.feed_token]),
        "site_url": site,
    }


def followed_entries(subscriber: Subscriber):
    vendors, models = subscriber.follows()
    return queries.filter_entries(queries.public_entries(), vendors=vendors, models=models)


def _decorate(entry: Deprecation, today) -> Deprecation:
    entry.days = entry.days_left(today)
    entry.url = settings.SITE_URL + entry.get_absolute_url()
    return entry


def _change_rows(qs):
    return list(qs.filter(NOTABLE_CHANGE | Q(kind=Change.Kind.CREATED))
                .select_related("deprecation__offering__vendor").order_by("changed_at", "id"))


def context_for(row: Delivery) -> dict | None:
    """The template context of a row, or None when the message is no longer wanted."""
    s = row.subscriber
    today = row.as_of
    ctx = {"subscriber": s, "today": today, "kind": row.kind, **links(s)}
    if row.kind == Delivery.Kind.CONFIRM:
        if s.status != Subscriber.Status.PENDING or row.revision != s.confirm_requests:
            return None
        ctx["confirm_url"] = settings.SITE_URL + reverse(
            "notifier:confirm", args=[tokens.make(s, tokens.CONFIRM)])
        ctx["expires_days"] = tokens.CONFIRM_MAX_AGE // 86400
        return ctx
    if s.status != Subscriber.Status.CONFIRMED:
        return None
    entry = row.deprecation
    if entry is not None:
        if not entry.published:
            return None
        ctx["entry"] = _decorate(entry, today)
    if row.kind == Delivery.Kind.ALERT:
        if entry.status == Deprecation.Status.WITHDRAWN or entry.shutdown_on != row.shutdown_on:
            return None  # withdrawn or moved since: the change email says so
        ctx["lead_days"] = row.lead_days
    elif row.kind == Delivery.Kind.CHANGE:
        earlier = (Delivery.objects.filter(subscriber=s, deprecation=entry, kind=row.kind,
                                           id__lt=row.pk)
                   .order_by("-revision").values_list("revision", flat=True).first()) or 0
        ctx["changes"] = _change_rows(entry.changes.filter(
            revision__gt=earlier, revision__lte=row.revision, changed_at__gt=s.confirmed_at))
        if not ctx["changes"]:
            return None
        ctx["latest"] = ctx["changes"][-1]
    elif row.kind == Delivery.Kind.WELCOME:
        horizon = max(s.lead_times, default=-1)
        ctx["lead_times"] = [str(d) for d in s.lead_times]  # join needs strings in text
        ctx["entries"] = [_decorate(e, today) for e in followed_entries(s).exclude(
            status=Deprecation.Status.WITHDRAWN).filter(
            shutdown_on__gte=today, shutdown_on__lte=today + timedelta(days=horizon))]
        ctx["vendors"], ctx["models"] = s.follows()
    elif row.kind == Delivery.Kind.DIGEST:
        if s.digest == Subscriber.Digest.NONE:
            return None  # switched off since the row was made
        previous = (Delivery.objects.filter(subscriber=s, kind=row.kind, id__lt=row.pk)
                    .order_by("-id").values_list("created_at", flat=True).first())
        since = previous or s.confirmed_at
        mine = followed_entries(s)
        ctx["entries"] = [_decorate(e, today) for e in mine.exclude(
            status=Deprecation.Status.WITHDRAWN).filter(
            shutdown_on__gte=today, shutdown_on__lte=today + timedelta(days=90))]
        ctx["changes"] = _change_rows(Change.objects.filter(
            deprecation__in=mine.values("pk"), changed_at__gt=since,
            changed_at__lte=row.created_at))
        ctx["since"] = since
        if not ctx["entries"] and not ctx["changes"]:
            return None
    return ctx


def _render_text(template: str, ctx: dict) -> str:
    return render_to_string(template, ctx).strip() + "\n"


def compose(row: Delivery, *, connection=None) -> EmailMultiAlternatives | None:
    """The message for a ledger row (text/plain, then text/html), or None to skip it; in the
    language the subscriber chose."""
    with translation.override(row.subscriber.language):
        return _compose(row, connection=connection)


def _compose(row: Delivery, *, connection=None) -> EmailMultiAlternatives | None:
    ctx = context_for(row)
    if ctx is None:
        return None
    subject = " ".join(render_to_string(f"email/{row.kind}_subject.txt", ctx).split())
    headers = {"Message-ID": message_id(row)}
    if row.kind in LIST_KINDS:
        headers["List-Unsubscribe"] = f"<{ctx['unsubscribe_url']}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        headers["List-Id"] = f"depcal alerts <alerts.{message_id(row).rpartition('@')[2][:-1]}>"
        headers["Auto-Submitted"] = "auto-generated"
    msg = EmailMultiAlternatives(
        subject=subject, body=_render_text(f"email/{row.kind}.txt", ctx),
        from_email=settings.DEFAULT_FROM_EMAIL, to=[row.subscriber.email], headers=headers,
        connection=connection)
    msg.attach_alternative(render_to_string(f"email/{row.kind}.html", ctx), "text/html")
    return msg


# Claiming.

def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _ready(now: datetime, kinds) -> Q:
    ready = (Q(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
             | Q(status=Delivery.Status.SENDING, lease_until__lt=now))
    return ready & Q(kind__in=kinds) if kinds else ready


def claim(*, policy: SendPolicy, kinds=None, now: datetime | None = None,
          only_ids=None) -> tuple[str, list[Delivery]]:
    """Take up to ``batch_size`` ready rows for this sender: (claim token, rows).

    Ready: pending and due for an attempt, or claimed by a sender whose lease ran out (it
    died). PostgreSQL skips rows another claimer holds; elsewhere a conditional update only
    takes rows that are still ready, so two claimers never get the same row.
    """
    now = now or timezone.now()
    token = uuid.uuid4().hex
    ready = _ready(now, kinds)
    if only_ids is not None:
        ready &= Q(pk__in=only_ids)
    claimed = {"status": Delivery.Status.SENDING, "claim_token": token,
               "claimed_by": _worker_name()[:100], "send_started_at": None,
               "lease_until": now + timedelta(seconds=policy.lease_seconds)}
    if db.vendor == "postgresql":
        with transaction.atomic():
            ids = list(Delivery.objects.select_for_update(skip_locked=True).filter(ready)
                       .order_by("next_attempt_at", "id")
                       .values_list("id", flat=True)[:policy.batch_size])
            Delivery.objects.filter(pk__in=ids).update(**claimed)
    else:
        ids = list(Delivery.objects.filter(ready).order_by("next_attempt_at", "id")
                   .values_list("id", flat=True)[:policy.batch_size])
        Delivery.objects.filter(ready, pk__in=ids).update(**claimed)
    rows = list(Delivery.objects.filter(claim_token=token, status=Delivery.Status.SENDING)
                .select_related("subscriber", "deprecation__offering__vendor").order_by("id"))
    return token, rows


def _mine(row: Delivery, token: str):
    return Delivery.objects.filter(pk=row.pk, claim_token=token, status=Delivery.Status.SENDING)


def _start(row: Delivery, token: str, policy: SendPolicy) -> bool:
    """Renew this row's lease just before its SMTP transaction; False if it was taken over.
    One statement: per message, round trips cost more than the commit."""
    now = timezone.now()
    row.message_id = message_id(row)
    return _mine(row, token).update(
        lease_until=now + timedelta(seconds=policy.lease_seconds), send_started_at=now,
        attempts=F("attempts") + 1, message_id=row.message_id) == 1


def _finish(row: Delivery, token: str, status: str, error: str = "") -> None:
    _mine(row, token).update(status=status, claim_token="", lease_until=None,
                             sent_at=timezone.now() if status == Delivery.Status.SENT else None,
                             last_error=error[:2000])


def _retry_later(row: Delivery, token: str, policy: SendPolicy, error: str, *,
                 give_up: bool = True) -> bool:
    """A temporary failure: back to pending with backoff; False once it has given up.
    Failures of the server or the connection (``give_up=False``) are never held against
    a message: an outage delays everything but fails nothing."""
    row.refresh_from_db(fields=["attempts"])
    if give_up and row.attempts >= policy.max_attempts:
        _finish(row, token, Delivery.Status.FAILED, error)
        return False
    _mine(row, token).update(status=Delivery.Status.PENDING, claim_token="", lease_until=None,
                             next_attempt_at=timezone.now() + policy.backoff(
                                 min(row.attempts, policy.max_attempts)),
                             last_error=error[:2000])
    return True


def release(token: str) -> int:
    """Give back the rows of a claim that were not tried (no attempt counted)."""
    return Delivery.objects.filter(claim_token=token, status=Delivery.Status.SENDING,
                                   send_started_at=None).update(
        status=Delivery.Status.PENDING, claim_token="", lease_until=None)


def bounce(subscriber_id: int, reason: str) -> None:
    """A permanent failure: stop sending to the address."""
    now = timezone.now()
    Subscriber.objects.filter(pk=subscriber_id).exclude(
        status=Subscriber.Status.UNSUBSCRIBED).update(
        status=Subscriber.Status.BOUNCED, bounced_at=now, bounce_reason=reason[:2000])
    skip_pending(subscriber_id, "address bounced")


def suppress(subscriber_id: int, reason: str) -> None:
    """Too many temporary failures: stop sending to the address."""
    Subscriber.objects.filter(pk=subscriber_id).exclude(
        status=Subscriber.Status.UNSUBSCRIBED).update(
        status=Subscriber.Status.SUPPRESSED, bounce_reason=reason[:2000])
    skip_pending(subscriber_id, "address suppressed")


def skip_pending(subscriber_id: int, reason: str) -> int:
    return Delivery.objects.filter(subscriber_id=subscriber_id,
                                   status=Delivery.Status.PENDING).update(
        status=Delivery.Status.SKIPPED, last_error=reason)


# Sending.

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


def send_batch(token: str, rows: list[Delivery], *, policy: SendPolicy,
               connection=None) -> SendReport:
    """Send claimed rows over one connection; stops early if the connection fails."""
    report = SendReport()
    connection = connection or get_connection(fail_silently=False)
    opened = False
    try:
        stopped: set[int] = set()  # addresses that bounced or were suppressed in this batch
        for row in rows:
            if row.subscriber_id in stopped:
                _finish(row, token, Delivery.Status.SKIPPED, "address stopped")
                report.skipped += 1
                continue
            try:
                msg = compose(row, connection=connection)
            except Exception as exc:  # a bad row must not stop the others, nor loop forever
                log.exception("notifier: cannot compose delivery %s", row.pk)
                if _start(row, token, policy):
                    report.retrying += _retry_later(row, token, policy, f"compose: {exc!r}")
                continue
            if msg is None:
                _finish(row, token, Delivery.Status.SKIPPED, "no longer wanted")
                report.skipped += 1
                continue
            if not _start(row, token, policy):
                continue  # another sender took it over after our lease ran out
            try:
                if not opened:
                    connection.open()
                    opened = True
                connection.send_messages([msg])
            except OSError as exc:  # smtplib's exceptions are OSErrors too
                code = address_failure(exc, row.subscriber.email)
                if code is None:  # the connection or our side: retry later, end the batch
                    log.warning("notifier: SMTP failed at delivery %s: %r", row.pk, exc)
                    _retry_later(row, token, policy, f"connection: {exc!r}", give_up=False)
                    report.retrying += 1
                    report.interrupted = True
                    break
                if code >= 500:
                    _finish(row, token, Delivery.Status.BOUNCED, f"{code}: {exc!r}")
                    bounce(row.subscriber_id, f"{code}: {exc!r}")
                    stopped.add(row.subscriber_id)
                    report.failed += 1
                elif _retry_later(row, token, policy, f"{code}: {exc!r}"):
                    report.retrying += 1
                else:
                    suppress(row.subscriber_id, f"{policy.max_attempts} attempts: {exc!r}")
                    stopped.add(row.subscriber_id)
                    report.failed += 1
            else:
                _finish(row, token, Delivery.Status.SENT)
                report.sent += 1
                report.message_ids.append(row.message_id)
    finally:
        release(token)
        if opened:
            try:
                connection.close()
            except Exception:  # a dead connection may fail to QUIT; nothing is lost
                log.debug("notifier: closing the SMTP connection failed", exc_info=True)
    return report


def send_pending(*, kinds=None, policy: SendPolicy | None = None, only_ids=None,
                 max_batches: int | None = None) -> SendReport:
    """Claim and send batches until nothing is ready (or a batch hits a connection error)."""
    policy = policy or SendPolicy.from_settings()
    report = SendReport()
    batches = 0
    while max_batches is None or batches < max_batches:
        token, rows = claim(policy=policy, kinds=kinds, only_ids=only_ids)
        if not rows:
            break
        batches += 1
        result = send_batch(token, rows, policy=policy)
        report.add(result)
        if result.interrupted:
            break  # the server is away: backoff and the next run take over
    return report


def request_send(ids: list[int]) -> None:
    """Send these fresh rows soon: on the ``mail`` queue, or in this process when
    ``NOTIFIER_SEND_INLINE`` is set (tests, a site without a worker). If the broker is down
    the rows wait for the periodic ``send_pending``."""
    if getattr(settings, "NOTIFIER_SEND_INLINE", False):
        send_pending(only_ids=ids)
        return
    from notifier import tasks  # tasks imports this module

    try:
        tasks.send_pending.delay(only_ids=ids)
    except Exception:  # the periodic job will pick the rows up
        log.warning("notifier: could not queue deliveries %s", ids, exc_info=True)
