"""``badges bundle`` on the issuer's own machine: its own DID documents and status lists come
from its database (``issuer.credentials.local_documents``), not over the network.

The engine's ``bundle`` command asks its ``bundle_local`` source first (this module), then the
verifier's fetcher for everything else. Badges issued on ``http://127.0.0.1:8000`` can only be
bundled here: their did:web and status URLs are never fetched (https only, no loopback).

The database is used only when this machine has one (``DATABASE_URL`` for PostgreSQL, or the
SQLite file in the data dir): ``badges bundle`` elsewhere must not create an empty database.
Registered through ``issuer.cli.PLUGIN_MODULES``.
"""
from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from issuer.schools.kek import KeyStoreError
from issuer.settings import Settings, SettingsError

if TYPE_CHECKING:
    from issuer.context import IssuerContext

__all__ = ["own_documents", "register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    bundle = subparsers.choices.get("bundle")
    if bundle is not None:
        bundle.set_defaults(bundle_local=_local_source)


def _local_source(args: argparse.Namespace, refs: list[str]) -> tuple[dict[str, bytes], dict[str, str]]:
    from issuer.cli import settings_for

    try:
        settings = settings_for(args)
    except SettingsError:
        return {}, {}  # not an issuer's machine: every document is fetched instead
    if not settings.is_postgres and not settings.sqlite_path.is_file():
        return {}, {}
    return asyncio.run(_lookup_all(settings, refs))


async def _lookup_all(settings: Settings, refs: list[str]) -> tuple[dict[str, bytes], dict[str, str]]:
    from issuer.cli import context_for

    try:
        ctx = context_for(settings)
    except (KeyStoreError, SettingsError):
        return {}, {}
    return await own_documents(ctx, refs)


async def own_documents(ctx: IssuerContext, refs: list[str]) -> tuple[dict[str, bytes], dict[str, str]]:
    """(found: ref → the document's text as bytes, problems) for the refs that are ours."""
    from issuer.credentials import local_documents

    found: dict[str, bytes] = {}
    problems: dict[str, str] = {}
    for ref in refs:
        if not local_documents.is_local(ctx, ref):
            continue
        text = await local_documents.lookup_text(ctx, ref)
        if text is None:
            problems[ref] = "this issuer has no such document (an unknown school or status list)"
        else:
            found[ref] = text.encode("utf-8")
    return found, problems
