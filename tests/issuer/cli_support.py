"""The ``badges`` CLI with the issuer's commands, run in-process (shared by the issuer's CLI tests)."""
from __future__ import annotations

import argparse


def cli(*argv: str) -> int:
    from issuer.cli import register

    parser = argparse.ArgumentParser(prog="badges")
    register(parser.add_subparsers())
    args = parser.parse_args(list(argv))
    return args.func(args)
