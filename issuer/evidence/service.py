"""Evidence: a student's files, links and narrative; every revision kept as a new version."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from urllib.parse import urlsplit

import msgspec

from issuer.access import Principal, check_record, require, role_of, scope_of
from issuer.catalog import achievements
from issuer.context import IssuerContext
from issuer.errors import Conflict, InvalidInput, NotFound
from issuer.evidence import repo as evidence_repo
from issuer.evidence.rows import (
    EloRow,
    FileRef,
    ListedReview,
    ListedSubmission,
    SubmissionDetail,
    SubmissionRow,
    VersionRow,
)
from issuer.evidence.self_assessment import parse_self_assessment
from issuer.storage import FileStore, check_hash

MAX_FILES = 10
MAX_URLS = 10
MAX_NARRATIVE = 20000
OPEN = ("submitted", "needs_second", "moderation", "revise")

# An upload as the web layer reads it: (the client's file name, the bytes).
Upload = tuple[str | None, bytes]


def clean_urls(urls: Sequence[object] | None) -> list[str]:
    out = []
    for value in urls or []:
        u = str(value or "").strip()
        if not u:
            continue
        parts = urlsplit(u)
        if parts.scheme not in ("http", "https") or not parts.netloc or len(u) > 2000:
            raise InvalidInput(f"evidence links must be http(s) URLs: {u[:80]!r}", field="urls")
        out.append(u)
    if len(out) > MAX_URLS:
        raise InvalidInput(f"at most {MAX_URLS} links", field="urls")
    return out


def store_files(store: FileStore, files: Sequence[Upload]) -> list[FileRef]:
    if len(files) > MAX_FILES:
        raise InvalidInput(f"at most {MAX_FILES} files", field="files")
    stored = [store.put(data, filename=name) for name, data in files]
    return [FileRef(sha256=f.sha256, name=f.name, media_type=f.media_type, size=f.size) for f in stored]


def _content(narrative: str | None, urls: Sequence[object] | None, files: Sequence[Upload] | None,
             store: FileStore) -> tuple[str, list[str], list[FileRef]]:
    narrative = (narrative or "").strip()
    if len(narrative) > MAX_NARRATIVE:
        raise InvalidInput(f"narrative is longer than {MAX_NARRATIVE} characters", field="narrative")
    clean = clean_urls(urls)
    stored = store_files(store, files or [])
    if not (narrative or clean or stored):
        raise InvalidInput("evidence needs a narrative, a link or a file")
    return narrative, clean, stored


async def submit(ctx: IssuerContext, who: Principal, *, achievement_uuid: str, narrative: str | None,
                 urls: Sequence[object] | None, files: Sequence[Upload] | None,
                 kind: str = "classroom", self_ratings: Mapping[str, object] | None = None,
                 self_comment: object = None) -> SubmissionRow:
    """``self_ratings`` / ``self_comment``: the student's optional self-assessment against the
    achievement's rubric (``issuer.evidence.self_assessment``), checked before anything is stored."""
    require(who, "student")
    achievement = await achievements.find(achievement_uuid)
    if achievement is None or achievement.school != who.school_id or achievement.archived:
        raise NotFound("no such achievement")
    own = parse_self_assessment(achievement.rubric, self_ratings, self_comment)
    # A badge already held is no reason to refuse: new work may show a higher level (multiple
    # opportunities); the review decides whether it adds anything (issuer.evidence.review).
    text, links, stored = _content(narrative, urls, files, FileStore.from_settings(ctx.settings))
    now = ctx.clock.now()
    await evidence_repo.record_files(stored, created_at=now)
    return await evidence_repo.insert_submission(school_id=achievement.school, learner_id=who.id,
                                                 achievement_id=achievement.id, kind=kind, created_at=now,
                                                 narrative=text, urls=links, files=stored,
                                                 self_ratings=own.ratings, self_comment=own.comment)


async def revise(ctx: IssuerContext, who: Principal, submission_uuid: str, *, narrative: str | None,
                 urls: Sequence[object] | None, files: Sequence[Upload] | None,
                 self_ratings: Mapping[str, object] | None = None, self_comment: object = None) -> SubmissionRow:
    """A new version; the earlier ones and their reviews stay as they were."""
    require(who, "student")
    sub = await check_record(who, await evidence_repo.get_submission(submission_uuid), "submission")
    if sub.status == "awarded":
        raise Conflict("this submission has already earned its badge")
    achievement = await achievements.by_id(sub.achievement)
    own = parse_self_assessment(achievement.rubric if achievement else {}, self_ratings, self_comment)
    text, links, stored = _content(narrative, urls, files, FileStore.from_settings(ctx.settings))
    now = ctx.clock.now()
    await evidence_repo.record_files(stored, created_at=now)
    await evidence_repo.add_version(sub.id, sub.current_version + 1, narrative=text, urls=links,
                                    files=stored, created_at=now, self_ratings=own.ratings,
                                    self_comment=own.comment)
    revised = await evidence_repo.get_submission_by_id(sub.id)
    if revised is None:  # the row was read just above
        raise NotFound("no such submission")
    return revised


async def get_submission(ctx: IssuerContext, who: Principal, submission_uuid: str) -> SubmissionDetail:
    sub = await check_record(who, await evidence_repo.get_submission(submission_uuid), "submission")
    versions = await evidence_repo.versions(sub.id)
    reviews = await evidence_repo.reviews_for_submission(sub.id)
    blinded, shown = False, True
    if role_of(who) == "student":
        # a student sees the feedback and ratings, not who rated (second raters stay blind)
        reviews = [msgspec.structs.replace(r, reviewer=None, reviewer_name=None) for r in reviews]
        shown = False
    elif sub.status == "needs_second":
        reviews, blinded = blind(reviews, sub.current_version, who.id)
    achievement = await achievements.by_id(sub.achievement)
    if achievement is None:  # the foreign key keeps it
        raise NotFound("no such achievement")
    return SubmissionDetail(**msgspec.structs.asdict(sub), achievement_row=achievement, versions=versions,
                            reviews=reviews, blind=blinded, reviewers_shown=shown)


def blind(reviews: list[ListedReview], version: int, viewer: int | None) -> tuple[list[ListedReview], bool]:
    """A second rater rates blind: until both ratings of the version are in, the first
    rater's ratings, name and feedback are shown to nobody else on staff (the first rater
    still sees their own). Returns the reviews to show and whether any were withheld."""
    pending = [r for r in reviews if r.version_number == version and r.role == "rater"]
    if len(pending) >= 2 or any(r.reviewer == viewer for r in pending):
        return reviews, False
    shown = [r for r in reviews if not (r.version_number == version and r.role == "rater")]
    return shown, len(shown) != len(reviews)


async def list_submissions(ctx: IssuerContext, who: Principal, *,
                           statuses: list[str] | None = None) -> list[ListedSubmission]:
    require(who, "student", "teacher", "school_admin", "district_admin")
    return await evidence_repo.list_submissions(await scope_of(who), statuses=statuses)


async def review_queue(ctx: IssuerContext, who: Principal) -> list[ListedSubmission]:
    require(who, "teacher", "school_admin", "district_admin")
    return await evidence_repo.list_submissions(await scope_of(who),
                                                statuses=["submitted", "needs_second", "moderation"])


async def submission_file(ctx: IssuerContext, who: Principal, submission_uuid: str,
                          sha256: str) -> tuple[bytes, FileRef]:
    check_hash(sha256)
    sub = await check_record(who, await evidence_repo.get_submission(submission_uuid), "submission")
    for version in await evidence_repo.versions(sub.id):
        for f in version.files:
            if f.sha256 == sha256:
                return FileStore.from_settings(ctx.settings).get(sha256), f
    raise NotFound("no such file")


# --- what other domains read and do (they hold the ids already) ------------------------------------
async def version_by_id(version_id: int) -> VersionRow | None:
    """A version that earned a badge (``Award.version``)."""
    return await evidence_repo.get_version_by_id(version_id)


async def elo_of_submission(submission_id: int) -> EloRow | None:
    """The plan an ELO submission came from (its badge names the partner and the hours)."""
    return await evidence_repo.elo_for_submission(submission_id)


async def back_to_queue(submission_id: int, at: datetime) -> None:
    """Work held for a missing prerequisite goes back to the review queue once it is earned."""
    await evidence_repo.set_submission_status(submission_id, "submitted", at)
