"""What the catalogue tells the apps that read it, so that it never imports them.

``catalogue_changed`` is sent once per transaction that changed what subscribers may be told
(an entry created, published, moved, withdrawn or reinstated), after that transaction has
committed: a receiver sees the new rows, and a transaction that rolled back sends nothing.
Receivers connect to it (the notifier does, in its ``AppConfig.ready``).
"""

import logging

from django.db import transaction
from django.dispatch import Signal

log = logging.getLogger(__name__)

catalogue_changed = Signal()


def announce_after_commit() -> None:
    """Send ``catalogue_changed`` once the current transaction commits (once per
    transaction, however many changes it makes; at once outside a transaction)."""
    hooks = transaction.get_connection().run_on_commit
    if not any(hook[1] is _announce for hook in hooks):
        transaction.on_commit(_announce, robust=True)


def _announce() -> None:
    # A receiver's failure (a broker that is down) must not fail the change that committed.
    for receiver, result in catalogue_changed.send_robust(sender=None):
        if isinstance(result, Exception):
            log.error("catalogue_changed: %r failed: %r", receiver, result)
