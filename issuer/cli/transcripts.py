"""``badges transcript (STUDENT | --all) [--out DIR]``.

STUDENT is a student's id, email or username: writes ``<student>.pdf`` and ``<student>.clr.json``.
``--all`` makes every student's transcript (every school, or ``--school``) on every core with
``generate_cohort``, printing a progress line. Each transcript is also stored, so the QR code
printed on it leads to a page that verifies. Registered through ``issuer.cli.PLUGIN_MODULES``.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from issuer.cli import command, context_for, fail, settings_for

if TYPE_CHECKING:  # imported when the command runs: registering it stays cheap
    from issuer.context import IssuerContext
    from issuer.transcripts.clr import CohortResult


async def _one(ctx: IssuerContext, args: argparse.Namespace, out: Path) -> int:
    from issuer.transcripts import repo
    from issuer.transcripts import service as cases
    from issuer.transcripts.clr import safe_stem

    learner = await repo.find_learner(args.student)
    if learner is None:
        return fail(f"no student {args.student!r} (give their id, email or username)")
    row, result = await cases.generate_for(ctx, learner)
    pdf = await cases.render_pdf(ctx, row)
    stem = safe_stem(args.student)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{stem}.clr.json").write_text(result.clr_json, encoding="utf-8")
    (out / f"{stem}.pdf").write_bytes(pdf)
    print(f"wrote {out / (stem + '.pdf')} and {out / (stem + '.clr.json')} ({result.links.id})")
    return 0


async def _all(ctx: IssuerContext, args: argparse.Namespace, out: Path) -> int:
    from issuer.cli import _first_school
    from issuer.schools import repo as schools_repo
    from issuer.transcripts import cohort

    schools = [await _first_school(args.school)] if args.school else await schools_repo.schools()
    failed = 0
    for school in schools:
        def progress(done: int, total: int, result: CohortResult, slug: str = school.slug) -> None:
            mark = "ok" if result.ok else f"FAILED ({result.error})"
            print(f"\r[{slug}] {done}/{total} {result.stem}: {mark}".ljust(79), end="", file=sys.stderr, flush=True)

        done = await cohort.make_cohort(ctx, school.id, out, workers=args.workers, progress=progress)
        print(file=sys.stderr)
        for error in done.errors:
            print(f"[{school.slug}] {error.student}: {error.error}", file=sys.stderr)
        failed += len([e for e in done.errors if e.error != cohort.NO_BADGES])
        print(f"[{school.slug}] {done.succeeded} transcript(s) of {done.total} student(s) in {out}")
        if done.status != "done":
            return fail(f"the cohort job for {school.slug} failed")
    return 1 if failed else 0


async def _transcript(args: argparse.Namespace) -> int:
    ctx = context_for(settings_for(args))
    out = Path(args.out)
    if args.all:
        return await _all(ctx, args, out)
    return await _one(ctx, args, out)


@command
def cmd_transcript(args: argparse.Namespace) -> int:
    if bool(args.all) == bool(args.student):
        return fail("give one STUDENT (id, email or username) or --all")
    try:
        return asyncio.run(_transcript(args))
    except LookupError as exc:
        return fail(str(exc))


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser("transcript", help="signed CLR transcript(s): <student>.pdf and <student>.clr.json")
    p.add_argument("student", nargs="?", metavar="STUDENT", help="the student's id, email or username")
    p.add_argument("--all", action="store_true", help="every student (on every core), with progress")
    p.add_argument("--school", help="with --all: only this school (slug)")
    p.add_argument("--out", default=".", help="output directory (default: the current one)")
    p.add_argument("--workers", type=int, default=None, help="with --all: worker processes (default: one per core)")
    p.add_argument("--base-url")
    p.set_defaults(func=cmd_transcript)
