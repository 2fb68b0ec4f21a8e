"""How fast ``depcal-scan`` reads a large real tree, side by side with ``grep -rIwF -f``.

The tree is built reproducibly from this project's own environment: the text files (no NUL in
their first 8 KiB, at most 2 MB, as the scanner reads them) of the running interpreter's
site-packages and standard library, copied in a fixed order and repeated in ``round-N``
folders until there are at least ``--megabytes`` (200 MB by default) of text. A small folder
of planted uses (provider prefixes, ``@`` versions, Bedrock ids, an ambiguous name in prose and
as a model id, an ignore comment, names only a platform retires) checks that the scanner still
finds what it must, and only that.

Both tools read the same tree from the page cache (one warm-up each), RUNS times, alternating:
- ``depcal``: the ``depcal-scan`` command as a CI job runs it (a new process, the shipped
  catalogue as an export, JSON report to a file, one worker per core);
- ``grep``: ``LC_ALL=C grep -rIwF -f names.txt TREE`` (GNU grep's fixed-string matcher, its
  fastest setting), the same names, its output read by this process as depcal's report is.
Prints medians and their ratio and writes bench/results/scan.json. The counts differ on
purpose: grep's ``-w`` words are letters, digits and ``_``, so it also counts ``gpt-4o``
inside ``gpt-4o-mini`` or ``my-gpt-4o-fork``, and ``command`` in every sentence.

    python -m bench scan            (or: python -m bench.bench_scan --megabytes 200 --runs 5)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from depcal_scan.spellings import is_token  # noqa: E402

from deprecations.ambiguity import ambiguous_names  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "scan.json"
CATALOGUE = ROOT / "deprecations" / "data" / "catalogue.json"
MEGABYTES = int(os.environ.get("BENCH_SCAN_MEGABYTES", "200"))
RUNS = int(os.environ.get("BENCH_SCAN_RUNS", "5"))
MAX_BYTES = 2 * 1024 * 1024
TODAY = "2026-11-28"

PLANTED = '''\
import litellm, boto3
# We moved everything to the new models; the old command is gone.
a = litellm.completion(model="anthropic/claude-3-5-sonnet-20240620", messages=m)
b = "vertex_ai/gemini-2.5-pro"
c = client.invoke_model(modelId="us.anthropic.claude-opus-4-1-20250805-v1:0")
d = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-20250514-v1:0"
e = co.chat(model="command", message=q)
f = "openrouter/openai/chatgpt-4o-latest"
g = "chatgpt-4o-latest"  # depcal: ignore
h = "my-chatgpt-4o-latest-fork"
i = client.chat.completions.create(model="gpt-4o")  # only Azure retires it: not OpenAI's
j = "gemini/gemini-2.5-pro"  # only Vertex AI retires it: not the Gemini API's
'''
PLANTED_EXPECTED = 6  # a to f


def catalogue_rows() -> list[dict]:
    """The shipped catalogue as the export's rows, with the server's ambiguity marks."""
    data = json.loads(CATALOGUE.read_text())
    vendors = {v["slug"]: v for v in data["vendors"]}
    rows = []
    for e in data["entries"]:
        names = [e["identifier"], *e.get("aliases", [])]
        vendor = vendors[e["vendor"]]
        rows.append({"vendor": {"slug": vendor["slug"], "name": vendor["name"],
                                "is_platform": vendor["is_platform"]},
                     "identifier": e["identifier"], "aliases": e.get("aliases", []),
                     "shutdown_on": e.get("shutdown"), "tentative": e["tentative"],
                     "ambiguous_names": ambiguous_names(names)})
    return rows


def text_files(top: Path) -> list[Path]:
    found = []
    for directory, subdirectories, files in os.walk(top):
        subdirectories.sort()
        for name in sorted(files):
            path = Path(directory, name)
            try:
                if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_BYTES:
                    continue
                with open(path, "rb") as fh:
                    if b"\0" in fh.read(8192):
                        continue
            except OSError:
                continue
            found.append(path)
    return found


def build_tree(tree: Path, megabytes: int) -> dict:
    paths = sysconfig.get_paths()
    sources = [Path(paths["purelib"]), Path(paths["stdlib"])]
    files = [(top, p) for top in sources for p in text_files(top)]
    size, count, rounds = 0, 0, 0
    while size < megabytes * 1e6:
        rounds += 1
        for top, path in files:
            target = tree / f"round-{rounds}" / f"{sources.index(top)}" / path.relative_to(top)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            size += target.stat().st_size
            count += 1
    planted = tree / "planted"
    planted.mkdir()
    (planted / "llm.py").write_text(PLANTED)
    return {"files": count + 1, "bytes": size + len(PLANTED), "rounds": rounds,
            "sources": ["site-packages", "stdlib"]}


def run_depcal(tree: Path, catalogue: Path, report: Path) -> tuple[float, dict]:
    command = [str(Path(sys.executable).with_name("depcal-scan")), "--catalogue",
               str(catalogue), "--today", TODAY, "--format", "json", "-o", str(report),
               str(tree)]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, check=False)
    document = json.loads(report.read_text())
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise RuntimeError(done.stderr.decode())
    return elapsed, document


def run_grep(tree: Path, names: Path) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run(["grep", "-rIwF", "-f", str(names), str(tree)], capture_output=True,
                          env={**os.environ, "LC_ALL": "C"}, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise RuntimeError(done.stderr.decode())
    return elapsed, done.stdout.count(b"\n")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_scan")
    parser.add_argument("--megabytes", type=int, default=MEGABYTES)
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args(argv or [])
    rows = catalogue_rows()
    names = sorted({n for r in rows for n in [r["identifier"], *r["aliases"]] if is_token(n)})
    workdir = Path(tempfile.mkdtemp(prefix="depcal-bench-scan-"))
    try:
        tree = workdir / "tree"
        tree.mkdir()
        started = time.perf_counter()
        made = build_tree(tree, args.megabytes)
        built_s = time.perf_counter() - started
        catalogue = workdir / "catalogue.json"
        catalogue.write_text(json.dumps({"results": rows}))
        names_file = workdir / "names.txt"
        names_file.write_text("\n".join(names) + "\n")
        report = workdir / "report.json"
        run_depcal(tree, catalogue, report)  # warm-up: the page cache, for both
        run_grep(tree, names_file)
        ours, theirs = [], []
        for _ in range(args.runs):
            ours.append(run_depcal(tree, catalogue, report))
            theirs.append(run_grep(tree, names_file))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    depcal_s = statistics.median(t for t, _ in ours)
    grep_s = statistics.median(t for t, _ in theirs)
    document = ours[0][1]
    planted = [f for f in document["findings"] if "/planted/" in f["path"]]
    as_expected = len(planted) == PLANTED_EXPECTED
    result = {
        "files": made["files"],
        "megabytes": round(made["bytes"] / 1e6, 1),
        "tree": f"text files of this environment's {' and '.join(made['sources'])}, "
                f"{made['rounds']} round(s), plus {PLANTED_EXPECTED} planted uses",
        "names": len(names),
        "runs": args.runs,
        "depcal_scan_s": round(depcal_s, 3),
        "depcal_scan_runs_s": [round(t, 3) for t, _ in ours],
        "grep_s": round(grep_s, 3),
        "grep_runs_s": [round(t, 3) for t, _ in theirs],
        "ratio_depcal_over_grep": round(depcal_s / grep_s, 2),
        "depcal_mb_per_s": round(made["bytes"] / 1e6 / depcal_s, 1),
        "depcal_findings": len(document["findings"]),
        "depcal_files_scanned": document["files_scanned"],
        "grep_matching_lines": theirs[0][1],
        "planted_found": len(planted),
        "planted_as_expected": as_expected,
        "tree_built_s": round(built_s, 1),
        "grep": subprocess.run(["grep", "--version"], capture_output=True, text=True,
                               check=False).stdout.splitlines()[0],
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": [round(x, 1) for x in os.getloadavg()],
    }
    print(f"scan: {result['files']} files, {result['megabytes']} MB ({result['tree']}), "
          f"{len(names)} names, median of {args.runs} runs")
    print(f"  depcal-scan    {depcal_s:7.3f} s  ({result['depcal_mb_per_s']} MB/s, "
          f"{result['depcal_findings']} findings)")
    print(f"  grep -rIwF     {grep_s:7.3f} s  ({result['grep_matching_lines']} matching lines)")
    print(f"  ratio          {result['ratio_depcal_over_grep']}x grep's time")
    print(f"  planted        {len(planted)} of {PLANTED_EXPECTED} found"
          + ("" if as_expected else ": UNEXPECTED"))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    if not as_expected:
        raise SystemExit("bench_scan: the planted uses were not all found")
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
