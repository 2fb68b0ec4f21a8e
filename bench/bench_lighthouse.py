"""Lighthouse scores (performance, accessibility, best practices, SEO) of the home page and an
entry page (``chatgpt-4o-latest``), with the desktop and the mobile settings.

- Lighthouse 12.2.3 comes from npm into ``bench/node/`` (``npm ci`` from the committed
  package-lock.json) when ``bench/node/node_modules`` lacks it.
- The app runs as ``make run`` serves it: DEBUG=false, a random SECRET_KEY, ``collectstatic``
  (hashed, compressed files from WhiteNoise), gunicorn with 2 workers on a free 127.0.0.1 port,
  on a temporary SQLite database holding the shipped catalogue. "Today" is pinned to
  2026-01-18 (``DEPCAL_TODAY`` overrides), a day with both upcoming and recent retirements,
  so the home page is at its longest.
- Lighthouse drives Debian's Chromium (``CHROME_PATH`` overrides ``/usr/bin/chromium``),
  headless. Each page and setting runs ``BENCH_LIGHTHOUSE_RUNS`` times (3); the median of
  each score is printed and written, with every run, to bench/results/lighthouse.json.
  Performance varies with the machine's load (the mobile setting multiplies CPU time by 4):
  the load average is recorded beside the figures.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.app_server import HOST, GunicornServer, app_env, free_port

ROOT = Path(__file__).resolve().parent.parent
NODE_DIR = ROOT / "bench" / "node"
LIGHTHOUSE = NODE_DIR / "node_modules" / ".bin" / "lighthouse"
LIGHTHOUSE_VERSION = "12.2.3"
RESULTS = ROOT / "bench" / "results" / "lighthouse.json"
TODAY = os.environ.get("DEPCAL_TODAY") or "2026-01-18"
ENTRY = "chatgpt-4o-latest"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
PRESETS = ("desktop", "mobile")
CHROME_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"]
RUNS = int(os.environ.get("BENCH_LIGHTHOUSE_RUNS", "3"))
RUN_SECONDS = 180  # one Lighthouse run
TOTAL_SECONDS = 20 * 60  # the whole benchmark stops starting runs after this
GOAL = 95


def ensure_lighthouse() -> str:
    """The path of the lighthouse command, installed from the lock file if missing."""
    if not LIGHTHOUSE.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is needed to install Lighthouse into bench/node/")
        print(f"bench lighthouse: installing lighthouse@{LIGHTHOUSE_VERSION} into "
              f"{NODE_DIR.relative_to(ROOT)}/ (npm ci)", flush=True)
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                       cwd=NODE_DIR, check=True, timeout=600)
    version = subprocess.run([str(LIGHTHOUSE), "--version"], capture_output=True, text=True,
                             check=True, timeout=60).stdout.strip()
    if version != LIGHTHOUSE_VERSION:
        raise RuntimeError(f"bench/node has lighthouse {version}, expected "
                           f"{LIGHTHOUSE_VERSION}: remove bench/node/node_modules")
    return str(LIGHTHOUSE)


def chrome_path() -> str:
    path = os.environ.get("CHROME_PATH") or "/usr/bin/chromium"
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"Chromium not found at {path} (apt-get install chromium, or set "
                           "CHROME_PATH)")
    return path


def _env(work: Path, port: int) -> dict[str, str]:
    return app_env(work, SITE_URL=f"http://{HOST}:{port}", DEPCAL_TODAY=TODAY)


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                   timeout=300, stdout=subprocess.DEVNULL)


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, dict(response.headers), response.read()


def retirement_path(base: str) -> str:
    html = _get(f"{base}/?q={ENTRY}")[2].decode()
    name = re.escape(ENTRY)
    found = re.search(rf'href="(/vendors/[a-z0-9-]+/{name}/)"><code>{name}</code>', html)
    if not found:
        raise RuntimeError(f"the home page does not link to {ENTRY}")
    return found.group(1)


def check_static(base: str) -> dict[str, str]:
    """The stylesheet is served with a hashed name, compressed, cached for ever."""
    html = _get(base + "/")[2].decode()
    href = re.search(r'href="(/static/depcal\.[0-9a-f]{12}\.css)"', html)
    if not href:
        raise RuntimeError("the stylesheet has no hashed name: is collectstatic's manifest used?")
    request = urllib.request.Request(base + href.group(1), headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=30) as response:
        headers = dict(response.headers)
    return {"stylesheet": href.group(1), "cache_control": headers.get("Cache-Control", ""),
            "content_encoding": headers.get("Content-Encoding", "")}


def run_lighthouse(lighthouse: str, chrome: str, url: str, preset: str, out: Path) -> dict:
    args = [lighthouse, url, f"--chrome-path={chrome}",
            f"--chrome-flags={' '.join(CHROME_FLAGS)}",
            f"--only-categories={','.join(CATEGORIES)}", "--output=json",
            f"--output-path={out}", "--quiet"]
    if preset == "desktop":
        args.append("--preset=desktop")
    for attempt in range(3):  # Lighthouse sometimes loses its trace (NO_NAVSTART): again
        done = subprocess.run(args, timeout=RUN_SECONDS, cwd=NODE_DIR, capture_output=True,
                              text=True)
        if done.returncode == 0:
            break
        print(f"  lighthouse failed (attempt {attempt + 1}): "
              f"{done.stderr.strip().splitlines()[-1:]}", flush=True)
    else:
        raise RuntimeError(f"lighthouse failed three times on {url} ({preset})")
    report = json.loads(out.read_text())
    scores = {c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES}
    below = []  # the weighted audits that cost points, to know what to fix
    for category in report["categories"].values():
        for ref in category["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref.get("weight") and audit.get("score") is not None and audit["score"] < 1:
                below.append(f"{category['id']}: {ref['id']} {audit['score']} "
                             f"{audit.get('displayValue', '')}".strip())
    metrics = {k: report["audits"][k].get("numericValue") for k in (
        "first-contentful-paint", "largest-contentful-paint", "total-blocking-time",
        "cumulative-layout-shift", "speed-index", "server-response-time")}
    return {"scores": scores, "below": below, "metrics": metrics,
            "benchmark_index": report["environment"].get("benchmarkIndex"),
            "chrome": report["environment"].get("hostUserAgent", "")}


def main() -> dict:
    lighthouse = ensure_lighthouse()
    chrome = chrome_path()
    work = Path(tempfile.mkdtemp(prefix="depcal-lighthouse-"))
    port = free_port()
    env = _env(work, port)
    server = None
    started = time.monotonic()
    load_before = os.getloadavg()[0]
    try:
        print(f"bench lighthouse: collectstatic, migrate and the shipped catalogue in {work}",
              flush=True)
        _manage(env, "collectstatic", "--no-input", "-v", "0")
        _manage(env, "migrate", "--no-input", "-v", "0")
        _manage(env, "createcachetable")
        _manage(env, "load_catalogue")
        server = GunicornServer("depcal.wsgi", env, work / "gunicorn.log", port=port)
        server.wait()
        base = f"http://{HOST}:{port}"
        static = check_static(base)
        pages = {"home": "/", "entry": retirement_path(base)}
        runs: dict[str, dict[str, list[dict]]] = {p: {s: [] for s in PRESETS} for p in pages}
        for n in range(RUNS):  # interleaved, so a busy moment does not hit one case only
            for page, path in pages.items():
                for preset in PRESETS:
                    if time.monotonic() - started > TOTAL_SECONDS and n > 0:
                        continue
                    result = run_lighthouse(lighthouse, chrome, base + path, preset,
                                            work / f"{page}-{preset}-{n}.json")
                    runs[page][preset].append(result)
                    print(f"  run {n + 1} {page:>5} {preset:>7}: "
                          + " ".join(f"{c} {v}" for c, v in result["scores"].items())
                          + (f"  (lost points: {'; '.join(result['below'])})"
                             if result["below"] else ""), flush=True)
        median = {page: {preset: {c: statistics.median(r["scores"][c] for r in rs)
                                  for c in CATEGORIES}
                         for preset, rs in by_preset.items()}
                  for page, by_preset in runs.items()}
        report = {
            "benchmark": "lighthouse",
            "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "lighthouse": LIGHTHOUSE_VERSION,
            "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                        "load_average_1min": [load_before, os.getloadavg()[0]]},
            "server": "gunicorn, 2 sync workers, DEBUG=false, collectstatic (as make run)",
            "today": TODAY, "pages": pages, "static": static, "runs_per_case": RUNS,
            "goal": GOAL, "median": median, "runs": runs,
        }
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(report, indent=2) + "\n")
        print(f"\nmedian of {RUNS} runs (today {TODAY}; load average {load_before:.2f} before, "
              f"{os.getloadavg()[0]:.2f} after)")
        print(f"{'page':>6} {'preset':>8} " + " ".join(f"{c:>14}" for c in CATEGORIES))
        for page, by_preset in median.items():
            for preset, scores in by_preset.items():
                print(f"{page:>6} {preset:>8} " + " ".join(f"{scores[c]:>14g}"
                                                           for c in CATEGORIES))
        low = [f"{p} {s} {c} {v:g}" for p, bp in median.items() for s, sc in bp.items()
               for c, v in sc.items() if v < GOAL]
        print("below the goal of " + str(GOAL) + ": " + (", ".join(low) if low else "none"))
        print(f"static: {static['stylesheet']} Cache-Control: {static['cache_control']}")
        print(f"written to {RESULTS.relative_to(ROOT)}")
        return report
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
