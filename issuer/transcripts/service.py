"""Transcript use cases of the issuer: generate, read (who may see what), share links, live
verification for the share page, and cohort jobs. The engine-level work (CLR, PDF, cohort pool)
is ``issuer.transcripts.clr``; the data comes from ``issuer.transcripts.repo``.

Visibility: a student sees their own transcripts, a teacher or school admin their school's, a
district admin their district's; anything else is *not found*. The signed JSON at
``/transcripts/<uuid>.json`` is public by its unguessable id (like ``/credentials/<uuid>``):
the page-1 QR code makes any verifier fetch it. The HTML view and the PDF need an account or a
share link.
"""
from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import os
import secrets
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import anyio
import anyio.to_thread

from badges.rubrics import Level
from issuer import jobs, runtime
from issuer.transcripts import repo
from issuer.db.engine import write_transaction
from issuer.jobs import JobRunner, LeaseLost
from issuer.accounts import audit as audit_trail
from issuer.schools import identity
from issuer.credentials import status as status_service
from issuer.transcripts import clr as engine
from issuer.db.scope import LearnerScope
from issuer.access import STAFF, TEACHERS, acting_school, require, role_of, school_ids, scope_of
from issuer.errors import Conflict, InvalidInput, LinkExpired, NotFound
from issuer.errors import IssuerError

# The school's words for its levels, with a line for readers new to competency-based grading
# (the same four levels every rubric uses by default: badges.rubrics.DEFAULT_SCALE).
SCALE: tuple[Level, ...] = (
    Level(1, "Beginning", "Starting to show the competency, with a lot of support."),
    Level(2, "Developing", "Shows parts of the competency, with some support."),
    Level(3, "Proficient", "Meets the standard on their own: the level a badge requires."),
    Level(4, "Exceeds", "Goes beyond the standard and applies it in new situations."),
)
MAX_SHARE_DAYS = 366


def scale_for(badges: Iterable[dict]) -> tuple[Level, ...]:
    """The school's own words for its levels, read from the rubrics inside the badges (a school
    may rename them, e.g. "Emerging … Mastering"); ``SCALE`` when they name none or disagree."""
    found: dict[int, tuple[str, str]] = {}
    for badge in badges:
        subject = badge.get("credentialSubject") if isinstance(badge, dict) else None
        achievement = subject.get("achievement") if isinstance(subject, dict) else None
        for rd in _as_list(achievement.get("resultDescription") if isinstance(achievement, dict) else None):
            for lv in _as_list(rd.get("rubricCriterionLevel") if isinstance(rd, dict) else None):
                try:
                    value, name = int(lv.get("points") or lv.get("level")), str(lv["name"])
                except (AttributeError, KeyError, TypeError, ValueError):
                    continue
                if found.setdefault(value, (name, str(lv.get("description") or "")))[0] != name:
                    return SCALE
    if not found:
        return SCALE
    plain = {lv.value: lv for lv in SCALE}
    return tuple(Level(v, name, desc or (plain[v].description if v in plain and plain[v].name == name else ""))
                 for v, (name, desc) in sorted(found.items()))


def _bundled(clr: dict) -> list[dict]:
    subject = clr.get("credentialSubject") if isinstance(clr.get("credentialSubject"), dict) else {}
    return [c for c in _as_list(subject.get("verifiableCredential")) if isinstance(c, dict)]
LEFT_OUT = frozenset({"revoked", "suspended"})
INTERRUPTED = "interrupted by a restart: the service stopped while this job ran; start it again"


def _base() -> str:
    return runtime.current().settings.base_url


def _now() -> datetime:
    return runtime.current().clock.now()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def links_for(row: dict) -> engine.TranscriptLinks:
    return engine.transcript_links(_base(), str(row["uuid"]))


# --- who may see whom --------------------------------------------------------------------------

async def student_for(principal: Any, student: str | int | None) -> dict:
    """The student a transcript is for: a student only themself; staff a student of their schools."""
    role = role_of(principal)
    if role == "student":
        if student not in (None, "", principal.id, str(principal.id)):
            found = await repo.find_learner(str(student), school_ids=[principal.school_id])
            if found is None or found["id"] != principal.id:
                raise NotFound("no such student")
        row = await repo.learner(principal.id)
        if row is None:
            raise NotFound("no such student")
        return row
    require(principal, *STAFF)
    if student in (None, ""):
        raise InvalidInput("say which student: their id or email", field="student")
    row = await repo.find_learner(str(student), school_ids=await school_ids(principal))
    if row is None:
        raise NotFound("no such student")
    return row


async def visible(principal: Any, t_uuid: str) -> dict:
    row = await repo.transcript(t_uuid)
    if row is None:
        raise NotFound("no such transcript")
    role = role_of(principal)
    if role == "student" and row["learner"] == principal.id:
        return row
    if role in STAFF and row["school"] in await school_ids(principal):
        return row
    raise NotFound("no such transcript")


async def list_for(principal: Any, student: str | None = None) -> list[dict]:
    require(principal, "student", *STAFF)
    scope = await scope_of(principal)
    if student and role_of(principal) != "student":
        learner = await repo.find_learner(student, school_ids=sorted(scope.school_ids))
        if learner is None:
            raise NotFound("no such student")
        scope = LearnerScope(school_id=learner["school"], learner_id=learner["id"])
    return await repo.transcripts(scope)


# --- generating --------------------------------------------------------------------------------

class _AuditedSource(repo.DbTranscriptSource):
    """Stores each transcript together with its audit event (one transaction)."""

    def __init__(self, *, now: datetime, created_by: int | None, actor: Any, job: int | None = None,
                 stored_hook: Callable[[], Any] | None = None, **details: Any) -> None:
        super().__init__(now=now, created_by=created_by, job=job)
        self.actor, self.details = actor, details
        self.stored_hook = stored_hook  # a cohort job's progress, written in the same transaction

    async def store_transcript(self, *, learner_id: Any, clr_id: str, document: str, issued_at: datetime) -> None:
        async with write_transaction():
            await super().store_transcript(learner_id=learner_id, clr_id=clr_id, document=document,
                                           issued_at=issued_at)
            row = self.stored[-1]
            await audit_trail.record(self.actor, action="transcript.generate", school_id=row["school"],
                                     subject=row["clr_id"], at=issued_at, learner=row["learner"], **self.details)
            if self.stored_hook is not None:
                await self.stored_hook()


async def generate(principal: Any, student: str | int | None = None) -> tuple[dict, engine.TranscriptResult]:
    """Sign and store a new transcript of the student's current badges."""
    learner = await student_for(principal, student)
    return await generate_for(learner, created_by=getattr(principal, "id", None), actor=principal)


async def generate_for(learner: dict, *, created_by: int | None = None,
                       actor: Any = None) -> tuple[dict, engine.TranscriptResult]:
    """``actor``: who asked, for the audit log (None: the command line)."""
    now = _now()
    source = _AuditedSource(now=now, created_by=created_by, actor=actor)
    stored = await source.transcript_credentials(learner["id"])
    if not any(s.status not in LEFT_OUT for s in stored):
        raise Conflict("this student has no valid badges yet, so there is nothing to put on a transcript")
    school_id = learner["school"]
    result = await engine.build_transcript(source, learner["id"], issuer=await identity.issuer_profile(school_id),
                                           signer=await identity.signer_for(school_id), clock=runtime.current().clock,
                                           base_url=_base())
    return source.stored[-1], result


async def statuses_now(clr: dict) -> dict[str, str]:
    """Every bundled badge's status in our records right now (unknown ones count as active)."""
    subject = clr.get("credentialSubject") or {}
    bundled = [c for c in subject.get("verifiableCredential") or [] if isinstance(c, dict) and c.get("id")]
    rows = {r["credential_id"]: r for r in await repo.credentials_by_id(c["id"] for c in bundled)}
    now = _now()
    return {c["id"]: repo.credential_status(rows[c["id"]], now) if c["id"] in rows else "active" for c in bundled}


async def render_pdf(row: dict) -> bytes:
    """The printable transcript; WeasyPrint runs in a worker thread. The same transcript with the
    same badge statuses renders the same page, so recent PDFs are reused (a PDF takes ~1 s)."""
    clr_json = row["document"]
    statuses = await statuses_now(json.loads(clr_json))
    key = (str(row["uuid"]), hashlib.sha256(clr_json.encode("utf-8")).hexdigest(), tuple(sorted(statuses.items())))
    caches = runtime.current().caches
    with caches.lock:
        cached = caches.pdfs.get(key)
    if cached is not None:
        return cached
    links, base, now = links_for(row), _base(), _now()
    scale = scale_for(_bundled(json.loads(clr_json)))

    def work() -> bytes:
        return engine.render_transcript_pdf(clr_json, statuses=statuses, scale=scale, base_url=base, links=links,
                                            now=now)

    pdf = await anyio.to_thread.run_sync(work)
    with caches.lock:
        caches.pdfs[key] = pdf
    return pdf


async def render_html(row: dict, *, share: dict | None = None, pdf_url: str | None = None) -> str:
    clr = json.loads(row["document"])
    statuses = await statuses_now(clr)
    links = links_for(row)
    if pdf_url is not None:  # a share link's visitor has no account: the PDF comes through the link
        links = dataclasses.replace(links, pdf_url=pdf_url)
    return engine.render_transcript_html(clr, statuses=statuses, scale=scale_for(_bundled(clr)), base_url=_base(),
                                         links=links, now=_now(), share=share)


# --- share links -------------------------------------------------------------------------------

def share_url(token: str) -> str:
    return f"{_base()}/share/{token}"


async def create_share(principal: Any, t_uuid: str, *, expires_in_days: int | None = None,
                       expires_at: datetime | None = None, label: str = "") -> tuple[dict, str]:
    """(share row, token); the token is shown once, only its hash is kept."""
    row = await visible(principal, t_uuid)
    if role_of(principal) not in ("student", *TEACHERS, "district_admin"):
        raise NotFound("no such transcript")
    now = _now()
    if expires_at is None:
        days = 30 if expires_in_days is None else expires_in_days
        if not isinstance(days, int) or not 1 <= days <= MAX_SHARE_DAYS:
            raise InvalidInput(f"expiresInDays must be between 1 and {MAX_SHARE_DAYS}", field="expiresInDays")
        expires_at = now + timedelta(days=days)
    elif expires_at.tzinfo is None:
        raise InvalidInput("expiresAt needs a time zone", field="expiresAt")
    elif not now < expires_at <= now + timedelta(days=MAX_SHARE_DAYS):
        raise InvalidInput(f"expiresAt must be in the next {MAX_SHARE_DAYS} days", field="expiresAt")
    label = (label or "").strip()
    if len(label) > 255:
        raise InvalidInput("label is longer than 255 characters", field="label")
    token = secrets.token_urlsafe(32)
    async with write_transaction():
        share = await repo.insert_share(transcript_id=row["id"], token_hash=token_hash(token), label=label,
                                        created_by=getattr(principal, "id", None), created_at=now,
                                        expires_at=expires_at)
        await audit_trail.record(principal, action="transcript.share", school_id=row["school"], subject=row["clr_id"],
                                 at=now, share=share["id"], label=label, expires=expires_at.isoformat())
    return share, token


async def list_shares(principal: Any, t_uuid: str) -> list[dict]:
    return await repo.shares((await visible(principal, t_uuid))["id"])


async def revoke_share(principal: Any, t_uuid: str, share_id: int) -> dict:
    row = await visible(principal, t_uuid)
    share = await repo.share(share_id, row["id"])
    if share is None:
        raise NotFound("no such share link")
    now = _now()
    async with write_transaction():
        if await repo.revoke_share(share["id"], now):  # withdrawing it again changes nothing: no event
            await audit_trail.record(principal, action="transcript.share.withdraw", school_id=row["school"],
                                     subject=row["clr_id"], at=now, share=share["id"])
    return await repo.share(share_id, row["id"])


async def open_share(token: str) -> tuple[dict, dict]:
    """(transcript row, share row) for a live link; LinkExpired (410) when revoked or expired."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise NotFound("no such share link")
    share = await repo.share_by_hash(token_hash(token))
    if share is None:
        raise NotFound("no such share link")
    if share["revoked_at"] is not None:
        raise LinkExpired("this share link has been withdrawn by the student or the school")
    if share["expires_at"] is not None and share["expires_at"] <= _now():
        raise LinkExpired("this share link has expired")
    row = await repo.transcript_by_id(share["transcript"])
    if row is None:
        raise NotFound("no such share link")
    return row, share


# --- live verification (the share page) --------------------------------------------------------

def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [] if value is None else [value]


def _documents_named(clr: dict) -> tuple[set[str], set[str]]:
    """(controller ids, status list URLs) named by the CLR and every badge in it."""
    subject = clr.get("credentialSubject") if isinstance(clr.get("credentialSubject"), dict) else {}
    controllers, lists = set(), set()
    for doc in [clr, *(c for c in _as_list(subject.get("verifiableCredential")) if isinstance(c, dict))]:
        for proof in _as_list(doc.get("proof")):
            method = proof.get("verificationMethod") if isinstance(proof, dict) else None
            if isinstance(method, str):
                controllers.add(method.partition("#")[0])
        for entry in _as_list(doc.get("credentialStatus")):
            if isinstance(entry, dict) and isinstance(entry.get("statusListCredential"), str):
                lists.add(entry["statusListCredential"])
    return controllers, lists


async def local_documents(clr: dict) -> tuple[dict[str, dict], dict[str, dict], list[tuple[str, str]]]:
    """Our own DID documents and status lists named by ``clr`` — read from the database, never
    fetched over HTTP from ourselves. Returns (DID documents, status lists, trusted issuers)."""
    controllers, lists = _documents_named(clr)
    prefix = identity.district_did() + ":issuers:"
    dids: dict[str, dict] = {}
    trusted: list[tuple[str, str]] = []
    for did in controllers:
        if did.startswith(prefix):
            slug = did[len(prefix):]
            try:
                dids[did] = await identity.school_did_document(runtime.current(), slug)
            except IssuerError:
                continue
    for school in await repo.schools_by_slug(d[len(prefix):] for d in dids):
        trusted.append((identity.school_did_web(school["slug"]), school["name"]))
    base = _base()
    status_docs: dict[str, dict] = {}
    for url in lists:
        if not url.startswith(base + "/status/"):
            continue
        parts = urlsplit(url).path.rstrip("/").split("/")
        try:
            slug, purpose, list_no = parts[-3], parts[-2], int(parts[-1])
            status_docs[url] = json.loads(await status_service.list_document(slug, purpose, list_no))
        except (ValueError, IndexError, IssuerError):
            continue
    return dids, status_docs, trusted


async def verify_live(clr_json: str):
    """The engine's full verification of a stored CLR (and each badge in it) against our records."""
    from badges.errors import ResolutionError
    from badges.signing import ChainResolver, DidKeyResolver, DocumentResolver
    from badges.trust import TrustedIssuer, TrustRegistry
    from badges.verification import verify_credential

    dids, lists, trusted = await local_documents(json.loads(clr_json))
    resolver = ChainResolver(DidKeyResolver(), DocumentResolver(dids))
    trust = TrustRegistry([TrustedIssuer(i, name) for i, name in trusted])
    now = _now()

    def fetch(url: str) -> dict:
        if url not in lists:
            raise ResolutionError(f"the status list {url} is not one of this service's")
        return lists[url]

    def work():
        return verify_credential(clr_json, now=now, resolver=resolver, fetch_document=fetch, trust=trust)

    return await anyio.to_thread.run_sync(work)


def badge_statuses(report: Any) -> dict[str, str]:
    """Credential id → what the live check found, in words."""
    out = {}
    for nested in report.nested:
        cid = nested.credential.get("id")
        if not cid:
            continue
        if nested.verified:
            out[cid] = "verified"
            continue
        failed = {c.id.value: c for c in nested.failures}
        if "status" in failed:
            out[cid] = failed["status"].message.rstrip(".") or "revoked"
        elif set(failed) == {"validity"} and (failed["validity"].problem_type or "").endswith("/expired"):
            out[cid] = "expired (the signature is still genuine)"
        else:
            out[cid] = "NOT verified: " + ", ".join(sorted(failed))
    return out


async def share_page(token: str) -> tuple[str, Any]:
    """(HTML, live report) for a share link."""
    row, share = await open_share(token)
    report = await verify_live(row["document"])
    summary = ("the school's signature and every badge in it check out" if report.verified
               else "it does NOT verify: " + " ".join(c.message for c in report.failures))
    context = {"expires_at": share["expires_at"], "live_report": summary, "verified": report.verified,
               "badge_status": badge_statuses(report)}
    return await render_html(row, share=context, pdf_url=share_url(token) + ".pdf"), report


async def share_pdf(token: str) -> bytes:
    row, _ = await open_share(token)
    return await render_pdf(row)


# --- cohort jobs -------------------------------------------------------------------------------

async def start_cohort(principal: Any, *, school_id: int | None = None, background: bool = True,
                       workers: int | None = None, runner: JobRunner | None = None) -> dict:
    require(principal, *TEACHERS, "district_admin")
    school = await acting_school(principal, school_id)
    learners = await repo.learners_of_school(school)
    async with write_transaction():  # the job and its audit event together
        job = await repo.insert_job(school=school, created_by=getattr(principal, "id", None), status="queued",
                                    total=len(learners), created_at=_now(), learners=[u["id"] for u in learners],
                                    actor=jobs.actor_json(principal))
        out_dir = runtime.current().settings.data_dir / "transcripts" / str(job["uuid"])
        await repo.update_job(job["id"], out_dir=str(out_dir))
        await audit_trail.record(principal, action="transcript.cohort", school_id=school, subject=str(job["uuid"]),
                                 at=_now(), total=len(learners))
    if background:
        if runner is None:
            raise ValueError("a background job needs the app's runner")
        runner.submit("transcripts", job["id"])
    else:
        runner = runner or jobs.JobRunner.from_settings(runtime.current().settings)
        await runner.run("transcripts", job["id"], workers=workers)
    return await repo.job(job["uuid"])


async def job_status(principal: Any, j_uuid: str) -> dict:
    require(principal, *TEACHERS, "district_admin")
    job = await repo.job(j_uuid)
    if job is None or job["school"] not in await school_ids(principal):
        raise NotFound("no such job")
    return job


async def run_job(runner: JobRunner, job: dict, *, workers: int | None = None,
                  progress: Callable[[int, int, engine.CohortResult], None] | None = None,
                  stems: dict[int, str] | None = None) -> None:
    """The runner's handler: run (or resume) a cohort job from its row."""
    learners = job["learners"] or []
    if len(learners) != job["total"]:  # a job queued before learners were stored cannot be resumed
        await repo.update_job_leased(job["id"], runner.owner, status="failed", finished_at=_now(),
                                     errors=[{"student": None, "error": INTERRUPTED}])
        return
    await run_cohort(job, learners, workers=workers, progress=progress, stems=stems,
                     actor=jobs.actor_from_json(job["actor"]), runner=runner)


async def run_cohort(job: dict, learner_ids: list[int], *, runner: JobRunner, workers: int | None = None,
                     progress: Callable[[int, int, engine.CohortResult], None] | None = None,
                     stems: dict[int, str] | None = None, actor: Any = None) -> dict:
    """Every learner's transcript on every core, in chunks; each one is stored (so its QR code
    resolves) with the job's progress, in one transaction. Students this job has already stored
    are skipped, so a resumed job does only the rest. ``actor``: who started the job, for the
    audit log (None: the command line)."""
    owner = runner.owner
    done_before = await repo.learners_done_by_job(job["id"])
    todo = [i for i in learner_ids if i not in done_before]
    # errors of students still to do are found again; those of finished ones stay
    errors: list[dict] = [e for e in job["errors"] or [] if e.get("learner") not in todo and e.get("learner")]
    ok = len(done_before)
    try:
        if not await repo.update_job_leased(job["id"], owner, status="running", finished_at=None,
                                            processed=ok + len(errors), succeeded=ok, errors=errors):
            raise LeaseLost("the job was taken over")
        now = _now()
        names = stems or {}
        by_stem: dict[str, int] = {}

        async def stored() -> None:
            nonlocal ok
            if not await repo.update_job_leased(job["id"], owner, processed=ok + 1 + len(errors), succeeded=ok + 1,
                                                **runner.lease_columns()):
                raise LeaseLost("the job was taken over")
            ok += 1

        source = _AuditedSource(now=now, created_by=job.get("created_by"), actor=actor, job=job["id"],
                                stored_hook=stored)
        source.details = {"job": str(job["uuid"])}  # the audit events name the job by its public id

        def stem(learner_id: Any, _learner: dict) -> str:
            value = engine.safe_stem(names.get(learner_id) or str(learner_id))
            by_stem[value] = learner_id
            return value

        cohort = []
        for cohort_job in await engine.cohort_jobs(source, todo, stem=stem):
            if any(c.status not in LEFT_OUT for c in cohort_job.credentials):
                cohort.append(cohort_job)
            else:
                errors.append({"student": cohort_job.stem, "learner": by_stem[cohort_job.stem],
                               "error": "no valid badges yet"})
        scale = scale_for(json.loads(c.document) for j in cohort for c in j.credentials if c.status not in LEFT_OUT)
        school_id = job["school"]
        signer = await identity.signer_for(school_id)
        issuer = await identity.issuer_profile(school_id)
        base = _base()
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

            def work(part: list = part) -> list[engine.CohortResult]:
                return engine.generate_cohort(part, signer_seed=signer.private_bytes(),
                                              verification_method=signer.verification_method, issuer=issuer,
                                              base_url=base, scale=scale, now=now, out_dir=job["out_dir"] or None,
                                              workers=workers, progress=tick)

            for result in await anyio.to_thread.run_sync(work):
                if not result.ok:
                    errors.append({"student": result.stem, "learner": by_stem.get(result.stem),
                                   "error": result.error})
                    continue
                clr_json = result.clr_json or Path(result.paths[0]).read_text(encoding="utf-8")
                await source.store_transcript(learner_id=by_stem[result.stem], clr_id=result.clr_id,
                                              document=clr_json, issued_at=now)
        await repo.update_job_leased(job["id"], owner, status="done", processed=len(learner_ids), succeeded=ok,
                                     errors=errors, finished_at=_now())
    except LeaseLost:
        raise
    except Exception as exc:  # reported on the job, never lost in a background task
        message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        await repo.update_job_leased(job["id"], owner, status="failed",
                                     errors=[*errors, {"student": None, "error": message}], finished_at=_now())
    return await repo.job(job["uuid"])


async def wait_for_job(j_uuid: str, timeout: float = 600) -> dict:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        job = await repo.job(j_uuid)
        if job["status"] in ("done", "failed") or loop.time() > deadline:
            return job
        await asyncio.sleep(0.05)
