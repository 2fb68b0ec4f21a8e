"""Scan code for the catalogue's retiring identifiers, with the catalogue from the database.

    python manage.py scan src/ --today 2026-02-01 --within 30 --format sarif -o depcal.sarif

The same scanner and arguments as the ``depcal-scan`` console script (the ``depcal_scan``
package), which reads the catalogue from a server or an export instead. Exit status: 1 if
something found is retired or retires within ``--within`` days, 0 if not, 2 on an error.
"""

from depcal_scan import cli
from depcal_scan.retirements import from_document
from django.core.management.base import BaseCommand

from deprecations import clock
from deprecations.api.export import catalogue_document


class Command(BaseCommand):
    help = ("Find uses of retired or retiring model identifiers in files; exit 1 if one is "
            "retired or retires within --within days.")

    def add_arguments(self, parser):
        cli.add_scan_arguments(parser)

    def handle(self, *args, **options):
        today = options["today"] or clock.today()
        retirements = from_document(catalogue_document(today=today))
        status = cli.run(options, retirements, today=today, stdout=self.stdout,
                         stderr=self.stderr)
        if status:
            raise SystemExit(status)
