"""``badges verifier serve``: the standalone verifier (entry point group ``badges.commands``)."""
from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction) -> None:
    verifier = subparsers.add_parser("verifier", help="the verification service")
    commands = verifier.add_subparsers(dest="verifier_command", required=True)
    serve = commands.add_parser("serve", help="run the standalone verifier (no database)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080)
    serve.add_argument("--documents", type=Path, metavar="DIR",
                       help="offline bundle: DID/controller documents and status lists (*.json, by id)")
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
    uvicorn.run("verifier.app:create_app", factory=True, host=args.host, port=args.port, workers=args.workers,
                log_level="info", access_log=False)
    return 0
