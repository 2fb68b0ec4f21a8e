"""``manage.py send_alerts [--today YYYY-MM-DD] [--dry-run]``: lead-time alerts and changes.

``--today`` moves the day of the due computation only (a replay: see ``notifier.alerts`` for
how confirmation dates are then ignored); sending happens now. Running it twice for the same
day sends nothing the second time: the ledger already holds every message. The subscribers'
active alert channels (webhooks, chats) are told the same, one message per channel, on a
second line. When mail goes to
Django's console backend, the first line says so: messages are printed, and recorded as sent.
"""

from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from deprecations import clock
from notifier import alerts, send
from notifier.channels import deliver
from notifier.models import Delivery

CONSOLE_BACKEND = "django.core.mail.backends.console.EmailBackend"


def parse_day(value: str | None) -> date:
    if not value:
        return clock.today()
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--today takes a date as YYYY-MM-DD, not {value!r}") from exc


def console_warning() -> str | None:
    """What to say first when messages would be printed and recorded as sent."""
    if settings.EMAIL_BACKEND != CONSOLE_BACKEND:
        return None
    return ("Mail goes to the console (EMAIL_BACKEND is the console backend): messages are "
            "printed here and recorded as sent, so no later run sends them. Set EMAIL_HOST "
            "(or run `make run` with it) to send for real; --dry-run records nothing.")


class Command(BaseCommand):
    help = "Record the lead-time alerts and change emails due on a day, then send them."
    kinds = send.ALERT_KINDS

    def add_arguments(self, parser):
        parser.add_argument("--today", help="the day to compute for (YYYY-MM-DD; default today)")
        parser.add_argument("--dry-run", action="store_true",
                            help="count and list what is due; record and send nothing")

    def record(self, today, *, dry_run):
        return alerts.record_alerts(today, dry_run=dry_run)

    def tell_channels(self, today) -> None:
        """Alerts and changes go to channels too (digests do not)."""
        report = deliver.run(today)
        if report.paused:  # their owners' emails
            send.send_pending(only_ids=report.paused)
        self.stdout.write(
            f"channels: {report.messages} message{'' if report.messages == 1 else 's'}, "
            f"sent {report.sent}, skipped {report.skipped}, failed {report.failed}, "
            f"retrying later {report.retrying}, paused {len(report.paused)}")

    def preview(self, today):
        for email, kind, identifier, lead in alerts.due_rows(today):
            suffix = f" ({lead} days)" if kind == "alert" else ""
            self.stdout.write(f"  {email}: {kind} {identifier}{suffix}")

    def handle(self, *args, today=None, dry_run=False, **options):
        day = parse_day(today)
        warning = None if dry_run else console_warning()
        if warning:
            self.stdout.write(self.style.WARNING(warning))
        replay = " (replay: confirmation dates ignored)" if alerts.is_replay(day) else ""
        due = self.record(day, dry_run=dry_run)
        if dry_run:
            self.stdout.write(f"{day}{replay}: due {due.total} (dry run: nothing recorded "
                              f"or sent)")
            self.preview(day)
            return
        report = send.send_pending(kinds=self.kinds)
        self.stdout.write(
            f"{day}{replay}: due {due.total} in {due.messages} "
            f"message{'' if due.messages == 1 else 's'}, sent {report.sent}, "
            f"skipped {report.skipped}, failed {report.failed}, "
            f"retrying later {report.retrying}")
        if Delivery.Kind.ALERT in self.kinds:
            self.tell_channels(day)
