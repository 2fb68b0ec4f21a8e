"""Talking to a depcal server that misbehaves: every answer ends in a clear error (exit 2),
within the size cap and the deadline, and nothing but the server itself is ever read."""

import json
import socket
import threading
import time

import pytest
from depcal_scan import cli
from depcal_scan.retirements import CatalogueError
from depcal_scan.server import Client

from tests.httpserver import Document, LoopbackServer
from tests.scan.rows import document, row

FIRST = "/api/v1/retirements?page_size=500"


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "bot.py").write_text('model = "chatgpt-4o-latest"\n')
    monkeypatch.chdir(tmp_path)
    return tmp_path


def json_route(body: bytes | str):
    data = body.encode() if isinstance(body, str) else body
    return lambda handler: (200, {"Content-Type": "application/json"}, data)


def scan(server_url, tmp_path, *extra):
    return cli.main(["--server", server_url, "--cache-dir", str(tmp_path / "cache"),
                     "--today", "2026-02-01", *extra, "src"])


@pytest.mark.parametrize("link", [
    "file:///etc/passwd",
    "ftp://127.0.0.1/x",
    "http://127.0.0.2:1/api/v1/retirements?page=2",
    "//example.org/api/v1/retirements",
    "data:application/json,{}",
])
def test_a_next_link_off_the_server_is_refused(project, tmp_path, capsys, link):
    with LoopbackServer() as server:
        page = document(row())
        page["next"] = link
        server.routes[FIRST] = json_route(json.dumps(page))
        assert scan(server.base, tmp_path) == 2
    err = capsys.readouterr().err
    assert "'next' leads off the server" in err
    assert "root:" not in err  # nothing of /etc/passwd was read


@pytest.mark.parametrize("body, message", [
    (b"[]", "did not answer with a page of retirements"),
    (b'{"results": {"a": 1}}', "did not answer with a page of retirements"),
    (b'{"results": [1]}', "retirement #1 is not in the catalogue's shape"),
    (b'{"results": [{"vendor": "x", "identifier": ["a"]}]}', "'identifier' must be"),
    (b'{"results": [{"vendor": "x", "identifier": "a", "aliases": "b"}]}', "'aliases' must"),
    (b'{"results": [{"vendor": "x", "identifier": "a", "shutdown_on": 20260101}]}',
     "'shutdown_on' must be"),
    (b'{"results": [{"vendor": "x", "identifier": "a", "shutdown_on": "soon"}]}',
     "not in the catalogue's shape"),
    (b'{"results": [{"vendor": "x", "identifier": "a", "ambiguous_names": ["a"]}]}',
     "'ambiguous_names' must map"),
    (b'{"results": [], "next": 5}', "'next' is not a link"),
    (b"[" * 100_000 + b"]" * 100_000, "did not answer JSON"),
    (b"\xff\xfe{}", "did not answer JSON"),
    (b"NaN", "did not answer with a page"),
    (b"", "did not answer JSON"),
])
def test_odd_json_is_an_error_not_a_crash(project, tmp_path, capsys, body, message):
    with LoopbackServer() as server:
        server.routes[FIRST] = json_route(body)
        assert scan(server.base, tmp_path) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_an_answer_over_the_size_cap_is_refused(project, tmp_path):
    with LoopbackServer() as server:
        server.routes[FIRST] = json_route(b" " * 2_000_000 + b"{}")
        client = Client(server.base, cache_dir=tmp_path / "c", max_bytes=1_000_000)
        with pytest.raises(CatalogueError, match="answered more than 1000000 bytes"):
            client.retirements()


def test_pages_that_go_round_in_circles_end(project, tmp_path, capsys):
    with LoopbackServer() as server:
        page = document(row())
        page["next"] = server.url(FIRST)
        server.routes[FIRST] = json_route(json.dumps(page))
        assert scan(server.base, tmp_path) == 2
    assert "the server's pages do not end" in capsys.readouterr().err


def test_a_redirect_off_the_server_is_refused(project, tmp_path, capsys):
    with LoopbackServer() as other, LoopbackServer() as server:
        other.routes[FIRST] = Document(json.dumps(document(row())).encode(), "application/json")
        server.routes[FIRST] = lambda handler: (302, {"Location": other.url(FIRST)}, b"")
        assert scan(server.base, tmp_path) == 2
        assert other.hits == []
    assert "redirects to another site" in capsys.readouterr().err


class Dripping:
    """A server on loopback that sends its answer one byte every ``pause`` seconds."""

    def __init__(self, pause=0.2):
        self.pause, self.sock = pause, socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.stop = threading.Event()
        threading.Thread(target=self.serve, daemon=True).start()

    @property
    def base(self):
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def serve(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.recv(65536)
            body = b'{"results": []' + b" " * 10_000 + b"}"
            answer = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                      b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
            for i in range(len(answer)):
                if self.stop.is_set():
                    break
                try:
                    conn.sendall(answer[i:i + 1])
                except OSError:
                    break
                time.sleep(self.pause)
            conn.close()

    def close(self):
        self.stop.set()
        self.sock.close()


def test_a_server_that_drips_its_answer_is_cut_off_at_the_deadline(project, tmp_path, capsys):
    drip = Dripping()
    try:
        started = time.monotonic()
        assert scan(drip.base, tmp_path, "--timeout", "5", "--deadline", "1") == 2
        elapsed = time.monotonic() - started
    finally:
        drip.close()
    assert "did not answer in time" in capsys.readouterr().err
    assert elapsed < 30  # bounded by the deadline, not by the length of the answer (hours)


@pytest.mark.parametrize("server_url", ["file:///etc/passwd", "http://127.0.0.1:99999",
                                        "http://[::1", "ftp://127.0.0.1/"])
def test_a_server_address_that_is_not_http_is_an_error(project, tmp_path, capsys, server_url):
    assert scan(server_url, tmp_path) == 2
    assert "--server must be an http(s) URL" in capsys.readouterr().err


def test_a_poisoned_cache_is_ignored(project, tmp_path, capsys):
    cache = tmp_path / "cache"
    cache.mkdir()
    with LoopbackServer() as server:
        server.routes[FIRST] = Document(json.dumps(document(row())).encode(), "application/json")
        assert scan(server.base, tmp_path) == 1
        for path in cache.glob("*.json"):
            path.write_text('{"etag": 5, "body": "x"}')
        assert scan(server.base, tmp_path) == 1
