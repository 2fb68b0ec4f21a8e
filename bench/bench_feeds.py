"""How fast the full calendar feed answers: cold, cached and 304, next to a static file.

Starts, on 127.0.0.1 and free ports, with a temporary SQLite database holding the shipped
catalogue (or ~300 generated entries when it is absent):
- ``cached``: gunicorn (2 sync workers) running depcal with a local-memory cache;
- ``cold``:   the same app with Django's DummyCache, so every request renders the feed (the
              same as clearing the cache before each request, without racing the clearing);
- ``static``: gunicorn (2 sync workers) running ``static_app`` below, a tiny WSGI app that
              serves a file holding the very bytes of the feed (open + sendfile per request).
A Python thread pool (CONCURRENCY threads, one new connection per request: gunicorn's sync
workers do not keep connections alive) sends a bounded number of requests per round, within
a time limit. Medians of ROUNDS rounds are printed and written to bench/results/feeds.json.
The load generator runs on the same two cores as the servers, so absolute figures are low
for every mode alike; the ratios are the point.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

from bench.app_server import HOST, GunicornServer, app_env

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "feeds.json"
CATALOGUE = ROOT / "deprecations" / "data" / "catalogue.json"
SITE_URL = "https://depcal.bench"  # the same on every server, so the bytes are the same
FEED_PATH = "/calendar.ics"
WORKERS = 2
CONCURRENCY = 8
ROUNDS = 5
REQUESTS = {"cold": 60, "cached": 600, "not_modified": 600, "static": 600}
ROUND_SECONDS = 20.0  # a round stops early at this limit, whatever it has sent
START_SECONDS = 60.0


def static_app(environ, start_response):
    """WSGI: the file named by BENCH_STATIC_FILE, as a static server would send it."""
    path = os.environ["BENCH_STATIC_FILE"]
    size = os.path.getsize(path)
    start_response("200 OK", [("Content-Type", "text/calendar; charset=utf-8"),
                              ("Content-Length", str(size))])
    handle = open(path, "rb")  # noqa: SIM115 (closed by the server through the file wrapper)
    return environ["wsgi.file_wrapper"](handle, 65536)


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
        entry = changes.create_entry(
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


def run_round(port: int, path: str, *, count: int, headers: dict[str, str],
              expect_status: int, expect_length: int) -> dict:
    """Send ``count`` requests from CONCURRENCY threads; stop early at ROUND_SECONDS."""
    lock = threading.Lock()
    state = {"next": 0, "errors": 0}
    latencies: list[float] = []
    started = time.perf_counter()
    deadline = started + ROUND_SECONDS

    def worker():
        while True:
            with lock:
                if state["next"] >= count or time.perf_counter() > deadline:
                    return
                state["next"] += 1
            t0 = time.perf_counter()
            try:
                status, _, body = fetch(port, path, headers)
                ok = status == expect_status and len(body) == expect_length
            except OSError:
                ok = False
            elapsed = time.perf_counter() - t0
            with lock:
                if ok:
                    latencies.append(elapsed)
                else:
                    state["errors"] += 1

    with ThreadPoolExecutor(CONCURRENCY) as pool:
        for _ in range(CONCURRENCY):
            pool.submit(worker)
    wall = time.perf_counter() - started
    return {"requests": len(latencies), "errors": state["errors"], "seconds": round(wall, 3),
            "rps": round(len(latencies) / wall, 1),
            "p50_ms": round(statistics.median(latencies) * 1000, 2) if latencies else None}


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
        static_file = work / "calendar.ics"
        static_file.write_bytes(body)
        static_env = {**_env(work, "dummycache://"), "BENCH_STATIC_FILE": str(static_file)}
        static = GunicornServer("bench.bench_feeds:static_app", static_env,
                                work / "static.log", workers=WORKERS)
        servers.append(static)
        static.wait("/", START_SECONDS)
        assert fetch(static.port, "/")[2] == body
        etag = headers["ETag"]
        for _ in range(4 * WORKERS):  # every worker renders once before "cached" counts
            fetch(cached.port, FEED_PATH)

        modes = {
            "cold": (cold.port, FEED_PATH, {}, 200, len(body)),
            "cached": (cached.port, FEED_PATH, {}, 200, len(body)),
            "not_modified": (cached.port, FEED_PATH, {"If-None-Match": etag}, 304, 0),
            "static": (static.port, "/", {}, 200, len(body)),
        }
        rounds: dict[str, list[dict]] = {mode: [] for mode in modes}
        for n in range(ROUNDS):  # interleaved, so a slow moment hurts every mode alike
            for mode, (port, path, extra, expect, length) in modes.items():
                result = run_round(port, path, count=REQUESTS[mode], headers=extra,
                                   expect_status=expect, expect_length=length)
                rounds[mode].append(result)
                print(f"  round {n + 1} {mode:>12}: {result['rps']:8.1f} req/s "
                      f"p50 {result['p50_ms']} ms, {result['errors']} errors", flush=True)

        median = {mode: statistics.median(r["rps"] for r in rs) for mode, rs in rounds.items()}
        ratios = {
            "cached_over_cold": round(median["cached"] / median["cold"], 1),
            "not_modified_over_cached": round(median["not_modified"] / median["cached"], 2),
            "cached_over_static": round(median["cached"] / median["static"], 2),
            "not_modified_over_static": round(median["not_modified"] / median["static"], 2),
        }
        events = body.count(b"BEGIN:VEVENT")
        report = {
            "benchmark": "feeds",
            "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            # Other work on the machine skews every mode; the load average says how much.
            "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                        "load_average_1min": [load_before, os.getloadavg()[0]]},
            "data": data, "feed_bytes": len(body), "events": events,
            "server": f"gunicorn, {WORKERS} sync workers, 127.0.0.1",
            "static_server": "gunicorn, 2 sync workers, bench.bench_feeds:static_app (sendfile)",
            "load": f"Python threads, concurrency {CONCURRENCY}, new connection per request",
            "requests_per_round": REQUESTS, "rounds": ROUNDS,
            "median_rps": median, "ratios": ratios, "per_round": rounds,
        }
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(report, indent=2) + "\n")
        print(f"\nfull feed: {len(body):,} bytes, {events} events ({data}); load average "
              f"{load_before:.2f} before, {os.getloadavg()[0]:.2f} after")
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
