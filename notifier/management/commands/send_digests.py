"""``manage.py send_digests [--today YYYY-MM-DD] [--dry-run]``: daily and weekly digests.

Same contract as ``send_alerts``: ``--today`` replays a day, a second run sends nothing.
"""

from notifier import alerts
from notifier.management.commands.send_alerts import Command as SendAlerts
from notifier.models import Delivery


class Command(SendAlerts):
    help = "Record the digests due on a day, then send them."
    kinds = (Delivery.Kind.DIGEST,)

    def record(self, today, *, dry_run):
        return alerts.record_digests(today, dry_run=dry_run)

    def preview(self, today):
        pass
