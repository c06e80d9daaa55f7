"""What the browser tests share: an ASGI app under uvicorn on a loopback port, and the system Chromium.

The ``browser`` fixture that launches Chromium lives in this directory's conftest.py.
"""
from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# Each browser test module's pytestmark starts with these.
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serve(app, port: int, *, name: str, timeout: float) -> Iterator[str]:
    """Run ``app`` under uvicorn on 127.0.0.1:``port`` in a daemon thread; yield its base URL.

    The port is a parameter because some apps must know their own base URL before they exist.
    """
    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail(f"{name} did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def watch_csp(page) -> list[str]:
    """Collect the Content-Security-Policy violations Chromium reports on ``page`` (console
    errors "Refused to … because it violates the following Content Security Policy directive");
    a page fixture asserts the list is empty when the test is done."""
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    return violations
