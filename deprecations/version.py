"""The catalogue version: one value that every write to the catalogue changes, the key of
rendered feeds and their ETags.

It is a row (``CatalogueVersion``) holding a random token. A write to a catalogue table (a
save or delete through the ORM, sent as ``post_save``/``post_delete``, or a bulk update or
insert through ``CatalogueQuerySet``) gives it a new token inside the writer's transaction:
every process, web or worker, sees the new value exactly when it sees the rows, and a
transaction that rolls back leaves the old one. Writers of the catalogue (collectors, the
admin, the loader: rare) therefore take turns on that row until they commit. A random
token rather than a counter, so that a database rolled back or recreated
(tests, a restore) never meets a cache filled for other rows under the same value.

Reading it costs one small query; web processes keep what they read for
``DEPCAL_CATALOGUE_VERSION_MEMO`` seconds (2 by default), so a change made by another process
shows in feeds within that many seconds, and a change made by this process at once.
"""

from __future__ import annotations

import secrets
import time
from contextlib import contextmanager

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils import timezone

_memo: dict[str, object] = {"value": None, "until": 0.0}


def current(*, clock=time.monotonic) -> str:
    """The catalogue's version now (as this process last read it, at most the memo old)."""
    now = clock()
    if _memo["value"] is not None and now < _memo["until"]:
        return _memo["value"]
    value = _read()
    # Inside a transaction the row may hold this transaction's own uncommitted token, which a
    # rollback would turn into a value no other process ever sees: not kept.
    if not transaction.get_connection().in_atomic_block:
        _memo.update(value=value, until=now + settings.DEPCAL_CATALOGUE_VERSION_MEMO)
    return value



def changed(**_signal_kwargs) -> None:
    """Give the catalogue a new version; a signal receiver as well. Every write gets its own
    token, even within one transaction, so that a feed read between two writes of the same
    transaction is never mistaken for the final one (the row is locked after the first)."""
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(forget)  # other threads of this process may have read the old one
    _write(secrets.token_hex(16))
    forget()


@contextmanager
def writing():
    """A transaction that may write many catalogue rows (a collector's reconcile, the
    loader), taking the catalogue's turn first. Every write locks the version row right
    after its own row; two such transactions that took their turn only at their first write
    could each hold a row the other wants next, and one would fail as a deadlock. Locked
    first, without a new token (nothing has changed yet), the second waits at the start."""
    with transaction.atomic():
        if transaction.get_connection().features.has_select_for_update:
            list(_model().objects.select_for_update().filter(pk=1).values_list("pk"))
        yield


def forget() -> None:
    """Drop this process's memo, so that the next read asks the database."""
    _memo.update(value=None, until=0.0)


def _model():
    # Looked up, not imported: the models' bulk writers call ``changed``.
    return apps.get_model("deprecations", "CatalogueVersion")


def _read() -> str:
    token = _model().objects.filter(pk=1).values_list("token", flat=True).first()
    return token or "0"


def _write(token: str) -> None:
    model = _model()
    if not model.objects.filter(pk=1).update(token=token, changed_at=timezone.now()):
        model.objects.update_or_create(pk=1, defaults={"token": token})
