"""Pass `make run`'s output through, and print $DEPCAL_ANNOUNCE (the addresses and the admin's
password) once the services are up, after their start-up lines rather than lost among them:
when the web server answers at --url, a task has made the round trip through the broker and a
worker, and the output has then been quiet for --quiet seconds (the worker's first fetch
cycle logs a line per source). Ctrl-C stops the services; this keeps passing their last lines
through until they close the pipe.
"""

import argparse
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request


class Relay(threading.Thread):
    """Copies stdin to stdout line by line, remembering when the last line came."""

    def __init__(self):
        super().__init__(daemon=True)
        self.lock = threading.Lock()
        self.last_line = time.monotonic()
        self.closed = threading.Event()

    def run(self):
        for line in sys.stdin:
            with self.lock:
                sys.stdout.write(line)
                sys.stdout.flush()
                self.last_line = time.monotonic()
        self.closed.set()

    def say(self, text: str):
        with self.lock:
            sys.stdout.write(text)
            sys.stdout.flush()


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def wait(until, relay: Relay, deadline: float) -> bool:
    """Poll ``until()`` each second; False if the services stopped or time ran out."""
    while not until():
        if relay.closed.wait(1) or time.monotonic() > deadline:
            return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--quiet", type=float, default=3)
    args = parser.parse_args()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the services stop; keep relaying them
    relay = Relay()
    relay.start()
    deadline = time.monotonic() + args.timeout
    if wait(lambda: answers(args.url), relay, deadline):
        from depcal.celery import app

        pong = app.send_task("deprecations.tasks.ping")
        if wait(pong.ready, relay, deadline) and wait(
                lambda: time.monotonic() - relay.last_line >= args.quiet, relay, deadline):
            rule = "-" * 72
            relay.say(f"\n{rule}\n{os.environ.get('DEPCAL_ANNOUNCE', '').rstrip()}\n{rule}\n\n")
    relay.closed.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
