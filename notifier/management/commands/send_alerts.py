"""``manage.py send_alerts [--today YYYY-MM-DD] [--dry-run]``: lead-time alerts and changes.

``--today`` moves the day of the due computation only (a replay: see ``notifier.alerts`` for
how confirmation dates are then ignored); sending happens now. Running it twice for the same
day sends nothing the second time: the ledger already holds every message.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from deprecations import clock
from notifier import alerts, mail


def parse_day(value: str | None) -> date:
    if not value:
        return clock.today()
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--today takes a date as YYYY-MM-DD, not {value!r}") from exc


class Command(BaseCommand):
    help = "Record the lead-time alerts and change emails due on a day, then send them."
    kinds = mail.ALERT_KINDS

    def add_arguments(self, parser):
        parser.add_argument("--today", help="the day to compute for (YYYY-MM-DD; default today)")
        parser.add_argument("--dry-run", action="store_true",
                            help="count and list what is due; record and send nothing")

    def record(self, today, *, dry_run):
        return alerts.record_alerts(today, dry_run=dry_run)

    def preview(self, today):
        for email, kind, identifier, lead in alerts.due_rows(today):
            suffix = f" ({lead} days)" if kind == "alert" else ""
            self.stdout.write(f"  {email}: {kind} {identifier}{suffix}")

    def handle(self, *args, today=None, dry_run=False, **options):
        day = parse_day(today)
        replay = " (replay: confirmation dates ignored)" if alerts.is_replay(day) else ""
        due = self.record(day, dry_run=dry_run)
        if dry_run:
            self.stdout.write(f"{day}{replay}: due {due.total} (dry run: nothing recorded "
                              f"or sent)")
            self.preview(day)
            return
        report = mail.send_pending(kinds=self.kinds)
        self.stdout.write(
            f"{day}{replay}: due {due.total}, sent {report.sent}, skipped {report.skipped}, "
            f"failed {report.failed}, retrying later {report.retrying}")
