"""``badges verifier serve``: the standalone verifier (entry point group ``badges.commands``).

It also gives the engine's ``badges verify`` live resolution: did:web / https key documents and
status lists are fetched through the SSRF-safe fetcher, unless ``--documents DIR`` is given
(then the bundle alone is used, as before) or ``--offline``; ``--online`` fetches what the bundle
lacks even with ``--documents``. And ``badges bundle`` fetches, through the same fetcher, the
documents no local source (the issuer's database) has.
"""
from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the plugin stays cheap to load: the fetcher is imported when a command runs
    from badges.json_types import JsonObject
    from badges.signing.resolve import KeyResolver

__all__ = ["register"]


_Clients = tuple["KeyResolver", Callable[[str], "JsonObject"]]


def _auto_fetchers(documents_dir: str | Path | None, online: bool) -> _Clients:
    from verifier.fetch import cli_fetcher

    return cli_fetcher(documents_dir, online=online and documents_dir is None)


def _live_fetchers(documents_dir: str | Path | None, online: bool) -> _Clients:
    from verifier.fetch import cli_fetcher

    return cli_fetcher(documents_dir, online=True)


class _Online(argparse.Action):
    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        namespace.online = True
        namespace.fetchers = _live_fetchers


def _extend_verify(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The engine's seam (badges/cli.py ``_clients``): ``fetchers`` on the verify sub-parser."""
    verify = subparsers.choices.get("verify")
    if verify is None:
        return
    verify.set_defaults(fetchers=_auto_fetchers, online=True)
    verify.add_argument("--online", nargs=0, action=_Online,
                        help="fetch did:web/https keys and status lists live even with --documents")
    verify.add_argument("--offline", dest="online", action="store_false",
                        help="never use the network (only did:key and --documents)")


def _fetch_for_bundle(args: argparse.Namespace, refs: list[str]) -> tuple[dict[str, bytes], dict[str, str]]:
    from verifier.fetch import Fetcher, bundle_source

    fetcher = Fetcher()
    try:
        return bundle_source(fetcher)(args, refs)
    finally:
        fetcher.close()


def _extend_bundle(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``badges bundle`` fetches what no local source has: https only, through the SSRF-safe fetcher."""
    bundle = subparsers.choices.get("bundle")
    if bundle is not None:
        bundle.set_defaults(bundle_fetch=_fetch_for_bundle)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    _extend_verify(subparsers)
    _extend_bundle(subparsers)
    verifier = subparsers.add_parser("verifier", help="the verification service")
    commands = verifier.add_subparsers(dest="verifier_command", required=True)
    serve = commands.add_parser("serve", help="run the standalone verifier (no database)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--documents", type=Path, metavar="DIR",
                       help="offline bundle: a folder tree of DID/controller documents and status lists (by id)")
    serve.add_argument("--trust", type=Path, metavar="FILE",
                       help='known issuers: {"<issuer id>": {"name": …, "label": …}}')
    serve.add_argument("--allow-private-networks", action="store_true",
                       help="let fetches reach private/loopback addresses (tests only)")
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(func=_serve)


def _serve(args: argparse.Namespace) -> int:
    import os
    import sys

    import uvicorn

    env = {"VERIFIER_ALLOW_PRIVATE_NETWORKS": "1" if args.allow_private_networks else ""}
    if args.documents is not None:
        if not args.documents.is_dir():
            print(f"badges verifier serve: --documents {args.documents} is not a directory", file=sys.stderr)
            return 2
        env["VERIFIER_DOCUMENTS"] = str(args.documents.resolve())
    if args.trust is not None:
        try:
            from verifier.config import load_trust_file

            load_trust_file(args.trust)
        except ValueError as exc:
            print(f"badges verifier serve: {exc}", file=sys.stderr)
            return 2
        env["VERIFIER_TRUST"] = str(args.trust.resolve())
    os.environ.update(env)  # the app factory reads its settings from the environment (also in workers)
    from verifier.server import uvicorn_options

    uvicorn.run("verifier.app:serve_app", factory=True, host=args.host, port=args.port, workers=args.workers,
                log_level="info", access_log=False, **uvicorn_options())
    return 0
