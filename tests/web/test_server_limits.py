"""The served process (issue 10): request heads are capped and the access log shows no URL
secrets. Each test runs a live uvicorn on a loopback port with ``badges serve``'s options
(``issuer.app.server_options``), next to a bad twin on uvicorn's defaults."""
from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from issuer.app import server_options
from tests.support import free_port
from verifier.server import MAX_HEAD_BYTES, RedactSecrets, redact

PORTS = range(8230, 8240)  # this test suite's ports (see the engineers' brief)
SHARE_TOKEN = "Zq3_secretShareToken-9f8e7d6c5b4a"
MENTOR_TOKEN = "mentorSecret_0123456789abcdefXYZ"


async def ok_app(scope, receive, send) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain"),
                                                                     (b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


@contextmanager
def live(**options) -> Iterator[int]:
    import uvicorn

    port = free_port(PORTS)
    # dictConfig adds logger filters without removing earlier ones: start each server clean.
    logging.getLogger("uvicorn.access").filters.clear()
    config = uvicorn.Config(ok_app, host="127.0.0.1", port=port, log_level="info", loop="asyncio", **options)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _send_head(port: int, header_bytes: int) -> bytes:
    """A GET whose one header is ``header_bytes`` long; the server's answer ("" if it hung up)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        head = b"GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-Big: " + b"a" * header_bytes + b"\r\n\r\n"
        try:
            for start in range(0, len(head), 65536):
                sock.sendall(head[start:start + 65536])
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server closed the connection while we were still sending
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except (ConnectionResetError, TimeoutError):
            pass
        return answer


def _send_many_headers(port: int, count: int) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        lines = b"".join(b"X-H%d: %s\r\n" % (n, b"v" * 16) for n in range(count))
        sock.sendall(b"GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + lines + b"\r\n")
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except (ConnectionResetError, TimeoutError):
            pass
        return answer


# ---- header size ----------------------------------------------------------------------------

def test_oversized_headers_are_refused_with_431():
    with live(**server_options()) as port:
        small = _send_head(port, 16 * 1024)
        assert small.startswith(b"HTTP/1.1 200") and small.endswith(b"ok")
        refused = _send_head(port, MAX_HEAD_BYTES + 1024)
        assert refused.startswith(b"HTTP/1.1 431"), refused[:200]
        assert b"application/problem+json" in refused and b'"status": 431' in refused
        many = _send_many_headers(port, 2000)  # 2000 small headers add up to ~50 KiB
        assert many.startswith(b"HTTP/1.1 431"), many[:200]
        assert _send_many_headers(port, 100).startswith(b"HTTP/1.1 200")
        huge = _send_head(port, 8 * 1024 * 1024)  # the attack: 8 MB of header
        assert huge == b"" or huge.startswith(b"HTTP/1.1 431"), huge[:200]
        assert not huge.startswith(b"HTTP/1.1 200")
        # the server is still there for the next client
        assert httpx.get(f"http://127.0.0.1:{port}/x").text == "ok"


def test_stock_httptools_accepts_an_8_mb_header():
    # The bad twin: what `badges serve` did before (http="httptools", no cap).
    with live(http="httptools") as port:
        assert _send_head(port, 8 * 1024 * 1024).startswith(b"HTTP/1.1 200")


# ---- access log -----------------------------------------------------------------------------

class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@contextmanager
def access_log(**options) -> Iterator[tuple[int, Capture]]:
    with live(**options) as port:
        capture = Capture()
        logger = logging.getLogger("uvicorn.access")
        logger.addHandler(capture)
        try:
            yield port, capture
        finally:
            logger.removeHandler(capture)


SECRET_URLS = [f"/share/{SHARE_TOKEN}", f"/share/{SHARE_TOKEN}.pdf", f"/mentor/{MENTOR_TOKEN}",
               f"/verify?url=https%3A%2F%2Fbadges.example%2Fshare%2F{SHARE_TOKEN}",
               f"/api/anything?token={MENTOR_TOKEN}&page=2"]


def test_access_log_redacts_share_and_mentor_tokens():
    with access_log(**server_options()) as (port, capture):
        for url in SECRET_URLS:
            assert httpx.get(f"http://127.0.0.1:{port}{url}").status_code == 200
        httpx.get(f"http://127.0.0.1:{port}/badges/123e4567-e89b-12d3-a456-426614174000")
        deadline = time.monotonic() + 5
        while len(capture.lines) < len(SECRET_URLS) + 1 and time.monotonic() < deadline:
            time.sleep(0.02)
    log = "\n".join(capture.lines)
    assert len(capture.lines) == len(SECRET_URLS) + 1, log
    assert SHARE_TOKEN not in log and MENTOR_TOKEN not in log
    assert log.count("[redacted]") == len(SECRET_URLS)
    assert "/share/[redacted].pdf" in log and "/mentor/[redacted]" in log and "page=2" in log
    assert "/badges/123e4567-e89b-12d3-a456-426614174000" in log  # nothing secret: left as is


def test_default_access_log_leaks_the_tokens():
    # The bad twin: uvicorn's own logging configuration prints the share token.
    with access_log() as (port, capture):
        httpx.get(f"http://127.0.0.1:{port}/share/{SHARE_TOKEN}")
        deadline = time.monotonic() + 5
        while not capture.lines and time.monotonic() < deadline:
            time.sleep(0.02)
    assert SHARE_TOKEN in "\n".join(capture.lines)


@pytest.mark.parametrize("text, expected", [
    (f"/share/{SHARE_TOKEN}", "/share/[redacted]"),
    (f"/mentor/{MENTOR_TOKEN}?x=1", "/mentor/[redacted]?x=1"),
    (f"/verify?url=https://h.example/share/{SHARE_TOKEN}", "/verify?url=https://h.example/share/[redacted]"),
    ("/x?Token=abc%2Fdef&y=1", "/x?Token=[redacted]&y=1"),
    ("/verify?url=https%3A%2F%2Fh%2Fx%3Fkey%3DSECRET%26a%3D1",
     "/verify?url=https%3A%2F%2Fh%2Fx%3Fkey%3D[redacted]%26a%3D1"),
    # good twins: nothing secret, nothing changed
    ("/api/transcripts/5/shares", "/api/transcripts/5/shares"),
    ("/share/", "/share/"),
    ("/sharepoint/abc", "/sharepoint/abc"),
    ("/x?monkey=1&tokens=2", "/x?monkey=1&tokens=2"),
])
def test_redact(text, expected):
    assert redact(text, secret_paths=("/share/", "/mentor/")) == expected


def test_filter_rewrites_the_record_arguments():
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5", "GET", f"/mentor/{MENTOR_TOKEN}", "1.1", 200), None)
    assert RedactSecrets(["/mentor/"]).filter(record)
    assert record.getMessage() == '127.0.0.1:5 - "GET /mentor/[redacted] HTTP/1.1" 200'
