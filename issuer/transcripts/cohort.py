"""Cohort jobs: a transcript for every student of a school, on every core, as a job of
``issuer.jobs`` (its state and progress in its ``TranscriptJob`` row).

``start_cohort`` (the API) queues one for the runner; ``make_cohort`` (``badges transcript
--all``) runs one here with a progress line; ``run_job`` is the runner's handler, which runs or
resumes a job from its row: the students it has already stored a transcript for are skipped.
"""
from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio.to_thread

from issuer.access import TEACHERS, Principal, acting_school, require, school_ids
from issuer.accounts import audit as audit_trail
from issuer.context import IssuerContext
from issuer.db.engine import write_transaction
from issuer.errors import NotFound
from issuer.jobs import JobRunner, LeaseLost, actor_of, principal_of
from issuer.schools import identity
from issuer.transcripts import clr as engine
from issuer.transcripts import repo
from issuer.transcripts.rows import CohortError, TranscriptJobRow
from issuer.transcripts.service import LEFT_OUT, scale_for
from issuer.transcripts.source import DbTranscriptSource

INTERRUPTED = "interrupted by a restart: the service stopped while this job ran; start it again"
NO_BADGES = "no valid badges yet"

# (done, total, result) after each student rendered in this run
Progress = Callable[[int, int, engine.CohortResult], None]


async def start_cohort(ctx: IssuerContext, principal: Principal, *, school_id: int | None = None,
                       background: bool = True, workers: int | None = None) -> TranscriptJobRow:
    """Queue the job (with its audit event) and hand it to ``ctx.jobs``; or, not ``background``,
    run it here to its end."""
    require(principal, *TEACHERS, "district_admin")
    school = await acting_school(principal, school_id)
    learners = await repo.learners_of_school(school)
    now = ctx.clock.now()
    async with write_transaction():  # the job and its audit event together
        job = await repo.insert_job(school=school, created_by=principal.id, status="queued", total=len(learners),
                                    created_at=now, learners=[u.id for u in learners], actor=actor_of(principal))
        out_dir = ctx.settings.data_dir / "transcripts" / str(job.uuid)
        await repo.update_job(job.id, out_dir=str(out_dir))
        await audit_trail.record(principal, action="transcript.cohort", school_id=school, subject=str(job.uuid),
                                 at=now, total=len(learners))
    if background:
        ctx.jobs.submit(ctx, "transcripts", job.id)
    else:
        await ctx.jobs.run(ctx, "transcripts", job.id, workers=workers)
    return await _reread(job)


async def make_cohort(ctx: IssuerContext, school_id: int, out_dir: Path, *, workers: int | None = None,
                      progress: Progress | None = None) -> TranscriptJobRow:
    """Every student's transcript, run here to its end (the command line: no actor). Files are
    named by each student's email, or username. The job holds a lease, so a running app does not
    take it over."""
    learners = await repo.learners_of_school(school_id)
    job = await repo.insert_job(school=school_id, status="queued", total=len(learners), created_at=ctx.clock.now(),
                                out_dir=str(out_dir), learners=[u.id for u in learners])
    stems = {u.id: u.email or u.username for u in learners}
    await ctx.jobs.run(ctx, "transcripts", job.id, workers=workers, progress=progress, stems=stems)
    return await _reread(job)


async def job_status(ctx: IssuerContext, principal: Principal, j_uuid: str) -> TranscriptJobRow:
    require(principal, *TEACHERS, "district_admin")
    job = await repo.job(j_uuid)
    if job is None or job.school not in await school_ids(principal):
        raise NotFound("no such job")
    return job


async def wait_for_job(j_uuid: str, timeout: float = 600) -> TranscriptJobRow | None:
    """Until the job has finished (tests)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        job = await repo.job(j_uuid)
        if job is None or job.status in ("done", "failed") or loop.time() > deadline:
            return job
        await asyncio.sleep(0.05)


async def _reread(job: TranscriptJobRow) -> TranscriptJobRow:
    row = await repo.job_by_id(job.id)
    if row is None:
        raise NotFound("no such job")
    return row


# --- the runner's handler ----------------------------------------------------------------------

async def run_job(ctx: IssuerContext, runner: JobRunner, job_id: int, *, workers: int | None = None,
                  progress: Progress | None = None, stems: dict[int, str] | None = None) -> None:
    """Run (or resume) a cohort job from its row."""
    job = await repo.job_by_id(job_id)
    if job is None:
        return
    if len(job.learners) != job.total:  # a job queued before learners were stored cannot be resumed
        await repo.update_job_leased(job.id, runner.owner, status="failed", finished_at=ctx.clock.now(),
                                     errors=[CohortError(error=INTERRUPTED)])
        return
    await run_cohort(ctx, runner, job, workers=workers, progress=progress, stems=stems)


async def run_cohort(ctx: IssuerContext, runner: JobRunner, job: TranscriptJobRow, *, workers: int | None = None,
                     progress: Progress | None = None, stems: dict[int, str] | None = None) -> None:
    """Every learner's transcript on every core, in chunks; each one is stored (so its QR code
    resolves) with the job's progress, in one transaction. Students this job has already stored
    are skipped, so a resumed job does only the rest."""
    owner = runner.owner
    done_before = await repo.learners_done_by_job(job.id)
    todo = [i for i in job.learners if i not in done_before]
    # errors of students still to do are found again; those of finished ones stay
    errors = [e for e in job.errors if e.learner and e.learner not in todo]
    ok = len(done_before)
    try:
        if not await repo.update_job_leased(job.id, owner, status="running", finished_at=None,
                                            processed=ok + len(errors), succeeded=ok, errors=errors):
            raise LeaseLost("the job was taken over")
        now = ctx.clock.now()
        names = stems or {}
        by_stem: dict[str, int] = {}

        async def stored() -> None:
            nonlocal ok
            if not await repo.update_job_leased(job.id, owner, processed=ok + 1 + len(errors), succeeded=ok + 1,
                                                **runner.lease_columns()):
                raise LeaseLost("the job was taken over")
            ok += 1

        # the audit events name the job by its public id
        source = DbTranscriptSource(now=now, created_by=job.created_by, actor=principal_of(job.actor), job=job.id,
                                    stored_hook=stored, details={"job": str(job.uuid)})

        def stem(learner_id: int, _learner: dict[str, Any]) -> str:
            value = engine.safe_stem(names.get(learner_id) or str(learner_id))
            by_stem[value] = learner_id
            return value

        cohort = []
        for cohort_job in await engine.cohort_jobs(source, todo, stem=stem):
            if any(c.status not in LEFT_OUT for c in cohort_job.credentials):
                cohort.append(cohort_job)
            else:
                errors.append(CohortError(student=cohort_job.stem, learner=by_stem[cohort_job.stem], error=NO_BADGES))
        scale = scale_for(json.loads(c.document) for j in cohort for c in j.credentials if c.status not in LEFT_OUT)
        signer = await identity.signer_for(ctx, job.school)
        issuer = await identity.issuer_profile(ctx, job.school)
        base = ctx.settings.base_url
        rendered = 0

        def tick(_done: int, _total: int, result: engine.CohortResult) -> None:
            # (done, total) over the students rendered in this run, as one generate_cohort call said
            nonlocal rendered
            rendered += 1
            if progress is not None:
                progress(rendered, len(cohort), result)

        # In chunks, so that what is done is stored (and counted) while the rest renders.
        chunk = max(8, 4 * (workers or os.cpu_count() or 1))
        for at in range(0, len(cohort), chunk):
            part = cohort[at:at + chunk]

            def work(part: list[engine.CohortJob] = part) -> list[engine.CohortResult]:
                return engine.generate_cohort(part, signer_seed=signer.private_bytes(),
                                              verification_method=signer.verification_method, issuer=issuer,
                                              base_url=base, scale=scale, now=now, out_dir=job.out_dir or None,
                                              workers=workers, progress=tick)

            for result in await anyio.to_thread.run_sync(work):
                if not result.ok or result.clr_id is None:
                    errors.append(CohortError(student=result.stem, learner=by_stem.get(result.stem),
                                              error=result.error or "not made"))
                    continue
                clr_json = result.clr_json or Path(result.paths[0]).read_text(encoding="utf-8")
                await source.store_transcript(learner_id=by_stem[result.stem], clr_id=result.clr_id,
                                              document=clr_json, issued_at=now)
        await repo.update_job_leased(job.id, owner, status="done", processed=len(job.learners), succeeded=ok,
                                     errors=errors, finished_at=ctx.clock.now())
    except LeaseLost:
        raise
    except Exception as exc:  # reported on the job, never lost in a background task
        message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        await repo.update_job_leased(job.id, owner, status="failed", errors=[*errors, CohortError(error=message)],
                                     finished_at=ctx.clock.now())
