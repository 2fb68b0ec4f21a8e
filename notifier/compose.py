"""Composing a ledger row's email from templates, in the language its subscriber chose.

Each kind of message has a small function that gathers what it says (``KINDS``), or says
that it is no longer wanted (None: the row is skipped). A message is its content (subject and
body, ``email/<kind>_subject.txt``, ``email/<kind>.txt``, ``email/<kind>.html``) framed with
the parts that are the subscriber's own (the footer's signed links, the headers). For alerts,
changes and digests the content depends only on the entries, the day and the language, so a
batch renders and encodes it once for everyone who is told the same thing (``Composer``), to
the same text and HTML as each row composed alone (``compose``).

Dates: a tentative shutdown ("not sooner than") reads "not before DATE" and is never counted
down; a change tells the dates recorded with it, not the entry's current ones.
"""

from __future__ import annotations

import copy
import logging
import re
import secrets
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import timedelta
from email.utils import formatdate
from functools import lru_cache
from html import escape as escape_html
from itertools import groupby

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import sanitize_address
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.text import get_text_list
from django.utils.translation import gettext, ngettext

from deprecations import status
from deprecations.models import Change, Retirement, Vendor
from notifier import alerts, tokens
from notifier.models import Channel, Delivery, Mention, MentionList, Subscriber
from notifier.outbox import mail_domain, message_id

DIGEST_DAYS = alerts.DIGEST_HORIZON_DAYS
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Content:
    """What a message says, before the parts that are its subscriber's own."""

    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Kind:
    context: Callable[[Delivery, Subscriber], dict | None]
    status: str = Subscriber.Status.CONFIRMED  # the subscriber's status it is sent in
    footer: str = "list"  # "list": manage, calendar and unsubscribe links; "site": a link home
    # For content that says the same to everyone told the same things on the same day in the
    # same language (no address, no signed link in it): what it depends on besides the day and
    # the language, from its context. Rows with equal keys share one rendering.
    key: Callable[[dict], Hashable] | None = None
    # Or the same read off the row alone, when that is cheaper than the context: a batch then
    # builds a context only for the first row of each key. None means "no longer wanted",
    # exactly when the context would be None.
    row_key: Callable[[Delivery], Hashable | None] | None = None

    @property
    def shared(self) -> bool:
        return self.key is not None or self.row_key is not None


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def links(subscriber: Subscriber, where: tuple | None = None) -> dict[str, str]:
    """The subscriber's own links (signed), as every message's footer shows them; ``where``
    the routes are (``_where``), if known."""
    where = where or _where()
    return {
        "manage_url": absolute(token_path("notifier:manage",
                                          tokens.make(subscriber, tokens.MANAGE), where)),
        "unsubscribe_url": absolute(token_path(
            "notifier:unsubscribe", tokens.make(subscriber, tokens.UNSUBSCRIBE), where)),
        "feed_url": absolute(token_path("notifier:private_feed", subscriber.feed_token,
                                        where)),
        "site_url": settings.SITE_URL,
    }


_URL_SAFE = re.compile(r"[A-Za-z0-9_.:~-]+")  # what ``reverse`` puts in a path as it is


def _where() -> tuple:
    """What a route's path depends on besides its name: the URLconf, the script prefix and
    the language (a route may be translated)."""
    return (settings.ROOT_URLCONF, get_urlconf(), get_script_prefix(),
            translation.get_language())


def token_path(name: str, token: str, where: tuple | None = None) -> str:
    """``reverse(name, args=[token])``, without resolving the route for each message of a
    batch: the route's path around its one argument is kept per ``_where`` (which a caller
    making several links reads once and gives)."""
    where = where or _where()
    if not _URL_SAFE.fullmatch(token):
        with translation.override(where[-1]):
            return reverse(name, args=[token])
    head, tail = _route(name, *where)
    return head + token + tail


@lru_cache(maxsize=64)
def _route(name: str, root, urlconf, prefix: str, language) -> tuple[str, str]:
    marker = "depcal0route0marker"
    with translation.override(language):  # the language it is kept for, whatever is active
        head, _, tail = reverse(name, args=[marker]).partition(marker)
    return head, tail


def when(day, *, tentative: bool = False, month: bool = False, long: bool = False) -> str:
    """A shutdown date as messages write it: "17 Feb 2026" (``long``: "on Tuesday 17 February
    2026"), "March 2026" when the vendor gave only the month, "not before ..." when the
    vendor gave the earliest possible day."""
    if day is None:
        return gettext("no date")
    if month:
        text = date_format(day, "F Y")
        if not tentative:
            return gettext("in %(month)s (the vendor gave only the month)") % {
                "month": text} if long else text
    else:
        text = date_format(day, "l j F Y" if long else "SHORT_DATE_FORMAT")
    if tentative:
        return gettext("not before %(date)s") % {"date": text}
    return gettext("on %(date)s") % {"date": text} if long else text


def retirement_view(entry: Retirement, today) -> Retirement:
    """The entry with what the templates show: its address, its date in words (``when`` for
    lists, ``when_long`` for sentences, ``when_brief`` for subjects: "name, when_brief"),
    every replacement, and the days left (None when the date is tentative: never counted
    down). A passed "not before" day is a phrase, not a date ("may shut down any day"), so
    no template puts it after "on"; alerts and change emails never hold one (both are only
    for shutdowns on or after their day, ``alerts``), digests and the welcome email do."""
    month = entry.shutdown_precision == Retirement.Precision.MONTH
    entry.days = None if entry.shutdown_tentative else entry.days_left(today)
    entry.when = when(entry.shutdown_on, tentative=entry.shutdown_tentative, month=month)
    entry.when_long = when(entry.shutdown_on, tentative=entry.shutdown_tentative, month=month,
                           long=True)
    entry.when_brief = entry.when
    if status.of(entry, today) == Retirement.Status.DUE:  # never "not before" a past day
        entry.when = entry.when_long = gettext(
            "may shut down any day (the earliest possible date was %(date)s)") % {
            "date": date_format(entry.shutdown_on, "F Y" if month else "j F Y")}
        entry.when_brief = gettext("may shut down any day")  # the body gives the day
    entry.replacements_text = get_text_list(entry.replacements, gettext("or"))
    entry.url = absolute(entry.get_absolute_url())
    return entry


def change_view(change: Change, today) -> Change:
    """A history row with its own recorded dates in words (not the entry's current ones)."""
    change.old_when = when(change.old_date, tentative=change.old_tentative)
    change.new_when = when(change.new_date, tentative=change.new_tentative)
    retirement_view(change.retirement, today)
    return change


def by_shutdown(entries: list[Retirement]) -> list[dict]:
    """Entries grouped by shutdown date (and how it is given), soonest first."""
    key = lambda e: (e.shutdown_on, e.shutdown_precision, e.shutdown_tentative)  # noqa: E731
    ordered = sorted(entries, key=lambda e: (*key(e), e.offering.identifier, e.pk))
    return [{"when": items[0], "entries": items}
            for items in (list(g) for _, g in groupby(ordered, key=key))]


def _names(entries) -> dict:
    """How many entries, and the first names for a subject: "a, b, c and 2 more"."""
    names = [e.offering.identifier for e in entries]
    shown = names if len(names) <= 3 else [*names[:3], ngettext(
        "%(n)d more", "%(n)d more", len(names) - 3) % {"n": len(names) - 3}]
    return {"count": len(names), "names": get_text_list(shown, gettext("and"))}


# The context of each kind.

def _confirm(row: Delivery, s: Subscriber) -> dict | None:
    if row.revision != s.confirm_requests:
        return None  # a newer request replaced it
    max_age = settings.NOTIFIER_CONFIRM_MAX_AGE
    return {"confirm_url": absolute(token_path("notifier:confirm",
                                               tokens.make(s, tokens.CONFIRM))),
            "expires_days": max_age // 86400}


def _links(row: Delivery, s: Subscriber) -> dict | None:
    return {}


def _welcome(row: Delivery, s: Subscriber) -> dict | None:
    today = row.as_of
    horizon = max(s.lead_times, default=-1)
    vendors, models = s.follows()
    names = dict(Vendor.objects.filter(slug__in=vendors).values_list("slug", "name"))
    return {
        "lead_times": [str(d) for d in s.lead_times],  # join needs strings in text
        "entries": [retirement_view(e, today) for e in alerts.followed_retirements(s).exclude(
            status=Retirement.Status.WITHDRAWN).upcoming(today).filter(
            shutdown_on__lte=today + timedelta(days=horizon))],
        "vendors": [names.get(v, v) for v in vendors], "models": models,
    }


def _alerts(row: Delivery, s: Subscriber) -> dict | None:
    """Every entry that reached a lead time, grouped by shutdown date. An entry withdrawn or
    moved since is left out: the change email says so."""
    entries = []
    for mention in told(row):
        if alerts.alert_stands(mention):
            entry = copy.copy(mention.retirement)  # shared by the batch's rows (``prepare``)
            entry.lead_days = mention.lead_days
            entries.append(retirement_view(entry, row.as_of))
    if not entries:
        return None
    groups = by_shutdown(entries)
    ordered = [e for g in groups for e in g["entries"]]
    leads = sorted({e.lead_days for e in ordered}, reverse=True)
    return {"entries": ordered, "groups": groups, "lead_days": leads[0] if len(leads) == 1
            else None, "leads": get_text_list([str(d) for d in leads], gettext("and")),
            **_names(ordered)}


def _changes(row: Delivery, s: Subscriber) -> dict | None:
    """Each entry's notable changes since the previous change email about it, as recorded."""
    items = []
    for m, changes in alerts.changes_told(told(row), s):
        shown = [change_view(c, row.as_of) for c in changes]
        if shown:
            entry = retirement_view(copy.copy(m.retirement), row.as_of)  # a shared one
            items.append({"entry": entry, "changes": shown, "latest": shown[-1]})
    if not items:
        return None
    items.sort(key=lambda i: (i["changes"][0].changed_at, i["entry"].offering.identifier))
    return {"items": items, **_names([i["entry"] for i in items])}


def _digest(row: Delivery, s: Subscriber) -> dict | None:
    if s.digest == Subscriber.Digest.NONE:
        return None  # switched off since the row was made
    today = row.as_of
    previous = (Delivery.objects.filter(subscriber=s, kind=row.kind, id__lt=row.pk)
                .order_by("-id").values_list("created_at", flat=True).first())
    since = previous or s.confirmed_at
    mine = alerts.followed_retirements(s)
    entries = [retirement_view(e, today) for e in mine.exclude(
        status=Retirement.Status.WITHDRAWN).upcoming(today).filter(
        shutdown_on__lte=today + timedelta(days=DIGEST_DAYS))]
    changes = alerts.told_changes(Change.objects.filter(
        retirement__in=mine.values("pk"), changed_at__gt=since,
        changed_at__lte=row.created_at))
    for change in changes:
        change_view(change, today)
    if not entries and not changes:
        return None
    return {"entries": entries, "changes": changes, "since": since, "cadence": s.digest,
            "horizon": DIGEST_DAYS}


def _paused(row: Delivery, s: Subscriber) -> dict | None:
    """The subscriber's channels that are paused now (none, once tested again: skipped)."""
    paused = list(s.channels.filter(status=Channel.Status.PAUSED))
    return {"channels": paused} if paused else None


# What each shared kind's content depends on, besides the day and the language.

def _alerts_row_key(row: Delivery) -> Hashable | None:
    """The entries and lead times an alert tells, read off its mentions without building the
    context (None: nothing stands, as ``_alerts`` would say)."""
    return frozenset((m.retirement_id, m.lead_days) for m in told(row)
                     if alerts.alert_stands(m)) or None


def _changes_key(ctx: dict) -> Hashable:
    return tuple((i["entry"].pk, tuple(c.pk for c in i["changes"])) for i in ctx["items"])


def _digest_key(ctx: dict) -> Hashable:
    return (tuple(e.pk for e in ctx["entries"]), tuple(c.pk for c in ctx["changes"]),
            ctx["since"], ctx["cadence"])


KINDS: dict[str, Kind] = {
    Delivery.Kind.CONFIRM: Kind(_confirm, status=Subscriber.Status.PENDING, footer="site"),
    Delivery.Kind.LINKS: Kind(_links, footer="site"),
    Delivery.Kind.WELCOME: Kind(_welcome),
    Delivery.Kind.ALERT: Kind(_alerts, row_key=_alerts_row_key),
    Delivery.Kind.CHANGE: Kind(_changes, key=_changes_key),
    Delivery.Kind.DIGEST: Kind(_digest, key=_digest_key),
    Delivery.Kind.PAUSED: Kind(_paused),
}


def prepare(rows: list[Delivery]) -> None:
    """Load the mention lists of a batch's rows, their mentions (``told``), then their entries
    (with offering and vendor), once each: a batch tells many subscribers of the same few
    entries, and building an entry per mention cost more than the rest of the batch's
    queries. The rows share them: a context copies an entry before it writes the words of
    the day and the lead time on it (``_alerts``, ``_changes``)."""
    lists = MentionList.objects.in_bulk({row.mention_list_id for row in rows} - {None})
    ids = {}
    for row in rows:
        found = lists.get(row.mention_list_id)
        if found is None and row.mention_list_id is not None:  # nothing deletes lists
            log.error("%s: its mention list %s is missing", row, row.mention_list_id)
        ids[row.pk] = found.mention_ids if found else []  # none: the row is skipped
    mentions = Mention.objects.in_bulk({pk for row in rows for pk in ids[row.pk]})
    entries = Retirement.objects.select_related("offering__vendor").in_bulk(
        {m.retirement_id for m in mentions.values()})
    # A mention or entry deleted meanwhile: told of no more.
    known = {pk: m for pk, m in mentions.items() if m.retirement_id in entries}
    for m in known.values():
        m.retirement = entries[m.retirement_id]
    for row in rows:
        row.told = [known[pk] for pk in sorted(ids[row.pk]) if pk in known]


def told(row: Delivery) -> list[Mention]:
    """What an alert or change message tells, with the entries (``prepare``)."""
    if not hasattr(row, "told"):
        prepare([row])
    return row.told


def context_for(row: Delivery) -> dict | None:
    """The template context of a row's content, or None when the message is no longer wanted:
    the one place that decides it (the subscriber's status, then the kind's own test).
    Only the kinds that are not ``shared`` see the subscriber and their links."""
    kind = KINDS[row.kind]
    s = row.subscriber
    if s.status != kind.status:
        return None
    ctx = kind.context(row, s)
    if ctx is None:
        return None
    ctx.update(kind=row.kind, today=row.as_of)
    if not kind.shared:
        ctx.update(subscriber=s, **links(s))
    return ctx


# Rendering.

def render(kind: str, ctx: dict) -> Content:
    """The content of a message of ``kind`` in the active language."""
    return Content(
        subject=" ".join(render_to_string(f"email/{kind}_subject.txt", ctx).split()),
        text=render_to_string(f"email/{kind}.txt", ctx).strip() + "\n",
        html=render_to_string(f"email/{kind}.html", ctx).strip())


def frame(content: Content, kind: str, personal: dict) -> tuple[str, str]:
    """Text and HTML bodies: the content with the subscriber's own footer."""
    footer = KINDS[kind].footer
    text = content.text + "\n" + render_to_string(f"email/_footer_{footer}.txt", personal)
    html = render_to_string("email/base.html", {
        **personal, "title": content.subject, "footer": f"email/_footer_{footer}.html",
        "body": mark_safe(content.html)})  # noqa: S308 - rendered by our own templates
    return text.rstrip() + "\n", html


def headers(kind: str, mid: str, unsubscribe_url: str) -> dict[str, str]:
    values = {"Message-ID": mid, "Auto-Submitted": "auto-generated"}
    if KINDS[kind].footer == "list":
        values["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        values["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        values["List-Id"] = f"depcal alerts <alerts.{mid.rpartition('@')[2][:-1]}>"
    return values


def message(row: Delivery, subject: str, text: str, html: str, personal: dict, *,
            connection=None) -> EmailMultiAlternatives:
    msg = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL,
        to=[row.subscriber.email], connection=connection,
        headers=headers(row.kind, message_id(row), personal["unsubscribe_url"]))
    msg.attach_alternative(html, "text/html")
    return msg


def compose(row: Delivery, *, connection=None) -> EmailMultiAlternatives | None:
    """The message for a ledger row (text/plain, then text/html), or None to skip it; in the
    language the subscriber chose. Renders everything for this one row (``Composer`` shares
    what it can across a batch, to the same bytes)."""
    with translation.override(row.subscriber.language):
        ctx = context_for(row)
        if ctx is None:
            return None
        content = render(row.kind, ctx)
        personal = links(row.subscriber)
        text, html = frame(content, row.kind, personal)
    return message(row, content.subject, text, html, personal, connection=connection)


# An ASCII dot-atom address: what nearly every subscriber has, and what goes into a header
# unchanged, so it needs no parsing.
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
                       r"@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*")


def _plain(address: str) -> bool:
    """The address goes into a header as it is (an address that cannot be encoded fails
    later, when the backend builds its message, as a failure of that address)."""
    if _DOT_ATOM.fullmatch(address) and "=?" not in address:  # not an encoded word
        return True
    try:
        return sanitize_address(address, settings.DEFAULT_CHARSET) == address
    except ValueError:
        return False


@dataclass(frozen=True)
class Framed:
    """A shared content framed once, with markers where each subscriber's own parts go; and,
    when every marker came through the MIME encoding intact, the message's bytes as sent
    (``wire``), to be filled in the same way."""

    subject: str
    text: str
    html: str
    wire: bytes | None = None


class Composer:
    """Composes the messages of one batch: a shared content (``Kind.key``) is rendered,
    framed and encoded once per (kind, day, language, key), then each subscriber's own parts
    are put in where the markers are: links in the text as the footer's template writes
    them, in the HTML escaped as the template would escape them, and the address, the
    Message-ID, the date and the List-Unsubscribe link in the encoded message.

    A message so filled also carries its bytes (``wire``), which ``notifier.send`` hands to
    the SMTP connection as they are; any other backend builds them from the message as
    usual. A subscriber whose parts would not read the same raw and escaped, or whose address
    needs encoding, gets the message built afresh (``wire`` None)."""

    PERSONAL = ("manage_url", "unsubscribe_url", "feed_url")
    WIRED = ("to", "message_id", "date")

    def __init__(self, connection=None):
        self.connection = connection
        self.framed: dict[Hashable, Framed] = {}
        self.wheres: dict[str, tuple] = {}  # language -> ``_where`` (``_where_in``)
        tag = secrets.token_hex(8)  # not anything a content could say
        self.markers = {name: f"depcal-{name}-{tag}" for name in self.PERSONAL + self.WIRED}
        self.markers["to"] += "@example.invalid"
        # In the Message-ID's own domain, which the List-Id header repeats.
        self.markers["message_id"] = f"<{self.markers['message_id']}@{mail_domain()}>"

    def wired(self, row: Delivery) -> bool:
        """Whether the row's message will come with its bytes (``wire``), as far as can be
        told before composing it: a shared kind, to an address that goes as it is."""
        address = row.subscriber.email
        return KINDS[row.kind].shared and address.isascii() and _plain(address)

    def compose(self, row: Delivery) -> EmailMultiAlternatives | None:
        kind = KINDS[row.kind]
        if not kind.shared:
            return compose(row, connection=self.connection)
        language = row.subscriber.language
        framed = self._framed(row, kind, language)
        if framed is None:
            return None
        personal = links(row.subscriber, self._where_in(language))
        text, html = framed.text, framed.html
        escaped = {name: escape_html(personal[name]) for name in self.PERSONAL}
        for name in self.PERSONAL:
            text = text.replace(self.markers[name], personal[name])
            html = html.replace(self.markers[name], escaped[name])
        msg = message(row, framed.subject, text, html, personal, connection=self.connection)
        # The bytes get each link as it is, in the HTML too: only where escaping changes none.
        as_is = all(escaped[name] == personal[name] for name in self.PERSONAL)
        msg.wire = self._fill(framed.wire, row, personal) if as_is else None
        return msg

    def _framed(self, row: Delivery, kind: Kind, language: str) -> Framed | None:
        """The row's shared content, framed: rendered for the first row of its key (in the
        row's language; a key read off the row needs none)."""
        ctx = None
        if kind.row_key is not None:
            if row.subscriber.status != kind.status or (found := kind.row_key(row)) is None:
                return None
        else:
            with translation.override(language):
                ctx = context_for(row)
            if ctx is None:
                return None
            found = kind.key(ctx)
        key = (row.kind, row.as_of, language, found)
        if key not in self.framed:
            with translation.override(language):
                self.framed[key] = self._frame(row.kind, ctx if ctx is not None else
                                               context_for(row))
        return self.framed[key]

    def _where_in(self, language: str) -> tuple:
        """``_where`` in this language, read once per batch."""
        if language not in self.wheres:
            with translation.override(language):
                self.wheres[language] = _where()
        return self.wheres[language]

    def _frame(self, kind: str, ctx: dict) -> Framed:
        content = render(kind, ctx)
        text, html = frame(content, kind, {**self.markers, "site_url": settings.SITE_URL})
        return Framed(content.subject, text, html, self._encode(kind, content.subject,
                                                                text, html))

    def _encode(self, kind: str, subject: str, text: str, html: str) -> bytes | None:
        """The framed message's bytes with its markers, or None if the encoding split or
        hid any of them (a body encoded as quoted-printable, say)."""
        m = self.markers
        values = {**headers(kind, m["message_id"], m["unsubscribe_url"]), "Date": m["date"]}
        msg = EmailMultiAlternatives(subject=subject, body=text, to=[m["to"]],
                                     from_email=settings.DEFAULT_FROM_EMAIL, headers=values)
        msg.attach_alternative(html, "text/html")
        wire = msg.message().as_bytes(linesep="\r\n")
        expected = {name: text.count(marker) + html.count(marker)
                    for name, marker in m.items()}
        expected.update(to=1, message_id=1, date=1)
        if KINDS[kind].footer == "list":
            expected["unsubscribe_url"] += 1
        intact = all(wire.count(marker.encode()) == expected[name]
                     for name, marker in m.items())
        return wire if intact else None

    def _fill(self, wire: bytes | None, row: Delivery, personal: dict) -> bytes | None:
        address = row.subscriber.email
        if wire is None or not _plain(address):
            return None
        values = {name: personal[name] for name in self.PERSONAL}
        values.update(to=address, message_id=message_id(row),
                      date=formatdate(localtime=settings.EMAIL_USE_LOCALTIME))
        for name, value in values.items():
            wire = wire.replace(self.markers[name].encode(), value.encode())
        return wire
