#!/usr/bin/env python
"""Build the shipped catalogue (``deprecations/data/catalogue.json``) from stored documents.

Usage::

    python scripts/build_catalogue.py SOURCES_DIR [--today YYYY-MM-DD] [--report] \\
        > deprecations/data/catalogue.json

SOURCES_DIR holds copies of the shipped sources' pages, each ``NAME.<ext>`` with a
``NAME.meta.json`` giving the public URL it is a copy of (``original_url``) and its copy date
in its name. The build is a thin driver over ``deprecations.sources.build``: it reads every
document into a scratch database with depcal's own parsers and reconciler, publishes what
the build may review, applies ``deprecations/data/corrections.json``, and writes the
published catalogue. The same documents give the same bytes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "deprecations" / "data"
PEER_NOTE = ("From deprecations.info, a peer tracker ({retrieved}): no copy of this platform's "
             "own page was read. Check the platform's page before relying on the date.")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sources_dir", type=Path, help="folder of the stored source documents")
    parser.add_argument("--report", action="store_true",
                        help="say on stderr what was read, published, left out and corrected")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        catalogue = build(args.sources_dir, scratch=Path(scratch), report=args.report)
    sys.stdout.buffer.write((json.dumps(catalogue, indent=1, ensure_ascii=False) + "\n")
                            .encode("utf-8"))
    return 0


def build(sources_dir: Path, *, scratch: Path, report: bool) -> dict:
    """The catalogue the documents under ``sources_dir`` make. The day it runs only sets the
    scratch entries' statuses, which the file does not hold: the output is the same any day."""
    os.environ.update(DATABASE_URL=f"sqlite:///{scratch / 'build.sqlite3'}",
                      DEPCAL_VAR_DIR=str(scratch))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "depcal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from deprecations import clock, shipped
    from deprecations.sources import build as steps

    call_command("migrate", verbosity=0)
    today = clock.today()
    vendors = json.loads((DATA / "vendors.json").read_text(encoding="utf-8"))
    shipped.load({"vendors": vendors, "entries": []}, today=today)
    shipped.load_sources(shipped.read(shipped.SOURCES_PATH))

    log = steps.Report()
    documents = steps.stored_documents(sources_dir, log)
    steps.replay(documents, today=today, report=log)
    peers = {d.source.slug: PEER_NOTE.format(retrieved=d.copied_on) for d in documents
             if d.source.authority == d.source.Authority.SECONDARY}
    steps.publish_reviewed(documents, today=today, peer_notes=peers, report=log)
    steps.apply_corrections(shipped.read(DATA / "corrections.json"), report=log)
    if report:
        for title, lines in (("read", log.read), ("skipped", log.skipped),
                             ("published after review", log.published),
                             ("left out", log.left_out), ("corrected", log.corrected)):
            print(f"{title}: {len(lines)}", *(f"  {line}" for line in lines), sep="\n",
                  file=sys.stderr)
    read = [{"source": d.source.slug, "url": d.url, "copied_on": d.copied_on.isoformat()}
            for d in documents]
    return shipped.dump(as_of=max(d.copied_on for d in documents), vendors=vendors,
                          documents=read)


if __name__ == "__main__":
    sys.exit(main())
