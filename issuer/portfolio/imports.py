"""Badges from elsewhere in the student's backpack (issue 14).

A student adds a badge earned on another platform: a JSON file, a compact JWS, a baked PNG or
SVG, or an https link to one. The mounted verifier reads it exactly as the public verifier does
(``ctx.verify``): the same parsing, checks and trust list. What is kept is what was given, byte
for byte (the file, or the body the link returned, in the file store by its sha256), and the
credential read from it. A badge that does not verify (tampered, revoked, not a badge) is refused
with the verifier's reason; one that verifies with warnings (an issuer nobody registered) is
kept, and the warning shows with it.

Each badge is verified again whenever it is shown, so a revocation by its issuer shows here too.
It is marked "from <issuer>" and is never one of this school's badges: transcripts and progress
read the school's issued credentials only. Badges our own schools issued are refused here (they
are in "My badges" already).

A transcript's optional "external learning" section (``for_transcript``): the student picks
imported badges when making a transcript, and each goes into the signed CLR unchanged, listed
apart from the school's. Only what a CLR 2.0 record can hold unchanged qualifies
(``carry_reason``): a VC 2.0 JSON credential that verifies now. An Open Badges 2.0 assertion is
not a verifiable credential; a compact JWS (VC-JWT) has its proof outside the JSON, and the CLR
schema takes each credential as a JSON object (an ``EnvelopedVerifiableCredential`` does not pass
it), so neither can be carried. The choice is the student's alone and is not stored: staff never
see a student's backpack, so a transcript staff make has no external learning.
"""
from __future__ import annotations

import hashlib
import json
import uuid as uuidlib
from collections.abc import Mapping, Sequence
from typing import Any

import anyio
import msgspec

from badges.signing.keys import b64url_decode
from badges.verification_checks import as_list
from badges.verification_report import VerificationReport
from issuer.access import Principal, Role, require
from issuer.context import IssuerContext
from issuer.errors import InvalidInput, NotFound
from issuer.portfolio import repo
from issuer.portfolio.rows import ImportedBadgeRow
from issuer.schools import identity
from issuer.storage import FileStore

__all__ = ["MAX_IMPORT_BYTES", "Carriable", "ImportedBadge", "carriable", "carry_reason", "credentials_for_api",
           "file_kind", "for_transcript", "forget", "import_badge", "imported", "one", "upsert_badge"]

MAX_IMPORT_BYTES = 2_000_000  # the verifier's own limit for one credential
MAX_IMPORTS = 200


class ImportedBadge(msgspec.Struct, frozen=True, kw_only=True):
    """An imported badge as its pages show it: the stored row and the verdict of this showing."""
    row: ImportedBadgeRow
    verified: bool
    summary: str
    warnings: tuple[str, ...] = ()
    generation: str = ""  # "Open Badges 2.0 (hosted)" / "(signed)" for a 2.0 assertion; "" for a VC


# What a kept file is, by the verifier's format ("png+json" → "png"): (file extension, media type)
_FILE_KINDS = {"jwt": ("jws", "application/jwt"), "png": ("png", "image/png"), "svg": ("svg", "image/svg+xml")}


def file_kind(row: ImportedBadgeRow) -> tuple[str, str]:
    """(extension, media type) of the bytes the student gave (the download and "My data" name them)."""
    return _FILE_KINDS.get(row.format.split("+")[0], ("json", "application/json"))


def _issuer(info: Mapping[str, Any]) -> tuple[str, str]:
    """(issuer id, name) from the verifier's summary of the credential (``report.credential``)."""
    return str(info.get("issuerId") or ""), str(info.get("issuerName") or "")


def _name(info: Mapping[str, Any]) -> str:
    return str(info.get("achievementName") or info.get("name") or "A badge")


def _verdict(report: VerificationReport) -> tuple[bool, str, tuple[str, ...]]:
    failures = [c.message for c in report.checks if c.outcome == "fail"]
    warnings = tuple(c.message for c in report.checks if c.outcome == "warn")
    if report.verified:
        return True, "The signature is genuine and the badge is valid.", warnings
    return False, " ".join(failures[:2]) or "It could not be verified.", warnings


async def _check(ctx: IssuerContext, raw: bytes | str, *, allow_url: bool) -> Any:
    if ctx.verify is None:
        raise RuntimeError("this context has no verifier mounted (issuer.app.create_app sets ctx.verify)")
    try:
        return await ctx.verify(raw, allow_url=allow_url)
    except Exception as exc:
        # the verifier's InputError family (a link it cannot follow, a file too large) carries
        # ``detail``; the issuer does not import the verifier, so it is recognised by that
        message = getattr(exc, "detail", None)
        if not isinstance(message, str) or not message:
            raise
        raise InvalidInput(message, field="url" if allow_url else "file") from None


class _Checked(msgspec.Struct, frozen=True, kw_only=True):
    """A badge read and verified, ready to keep: the bytes given and what the verifier made of them."""
    raw: bytes
    values: dict[str, Any]  # the ImportedBadge columns it fills (all but uuid, learner, school, created_at)
    is_credential: bool  # a verifiable credential (OB 3.0), not an Open Badges 2.0 assertion


def _credential_id(document: Any) -> str:
    if isinstance(document, Mapping):
        vc = document.get("vc")
        inner: Mapping[str, Any] = vc if isinstance(vc, Mapping) else document
        value = inner.get("id") or document.get("jti")
        return str(value)[:2048] if isinstance(value, str) else ""
    return ""


def _is_credential(document: Any) -> bool:
    if not isinstance(document, Mapping):
        return False
    vc = document.get("vc")
    inner: Mapping[str, Any] = vc if isinstance(vc, Mapping) else document
    return "VerifiableCredential" in as_list(inner.get("type"))


async def _read(ctx: IssuerContext, who: Principal, *, data: bytes | None, url: str | None) -> _Checked:
    """Verify one badge from elsewhere (a file's bytes or an https link) and say what to keep."""
    require(who, Role.STUDENT)
    if who.id is None or who.school_id is None:
        raise NotFound("no such student")
    if (data is None) == (not url):
        raise InvalidInput("give a badge file or a link to one", field="file")
    if url is not None and not url.strip().lower().startswith("https://"):
        raise InvalidInput("a badge link must start with https://", field="url")
    if data is not None and len(data) > MAX_IMPORT_BYTES:
        raise InvalidInput(f"the file is larger than {MAX_IMPORT_BYTES:,} bytes", field="file")
    if data is not None and not data.strip():
        raise InvalidInput("the file is empty", field="file")
    verification = await _check(ctx, data if data is not None else url.strip(), allow_url=data is None)  # type: ignore[union-attr]
    report: VerificationReport = verification.report
    verified, summary, _ = _verdict(report)
    credential = dict(report.credential or {})  # the verifier's summary: id, names, issuer
    if report.document is None or report.failed("parse"):
        raise InvalidInput(f"this is not a badge: {summary}", field="url" if url else "file")
    if not verified:
        raise InvalidInput(f"this badge does not verify, so it was not added: {summary}",
                           field="url" if url else "file")
    issuer_id, issuer_name = _issuer(credential)
    ours = {issuer for _school, issuer in await identity.all_issuer_ids(ctx)}
    if issuer_id in ours:
        raise InvalidInput("this badge was issued by a school on this platform: it is in My badges already, "
                           "not a badge from elsewhere", field="url" if url else "file")
    raw = data if data is not None else (getattr(verification, "body", None) or b"")
    if not raw:
        raise InvalidInput("the link gave nothing to keep", field="url")
    document = report.document
    # a compact JWS is kept as the token itself; anything else as the credential read from it
    stored_document = (raw.decode("utf-8", "replace").strip() if report.format == "jwt"
                       else json.dumps(document, ensure_ascii=False))
    now = ctx.clock.now()
    values = dict(sha256=hashlib.sha256(raw).hexdigest(), media_type=(report.format or "")[:64], size=len(raw),
                  source="url" if url else "file", source_url=(url or "").strip()[:2048],
                  format=(report.format or "")[:16], document=stored_document, name=_name(credential)[:512],
                  issuer_id=issuer_id[:2048], issuer_name=issuer_name[:512], verified=True, summary=summary,
                  checked_at=now, credential_id=_credential_id(document))
    return _Checked(raw=raw, values=values, is_credential=_is_credential(document))


async def _keep(ctx: IssuerContext, who: Principal, checked: _Checked) -> ImportedBadgeRow:
    if await repo.count_imported(who.id or 0) >= MAX_IMPORTS:
        raise InvalidInput(f"a backpack holds at most {MAX_IMPORTS} badges from elsewhere", field="file")
    FileStore.from_settings(ctx.settings).write(checked.values["sha256"], checked.raw)
    row_id = await repo.insert_imported(uuid=uuidlib.uuid4(), learner=who.id, school=who.school_id,
                                        created_at=ctx.clock.now(), **checked.values)
    found = await repo.imported_badge_by_id(row_id)
    if found is None:
        raise NotFound("the imported badge vanished")
    return found


async def import_badge(ctx: IssuerContext, who: Principal, *, data: bytes | None = None,
                       url: str | None = None) -> ImportedBadgeRow:
    """Verify and keep one badge from elsewhere; ``data`` (a file) or ``url`` (https)."""
    checked = await _read(ctx, who, data=data, url=url)
    existing = await repo.imported_by_hash(who.id or 0, checked.values["sha256"])
    if existing is not None:
        return existing  # the same bytes again: already in the backpack
    return await _keep(ctx, who, checked)


async def upsert_badge(ctx: IssuerContext, who: Principal, data: bytes) -> tuple[ImportedBadgeRow, bool]:
    """The OB 3.0 REST API's upsert: keep a verifiable credential from elsewhere, replacing the one
    with the same ``id`` if the backpack has it. Returns the row and whether it is new."""
    checked = await _read(ctx, who, data=data, url=None)
    if not checked.is_credential:
        raise InvalidInput("this is an Open Badges 2.0 assertion, not an Open Badges 3.0 credential: "
                           "add it from the backpack's page instead", field="file")
    same = await repo.imported_by_hash(who.id or 0, checked.values["sha256"])
    if same is not None:
        return same, False  # the same bytes again: nothing to replace
    cid = checked.values["credential_id"]
    earlier = await repo.imported_by_credential_id(who.id or 0, cid) if cid else None
    if earlier is None:
        return await _keep(ctx, who, checked), True
    FileStore.from_settings(ctx.settings).write(checked.values["sha256"], checked.raw)
    await repo.replace_imported(earlier.id, **{**checked.values, "created_at": ctx.clock.now()})
    found = await repo.imported_badge_by_id(earlier.id)
    if found is None:
        raise NotFound("the imported badge vanished")
    return found, False


async def credentials_for_api(who: Principal) -> list[ImportedBadgeRow]:
    """The verifiable credentials from elsewhere that verified when last checked, oldest first
    (the REST API lists these; Open Badges 2.0 assertions are not credentials and stay out)."""
    require(who, Role.STUDENT)
    rows = await repo.imported_badges(who.id or 0)
    return sorted((r for r in rows if r.verified and _is_credential(_parsed(r.document))),
                  key=lambda r: (r.created_at, r.id))


def _parsed(document: str) -> Any:
    """The credential a stored document holds (a compact JWS's payload, or the JSON)."""
    text = document.strip()
    if text.startswith("{"):
        try:
            return json.loads(text)
        except ValueError:
            return None
    parts = text.split(".")
    if len(parts) != 3:
        return None
    try:
        return json.loads(b64url_decode(parts[1]))
    except ValueError:
        return None


async def _show(ctx: IssuerContext, row: ImportedBadgeRow) -> ImportedBadge:
    """Verify the kept bytes again, now (a revocation since the import shows)."""
    raw = FileStore.from_settings(ctx.settings).get(row.sha256)
    try:
        verification = await _check(ctx, raw, allow_url=False)
    except InvalidInput as exc:
        return ImportedBadge(row=row, verified=False, summary=exc.message)
    verified, summary, warnings = _verdict(verification.report)
    if verified != row.verified or summary != row.summary:
        await repo.record_check(row.id, verified=verified, summary=summary, at=ctx.clock.now())
    generation = str((verification.report.credential or {}).get("generation") or "")
    return ImportedBadge(row=row, verified=verified, summary=summary, warnings=warnings, generation=generation)


async def imported(ctx: IssuerContext, who: Principal) -> list[ImportedBadge]:
    require(who, Role.STUDENT)
    rows = await repo.imported_badges(who.id or 0)
    shown: list[ImportedBadge | None] = [None] * len(rows)

    async def show(n: int, row: ImportedBadgeRow) -> None:
        shown[n] = await _show(ctx, row)

    async with anyio.create_task_group() as group:
        for n, row in enumerate(rows):
            group.start_soon(show, n, row)
    return [s for s in shown if s is not None]


async def one(ctx: IssuerContext, who: Principal, badge_uuid: str) -> ImportedBadge:
    require(who, Role.STUDENT)
    try:
        key = uuidlib.UUID(badge_uuid)
    except ValueError:
        raise NotFound("no such badge in your backpack") from None
    row = await repo.imported_badge(who.id or 0, key)
    if row is None:
        raise NotFound("no such badge in your backpack")
    return await _show(ctx, row)


class Carriable(msgspec.Struct, frozen=True, kw_only=True):
    """An imported badge offered for a transcript's external learning; ``reason`` is "" when it can
    go in, else why not: ob2 | jwt | vc1 | no-id | unverified (the page words each)."""
    badge: ImportedBadge
    reason: str


_VC_V2 = "https://www.w3.org/ns/credentials/v2"


def carry_reason(shown: ImportedBadge) -> str:
    """Why this badge cannot go into a CLR unchanged ("" when it can); the kind first, then
    whether it verifies now."""
    if shown.row.format.split("+")[-1] == "jwt":
        return "jwt"
    doc = _parsed(shown.row.document)
    if not _is_credential(doc):
        return "ob2"
    contexts = doc.get("@context")
    first = contexts[0] if isinstance(contexts, list) and contexts else contexts
    if first != _VC_V2:
        return "vc1"
    subject = doc.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    if not isinstance(doc.get("id"), str) or not isinstance(achievement, dict) or not achievement.get("id"):
        return "no-id"
    return "" if shown.verified else "unverified"


_REFUSED = {
    "ob2": "it is an Open Badges 2.0 badge, not a verifiable credential, and a CLR record holds only signed "
           "verifiable credentials",
    "jwt": "it was signed as a compact token (VC-JWT), and a CLR 2.0 record holds each credential as signed JSON "
           "with its proof inside",
    "vc1": "it is an older (VC 1.1) credential, and a CLR 2.0 record holds VC 2.0 credentials only",
    "no-id": "it names no credential id or achievement id, which the record needs to list it apart",
}


async def carriable(ctx: IssuerContext, who: Principal) -> list[Carriable]:
    """The student's imported badges, each verified now and with what keeps it off a transcript."""
    return [Carriable(badge=b, reason=carry_reason(b)) for b in await imported(ctx, who)]


async def for_transcript(ctx: IssuerContext, who: Principal, badge_uuids: Sequence[str]) -> list[str]:
    """The chosen badges' credentials (JSON text, as read on import) for a transcript's external
    learning, each checked again now. Another student's badge is not found (404); one that cannot
    be carried, or no longer verifies, refuses the whole transcript with the reason (422), so the
    student never gets a record silently missing what they chose."""
    require(who, Role.STUDENT)
    documents: list[str] = []
    seen: set[str] = set()
    for badge_uuid in badge_uuids:
        shown = await one(ctx, who, badge_uuid)
        if str(shown.row.uuid) in seen:
            continue
        seen.add(str(shown.row.uuid))
        reason = carry_reason(shown)
        if reason == "unverified":
            raise InvalidInput(f"“{shown.row.name}” from {shown.row.issuer_name or 'its issuer'} does not verify "
                               f"now, so it cannot go into a transcript: {shown.summary}", field="external")
        if reason:
            raise InvalidInput(f"“{shown.row.name}” cannot go into a transcript: {_REFUSED[reason]}",
                               field="external")
        documents.append(shown.row.document)
    return documents


async def forget(ctx: IssuerContext, who: Principal, badge_uuid: str) -> None:
    """Take a badge from elsewhere out of the backpack (its file stays only if another row names it)."""
    shown = await one(ctx, who, badge_uuid)
    await repo.delete_imported(shown.row.id)

