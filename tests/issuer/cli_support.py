"""The ``badges`` CLI with the issuer's commands, run in-process (shared by the issuer's CLI tests)."""
from __future__ import annotations

import argparse


def cli(*argv: str) -> int:
    from issuer.cli import register

    parser = argparse.ArgumentParser(prog="badges")
    register(parser.add_subparsers())
    args = parser.parse_args(list(argv))
    return args.func(args)


def init_and_issue(tmp_path, monkeypatch, capsys) -> dict:
    """``badges init`` in a fresh SQLite data dir, then one plain VC 2.0 credential with a status
    entry, issued through the VC-API use case; returns the signed credential."""
    import asyncio
    import json

    monkeypatch.setenv("BADGES_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert cli("init") == 0
    capsys.readouterr()

    async def issue() -> str:
        from issuer.credentials import vcapi
        from issuer.schools import repo as schools_repo

        school = (await schools_repo.schools())[0]
        text, _ = await vcapi.issue(ctx, school_id=school.id, credential={
            "@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
            "credentialSubject": {"id": "did:example:1"}}, options={"credentialStatus": {}})
        return text

    from issuer.context import build_context
    from issuer.settings import load

    ctx = build_context(load())
    credential: dict = json.loads(asyncio.run(issue()))
    return credential
