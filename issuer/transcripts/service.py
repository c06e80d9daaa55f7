"""Transcript use cases: who may see which transcript, generating one, rendering it (PDF, HTML).

Share links and the share page are ``issuer.transcripts.shares``; cohort jobs
``issuer.transcripts.cohort``. The engine-level work (CLR, PDF, cohort pool) is
``issuer.transcripts.clr``; our records come through ``issuer.transcripts.source`` and ``repo``.

Visibility: a student sees their own transcripts, a teacher or school admin their school's, a
district admin their district's; anything else is *not found*. The signed JSON at
``/transcripts/<uuid>.json`` is public by its unguessable id (like ``/credentials/<uuid>``):
the page-1 QR code makes any verifier fetch it. The HTML view and the PDF need an account or a
share link.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import anyio
import anyio.to_thread

from badges.rubrics import Level
from badges.transcript import ExternalCheck, external_ids
from badges.verification_checks import as_list
from issuer.access import STAFF, Principal, may_see, require, role_of, school_ids, scope_of
from issuer.context import IssuerContext
from issuer.db.scope import LearnerScope, SchoolScope
from issuer.errors import Conflict, InvalidInput, NotFound
from issuer.portfolio import imports
from issuer.schools import identity
from issuer.transcripts import clr as engine
from issuer.transcripts import repo
from issuer.transcripts.rows import LearnerRow, ListedTranscript, TranscriptHead, TranscriptRow
from issuer.transcripts.source import DbTranscriptSource, credential_status, learner_profile

# The school's words for its levels, with a line for readers new to competency-based grading
# (the same four levels every rubric uses by default: badges.rubrics.DEFAULT_SCALE).
SCALE: tuple[Level, ...] = (
    Level(1, "Beginning", "Starting to show the competency, with a lot of support."),
    Level(2, "Developing", "Shows parts of the competency, with some support."),
    Level(3, "Proficient", "Meets the standard on their own: the level a badge requires."),
    Level(4, "Exceeds", "Goes beyond the standard and applies it in new situations."),
)
LEFT_OUT = frozenset({"revoked", "suspended"})


def scale_for(badges: Iterable[Mapping[str, Any]]) -> tuple[Level, ...]:
    """The school's own words for its levels, read from the rubrics inside the badges (a school
    may rename them, e.g. "Emerging … Mastering"); ``SCALE`` when they name none or disagree."""
    found: dict[int, tuple[str, str]] = {}
    for badge in badges:
        subject = badge.get("credentialSubject") if isinstance(badge, dict) else None
        achievement = subject.get("achievement") if isinstance(subject, dict) else None
        for rd in as_list(achievement.get("resultDescription") if isinstance(achievement, dict) else None):
            for lv in as_list(rd.get("rubricCriterionLevel") if isinstance(rd, dict) else None):
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


def bundled(clr: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The badges inside a CLR."""
    subject = clr.get("credentialSubject")
    if not isinstance(subject, dict):
        return []
    return [c for c in as_list(subject.get("verifiableCredential")) if isinstance(c, dict)]


def schools_own(clr: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The school's badges inside a CLR (its external learning left out: another issuer's rubric
    words are not the school's scale)."""
    outside = external_ids(clr)
    return [c for c in bundled(clr) if c.get("id") not in outside]


def links_for(ctx: IssuerContext, row: TranscriptHead) -> engine.TranscriptLinks:
    return engine.transcript_links(ctx.settings.base_url, str(row.uuid))


# --- who may see whom --------------------------------------------------------------------------

async def student_for(principal: Principal, student: str | int | None) -> LearnerRow:
    """The student a transcript is for: a student only themself; staff a student of their schools."""
    role = role_of(principal)
    if role == "student":
        if student not in (None, "", principal.id, str(principal.id)):
            own = [principal.school_id] if principal.school_id is not None else []
            found = await repo.find_learner(str(student), school_ids=own)
            if found is None or found.id != principal.id:
                raise NotFound("no such student")
        row = await repo.learner(principal.id) if principal.id is not None else None
        if row is None:
            raise NotFound("no such student")
        return row
    require(principal, *STAFF)
    if student in (None, ""):
        raise InvalidInput("say which student: their id or email", field="student")
    row = await repo.find_learner(str(student), school_ids=await school_ids(principal))
    if row is None or not await may_see(principal, school_id=row.school, learner_id=row.id):
        raise NotFound("no such student")
    return row


async def visible(ctx: IssuerContext, principal: Principal, t_uuid: str) -> TranscriptRow:
    row = await repo.transcript(t_uuid)
    if row is None:
        raise NotFound("no such transcript")
    role = role_of(principal)
    if role == "student" and row.learner == principal.id:
        return row
    if role in STAFF and await may_see(principal, school_id=row.school, learner_id=row.learner):
        return row
    raise NotFound("no such transcript")


async def list_for(ctx: IssuerContext, principal: Principal, student: str | None = None) -> list[ListedTranscript]:
    require(principal, "student", *STAFF)
    scope = await scope_of(principal)
    if student and isinstance(scope, SchoolScope):  # staff: one of their schools' students
        learner = await repo.find_learner(student, school_ids=sorted(scope.school_ids))
        if learner is None or learner.school is None or not scope.admits(school_id=learner.school,
                                                                         learner_id=learner.id):
            raise NotFound("no such student")
        scope = LearnerScope(school_id=learner.school, learner_id=learner.id)
    return await repo.transcripts(scope)


async def signed_document(ctx: IssuerContext, t_uuid: str) -> str:
    """The signed CLR as stored, for anyone holding its id (``/transcripts/<uuid>.json``)."""
    row = await repo.transcript(t_uuid)
    if row is None:
        raise NotFound("no such transcript")
    return row.document


# --- generating --------------------------------------------------------------------------------

async def generate(ctx: IssuerContext, principal: Principal, student: str | int | None = None, *,
                   external: Sequence[str] = ()) -> tuple[TranscriptRow, engine.TranscriptResult]:
    """Sign and store a new transcript of the student's current badges. ``external``: the uuids of
    badges from elsewhere in the student's backpack to carry as external learning; only the student
    chooses them (staff never see a backpack, so their transcripts carry none)."""
    learner = await student_for(principal, student)
    documents: list[str] = []
    if external:
        if role_of(principal) != "student":
            raise InvalidInput("only the student can add badges from elsewhere to their transcript",
                               field="external")
        documents = await imports.for_transcript(ctx, principal, external)
    return await generate_for(ctx, learner, created_by=principal.id, actor=principal, external=documents)


async def generate_for(ctx: IssuerContext, learner: LearnerRow, *, created_by: int | None = None,
                       actor: Principal | None = None,
                       external: Sequence[str] = ()) -> tuple[TranscriptRow, engine.TranscriptResult]:
    """``actor``: who asked, for the audit log (None: the command line). The learner and their
    badges are read once, here. ``external``: credentials (JSON) for the external learning section."""
    if learner.school is None:
        raise NotFound("no such student")
    now = ctx.clock.now()
    details = {"external": len(external)} if external else None
    source = DbTranscriptSource(now=now, created_by=created_by, actor=actor, details=details)
    source.remember(learner)
    stored = await source.transcript_credentials(learner.id)
    if not any(s.status not in LEFT_OUT for s in stored):
        raise Conflict("this student has no valid badges yet, so there is nothing to put on a transcript")
    school_id = learner.school
    result = await engine.sign_transcript(stored, learner=learner_profile(learner),
                                          issuer=await identity.issuer_profile(ctx, school_id),
                                          signer=await identity.signer_for(ctx, school_id), now=now,
                                          base_url=ctx.settings.base_url, external=external)
    await source.store_transcript(learner_id=learner.id, clr_id=result.links.id, document=result.clr_json,
                                  issued_at=now)
    return source.stored[-1], result


# --- rendering ---------------------------------------------------------------------------------

async def statuses_now(ctx: IssuerContext, clr: Mapping[str, Any]) -> dict[str, str]:
    """Every bundled badge's status in our records right now (unknown ones count as active);
    external learning has none here (``external_checks``)."""
    outside = external_ids(clr)
    badges = [c for c in bundled(clr) if c.get("id") and c["id"] not in outside]
    rows = {r.credential_id: r for r in await repo.credentials_by_id(c["id"] for c in badges)}
    now = ctx.clock.now()
    return {c["id"]: credential_status(rows[c["id"]], now) if c["id"] in rows else "active" for c in badges}


async def external_checks(ctx: IssuerContext, clr: Mapping[str, Any]) -> dict[str, ExternalCheck]:
    """Each external credential verified again now by the mounted verifier, as the backpack does
    whenever it shows one (a revocation by its issuer since the transcript shows). Without a
    verifier (the command line) nothing is checked and the page says so."""
    outside = external_ids(clr)
    if not outside or ctx.verify is None:
        return {}
    verify = ctx.verify
    found: dict[str, ExternalCheck] = {}

    async def check(cred: Mapping[str, Any]) -> None:
        try:
            report = (await verify(engine.serialize(cred), allow_url=False)).report
        except Exception as exc:  # the verifier's input errors carry ``detail``; the record stays readable
            found[str(cred["id"])] = ExternalCheck(False, str(getattr(exc, "detail", "") or "It could not be read."))
            return
        failures = [c.message for c in report.checks if c.outcome == "fail"]
        found[str(cred["id"])] = ExternalCheck(bool(report.verified), " ".join(failures[:2]))

    async with anyio.create_task_group() as group:
        for cred in bundled(clr):
            if cred.get("id") in outside:
                group.start_soon(check, cred)
    return found


async def render_pdf(ctx: IssuerContext, row: TranscriptRow) -> bytes:
    """The printable transcript; WeasyPrint runs in a worker thread. The same transcript with the
    same badge statuses renders the same page, so recent PDFs are reused (a PDF takes ~1 s)."""
    clr_json = row.document
    clr = json.loads(clr_json)
    statuses = await statuses_now(ctx, clr)
    checks = await external_checks(ctx, clr)
    key = (str(row.uuid), hashlib.sha256(clr_json.encode("utf-8")).hexdigest(), tuple(sorted(statuses.items())),
           tuple(sorted((k, c.verified, c.message) for k, c in checks.items())))
    caches = ctx.caches
    with caches.lock:
        cached = caches.pdfs.get(key)
    if cached is not None:
        return cached
    links, base, now = links_for(ctx, row), ctx.settings.base_url, ctx.clock.now()
    scale = scale_for(schools_own(clr))

    def work() -> bytes:
        return engine.render_transcript_pdf(clr_json, statuses=statuses, scale=scale, base_url=base, links=links,
                                            now=now, external_checks=checks)

    pdf = await anyio.to_thread.run_sync(work)
    with caches.lock:
        caches.pdfs[key] = pdf
    return pdf


async def render_html(ctx: IssuerContext, row: TranscriptRow, *, share: Mapping[str, Any] | None = None,
                      pdf_url: str | None = None, page: Mapping[str, Any] | None = None) -> str:
    """``page``: the request's layout context (who is signed in, the menu, the language)."""
    clr = json.loads(row.document)
    statuses = await statuses_now(ctx, clr)
    links = links_for(ctx, row)
    if pdf_url is not None:  # a share link's visitor has no account: the PDF comes through the link
        links = dataclasses.replace(links, pdf_url=pdf_url)
    return engine.render_transcript_html(clr, statuses=statuses, scale=scale_for(schools_own(clr)),
                                         base_url=ctx.settings.base_url, links=links, now=ctx.clock.now(),
                                         share=share, page=page, external_checks=await external_checks(ctx, clr))
