"""Write the public catalogue as JSON, in the API's list shape, for ``depcal-scan --catalogue``.

    python manage.py export_catalogue > catalogue.json
"""

import json

from django.core.management.base import BaseCommand, CommandError

from deprecations import clock
from deprecations.api.export import catalogue_document


class Command(BaseCommand):
    help = "Write every published retirement as JSON (the shape of /api/v1/retirements)."

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", metavar="FILE",
                            help="write here instead of standard output")

    def handle(self, *args, output=None, **options):
        text = json.dumps(catalogue_document(today=clock.today()), indent=2,
                          ensure_ascii=False) + "\n"
        if not output:
            self.stdout.write(text, ending="")
            return
        try:
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as exc:
            raise CommandError(f"cannot write {output}: {exc.strerror or exc}") from exc
