"""manage.py load_catalogue: load the catalogue that ships with depcal (idempotent)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from deprecations import clock, shipped


class Command(BaseCommand):
    help = "Load the shipped catalogue of retirements (or FILE). Loading twice changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(shipped.DEFAULT_PATH))
        parser.add_argument("--today", type=date.fromisoformat, default=None,
                            help="YYYY-MM-DD that sets new entries' status (default: today)")

    def handle(self, *args, file, today, **options):
        try:
            data = shipped.read(file)
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read catalogue {file}: {exc}") from exc
        report = shipped.load(data, today=today or clock.today(), now=clock.now())
        self.stdout.write(
            f"catalogue as of {report.as_of}: {report.created} created, {report.moved} updated, "
            f"{report.unchanged} unchanged"
        )
        sources = shipped.load_sources(shipped.read(shipped.SOURCES_PATH))
        self.stdout.write(f"sources: {sources.created} created, {sources.updated} updated")
        for key in sources.kept_edited:
            self.stdout.write(self.style.WARNING(f"kept source setting edited in the admin: "
                                                 f"{key}"))
        for what in report.kept_set_elsewhere:
            self.stdout.write(self.style.WARNING(f"kept a date set since the file: {what}"))
        for key in report.kept_curated:
            self.stdout.write(self.style.WARNING(f"kept curated entry {key} (file differs)"))
