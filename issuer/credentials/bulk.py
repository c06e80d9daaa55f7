"""Bulk award from CSV: validate every row first, then issue in small committed batches.

CSV columns: ``email``, ``achievement`` (its id or exact name), then one column per rubric
criterion id with the level. Validation is synchronous and returns every row's errors; nothing
is issued unless every row is valid. The issuing runs as a background task in batches: each
batch is one write transaction of at most ``BATCH_ROWS`` rows or ``BATCH_SECONDS`` of work, and
records the job's progress (processed, issued) in the same transaction, so the BulkJob row is
always exactly what is committed and other processes see it too. Between batches the writer
lock is released and the event loop runs other requests: on SQLite every statement of a write
transaction runs on the loop's own thread (``issuer.db.engine``), so one transaction for a whole
term's awards would stall the server until it ended.

Each badge is still all-or-nothing (``awarding.issue_locked``: award row, status index and signed
credential in one transaction), and exactly once (the unique learner/achievement constraint). The
job row holds the validated plan, so the job runner (``issuer.jobs``) resumes a job that a crash
or restart stopped from its first uncommitted row; a job that failed on an error keeps the
badges of its committed batches, and running the same file again skips them ("already
awarded") and issues the rest.
"""
from __future__ import annotations

import asyncio
import csv
import io
from dataclasses import dataclass, field
from typing import Any

from badges import award as award_rules
from badges import rubrics
from badges.errors import RubricError
from issuer.access import TEACHERS, Principal, acting_school, check_school, require, visible_learners
from issuer.accounts import audit as audit_trail
from issuer.accounts import directory as user_directory
from issuer.catalog import achievements as catalog
from issuer.catalog.achievements import achievement_document
from issuer.catalog.rows import AchievementRow
from issuer.context import IssuerContext
from issuer.credentials import awarding
from issuer.credentials import repo as credentials_repo
from issuer.credentials.bulk_rows import BulkError, BulkJobRow, PlannedAward
from issuer.db.engine import write_transaction
from issuer.errors import InvalidInput, NotFound
from issuer.jobs import JobRunner, LeaseLost, actor_of, principal_of
from issuer.schools import directory as schools

MAX_ROWS = 100_000
MAX_BYTES = 20 * 1024 * 1024
# One batch holds the writer lock (and, on SQLite, the event loop) for at most about this long.
BATCH_ROWS = 25
BATCH_SECONDS = 0.03
# Validation and the job's set-up work on the event loop; they let other requests in this often.
YIELD_EVERY = 50
# A job queued by a version that did not store its plan cannot be resumed.
INTERRUPTED = ("interrupted by a restart: the service stopped while this job ran; the badges issued "
               "before that are kept, run the same file again to issue the rest")


@dataclass
class Plan:
    school_id: int
    rows: list[dict[str, Any]] = field(default_factory=list)  # {line, learner, achievement, ratings}
    skipped: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)


def _read(data: bytes) -> list[tuple[int, dict[str, str]]]:
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"the CSV file is larger than {MAX_BYTES} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the CSV file must be UTF-8") from None
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [h.strip() for h in reader.fieldnames or []]
        if "email" not in header or "achievement" not in header:
            raise InvalidInput("the CSV header must include email and achievement columns")
        if len(set(header)) != len(header):
            raise InvalidInput("the CSV header repeats a column")
        reader.fieldnames = header
        rows = []
        for line, row in enumerate(reader, start=2):
            if None in row:
                raise InvalidInput(f"line {line}: more cells than columns", line=line)
            if not any((v or "").strip() for v in row.values()):
                continue
            rows.append((line, {k: (v or "").strip() for k, v in row.items()}))
            if len(rows) > MAX_ROWS:
                raise InvalidInput(f"at most {MAX_ROWS} rows")
    except csv.Error as exc:
        raise InvalidInput(f"malformed CSV: {exc}") from None
    if not rows:
        raise InvalidInput("the CSV file has no rows")
    return rows


async def validate(principal: Principal, data: bytes, *, school_id: int | None = None) -> Plan:
    require(principal, *TEACHERS, "district_admin")
    school = await acting_school(principal, school_id)
    rows = _read(data)
    plan = Plan(school_id=school)
    users = await user_directory.users_by_email(school, (r["email"] for _, r in rows))
    # a teacher of a school with classes awards the students of their classes only (issuer.access)
    visible = await visible_learners(principal, school)
    achievements = await catalog.of_school(school)
    by_key = {str(a.uuid): a for a in achievements}
    by_name: dict[str, list[AchievementRow]] = {}
    for listed in achievements:
        by_name.setdefault(listed.name.strip().lower(), []).append(listed)
    already = await credentials_repo.awards_for_learners(u["id"] for u in users.values())
    planned: set[tuple[int, int]] = set()
    for n, (line, r) in enumerate(rows, start=1):
        if n % YIELD_EVERY == 0:  # a long file: let other requests run meanwhile
            await asyncio.sleep(0)
        problems = []
        user = users.get(r["email"].lower())
        if user is None:
            problems.append(f"no student with email {r['email']!r} in this school")
        elif visible is not None and user["id"] not in visible:
            problems.append(f"the student with email {r['email']!r} is not in one of your classes")
        a = by_key.get(r["achievement"])
        if a is None:
            named = by_name.get(r["achievement"].strip().lower(), [])
            a = named[0] if len(named) == 1 else None
            if len(named) > 1:
                problems.append(f"achievement name {r['achievement']!r} is ambiguous; use its id")
            elif a is None:
                problems.append(f"no achievement {r['achievement']!r}")
        ratings: dict[str, int] = {}
        if a is not None:
            rubric = rubrics.rubric_from_dict(a.rubric)
            for c in rubric.criteria:
                value = r.get(c.id, "")
                if value == "":
                    problems.append(f"no rating for criterion {c.id!r}")
                    continue
                try:
                    ratings[c.id] = int(value)
                except ValueError:
                    problems.append(f"rating for {c.id!r} is not an integer: {value!r}")
            if not problems:
                try:
                    decision = award_rules.decide(rubric, ratings)
                except RubricError as exc:
                    problems.append(exc.message)
                else:
                    if not decision.awarded:
                        problems.append("does not meet the rubric: " + "; ".join(x.reason for x in decision.unmet))
        if not problems and user and a:
            key = (user["id"], a.id)
            if key in planned:
                problems.append("this student and achievement appear twice in the file")
            elif key in already:
                plan.skipped.append({"line": line, "email": r["email"], "reason": "already awarded"})
                continue
            else:
                missing = [p for p in a.prerequisites
                           if (user["id"], p) not in already and (user["id"], p) not in planned]
                if missing:
                    problems.append("prerequisites not yet earned")
        if problems or user is None or a is None:  # (no problems: both were found)
            plan.errors.append({"line": line, "email": r.get("email", ""), "errors": problems})
            continue
        planned.add((user["id"], a.id))
        plan.rows.append({"line": line, "learner": user["id"], "achievement": a, "ratings": ratings})
    return plan


async def start(ctx: IssuerContext, principal: Principal, data: bytes, *, school_id: int | None = None,
                background: bool = True) -> tuple[BulkJobRow, Plan]:
    """Validate, then (only when every row is valid) queue the job with its plan and hand it to
    ``ctx.jobs`` (``background``: it runs in the app or a worker; otherwise here, to its end)."""
    plan = await validate(principal, data, school_id=school_id)
    if plan.errors:
        raise InvalidInput(f"{len(plan.errors)} row(s) have errors; nothing was issued", rows=plan.errors)
    empty = not plan.rows  # every row already awarded: nothing to run
    rows = [PlannedAward(line=r["line"], learner=r["learner"], achievement=r["achievement"].id,
                         ratings=r["ratings"]) for r in plan.rows]
    now = ctx.clock.now()
    async with write_transaction():  # the job and its audit event together
        job = await credentials_repo.insert_bulk_job(school=plan.school_id, created_by=principal.id,
                                                     status="done" if empty else "queued", total=len(plan.rows),
                                                     created_at=now, finished_at=now if empty else None,
                                                     plan=rows, actor=actor_of(principal))
        await audit_trail.record(principal, action="awards.bulk", school_id=plan.school_id,
                                 subject=str(job.uuid), at=now, total=len(plan.rows),
                                 skipped=len(plan.skipped))
    if not empty:
        if background:
            ctx.jobs.submit(ctx, "bulk", job.id)
        else:
            await ctx.jobs.run(ctx, "bulk", job.id)
    return await _reread(job), plan


async def _reread(job: BulkJobRow) -> BulkJobRow:
    row = await credentials_repo.bulk_job_by_id(job.id)
    if row is None:
        raise NotFound("no such job")
    return row


async def run_job(ctx: IssuerContext, runner: JobRunner, job_id: int) -> None:
    """Run (or resume) a queued job from its row: the rows from ``processed`` on, in batches."""
    job = await credentials_repo.bulk_job_by_id(job_id)
    if job is None:
        return
    clock = ctx.clock
    rows = await credentials_repo.bulk_job_plan(job.id)
    if len(rows) != job.total:  # a job queued before plans were stored cannot be resumed
        await credentials_repo.update_bulk_job_leased(job.id, runner.owner, status="failed", finished_at=clock.now(),
                                                      errors=[BulkError(errors=[INTERRUPTED])])
        return
    done, issued = job.processed, job.issued
    actor = principal_of(job.actor)
    school_id = job.school
    try:
        if not await credentials_repo.update_bulk_job_leased(job.id, runner.owner, status="running", errors=[],
                                                             finished_at=None):
            raise LeaseLost("the job was taken over")
        kit = await awarding.issuer_kit(ctx, school_id)
        achievements = await catalog.by_ids(r.achievement for r in rows[done:])
        docs = {}
        for a_id, a in achievements.items():
            docs[a_id] = await achievement_document(a, base_url=kit.base_url)
        learners = {}
        for n, u in enumerate({r.learner for r in rows[done:]}, start=1):
            learner = await user_directory.get_user(u)
            if learner is None:  # deleted since the file was checked
                raise NotFound(f"no student {u}")
            learners[u] = learner
            if n % YIELD_EVERY == 0:
                await asyncio.sleep(0)
        now = clock.now()
        district = kit.school.district if kit.school else await schools.school_district(school_id)
        loop = asyncio.get_running_loop()

        async def batch() -> tuple[int, int]:
            # Retried from scratch by in_write_transaction after a unique-constraint race; rows
            # of earlier batches are committed with the progress that says so, and never run again.
            start, n, new_count = loop.time(), 0, 0
            for row in rows[done:done + BATCH_ROWS]:
                achievement = achievements[row.achievement]
                credential, new = await awarding.issue_locked(
                    ctx, kit=kit, school_id=school_id, learner=learners[row.learner],
                    achievement=achievement, achievement_doc=docs[achievement.id],
                    ratings=row.ratings, now=now, source="bulk")
                if new:
                    await audit_trail.record(actor, action="credential.award", school_id=school_id,
                                             district_id=district, subject=credential.credential_id, at=now,
                                             source="bulk", job=str(job.uuid), line=row.line,
                                             achievement=str(achievement.uuid), learner=row.learner)
                n += 1
                new_count += int(new)
                if loop.time() - start >= BATCH_SECONDS:
                    break
            # progress and lease in the batch's own transaction: if another process has taken
            # the job (ours stalled past its lease), the batch rolls back instead.
            if not await credentials_repo.update_bulk_job_leased(job.id, runner.owner, processed=done + n,
                                                                 issued=issued + new_count,
                                                                 **runner.lease_columns()):
                raise LeaseLost("the job was taken over")
            return n, new_count

        while done < len(rows):
            n, new_count = await awarding.in_write_transaction(batch)
            done, issued = done + n, issued + new_count
            await asyncio.sleep(0)  # the writer lock is free: requests waiting for it, or the loop, go first
        await credentials_repo.update_bulk_job_leased(job.id, runner.owner, status="done", processed=done,
                                                      issued=issued, errors=[], finished_at=clock.now())
    except LeaseLost:
        raise
    except Exception as exc:  # reported on the job; the failed batch has rolled back, earlier ones stay
        message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        if done:
            message += (f" (stopped after {done} of {len(rows)} rows, {issued} badge(s) issued; "
                        "run the same file again to issue the rest)")
        line = rows[done].line if done < len(rows) else None
        await credentials_repo.update_bulk_job_leased(job.id, runner.owner, status="failed", processed=done,
                                                      issued=issued, errors=[BulkError(line=line, errors=[message])],
                                                      finished_at=clock.now())


async def job_status(ctx: IssuerContext, principal: Principal, job_uuid: str) -> BulkJobRow:
    require(principal, *TEACHERS, "district_admin")
    job = await credentials_repo.get_bulk_job(job_uuid)
    if job is None:
        raise NotFound("no such job")
    await check_school(principal, job.school, "job")
    return job


async def wait(job_uuid: str, timeout: float = 600) -> BulkJobRow | None:
    """Until the job has finished (tests)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        job = await credentials_repo.get_bulk_job(job_uuid)
        if job is None or job.status in ("done", "failed") or loop.time() > deadline:
            return job
        await asyncio.sleep(0.05)
