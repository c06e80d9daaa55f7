"""Bulk award from CSV: validate every row first, then issue in small committed batches.

CSV columns: the student (``username`` or ``email``, or both), ``achievement`` (its id or exact
name; optional when the page chose one), then one column per rubric criterion id with the level.
A header cell may explain itself after a colon (``template_csv``: "reasoning: Reasoning (level
1–4; 3 needed)"); a ``student name`` column is for the reader and is not read. Validation is
synchronous and returns every row's errors, each with its column, in words; nothing is issued
unless every row is valid. A row whose student already holds the badge at that level or higher
is skipped (so the same file can be run again after a stop); at a higher level it is an error
(a bulk award cannot raise a badge's level). The issuing runs as a background task in batches: each
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
import logging
import uuid as uuidlib
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
from issuer.endorsements import embedding
from issuer.errors import InvalidInput, NotFound
from issuer.jobs import JobRunner, LeaseLost, actor_of, principal_of
from issuer.mail import notify
from issuer.mail import service as mail_service
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


# Columns of the file besides one per rubric criterion (by its id).
IDENTIFIERS = ("username", "email")  # which student: either, or both (they must agree)
IGNORED = frozenset({"student name", "name"})  # the template's reminder of who is who; never read
RECENT_JOBS = 10
log = logging.getLogger(__name__)


@dataclass
class Plan:
    school_id: int
    achievement: AchievementRow | None = None  # the one chosen on the page, for rows without a column
    # {line, learner, achievement (AchievementRow), ratings, student (what the file says), name}
    rows: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)  # {line, email, student, reason}
    # {line, email, student, errors: [message], problems: [{column, message}]}
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def learners(self) -> int:
        return len({r["learner"] for r in self.rows})

    def by_level(self) -> list[tuple[int, int]]:
        """(badge level, how many rows award it), lowest level first: a badge's level is its lowest
        criterion level (every criterion reached it)."""
        counts: dict[int, int] = {}
        for r in self.rows:
            level = min(r["ratings"].values()) if r["ratings"] else 0
            counts[level] = counts.get(level, 0) + 1
        return sorted(counts.items())


def column_key(cell: str) -> str:
    """The column a header cell names: its text before any ":" or " (" (the template explains each
    column there: "reasoning: Reasoning (level 1–4; 3 needed)"); the fixed columns in any case."""
    key = cell.split(":", 1)[0].split(" (", 1)[0].strip()
    return key.lower() if key.lower() in {*IDENTIFIERS, "achievement", *IGNORED} else key


def template_csv(achievement: AchievementRow) -> str:
    """The header line of a file for ``achievement``: the student, then one column per rubric
    criterion saying its name, its scale and the level needed."""
    rubric = rubrics.rubric_from_dict(achievement.rubric)
    header = ["username", "student name (optional, not read)"]
    for c in rubric.criteria:
        values = [lv.value for lv in c.levels]
        header.append(f"{c.id}: {c.name} (level {values[0]}–{values[-1]}; {c.required_level} needed)")
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(header)
    return out.getvalue()


def _read(data: bytes, *, need_achievement: bool = True) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"the CSV file is larger than {MAX_BYTES} bytes", field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the CSV file must be UTF-8", field="file") from None
    if "\x00" in text:
        raise InvalidInput("this is not a CSV file (it holds binary data)", field="file")
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [column_key(h) for h in reader.fieldnames or []]
        if not any(header):
            raise InvalidInput("the CSV file is empty", field="file")
        if not any(i in header for i in IDENTIFIERS):
            raise InvalidInput("the first line must name the columns: a username (or email) column, then one "
                               "column per rubric criterion", field="file")
        if need_achievement and "achievement" not in header:
            raise InvalidInput("the CSV header must include an achievement column", field="file")
        if len(set(header)) != len(header):
            raise InvalidInput("the CSV header repeats a column", field="file")
        reader.fieldnames = header
        rows = []
        for line, row in enumerate(reader, start=2):
            if None in row:
                raise InvalidInput(f"line {line}: more cells than columns", line=line, field="file")
            if not any((v or "").strip() for v in row.values()):
                continue
            rows.append((line, {k: (v or "").strip() for k, v in row.items()}))
            if len(rows) > MAX_ROWS:
                raise InvalidInput(f"at most {MAX_ROWS} rows", field="file")
    except csv.Error as exc:
        raise InvalidInput(f"malformed CSV: {exc}", field="file") from None
    if not rows:
        raise InvalidInput("the CSV file has no rows", field="file")
    return header, rows


def _check_columns(header: list[str], achievement: AchievementRow) -> None:
    """A file for the chosen achievement has exactly its criteria (and the fixed columns)."""
    rubric = rubrics.rubric_from_dict(achievement.rubric)
    missing = [f"{c.id} ({c.name})" for c in rubric.criteria if c.id not in header]
    known = {c.id for c in rubric.criteria} | set(IDENTIFIERS) | IGNORED | {"achievement"}
    unknown = [h for h in header if h and h not in known]
    if missing:
        raise InvalidInput(f"the file has no column for {', '.join(missing)}: is it the template of another "
                           f"achievement than {achievement.name}?", field="file", missing=missing)
    if unknown:
        raise InvalidInput(f"the file has columns {achievement.name}'s rubric does not have: {', '.join(unknown)}",
                           field="file", unknown=unknown)


async def school_achievements(principal: Principal, *, school_id: int | None = None) -> list[AchievementRow]:
    """What a bulk award may award: the school's achievements in use, by name."""
    require(principal, *TEACHERS, "district_admin")
    school = await acting_school(principal, school_id)
    return sorted(await catalog.of_school(school), key=lambda a: a.name.lower())


async def template(principal: Principal, achievement_uuid: str, *, school_id: int | None = None
                   ) -> tuple[AchievementRow, str]:
    """The achievement and the header line of its file (``template_csv``)."""
    chosen = {str(a.uuid): a for a in await school_achievements(principal, school_id=school_id)}.get(achievement_uuid)
    if chosen is None:
        raise InvalidInput("choose an achievement from the list", field="achievement")
    return chosen, template_csv(chosen)


async def validate(principal: Principal, data: bytes, *, school_id: int | None = None,
                   achievement: str | None = None) -> Plan:
    """Check every row; nothing is written. ``achievement`` (an id): the page's choice, for a file
    without an achievement column, whose columns must then be that rubric's."""
    require(principal, *TEACHERS, "district_admin")
    school = await acting_school(principal, school_id)
    # a teacher of a school with classes awards the students of their classes only (issuer.access)
    visible = await visible_learners(principal, school)
    achievements = await catalog.of_school(school)
    by_key = {str(a.uuid): a for a in achievements}
    chosen = None
    if achievement is not None:
        chosen = by_key.get(achievement)
        if chosen is None:
            raise InvalidInput("choose an achievement from the list", field="achievement")
    header, rows = _read(data, need_achievement=chosen is None)
    if chosen is not None and "achievement" not in header:
        _check_columns(header, chosen)
    plan = Plan(school_id=school, achievement=chosen)
    ident = "username" if "username" in header else "email"
    by_email = await user_directory.users_by_email(school, (r.get("email", "") for _, r in rows if r.get("email")))
    by_username = await user_directory.students_by_username(school, (r.get("username", "") for _, r in rows))
    by_name: dict[str, list[AchievementRow]] = {}
    for listed in achievements:
        by_name.setdefault(listed.name.strip().lower(), []).append(listed)
    names = {a.id: a.name for a in achievements}
    held = await credentials_repo.award_ratings_for_learners(
        [u["id"] for u in by_email.values()] + [u["id"] for u in by_username.values()])
    planned: dict[tuple[int, int], int] = {}
    for n, (line, r) in enumerate(rows, start=1):
        if n % YIELD_EVERY == 0:  # a long file: let other requests run meanwhile
            await asyncio.sleep(0)
        problems: list[tuple[str, str]] = []  # (column, what is wrong)
        username, email = r.get("username", ""), r.get("email", "")
        user = None
        if username:
            user = by_username.get(username)
            if user is None:
                problems.append(("username", f"no student with username {username!r} in this school"))
        if email:
            found = by_email.get(email.lower())
            if found is None:
                problems.append(("email", f"no student with email {email!r} in this school"))
            elif user is not None and found["id"] != user["id"]:
                problems.append(("email", f"{email!r} is another student's email than {username!r}'s"))
            else:
                user = found
        if not username and not email:
            problems.append((ident, "no student: write their username" if ident == "username"
                             else "no student: write their email"))
        elif user is not None and visible is not None and user["id"] not in visible:
            problems.append((ident, f"the student {username or email!r} is not in one of your classes"))
        a = chosen
        cell = r.get("achievement", "")
        if cell:
            a = by_key.get(cell)
            if a is None:
                named = by_name.get(cell.strip().lower(), [])
                a = named[0] if len(named) == 1 else None
                if len(named) > 1:
                    problems.append(("achievement", f"achievement name {cell!r} is ambiguous; use its id"))
                elif a is None:
                    problems.append(("achievement", f"no achievement {cell!r}"))
        elif a is None:
            problems.append(("achievement", "no achievement"))
        ratings: dict[str, int] = {}
        if a is not None:
            rubric = rubrics.rubric_from_dict(a.rubric)
            for c in rubric.criteria:
                values = [lv.value for lv in c.levels]
                scale = f"{values[0]}–{values[-1]}"
                value = r.get(c.id, "")
                if value == "":
                    problems.append((c.id, f"no level for {c.name}: write a level from {scale}"))
                    continue
                try:
                    level = int(value)
                except ValueError:
                    problems.append((c.id, f"{value!r} is not a level: write a whole number from {scale}"))
                    continue
                if level not in values:
                    problems.append((c.id, f"level {level} is not on this rubric's scale ({scale})"))
                    continue
                ratings[c.id] = level
            if not problems:
                try:
                    decision = award_rules.decide(rubric, ratings)
                except RubricError as exc:
                    problems.append((rubric.criteria[0].id, exc.message))
                else:
                    for unmet in decision.unmet:
                        column = unmet.id if unmet.id in ratings else "total"  # the rubric's total
                        problems.append((column, f"does not earn the badge: {unmet.reason}"))
        student = username or email
        name = str((user or {}).get("display_name") or student)
        if not problems and user is not None and a is not None:
            key = (user["id"], a.id)
            if key in planned:
                problems.append((ident, f"this student is already on line {planned[key]} for {a.name}"))
            elif key in held:
                old = min(held[key].values(), default=0)
                new = min(ratings.values(), default=0)
                if new <= old:
                    plan.skipped.append({"line": line, "email": email, "student": student, "name": name,
                                         "reason": "already awarded at this level" if new == old
                                         else f"already awarded at a higher level ({old})"})
                    continue
                problems.append((ident, f"already awarded at level {old}: a bulk award cannot raise it to {new}; "
                                        "rate new work for this student instead"))
            else:
                missing = [names.get(p, str(p)) for p in a.prerequisites
                           if (user["id"], p) not in held and (user["id"], p) not in planned]
                if missing:
                    problems.append((ident, "prerequisite not yet earned: " + ", ".join(missing)))
        if problems or user is None or a is None:  # (no problems: both were found)
            plan.errors.append({"line": line, "email": email, "student": student,
                                "errors": [m for _, m in problems],
                                "problems": [{"column": c, "message": m} for c, m in problems]})
            continue
        planned[(user["id"], a.id)] = line
        plan.rows.append({"line": line, "learner": user["id"], "achievement": a, "ratings": ratings,
                          "student": student, "name": name})
    return plan


async def start(ctx: IssuerContext, principal: Principal, data: bytes, *, school_id: int | None = None,
                background: bool = True, achievement: str | None = None,
                job_uuid: uuidlib.UUID | None = None) -> tuple[BulkJobRow, Plan]:
    """Validate, then (only when every row is valid) queue the job with its plan and hand it to
    ``ctx.jobs`` (``background``: it runs in the app or a worker; otherwise here, to its end).
    ``job_uuid``: the id the confirmation page chose; a job with it already (the same form sent
    twice) is returned as it is, and nothing starts again."""
    if job_uuid is not None:
        existing = await credentials_repo.get_bulk_job(job_uuid)
        if existing is not None:
            await check_school(principal, existing.school, "job")
            return existing, Plan(school_id=existing.school)
    plan = await validate(principal, data, school_id=school_id, achievement=achievement)
    if plan.errors:
        raise InvalidInput(f"{len(plan.errors)} row(s) have errors; nothing was issued", rows=plan.errors)
    empty = not plan.rows  # every row already awarded: nothing to run
    rows = [PlannedAward(line=r["line"], learner=r["learner"], achievement=r["achievement"].id,
                         ratings=r["ratings"]) for r in plan.rows]
    now = ctx.clock.now()
    try:
        async with write_transaction():  # the job and its audit event together
            job = await credentials_repo.insert_bulk_job(
                uuid=job_uuid, school=plan.school_id, created_by=principal.id, status="done" if empty else "queued",
                total=len(plan.rows), created_at=now, finished_at=now if empty else None, plan=rows,
                actor=actor_of(principal))
            await audit_trail.record(principal, action="awards.bulk", school_id=plan.school_id,
                                     subject=str(job.uuid), at=now, total=len(plan.rows),
                                     skipped=len(plan.skipped))
    except awarding.RETRYABLE:  # the same confirmation, sent twice at once: the other one won
        if job_uuid is None:
            raise
        existing = await credentials_repo.get_bulk_job(job_uuid)
        if existing is None:
            raise
        return existing, plan
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
    mail: list[int] = []  # the outbox messages this run queued
    actor = principal_of(job.actor)
    school_id = job.school
    try:
        if not await credentials_repo.update_bulk_job_leased(job.id, runner.owner, status="running", errors=[],
                                                             finished_at=None):
            raise LeaseLost("the job was taken over")
        kit = await awarding.issuer_kit(ctx, school_id)
        achievements = await catalog.by_ids(r.achievement for r in rows[done:])
        docs = {}
        endorsed = await embedding.documents_for(list(achievements))  # one query for the job's achievements
        for a_id, a in achievements.items():
            docs[a_id] = embedding.with_endorsements(await achievement_document(a, base_url=kit.base_url),
                                                     endorsed.get(a_id, []))
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
        school_name = await notify.school_name(school_id)
        loop = asyncio.get_running_loop()

        async def batch() -> tuple[int, int, list[int]]:
            # Retried from scratch by in_write_transaction after a unique-constraint race; rows
            # of earlier batches are committed with the progress that says so, and never run again.
            start, n, new_count = loop.time(), 0, 0
            notices: list[notify.AwardNotice] = []
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
                    notices.append(notify.AwardNotice(learner_id=row.learner, achievement=achievement.name,
                                                      credential_uuid=str(credential.uuid)))
                n += 1
                new_count += int(new)
                if loop.time() - start >= BATCH_SECONDS:
                    break
            # the students' notices, queued with their badges (delivered once the job has ended)
            queued = await notify.queue_awards(ctx, school_id=school_id, school=school_name, notices=notices)
            # progress and lease in the batch's own transaction: if another process has taken
            # the job (ours stalled past its lease), the batch rolls back instead.
            if not await credentials_repo.update_bulk_job_leased(job.id, runner.owner, processed=done + n,
                                                                 issued=issued + new_count,
                                                                 **runner.lease_columns()):
                raise LeaseLost("the job was taken over")
            return n, new_count, queued

        while done < len(rows):
            n, new_count, queued = await awarding.in_write_transaction(batch)
            done, issued = done + n, issued + new_count
            mail += queued
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
    # The job has ended (its page says so); now the students' mail, a chunk at a time. What a
    # stopped process did not hand on stays queued in the outbox for ``badges mail retry``.
    try:
        await mail_service.deliver_queued(ctx, mail)
    except Exception:  # the badges stand; the messages wait in the outbox
        log.warning("bulk job %s: handing on its mail failed", job.uuid, exc_info=True)


async def recent_jobs(ctx: IssuerContext, principal: Principal, *, limit: int = RECENT_JOBS) -> list[BulkJobRow]:
    """The jobs ``principal`` started in their school, newest first (the bulk page's list)."""
    require(principal, *TEACHERS, "district_admin")
    if principal.id is None:  # a school's token without a user: nobody's list
        return []
    school = await acting_school(principal)
    return await credentials_repo.bulk_jobs_by(created_by=principal.id, school=school, limit=limit)


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
