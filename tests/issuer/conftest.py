"""Fixtures for issuer tests (both halves): see ``tests/platform_fixtures.py`` for the details.

``db`` gives each test a fresh database with every table created, on SQLite and (when
reachable at postgresql://postgres@127.0.0.1:5432/test) on a private PostgreSQL database;
``platform`` configures ``issuer.runtime`` (settings, FixedClock at NOW, KEK) on it; ``seed``
adds a district, two schools, users of every role and a token/session per role.
"""
from tests.platform_fixtures import *  # noqa: F401,F403
