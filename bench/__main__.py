"""Run the benchmarks: ``python -m bench`` runs them all, ``python -m bench feeds`` one.

Discovers the modules named ``bench/bench_*.py`` and calls each one's ``main()``; options
after the names (``python -m bench scale --messages 10000``) go to the ``main`` of the one
benchmark named.
"""

import importlib
import pkgutil
import sys
import traceback
from pathlib import Path


def discover() -> list[str]:
    here = str(Path(__file__).resolve().parent)
    return sorted(m.name for m in pkgutil.iter_modules([here]) if m.name.startswith("bench_"))


def main(argv: list[str]) -> int:
    names = discover()
    options = [a for a in argv if a.startswith("-")]
    if options:
        first = argv.index(options[0])
        argv, options = argv[:first], argv[first:]
    wanted = {a.removeprefix("bench_") for a in argv}
    if options and len(wanted) != 1:
        print("bench: options go to one benchmark, named before them", file=sys.stderr)
        return 2
    unknown = wanted - {n.removeprefix("bench_") for n in names}
    if unknown:
        print(f"bench: no module bench/bench_{sorted(unknown)[0]}.py; have {names}",
              file=sys.stderr)
        return 2
    failed = []
    for name in names:
        if wanted and name.removeprefix("bench_") not in wanted:
            continue
        print(f"== bench.{name}", flush=True)
        try:
            module = importlib.import_module(f"bench.{name}")
            module.main(options) if options else module.main()
        except Exception:  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            failed.append(name)
    if failed:
        print(f"bench: failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
