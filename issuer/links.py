"""Bearer links: the unguessable tokens behind transcript and portfolio share links and mentor links.

A token is 256 random bits, shown once to the person who makes the link; only its sha256 is stored,
so a database dump opens nothing. ``plausible`` turns away what could never be one of our tokens
before any query runs.
"""
from __future__ import annotations

import hashlib
import secrets

__all__ = ["new_token", "plausible", "token_hash"]

TOKEN_BYTES = 32  # 43 characters of URL-safe base64


def new_token() -> tuple[str, str]:
    """(token for the URL, the hash to store)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def plausible(token: object) -> bool:
    return isinstance(token, str) and 20 <= len(token) <= 100
