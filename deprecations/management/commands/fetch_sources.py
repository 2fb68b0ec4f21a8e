"""manage.py fetch_sources: fetch sources now, with a progress bar and a summary table.

Documents are downloaded several at once (at most ``CONCURRENCY``, one at a time per host so
no vendor sees a burst), then reconciled one by one. The exit status is 1 when a source
failed, with one line per failure and how old the catalogue's dates are.
"""

import shutil
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor, as_completed
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from deprecations import clock, freshness
from deprecations.models import Source
from deprecations.sources import collect

CONCURRENCY = 4
GOOD = ("ok", "not_modified")


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
            for s, fetched in _download_all(list(sources)):
                progress.update(task, description=f"read {s.slug}")
                runs.append(collect.collect(s, today=clock.today(), dry_run=dry_run,
                                            fetched=fetched))
                progress.advance(task)
        console.print(_table(runs, dry_run))
        failed = [r for r in runs if r.status not in GOOD]
        if failed:
            for r in failed:
                error = (r.error.splitlines() or [""])[0][:200]
                self.stderr.write(f"{r.source.slug}: {r.status}"
                                  f"{f' (HTTP {r.http_status})' if r.http_status else ''}"
                                  f"{f': {error}' if error else ''}")
            raise CommandError(f"{len(failed)} of {len(runs)} sources failed; "
                               f"{_how_old()}")


def _download_all(sources):
    """(source, fetched document) as each download ends: at most ``CONCURRENCY`` at once and
    one at a time per host."""
    by_host = defaultdict(list)
    for s in sources:
        by_host[urlsplit(s.url).hostname or ""].append(s)
    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        pending = [pool.submit(_download_in_turn, group) for group in by_host.values()]
        for future in as_completed(pending):
            yield from future.result()


def _download_in_turn(group):
    return [(s, collect.download(s)) for s in group]


def _how_old() -> str:
    """How current the catalogue's dates are, for a run whose sources could not all be read."""
    state = freshness.freshness(now=clock.now())
    if state.data_as_of is None:
        return "the catalogue has no date of its own"
    return (f"the catalogue's dates are as of {state.data_as_of:%Y-%m-%d} "
            f"({state.age_days} days old)")


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
