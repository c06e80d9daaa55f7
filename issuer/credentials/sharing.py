"""Sharing an issued badge: public page data, the learner's switches, downloads (JSON, baked PNG/SVG,
offline bundle), LinkedIn links, the QR code of the public page, the badge lists.

Who may read a badge by its link (``may_read``): anyone while the learner's public page is on (the
default, so links already given out keep working); when it is off, only the learner and the staff
of the issuing school. Everyone else is told the badge is not shared (404, ``NotShared``): the page,
the JSON at ``/credentials/<uuid>``, the downloads and the in-process verifier's link lookup alike.
Verifying a *file* needs none of these (only the DID document and the status list), so a learner
who turned the page off can still hand the file over."""
from __future__ import annotations

import html
import io
import json
import uuid as uuidlib
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from badges import bake
from issuer.access import Principal, Role, may_see, role_of, scope_of
from issuer.accounts import service as accounts
from issuer.catalog import achievements
from issuer.context import IssuerContext
from issuer.credentials import repo as credentials_repo
from issuer.credentials.rows import AwardedBadgeRow, AwardRow, HeldDocumentRow, IssuedCredentialRow
from issuer.errors import Forbidden, InvalidInput, NotFound
from issuer.evidence import service as evidence
from issuer.evidence.rows import FileRef
from issuer.render.qr import qr_png
from issuer.schools import identity
from issuer.storage import FileStore, check_hash
from issuer.svg_sanitiser import sanitise_svg
from issuer.transcripts.clr import verify_link

VC_MEDIA_TYPE = "application/vc+ld+json"
LINKEDIN_ADD = "https://www.linkedin.com/profile/add"
LINKEDIN_SHARE = "https://www.linkedin.com/sharing/share-offsite/"


class NotShared(NotFound):
    """The learner keeps this badge's page private: to anyone but them and their school's staff it
    is not there (404, so a private badge's existence is not confirmed beyond its own link)."""

    title = "Not shared"


async def may_read(viewer: Principal | None, row: IssuedCredentialRow) -> bool:
    """Whether ``viewer`` may read the badge behind its link (see the module docstring)."""
    if row.public_page:
        return True
    if viewer is None:
        return False
    return await may_see(viewer, school_id=row.school, learner_id=row.learner)


async def readable(viewer: Principal | None, row: IssuedCredentialRow) -> IssuedCredentialRow:
    if not await may_read(viewer, row):
        raise NotShared("the student has not shared this badge")
    return row


async def stored_credential(credential_uuid: uuidlib.UUID) -> IssuedCredentialRow:
    """A credential we issued (an awarded badge or a VC-API credential), exactly as stored."""
    row = await credentials_repo.issued_credential(uuid=credential_uuid)
    if row is None:
        raise NotFound("no such credential")
    return row


async def credential_row(c_uuid: str) -> IssuedCredentialRow:
    row = await credentials_repo.get_credential(c_uuid)
    if row is None or row.award is None:
        raise NotFound("no such badge")
    return row


async def badges_of(viewer: Principal) -> list[AwardedBadgeRow]:
    """The awarded badges ``viewer`` may list: a learner's own, staff their schools' (403 without
    the id the role needs)."""
    return await credentials_repo.list_credentials(await scope_of(viewer))


async def documents_in_force(who: Principal) -> list[HeldDocumentRow]:
    """A student's own badges in force, as signed, oldest first (the OB 3.0 REST API lists them)."""
    if who.role != Role.STUDENT or who.id is None:
        raise Forbidden("only a student's own badges are listed here")
    return await credentials_repo.documents_in_force(who.id)


def verify_url(ctx: IssuerContext, row: IssuedCredentialRow) -> str:
    """The verifier's page for the badge's public page (the verifier reads the credential behind
    it, as it would behind any page that links its credential as ``rel=alternate``)."""
    return verify_link(ctx.settings.base_url, public_url(ctx, row))


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


async def _award(row: IssuedCredentialRow) -> AwardRow | None:
    return await credentials_repo.get_award_by_id(row.award) if row.award else None


async def may_see_files(viewer: Principal | None, row: IssuedCredentialRow, award: AwardRow | None) -> bool:
    """Evidence files behind a badge: public to whoever has the badge's link while the learner
    shares them (the default); otherwise only the learner and staff of the issuing school."""
    if award is None or award.evidence_shared:
        return True
    if viewer is None:  # anonymous (the CLI): only what the learner shares
        return False
    return await may_see(viewer, school_id=row.school, learner_id=row.learner)


def is_owner(viewer: Principal | None, row: IssuedCredentialRow) -> bool:
    return viewer is not None and role_of(viewer) == "student" and viewer.id == row.learner


async def set_evidence_shared(viewer: Principal | None, c_uuid: str, shared: bool) -> bool:
    """The learner's switch (only theirs): whether the badge's evidence files are public."""
    row = await credential_row(c_uuid)
    if not is_owner(viewer, row) or row.award is None:
        raise NotFound("no such badge of yours")
    await credentials_repo.set_evidence_shared(row.award, bool(shared))
    return bool(shared)


async def set_sharing(viewer: Principal | None, c_uuid: str, *, public_page: bool | None = None,
                      show_name: bool | None = None) -> IssuedCredentialRow:
    """The learner's switches (only theirs): the public page on or off, their name on it or not."""
    row = await credential_row(c_uuid)
    if not is_owner(viewer, row):
        raise NotFound("no such badge of yours")
    await credentials_repo.set_badge_sharing(row.id, public_page=public_page, show_name=show_name)
    return await credential_row(c_uuid)


def public_url(ctx: IssuerContext, row: IssuedCredentialRow) -> str:
    return f"{ctx.settings.base_url}/badges/{row.uuid}"


def download_name(name: str, row: IssuedCredentialRow) -> str:
    """A file name for a download: the badge's name in ASCII letters and digits, then the short id
    (``data-storyteller-1a2b3c4d``), so a folder of downloads reads well and names never collide."""
    slug = "-".join("".join(c if c.isascii() and c.isalnum() else " " for c in name.lower()).split())[:60]
    return f"{slug or 'badge'}-{str(row.uuid)[:8]}"


def file_stem(row: IssuedCredentialRow) -> str:
    """``download_name`` of a stored badge, from the achievement name it was signed with."""
    subject = json.loads(row.document).get("credentialSubject") or {}
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    return download_name(str(achievement.get("name") or "") if isinstance(achievement, dict) else "", row)


def linkedin_links(*, name: str, school: str, organization_id: str, issued: datetime | None, url: str,
                   cert_id: str) -> dict[str, str]:
    """LinkedIn's "Add to profile" (the certification form, pre-filled) and "Share" URLs. The
    organisation goes by id when the school has registered one (LinkedIn then shows its logo),
    else by name."""
    fields: dict[str, str] = {"startTask": "CERTIFICATION_NAME", "name": name}
    if organization_id:
        fields["organizationId"] = organization_id
    else:
        fields["organizationName"] = school
    if issued is not None:
        fields["issueYear"], fields["issueMonth"] = str(issued.year), str(issued.month)
    fields["certUrl"], fields["certId"] = url, cert_id
    return {"add": f"{LINKEDIN_ADD}?{urlencode(fields)}", "share": f"{LINKEDIN_SHARE}?{urlencode({'url': url})}"}


def _issued(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError:
        return None


def _hashed_identity(subject: dict[str, Any]) -> bool:
    return any(isinstance(i, dict) and i.get("hashed") is True and i.get("salt")
               for i in _list(subject.get("identifier")))


async def badge_view(ctx: IssuerContext, c_uuid: str, viewer: Principal | None = None) -> dict[str, Any]:
    """Plain data for templates/badge/page.html.j2 (never a table row). The revocation reason
    is an internal record: the public page says that a badge is revoked, never why. Raises
    ``NotShared`` for a viewer who may not read it."""
    row = await readable(viewer, await credential_row(c_uuid))
    award = await _award(row)
    files_visible = await may_see_files(viewer, row, award)
    doc = json.loads(row.document)
    subject = doc["credentialSubject"]
    achievement = subject["achievement"]
    descriptions = {d["id"]: d for d in _list(achievement.get("resultDescription"))}
    results = []
    for r in _list(subject.get("result")):
        d = descriptions.get(r.get("resultDescription"), {})
        levels = {lv["id"]: lv for lv in _list(d.get("rubricCriterionLevel"))}
        required = levels.get(d.get("requiredLevel"), {})
        achieved = levels.get(r.get("achievedLevel"), {})
        results.append({"criterion": d.get("name", ""),
                        "achieved": achieved.get("name") or r.get("value", ""),
                        "achieved_level": achieved.get("level", ""),
                        "required": required.get("name") or d.get("requiredValue", ""),
                        "required_level": required.get("level", "")})
    issuer = doc["issuer"] if isinstance(doc["issuer"], dict) else {"id": doc["issuer"]}
    base = ctx.settings.base_url
    owner = is_owner(viewer, row)
    school = await identity.school_by_id(row.school)
    url = public_url(ctx, row)
    issuer_name = issuer.get("name", issuer.get("id"))
    name = achievement.get("name", "")
    learner_name = await accounts.display_name(row.learner) if row.learner is not None else ""
    files = download_name(name, row)
    return {
        "uuid": str(row.uuid),
        "credential_id": row.credential_id,
        "achievement_id": achievement.get("id", ""),
        "name": achievement.get("name", ""),
        "description": achievement.get("description", ""),
        "criteria": (achievement.get("criteria") or {}).get("narrative", ""),
        "image": (achievement.get("image") or {}).get("id"),
        "issuer_name": issuer.get("name", issuer.get("id")),
        "issuer_id": issuer.get("id"),
        "issuer_url": issuer.get("url"),
        "valid_from": doc.get("validFrom"),
        "results": results,
        "evidence": [{"id": e.get("id") if files_visible or not _is_file(e, row) else None,
                      "name": e.get("name") or e.get("id") or "Evidence",
                      "narrative": e.get("narrative"), "description": e.get("description"),
                      "genre": e.get("genre"), "withheld": not files_visible and _is_file(e, row)}
                     for e in _list(doc.get("evidence"))],
        "evidence_json": _list(doc.get("evidence")),
        "evidence_shared": award is None or bool(award.evidence_shared),
        "owner": is_owner(viewer, row),
        "competencies": [{"name": a.get("targetName"), "code": a.get("targetCode"), "url": a.get("targetUrl"),
                          "framework": a.get("targetFramework")} for a in _list(achievement.get("alignment"))],
        "revoked": row.revoked_at is not None,
        "suspended": bool(row.suspended),
        "json_url": f"{base}/credentials/{row.uuid}",
        "png_url": f"{base}/badges/{row.uuid}.png",
        "svg_url": f"{base}/badges/{row.uuid}.svg",
        "qr_url": f"{base}/badges/{row.uuid}/qr.png",
        "verify_url": verify_url(ctx, row),
        # sharing (issue 12): the learner's switches, the links and the downloads
        "public_url": url,
        "public_page": row.public_page,
        "show_name": row.show_name,
        "recipient_name": learner_name if row.show_name else "",
        "owner_name": learner_name if owner else "",
        "hashed_identity": _hashed_identity(subject),
        "school_name": school.name or issuer_name,
        "linkedin": linkedin_links(name=name, school=school.name or str(issuer_name),
                                   organization_id=school.linkedin_organization_id,
                                   issued=_issued(doc.get("validFrom")), url=url, cert_id=str(row.uuid)),
        "json_download_url": f"{base}/badges/{row.uuid}.json",
        "jwt_url": f"{base}/badges/{row.uuid}.jwt",
        "bundle_url": f"{base}/badges/{row.uuid}/bundle.zip",
        "download_name": files,
    }


def default_png(name: str) -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (256, 256), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.ellipse((8, 8, 248, 248), fill=(31, 78, 121, 255), outline=(242, 169, 0, 255), width=10)
    initials = "".join(w[0] for w in name.split()[:3]).upper() or "B"
    draw.text((128, 128), initials, fill=(255, 255, 255, 255), anchor="mm", font_size=72)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def default_svg(name: str) -> bytes:
    initials = html.escape("".join(w[0] for w in name.split()[:3]).upper() or "B")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256">'
            f'<title>{html.escape(name)}</title>'
            f'<circle cx="128" cy="128" r="118" fill="#1f4e79" stroke="#f2a900" stroke-width="10"/>'
            f'<text x="128" y="150" font-size="72" text-anchor="middle" fill="#fff" '
            f'font-family="sans-serif">{initials}</text></svg>').encode()


def _stored_image(data: bytes, media_type: str) -> bytes | None:
    """A stored badge image as served: an SVG passes the sanitiser again on the way out, so one
    uploaded before the allow-list (or written to the store by other means) cannot carry active
    content into a download; one that fails is not served."""
    if media_type != "image/svg+xml":
        return data
    try:
        return sanitise_svg(data)
    except InvalidInput:
        return None


async def _achievement_image(row: IssuedCredentialRow, store: FileStore, media_type: str) -> bytes | None:
    achievement = await achievements.by_id(row.achievement) if row.achievement is not None else None
    if achievement and achievement.image_sha256 and achievement.image_type == media_type:
        try:
            return _stored_image(store.get(achievement.image_sha256), media_type)
        except NotFound:
            return None
    return None


async def baked_png(c_uuid: str, store: FileStore, viewer: Principal | None = None) -> bytes:
    row = await readable(viewer, await credential_row(c_uuid))
    name = json.loads(row.document)["credentialSubject"]["achievement"].get("name", "")
    image = await _achievement_image(row, store, "image/png") or default_png(name)
    return bake.bake_png(image, row.document)


async def baked_svg(c_uuid: str, store: FileStore, viewer: Principal | None = None) -> bytes:
    row = await readable(viewer, await credential_row(c_uuid))
    name = json.loads(row.document)["credentialSubject"]["achievement"].get("name", "")
    image = await _achievement_image(row, store, "image/svg+xml") or default_svg(name)
    return bake.bake_svg(image, row.document)


async def qr(ctx: IssuerContext, c_uuid: str, viewer: Principal | None = None) -> bytes:
    """The QR code of the badge's public page (a phone opens the page; its "Verify" link is one tap)."""
    return qr_png(public_url(ctx, await readable(viewer, await credential_row(c_uuid))))


def _is_file(item: dict[str, Any], row: IssuedCredentialRow) -> bool:
    return isinstance(item.get("id"), str) and "/evidence/" in item["id"] and str(row.uuid) in item["id"]


async def evidence_file(c_uuid: str, sha256: str, store: FileStore,
                        viewer: Principal | None = None) -> tuple[bytes, FileRef]:
    """A file behind a badge's evidence: when the badge lists its hash and the viewer may see
    the badge's files (``may_see_files``)."""
    check_hash(sha256)
    row = await readable(viewer, await credential_row(c_uuid))
    award = await _award(row)  # the award of THIS badge (a learner may hold several of one achievement)
    if not await may_see_files(viewer, row, award):
        raise Forbidden("the student has not shared the evidence files of this badge")
    version = await evidence.version_by_id(award.version) if award and award.version else None
    for f in version.files if version else []:
        if f.sha256 == sha256 and sha256 in row.document:
            return store.get(sha256), f
    raise NotFound("no such file")


async def achievement_image(a_uuid: str, store: FileStore) -> tuple[bytes, str]:
    a = await achievements.find(a_uuid)
    if a is None or not a.image_sha256:
        raise NotFound("no such image")
    image = _stored_image(store.get(a.image_sha256), a.image_type)
    if image is None:
        raise NotFound("no such image")
    return image, a.image_type
