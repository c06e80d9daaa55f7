"""How both services are served by uvicorn: a cap on request heads, and an access log that
never shows a secret carried in a URL.

* ``HeaderLimitedHttpToolsProtocol``: uvicorn's httptools protocol (the fast one ``badges serve``
  uses) has no limit on the request line and headers: it buffers an 8 MB header happily. This
  subclass answers ``431 Request Header Fields Too Large`` (a problem-details body) and closes
  the connection once a request's head passes ``MAX_HEAD_BYTES``. uvicorn's h11 protocol has the
  same cap through ``h11_max_incomplete_event_size``, which ``uvicorn_options`` sets as well.
* ``RedactSecrets``: a ``logging.Filter`` for ``uvicorn.access`` that replaces the path segment
  after each of ``secret_paths`` (the issuer's ``/share/<token>`` and ``/mentor/<token>``),
  raw or percent-encoded inside another URL (``/verify?url=…``), and the value of query
  parameters that carry secrets (``token``, ``key``…), with ``[redacted]``.

``uvicorn_options(secret_paths=…)`` returns the keyword arguments for ``uvicorn.run``.
"""
from __future__ import annotations

import copy
import json
import logging
import re
from collections.abc import Iterable
from typing import Any

from uvicorn.config import LOGGING_CONFIG
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["MAX_HEAD_BYTES", "HeaderLimitedHttpToolsProtocol", "RedactSecrets", "redact", "uvicorn_options"]

# Request line plus headers. Our requests need a few KiB (a session and a CSRF cookie, a
# /verify?url= link of at most 4096 characters); nginx and Node refuse past 8-32 KiB too.
MAX_HEAD_BYTES = 32 * 1024
REDACTED = "[redacted]"
SECRET_QUERY_PARAMETERS = ("token", "access_token", "key", "secret", "password", "code", "signature", "sig")


class _HeadTooLarge(Exception):
    """Raised from a parser callback; httptools wraps it in an ``HttpParserCallbackError``."""


class HeaderLimitedHttpToolsProtocol(HttpToolsProtocol):
    """httptools with a cap on the request head (request line and headers).

    Two counts, reset when a request begins: the URL and header bytes the parser hands over
    (exact, but httptools buffers one header whole before handing it over), and the bytes of
    every read after which the head is still unfinished (bounds that buffering: memory stays
    within the cap plus one read however long the header; it may count the tail of a pipelined
    previous request too, never less than the head). Past the cap: 431 and the connection closes."""

    max_head_bytes = MAX_HEAD_BYTES

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = False
        self._head_bytes = 0
        self._read_bytes = 0
        self._too_large = False

    def on_message_begin(self) -> None:
        self._in_head, self._head_bytes, self._read_bytes, self._too_large = True, 0, 0, False
        super().on_message_begin()

    def _count(self, size: int) -> None:
        self._head_bytes += size
        if self._head_bytes > self.max_head_bytes:
            self._too_large = True
            raise _HeadTooLarge

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)  # ": " and CRLF
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)  # a callback's _HeadTooLarge ends in send_400_response
        if not self._in_head or self.transport.is_closing():
            return
        self._read_bytes += len(data)
        if self._read_bytes > self.max_head_bytes:
            self.send_431_response()

    def send_400_response(self, msg: str) -> None:
        if self._too_large:
            self.send_431_response()
        else:
            super().send_400_response(msg)

    def send_431_response(self) -> None:
        body = json.dumps({
            "type": "about:blank", "title": "Request Header Fields Too Large", "status": 431,
            "detail": f"the request line and headers must fit in {self.max_head_bytes} bytes"}).encode()
        self._in_head = False
        self.logger.warning("Request head larger than %d bytes refused.", self.max_head_bytes)
        head = [b"HTTP/1.1 431 Request Header Fields Too Large\r\n"]
        for name, value in self.server_state.default_headers:
            head.extend([name, b": ", value, b"\r\n"])
        head.extend([b"content-type: application/problem+json\r\n",
                     b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
                     b"connection: close\r\n\r\n", body])
        self.transport.write(b"".join(head))
        self.transport.close()


def _path_pattern(secret_paths: Iterable[str]) -> re.Pattern[str] | None:
    names = [p.strip("/") for p in secret_paths if p.strip("/")]
    if not names:
        return None
    slash = r"(?:/|%2[Ff])"
    alternatives = "|".join(re.escape(n).replace("/", slash) for n in names)
    # The segment after the prefix, up to the next separator; a ".pdf" suffix stays readable.
    return re.compile(rf"({slash}(?:{alternatives}){slash})[^/?#&.%\s\"]+")


_QUERY = re.compile(r"((?:[?&]|%3F|%26)(?:" + "|".join(SECRET_QUERY_PARAMETERS) + r")(?:=|%3D))"
                    r"(?:(?!%26)[^&#\s\"])*", re.IGNORECASE)


def redact(text: str, *, secret_paths: Iterable[str] = ()) -> str:
    """``text`` with the secrets of URLs inside it replaced (see the module docstring)."""
    pattern = _path_pattern(secret_paths)
    if pattern is not None:
        text = pattern.sub(rf"\1{REDACTED}", text)
    return _QUERY.sub(rf"\1{REDACTED}", text)


class RedactSecrets(logging.Filter):
    """Rewrites a record's message arguments (uvicorn's access record carries the path in them)."""

    def __init__(self, secret_paths: Iterable[str] = ()) -> None:
        super().__init__()
        self._paths = tuple(secret_paths)

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a, secret_paths=self._paths) if isinstance(a, str) else a
                                for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg, secret_paths=self._paths)
        return True


def log_config(secret_paths: Iterable[str] = ()) -> dict[str, Any]:
    """uvicorn's logging configuration with ``RedactSecrets`` on its access logger."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_secrets"] = {"()": RedactSecrets, "secret_paths": list(secret_paths)}
    config["loggers"]["uvicorn.access"]["filters"] = ["redact_secrets"]
    return config


def uvicorn_options(*, secret_paths: Iterable[str] = ()) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.run`` / ``uvicorn.Config``: the capped httptools protocol
    (and the same cap should h11 be chosen instead) and the redacting access log."""
    return {"http": HeaderLimitedHttpToolsProtocol, "h11_max_incomplete_event_size": MAX_HEAD_BYTES,
            "log_config": log_config(secret_paths)}
