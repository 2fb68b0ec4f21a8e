"""Run the benchmarks: ``python -m bench`` runs them all, ``python -m bench feeds`` one.

Discovers the modules named ``bench/bench_*.py`` and calls each one's ``main()``.
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
    wanted = {a.removeprefix("bench_") for a in argv}
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
            importlib.import_module(f"bench.{name}").main()
        except Exception:  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            failed.append(name)
    if failed:
        print(f"bench: failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
