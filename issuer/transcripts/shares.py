"""Share links of a transcript, and the page a link opens: the transcript, verified live.

A link is a random token shown once; only its sha256 is kept. It expires (at most
``MAX_SHARE_DAYS`` ahead) and can be withdrawn; a withdrawn or expired link answers 410.

The share page verifies the stored CLR with the verifier this app mounts (``ctx.verify``, set by
``issuer.app.create_app``): the same checks, trust list and in-process reads of our own DID
documents and status lists as ``/verify``, so a badge revoked after sharing shows at once.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from badges.verification_report import VerificationReport
from issuer.access import TEACHERS, Principal, role_of
from issuer.accounts import audit as audit_trail
from issuer.context import IssuerContext
from issuer.db.engine import write_transaction
from issuer.errors import InvalidInput, LinkExpired, NotFound
from issuer.links import new_token, plausible, token_hash
from issuer.transcripts import repo
from issuer.transcripts.rows import ShareRow, TranscriptRow
from issuer.transcripts.service import render_html, render_pdf, visible

MAX_SHARE_DAYS = 366



def share_url(ctx: IssuerContext, token: str) -> str:
    return f"{ctx.settings.base_url}/share/{token}"


async def create_share(ctx: IssuerContext, principal: Principal, t_uuid: str, *, expires_in_days: int | None = None,
                       expires_at: datetime | None = None, label: str = "") -> tuple[ShareRow, str]:
    """(share row, token); the token is shown once, only its hash is kept."""
    row = await visible(ctx, principal, t_uuid)
    if role_of(principal) not in ("student", *TEACHERS, "district_admin"):
        raise NotFound("no such transcript")
    now = ctx.clock.now()
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
    token, digest = new_token()
    async with write_transaction():
        share = await repo.insert_share(transcript_id=row.id, token_hash=digest, label=label,
                                        created_by=principal.id, created_at=now, expires_at=expires_at)
        await audit_trail.record(principal, action="transcript.share", school_id=row.school, subject=row.clr_id,
                                 at=now, share=share.id, label=label, expires=expires_at.isoformat())
    return share, token


async def list_shares(ctx: IssuerContext, principal: Principal, t_uuid: str) -> list[ShareRow]:
    return await repo.shares((await visible(ctx, principal, t_uuid)).id)


async def revoke_share(ctx: IssuerContext, principal: Principal, t_uuid: str, share_id: int) -> ShareRow:
    row = await visible(ctx, principal, t_uuid)
    share = await repo.share(share_id, row.id)
    if share is None:
        raise NotFound("no such share link")
    now = ctx.clock.now()
    async with write_transaction():
        if await repo.revoke_share(share.id, now):  # withdrawing it again changes nothing: no event
            await audit_trail.record(principal, action="transcript.share.withdraw", school_id=row.school,
                                     subject=row.clr_id, at=now, share=share.id)
    withdrawn = await repo.share(share_id, row.id)
    if withdrawn is None:
        raise NotFound("no such share link")
    return withdrawn


async def open_share(ctx: IssuerContext, token: str) -> tuple[TranscriptRow, ShareRow]:
    """(transcript row, share row) for a live link; LinkExpired (410) when revoked or expired."""
    if not plausible(token):
        raise NotFound("no such share link")
    share = await repo.share_by_hash(token_hash(token))
    if share is None:
        raise NotFound("no such share link")
    if share.revoked_at is not None:
        raise LinkExpired("this share link has been withdrawn by the student or the school")
    if share.expires_at is not None and share.expires_at <= ctx.clock.now():
        raise LinkExpired("this share link has expired")
    row = await repo.transcript_by_id(share.transcript)
    if row is None:
        raise NotFound("no such share link")
    return row, share


# --- live verification (the share page) --------------------------------------------------------

async def verify_stored(ctx: IssuerContext, clr_json: str) -> VerificationReport:
    """The mounted verifier's report on a stored CLR (and each badge in it)."""
    if ctx.verify is None:
        raise RuntimeError("this context has no verifier mounted (issuer.app.create_app sets ctx.verify)")
    verification = await ctx.verify(clr_json, allow_url=False)
    report: VerificationReport = verification.report
    return report


def badge_statuses(report: VerificationReport) -> dict[str, str]:
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


async def share_page(ctx: IssuerContext, token: str, *,
                     page: dict[str, Any] | None = None) -> tuple[str, VerificationReport]:
    """(HTML, live report) for a share link; ``page``: the request's layout context."""
    row, share = await open_share(ctx, token)
    report = await verify_stored(ctx, row.document)
    summary = ("the school's signature and every badge in it check out" if report.verified
               else "it does NOT verify: " + " ".join(c.message for c in report.failures))
    context: dict[str, Any] = {"expires_at": share.expires_at, "live_report": summary, "verified": report.verified,
                               "badge_status": badge_statuses(report)}
    return await render_html(ctx, row, share=context, pdf_url=share_url(ctx, token) + ".pdf", page=page), report


async def share_pdf(ctx: IssuerContext, token: str) -> bytes:
    row, _ = await open_share(ctx, token)
    return await render_pdf(ctx, row)


async def learner_share_count(learner_id: int) -> int:
    """How many transcript share links the learner has (an erasure's check page)."""
    return await repo.learner_share_count(learner_id)


async def delete_learner_shares(learner_id: int) -> int:
    """An erasure on request: the learner's transcript share links go (inside its transaction)."""
    return await repo.delete_learner_shares(learner_id)
