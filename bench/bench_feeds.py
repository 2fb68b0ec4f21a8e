"""How fast the full calendar feed answers, next to a bare Django view of the same bytes.

Starts, on 127.0.0.1 and free ports, with a temporary SQLite database holding the shipped
catalogue (or ~300 generated entries when it is absent), under the same gunicorn config (2 sync
workers):
- ``bare``:   ``bench.bare_django``: Django with no middleware and one view returning the
              feed's bytes from memory (the baseline);
- ``cached``: depcal with a local-memory cache, every middleware in place;
- ``not_modified``: the same depcal server asked with the feed's ETag (If-None-Match);
- ``cold``:   depcal with Django's DummyCache, so every request renders the feed (wrk with
              two connections for 12 s: renders are slow).
wrk (2 threads, 16 connections, 6 s; gunicorn's sync workers close every connection) loads
each in turn, ROUNDS rounds alternating the modes, so a busy moment on the machine hurts every
mode alike. Medians are printed with their ratios and written to bench/results/feeds.json,
with the load average. wrk runs on the same two cores as the servers, so absolute figures are
low for every mode alike; the ratios are the point.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from bench.app_server import HOST, GunicornServer, app_env

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "feeds.json"
CATALOGUE = ROOT / "deprecations" / "data" / "catalogue.json"
SITE_URL = "https://depcal.bench"  # the same on every server, so the bytes are the same
FEED_PATH = "/calendar.ics"
WORKERS = 2
WRK = ("wrk", "--threads", "2", "--connections", "16", "--duration", "6s", "--timeout", "10s")
# Renders take a second or more of a busy machine: two clients, one per worker, for longer.
WRK_COLD = ("wrk", "--threads", "2", "--connections", "2", "--duration", "12s",
            "--timeout", "30s")
ROUNDS = 5
START_SECONDS = 60.0


def seed(count: int = 300) -> None:
    """Fill the database with ``count`` generated entries (needs Django set up)."""
    import django

    django.setup()
    from deprecations import changes
    from deprecations.models import Vendor

    vendors = [Vendor.objects.get_or_create(slug=s, defaults={"name": n})[0]
               for s, n in (("openai", "OpenAI"), ("anthropic", "Anthropic"),
                            ("google", "Google"), ("cohere", "Cohere"), ("mistral", "Mistral"))]
    for i in range(count):
        entry = changes.create_retirement(
            vendors[i % len(vendors)], f"bench-model-{i:03d}",
            aliases=[f"bench-alias-{i:03d}"], announced_on=date(2023, 6, 1),
            shutdown_on=date(2024, 1, 1) + timedelta(days=5 * i),
            replacements=[f"bench-model-{i + 1:03d}"], notes="Generated for the benchmark.",
            citations=[{"url": f"https://example.com/deprecations#{i}",
                        "title": "Vendor deprecations page"}],
            via="bench",
        )
        if i % 25 == 0:
            changes.withdraw(entry, via="bench")


def _env(work: Path, cache_url: str) -> dict[str, str]:
    return app_env(work, CACHE_URL=cache_url, SITE_URL=SITE_URL)


def _prepare(work: Path) -> str:
    env = _env(work, "locmemcache://bench")
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env,
                   check=True, timeout=300)
    if CATALOGUE.exists():
        subprocess.run([python, "manage.py", "load_catalogue", str(CATALOGUE)], cwd=ROOT,
                       env=env, check=True, timeout=300, stdout=subprocess.DEVNULL)
        return f"shipped catalogue ({CATALOGUE.relative_to(ROOT)})"
    subprocess.run([python, "-c", "from bench.bench_feeds import seed; seed()"], cwd=ROOT,
                   env=env, check=True, timeout=300)
    return "300 generated entries (no shipped catalogue)"


def fetch(port: int, path: str, headers: dict[str, str] | None = None):
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def run_wrk(port: int, path: str, headers: dict[str, str], wrk=WRK) -> dict:
    """One wrk run; requests per second and the count of errors it reports."""
    command = [*wrk, *(a for k, v in headers.items() for a in ("--header", f"{k}: {v}")),
               f"http://{HOST}:{port}{path}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": round(rps, 1), "errors": errors + (int(bad.group(1)) if bad else 0)}


def main() -> dict:
    work = Path(tempfile.mkdtemp(prefix="depcal-bench-"))
    servers: list[GunicornServer] = []
    load_before = os.getloadavg()[0]
    try:
        print(f"bench feeds: preparing a SQLite database in {work}", flush=True)
        data = _prepare(work)
        cached = GunicornServer("depcal.wsgi", _env(work, "locmemcache://bench"),
                                work / "cached.log", workers=WORKERS)
        cold = GunicornServer("depcal.wsgi", _env(work, "dummycache://"), work / "cold.log",
                              workers=WORKERS)
        servers += [cached, cold]
        cached.wait(FEED_PATH, START_SECONDS)
        cold.wait(FEED_PATH, START_SECONDS)
        status, headers, body = fetch(cached.port, FEED_PATH)
        assert status == 200, status
        assert fetch(cold.port, FEED_PATH)[2] == body, "cold and cached servers differ"
        feed_file = work / "calendar.ics"
        feed_file.write_bytes(body)
        bare_env = {**_env(work, "dummycache://"), "BENCH_STATIC_FILE": str(feed_file)}
        bare = GunicornServer("bench.bare_django:application", bare_env, work / "bare.log",
                              workers=WORKERS)
        servers.append(bare)
        bare.wait(FEED_PATH, START_SECONDS)
        assert fetch(bare.port, FEED_PATH)[2] == body
        etag = headers["ETag"]
        for _ in range(4 * WORKERS):  # every worker answers once before "cached" counts
            fetch(cached.port, FEED_PATH)
        not_modified = fetch(cached.port, FEED_PATH, {"If-None-Match": etag})
        assert not_modified[0] == 304 and not not_modified[2], not_modified[0]

        modes = {
            "bare": (bare.port, {}),
            "cached": (cached.port, {}),
            "not_modified": (cached.port, {"If-None-Match": etag}),
            "cold": (cold.port, {}),
        }
        settings = {"cold": WRK_COLD}
        loads: list[float] = []
        rounds: dict[str, list[dict]] = {mode: [] for mode in modes}
        for n in range(ROUNDS):  # alternating, so a busy moment hurts every mode alike
            loads.append(os.getloadavg()[0])
            for mode, (port, extra) in modes.items():
                result = run_wrk(port, FEED_PATH, extra, settings.get(mode, WRK))
                rounds[mode].append(result)
                print(f"  round {n + 1} {mode:>12}: {result['rps']:8.1f} req/s, "
                      f"{result['errors']} errors (load {os.getloadavg()[0]:.2f})", flush=True)

        median = {mode: statistics.median(r["rps"] for r in rs) for mode, rs in rounds.items()}
        ratios = {
            "cached_over_bare": round(median["cached"] / median["bare"], 2),
            "not_modified_over_bare": round(median["not_modified"] / median["bare"], 2),
            "cached_over_cold": round(median["cached"] / max(median["cold"], 0.1), 1),
        }
        events = body.count(b"BEGIN:VEVENT")
        report = {
            "benchmark": "feeds",
            "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            # Other work on the machine skews every mode; the load average says how much.
            "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                        "load_average_1min": {"before": load_before,
                                              "rounds": loads, "after": os.getloadavg()[0]}},
            "data": data, "feed_bytes": len(body), "events": events,
            "server": f"gunicorn, {WORKERS} sync workers, 127.0.0.1",
            "baseline": "bench.bare_django: no middleware, the bytes from memory",
            "load": " ".join(WRK), "load_cold": " ".join(WRK_COLD), "rounds": ROUNDS,
            "median_rps": median, "ratios": ratios, "per_round": rounds,
        }
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(report, indent=2) + "\n")
        print(f"\nfull feed: {len(body):,} bytes, {events} events ({data}); load average "
              f"{load_before:.2f} before, median {statistics.median(loads):.2f} over the "
              f"rounds, {os.getloadavg()[0]:.2f} after; {' '.join(WRK)}")
        print(f"{'mode':>14} {'median req/s':>13}")
        for mode, rps in median.items():
            print(f"{mode:>14} {rps:13.1f}")
        for name, value in ratios.items():
            print(f"{name:>26}: {value}")
        print(f"written to {RESULTS.relative_to(ROOT)}")
        return report
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
