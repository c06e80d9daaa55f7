"""Evidence: a student's files, links and narrative; every revision kept as a new version."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from issuer.catalog import repo as catalog_repo

from issuer.evidence import repo as evidence_repo
from issuer.access import check_record, require, role_of, scope_of
from issuer.errors import Conflict, InvalidInput, NotFound
from issuer.storage import FileStore, StoredFile, check_hash

MAX_FILES = 10
MAX_URLS = 10
MAX_NARRATIVE = 20000
OPEN = ("submitted", "needs_second", "moderation", "revise")


def clean_urls(urls: list | None) -> list[str]:
    out = []
    for u in urls or []:
        u = str(u or "").strip()
        if not u:
            continue
        parts = urlsplit(u)
        if parts.scheme not in ("http", "https") or not parts.netloc or len(u) > 2000:
            raise InvalidInput(f"evidence links must be http(s) URLs: {u[:80]!r}", field="urls")
        out.append(u)
    if len(out) > MAX_URLS:
        raise InvalidInput(f"at most {MAX_URLS} links", field="urls")
    return out


def store_files(store: FileStore, files: list[tuple[str | None, bytes]]) -> list[dict]:
    if len(files) > MAX_FILES:
        raise InvalidInput(f"at most {MAX_FILES} files", field="files")
    stored: list[StoredFile] = [store.put(data, filename=name) for name, data in files]
    return [{"sha256": f.sha256, "name": f.name, "mediaType": f.media_type, "size": f.size} for f in stored]


def _content(narrative: str | None, urls, files, store) -> tuple[str, list, list]:
    narrative = (narrative or "").strip()
    if len(narrative) > MAX_NARRATIVE:
        raise InvalidInput(f"narrative is longer than {MAX_NARRATIVE} characters", field="narrative")
    urls = clean_urls(urls)
    stored = store_files(store, files or [])
    if not (narrative or urls or stored):
        raise InvalidInput("evidence needs a narrative, a link or a file")
    return narrative, urls, stored


async def submit(principal: Any, *, achievement_uuid: str, narrative: str | None, urls: list | None,
                 files: list[tuple[str | None, bytes]] | None, store: FileStore, clock,
                 kind: str = "classroom") -> dict:
    require(principal, "student")
    achievement = await catalog_repo.get_achievement(achievement_uuid)
    if achievement is None or achievement["school"] != principal.school_id or achievement["archived"]:
        raise NotFound("no such achievement")
    # A badge already held is no reason to refuse: new work may show a higher level (multiple
    # opportunities); the review decides whether it adds anything (issuer.evidence.review).
    narrative, urls, stored = _content(narrative, urls, files, store)
    now = clock.now()
    await evidence_repo.record_files(stored, created_at=now)
    return await evidence_repo.insert_submission(school_id=achievement["school"], learner_id=principal.id,
                                        achievement_id=achievement["id"], kind=kind, created_at=now,
                                        narrative=narrative, urls=urls, files=stored)


async def revise(principal: Any, submission_uuid: str, *, narrative: str | None, urls: list | None,
                 files: list[tuple[str | None, bytes]] | None, store: FileStore, clock) -> dict:
    """A new version; the earlier ones and their reviews stay as they were."""
    require(principal, "student")
    sub = await check_record(principal, await evidence_repo.get_submission(submission_uuid), "submission")
    if sub["status"] == "awarded":
        raise Conflict("this submission has already earned its badge")
    narrative, urls, stored = _content(narrative, urls, files, store)
    now = clock.now()
    await evidence_repo.record_files(stored, created_at=now)
    await evidence_repo.add_version(sub["id"], sub["current_version"] + 1, narrative=narrative, urls=urls,
                           files=stored, created_at=now)
    return await evidence_repo.get_submission(submission_uuid)


async def get_submission(principal: Any, submission_uuid: str) -> dict:
    sub = await check_record(principal, await evidence_repo.get_submission(submission_uuid), "submission")
    sub["versions"] = await evidence_repo.versions(sub["id"])
    reviews = await evidence_repo.reviews_for_submission(sub["id"])
    sub["blind"] = False
    if role_of(principal) == "student":
        # a student sees the feedback and ratings, not who rated (second raters stay blind)
        reviews = [{k: v for k, v in r.items() if k not in ("reviewer", "reviewer_name")} for r in reviews]
    elif sub["status"] == "needs_second":
        reviews, sub["blind"] = blind(reviews, sub["current_version"], principal.id)
    sub["reviews"] = reviews
    sub["achievement_row"] = await catalog_repo.get_achievement_by_id(sub["achievement"])
    return sub


def blind(reviews: list[dict], version: int, viewer: Any) -> tuple[list[dict], bool]:
    """A second rater rates blind: until both ratings of the version are in, the first
    rater's ratings, name and feedback are shown to nobody else on staff (the first rater
    still sees their own). Returns the reviews to show and whether any were withheld."""
    pending = [r for r in reviews if r["version_number"] == version and r["role"] == "rater"]
    if len(pending) >= 2 or any(r["reviewer"] == viewer for r in pending):
        return reviews, False
    shown = [r for r in reviews if not (r["version_number"] == version and r["role"] == "rater")]
    return shown, len(shown) != len(reviews)


async def list_submissions(principal: Any, *, statuses: list[str] | None = None) -> list[dict]:
    require(principal, "student", "teacher", "school_admin", "district_admin")
    return await evidence_repo.list_submissions(await scope_of(principal), statuses=statuses)


async def review_queue(principal: Any) -> list[dict]:
    require(principal, "teacher", "school_admin", "district_admin")
    return await evidence_repo.list_submissions(await scope_of(principal),
                                       statuses=["submitted", "needs_second", "moderation"])


async def submission_file(principal: Any, submission_uuid: str, sha256: str, store: FileStore) -> tuple[bytes, dict]:
    check_hash(sha256)
    sub = await check_record(principal, await evidence_repo.get_submission(submission_uuid), "submission")
    for version in await evidence_repo.versions(sub["id"]):
        for f in version["files"]:
            if f["sha256"] == sha256:
                return store.get(sha256), f
    raise NotFound("no such file")
