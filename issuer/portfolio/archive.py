"""My data: everything a student holds here, as one ZIP archive (the portable "data backpack").

Layout of the archive (also written into its README.txt and manifest.json)::

    README.txt                       what each part is and how to check it
    manifest.json                    every file: path, what it is, sha256, size, media type
    badges/<name>-<uuid>.json        each badge exactly as signed (verify it anywhere)
    badges/<name>-<uuid>.png         the same badge baked into its image (OB 3.0 baking)
    transcript/transcript-<uuid>.clr.json   the latest transcript, the signed CLR 2.0
    transcript/transcript-<uuid>.pdf        its PDF (the signed CLR attached inside)
    evidence/<achievement>-<id>/v<n>/narrative.txt, links.txt, self-assessment.json, files/<name>
    evidence/<achievement>-<id>/reviews.json   the teachers' ratings and feedback
    portfolio/portfolio.json         the portfolio: reflections, pieces, what is public, links

Signed documents go in byte for byte as stored: a badge or transcript taken out of the archive
verifies as the one served. Everything is read as the student (their own records only) through
the owning domains' services; the archive is built in memory and compressed in a worker thread.
"""
from __future__ import annotations

import hashlib
import io
import json
import re
import unicodedata
import zipfile
from datetime import datetime
from typing import Any

import anyio.to_thread
import msgspec

from issuer.access import Principal, require
from issuer.context import IssuerContext
from issuer.credentials import sharing
from issuer.evidence import service as evidence
from issuer.portfolio import imports, repo, service
from issuer.schools import identity
from issuer.storage import FileStore
from issuer.transcripts import service as transcripts

README = """\
My data: everything {name} holds at {school}
Made {made} by {base_url}

This archive is yours to keep. Every badge and transcript in it is a verifiable
credential: it carries the school's digital signature, so anyone can check it with
any Open Badges 3.0 / CLR 2.0 verifier (for example {base_url}/verify), with no
account and without asking the school.

badges/      Each badge twice: NAME-ID.json is the signed credential exactly as
             issued (do not edit it: any change breaks the signature); NAME-ID.png is
             the badge image with the same credential baked inside, to upload to a
             backpack or a profile.
transcript/  Your latest transcript: the signed CLR 2.0 record (.clr.json) and its
             PDF (the same signed record is attached inside the PDF).
evidence/    The work you submitted, every version: narrative.txt, links.txt,
             your self-assessment and your files, as you uploaded them; and
             reviews.json, your teachers' ratings and feedback.
portfolio/   portfolio.json: your portfolio's title and reflection, each piece with
             your reflection and whether it is public, and your share links (their
             secret addresses are never stored, so they are not here).
elsewhere/   Badges you earned on other platforms and added to your backpack, exactly as
             you added them.
manifest.json  Every file in this archive with its SHA-256 checksum.

{transcript_note}
"""


class Entry(msgspec.Struct, frozen=True, kw_only=True):
    """One file of the archive, as ``manifest.json`` lists it (``data`` stays out of the manifest)."""
    path: str
    kind: str  # badge | baked-badge | transcript | transcript-pdf | narrative | links | self-assessment |
    #            evidence-file | reviews | portfolio
    description: str
    media_type: str
    data: bytes


def slug(text: str, *, limit: int = 40) -> str:
    """A safe path segment: ASCII letters, digits and dashes."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:limit].strip("-") or "item"


def _unique(path: str, taken: set[str]) -> str:
    stem, dot, ext = path.rpartition(".")
    candidate, n = path, 2
    while candidate in taken:
        candidate = f"{stem}-{n}.{ext}" if dot and "/" not in ext else f"{path}-{n}"
        n += 1
    taken.add(candidate)
    return candidate


async def _badges(ctx: IssuerContext, who: Principal, store: FileStore) -> tuple[list[Entry], list[dict[str, Any]]]:
    entries, listed = [], []
    for badge in await sharing.badges_of(who):
        row = await sharing.credential_row(str(badge.uuid))
        stem = f"badges/{slug(badge.achievement_name or 'badge')}-{badge.uuid}"
        status = "revoked" if row.revoked_at else "suspended" if row.suspended else "active"
        name = badge.achievement_name or "Badge"
        entries.append(Entry(path=f"{stem}.json", kind="badge", media_type="application/vc+ld+json",
                             description=f"{name}: the signed Open Badges 3.0 credential, as issued",
                             data=row.document.encode("utf-8")))
        entries.append(Entry(path=f"{stem}.png", kind="baked-badge", media_type="image/png",
                             description=f"{name}: the badge image with the credential baked in",
                             data=await sharing.baked_png(str(badge.uuid), store)))
        listed.append({"name": name, "id": row.credential_id, "issuedAt": row.issued_at.isoformat(),
                       "status": status, "page": f"{ctx.settings.base_url}/badges/{badge.uuid}"})
    return entries, listed


async def _transcript(ctx: IssuerContext, who: Principal) -> tuple[list[Entry], str]:
    made = await transcripts.list_for(ctx, who)
    if not made:
        return [], ("There is no transcript yet: make one on the Transcript page, then download "
                    "this archive again to include it.")
    row = await transcripts.visible(ctx, who, str(made[0].uuid))  # the newest
    stem = f"transcript/transcript-{row.uuid}"
    entries = [Entry(path=f"{stem}.clr.json", kind="transcript", media_type="application/vc+ld+json",
                     description="The latest transcript: the signed CLR 2.0 credential, as issued",
                     data=row.document.encode("utf-8"))]
    entries.append(Entry(path=f"{stem}.pdf", kind="transcript-pdf", media_type="application/pdf",
                         description="The latest transcript as a PDF (the signed CLR attached inside)",
                         data=await transcripts.render_pdf(ctx, row)))
    return entries, f"The transcript here was issued {row.issued_at.date().isoformat()}."


async def _evidence(ctx: IssuerContext, who: Principal) -> list[Entry]:
    entries: list[Entry] = []
    for listed in await evidence.list_submissions(ctx, who):
        detail = await evidence.get_submission(ctx, who, str(listed.uuid))
        folder = f"evidence/{slug(detail.achievement_row.name)}-{str(detail.uuid)[:8]}"
        for version in detail.versions:
            base = f"{folder}/v{version.number}"
            what = f"{detail.achievement_row.name}, version {version.number}"
            if version.narrative:
                entries.append(Entry(path=f"{base}/narrative.txt", kind="narrative", media_type="text/plain",
                                     description=f"Narrative for {what}", data=version.narrative.encode("utf-8")))
            if version.urls:
                entries.append(Entry(path=f"{base}/links.txt", kind="links", media_type="text/plain",
                                     description=f"Links for {what}",
                                     data=("\n".join(version.urls) + "\n").encode("utf-8")))
            if version.self_ratings or version.self_comment:
                own = {"ratings": version.self_ratings, "comment": version.self_comment}
                entries.append(Entry(path=f"{base}/self-assessment.json", kind="self-assessment",
                                     media_type="application/json", description=f"Your self-assessment of {what}",
                                     data=json.dumps(own, indent=2, ensure_ascii=False).encode("utf-8")))
            taken: set[str] = set()
            for f in version.files:
                data, _ = await evidence.submission_file(ctx, who, str(detail.uuid), f.sha256)
                name = _unique(_file_name(f.name), taken)
                entries.append(Entry(path=f"{base}/files/{name}", kind="evidence-file", media_type=f.media_type,
                                     description=f"File {f.name!r} of {what}", data=data))
        if detail.reviews:
            reviews = [{"version": r.version_number, "role": r.role, "ratings": r.ratings, "met": r.met,
                        "feedback": r.feedback, "criterionFeedback": r.criterion_feedback,
                        "reviewedAt": r.created_at.isoformat()} for r in detail.reviews]
            entries.append(Entry(path=f"{folder}/reviews.json", kind="reviews", media_type="application/json",
                                 description=f"Ratings and feedback on {detail.achievement_row.name}",
                                 data=json.dumps(reviews, indent=2, ensure_ascii=False).encode("utf-8")))
    return entries


def _file_name(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    if not dot:
        return slug(name, limit=80)
    return f"{slug(stem, limit=80)}.{slug(ext, limit=10)}"


async def _portfolio(ctx: IssuerContext, who: Principal) -> Entry | None:
    row = await repo.portfolio_of(who.id) if who.id is not None else None
    if row is None:
        return None
    pieces = await service.pieces_of(ctx, who)
    document = {
        "title": row.title, "reflection": row.reflection, "updatedAt": row.updated_at.isoformat(),
        "pieces": [{"kind": c.piece.kind if c.piece else "gone", "title": c.piece.title if c.piece else "",
                    "for": c.piece.context if c.piece else "", "url": c.piece.url if c.piece else None,
                    "badge": f"{ctx.settings.base_url}/badges/{c.piece.badge_uuid}"
                    if c.piece and c.piece.badge_uuid else None,
                    "reflection": c.item.reflection, "public": c.item.public}
                   for c in service.resolve(await repo.items(row.id), pieces)],
        "shareLinks": [{"label": s.label, "createdAt": s.created_at.isoformat(),
                        "withdrawnAt": s.revoked_at.isoformat() if s.revoked_at else None}
                       for s in await repo.shares(row.id)],
    }
    return Entry(path="portfolio/portfolio.json", kind="portfolio", media_type="application/json",
                 description="Your portfolio: reflections, pieces, what is public, share links",
                 data=json.dumps(document, indent=2, ensure_ascii=False).encode("utf-8"))


def _zip(entries: list[Entry], at: datetime) -> bytes:
    stamp = (max(at.year, 1980), at.month, at.day, at.hour, at.minute, at.second)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for e in entries:
            info = zipfile.ZipInfo(e.path, date_time=stamp)
            # PNG and PDF are compressed already: storing them saves time and nothing else
            info.compress_type = zipfile.ZIP_STORED if e.media_type in ("image/png", "application/pdf") \
                else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, e.data)
    return out.getvalue()


async def _elsewhere(who: Principal, store: FileStore) -> list[Entry]:
    """The badges from elsewhere, exactly as the student gave them (issuer.portfolio.imports)."""
    entries = []
    for row in await repo.imported_badges(who.id or 0):
        ext, media = imports.file_kind(row)
        entries.append(Entry(path=f"elsewhere/{slug(row.name)}-{row.uuid}.{ext}", kind="badge-from-elsewhere",
                             media_type=media, data=store.get(row.sha256),
                             description=f"{row.name}: a badge from {row.issuer_name or row.issuer_id}, "
                                         "as you added it"))
    return entries


async def build(ctx: IssuerContext, who: Principal) -> tuple[bytes, str]:
    """(the ZIP archive, its file name) of everything ``who`` (a student) holds."""
    require(who, "student")
    learner = await transcripts.student_for(who, None)
    store = FileStore.from_settings(ctx.settings)
    now = ctx.clock.now()
    badge_entries, badge_list = await _badges(ctx, who, store)
    transcript_entries, transcript_note = await _transcript(ctx, who)
    entries = [*badge_entries, *transcript_entries, *await _evidence(ctx, who), *await _elsewhere(who, store)]
    portfolio = await _portfolio(ctx, who)
    if portfolio is not None:
        entries.append(portfolio)
    taken: set[str] = set()
    entries = [msgspec.structs.replace(e, path=_unique(e.path, taken)) for e in entries]
    school = await identity.school_by_id(learner.school) if learner.school is not None else None
    name = learner.display_name or learner.username
    manifest = {
        "generatedAt": now.isoformat(), "generator": ctx.settings.base_url,
        "student": {"name": name, "username": learner.username, "school": school.name if school else None},
        "badges": badge_list,
        "files": [{"path": e.path, "kind": e.kind, "description": e.description, "mediaType": e.media_type,
                   "size": len(e.data), "sha256": hashlib.sha256(e.data).hexdigest()} for e in entries],
    }
    readme = README.format(name=name, school=school.name if school else "", made=now.date().isoformat(),
                           base_url=ctx.settings.base_url, transcript_note=transcript_note)
    head = [Entry(path="README.txt", kind="readme", media_type="text/plain", description="What is in this archive",
                  data=readme.encode("utf-8")),
            Entry(path="manifest.json", kind="manifest", media_type="application/json",
                  description="Every file of this archive, with its checksum",
                  data=json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8"))]
    data = await anyio.to_thread.run_sync(_zip, [*head, *entries], now)
    return data, f"my-data-{slug(learner.username)}-{now.date().isoformat()}.zip"


async def summary(ctx: IssuerContext, who: Principal) -> dict[str, int]:
    """What the archive would hold, counted for the page (no file is read)."""
    require(who, "student")
    subs = await evidence.list_submissions(ctx, who)
    row = await repo.portfolio_of(who.id) if who.id is not None else None
    return {"badges": len(await sharing.badges_of(who)), "transcripts": len(await transcripts.list_for(ctx, who)),
            "submissions": len(subs), "pieces": len(await repo.items(row.id)) if row else 0}
