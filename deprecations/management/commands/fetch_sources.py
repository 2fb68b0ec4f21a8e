"""manage.py fetch_sources: fetch sources now, with a progress bar and a summary table."""

import shutil

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from deprecations import clock
from deprecations.models import Source
from deprecations.sources import collect


class Command(BaseCommand):
    help = "Fetch every enabled source (or one) now and reconcile what it says."

    def add_arguments(self, parser):
        parser.add_argument("--source", help="the slug of one source")
        parser.add_argument("--dry-run", action="store_true",
                            help="fetch and parse, show the counts, change nothing")

    def handle(self, *args, source, dry_run, **options):
        sources = Source.objects.select_related("vendor").filter(enabled=True)
        if source:
            sources = Source.objects.select_related("vendor").filter(slug=source)
            if not sources:
                known = ", ".join(Source.objects.values_list("slug", flat=True))
                raise CommandError(f"no source {source!r}; known sources: {known}")
        # Wide enough for slugs and errors when piped (rich assumes 80 columns then).
        console = Console(file=self.stdout._out, width=max(140, shutil.get_terminal_size()[0]))
        runs = []
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("fetching", total=len(sources))
            for s in sources:
                progress.update(task, description=f"fetching {s.slug}")
                runs.append(collect.collect(s, today=clock.today(), dry_run=dry_run))
                progress.advance(task)
        console.print(_table(runs, dry_run))
        if any(r.status not in ("ok", "not_modified") for r in runs):
            self.stderr.write("some sources failed; see the error column and the admin")


def _table(runs, dry_run):
    table = Table(title="fetch (dry run: nothing saved)" if dry_run else "fetch")
    for column in ("source", "HTTP", "status", "rows", "new", "changed", "unchanged", "flagged",
                   "error"):
        table.add_column(column, overflow="fold")
    for r in runs:
        table.add_row(r.source.slug, str(r.http_status or "—"), r.status, str(r.rows),
                      str(r.new), str(r.changed), str(r.unchanged), str(r.flagged),
                      r.error[:120])
    return table
