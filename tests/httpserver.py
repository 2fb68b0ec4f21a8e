"""A real HTTP server on 127.0.0.1 for collector and channel tests, with scripted behaviours
per path (GET and POST; a POST's body is ``handler.body``).

Each route is a callable ``(handler) -> (status, headers, body)`` or a ``Document`` serving
bytes with ETag / Last-Modified and answering conditional requests with 304.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Document:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    last_modified: str = field(default_factory=lambda: formatdate(1_700_000_000, usegmt=True))

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'

    def __call__(self, handler):
        if handler.headers.get("If-None-Match") == self.etag or (
                not handler.headers.get("If-None-Match")
                and handler.headers.get("If-Modified-Since") == self.last_modified):
            return 304, {"ETag": self.etag}, b""
        return 200, {"Content-Type": self.content_type, "ETag": self.etag,
                     "Last-Modified": self.last_modified}, self.body


def fails_then(times: int, status: int, then):
    """Answer ``status`` ``times`` times, then behave like ``then``."""
    left = {"n": times}

    def route(handler):
        if left["n"] > 0:
            left["n"] -= 1
            return status, {"Content-Type": "text/plain"}, b"server error"
        return then(handler)
    return route


def slow(seconds: float, then):
    def route(handler):
        time.sleep(seconds)
        return then(handler)
    return route


class LoopbackServer:
    def __init__(self, host: str = "127.0.0.1"):
        self.routes: dict = {}
        self.hits: list[tuple[str, dict]] = []  # GET requests
        self.posts: list[tuple[str, dict, bytes]] = []  # POST and PUT requests, with bodies
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                server.posts.append((self.path, dict(self.headers), self.body))
                self.answer()

            do_PUT = do_POST

            def do_GET(self):
                server.hits.append((self.path, dict(self.headers)))
                self.answer()

            def answer(self):
                route = server.routes.get(self.path)
                if route is None:
                    status, headers, body = 404, {"Content-Type": "text/plain"}, b"not found"
                else:
                    status, headers, body = route(self)
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    if "Content-Length" not in headers:
                        self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    def url(self, path: str) -> str:
        return self.base + path

    def count(self, path: str) -> int:
        return sum(1 for p, _ in self.hits if p == path)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
