"""Share links of a portfolio, and what a link shows: the public pieces only.

A link is a random token (256 bits) shown once to the student; only its sha256 is kept, so the
database cannot hand it out again. A link lasts until the student withdraws it: then it answers
410 ("no longer shared"), and an unknown token 404. The visitor sees the title, the reflection on
the whole, and each piece the student made public that still resolves (a badge revoked since is
left out); a badge links to its public badge page, a file downloads through the link.
"""
from __future__ import annotations

from datetime import datetime

import msgspec

from issuer.access import Principal
from issuer.accounts import audit as audit_trail
from issuer.context import IssuerContext
from issuer.db.engine import write_transaction
from issuer.errors import InvalidInput, LinkExpired, NotFound
from issuer.evidence import service as evidence
from issuer.evidence.rows import FileRef
from issuer.links import new_token, plausible, token_hash
from issuer.portfolio import repo, service
from issuer.portfolio.rows import PortfolioRow, ShareRow
from issuer.schools import identity
from issuer.transcripts import service as transcripts

MAX_LABEL = 255
MAX_LINKS = 20  # live links at once: a student shares with a few people, not a crowd


class PublicPortfolio(msgspec.Struct, frozen=True, kw_only=True):
    """What a share link's visitor sees."""
    title: str
    reflection: str
    learner_name: str
    school_name: str
    updated_at: datetime
    pieces: list[service.Chosen]



def share_url(ctx: IssuerContext, token: str) -> str:
    return f"{ctx.settings.base_url}/portfolio/{token}"


async def create_share(ctx: IssuerContext, who: Principal, *, label: object = "") -> tuple[ShareRow, str]:
    """(share row, token): the token is shown once."""
    clean = str(label or "").strip()
    if len(clean) > MAX_LABEL:
        raise InvalidInput(f"The name of the link is longer than {MAX_LABEL} characters", field="label")
    row = await service.own_portfolio(ctx, who)
    if sum(1 for s in await repo.shares(row.id) if s.revoked_at is None) >= MAX_LINKS:
        raise InvalidInput(f"You have {MAX_LINKS} live links: withdraw one first", field="label")
    token, digest = new_token()
    now = ctx.clock.now()
    async with write_transaction():
        share_id = await repo.insert_share(portfolio_id=row.id, token_hash=digest, label=clean, at=now)
        await audit_trail.record(who, action="portfolio.share", school_id=row.school, subject=f"portfolio:{row.id}",
                                 at=now, share=share_id, label=clean)
    share = await repo.share(row.id, share_id)
    if share is None:  # inserted just above
        raise NotFound("no such share link")
    return share, token


async def revoke_share(ctx: IssuerContext, who: Principal, share_id: int) -> ShareRow:
    row = await service.own_portfolio(ctx, who)
    share = await repo.share(row.id, share_id)
    if share is None:
        raise NotFound("no such share link")
    now = ctx.clock.now()
    async with write_transaction():
        if await repo.revoke_share(share.id, now):  # withdrawing it again changes nothing
            await audit_trail.record(who, action="portfolio.share.withdraw", school_id=row.school,
                                     subject=f"portfolio:{row.id}", at=now, share=share.id)
    withdrawn = await repo.share(row.id, share_id)
    if withdrawn is None:
        raise NotFound("no such share link")
    return withdrawn


async def open_share(token: str) -> PortfolioRow:
    """The portfolio behind a live link: NotFound (404) for a token we never gave, LinkExpired
    (410) once the student withdrew it."""
    if not plausible(token):
        raise NotFound("This link does not lead to a portfolio")
    share = await repo.share_by_hash(token_hash(token))
    if share is None:
        raise NotFound("This link does not lead to a portfolio")
    if share.revoked_at is not None:
        raise LinkExpired("The student has stopped sharing this portfolio")
    row = await repo.portfolio_by_id(share.portfolio)
    if row is None:
        raise NotFound("This link does not lead to a portfolio")
    return row


async def public_view(ctx: IssuerContext, token: str) -> PublicPortfolio:
    row = await open_share(token)
    owner = service.owner_principal(row)
    pieces = await service.pieces_of(ctx, owner)
    shown = [c for c in service.resolve(await repo.items(row.id), pieces) if c.item.public and c.piece is not None]
    learner = await transcripts.student_for(owner, None)
    school = await identity.school_by_id(row.school)
    return PublicPortfolio(title=row.title, reflection=row.reflection,
                           learner_name=learner.display_name or learner.username, school_name=school.name,
                           updated_at=row.updated_at, pieces=shown)


async def public_file(ctx: IssuerContext, token: str, item_id: int) -> tuple[bytes, FileRef]:
    """A file the student made public, through a live link; anything else is not found."""
    row = await open_share(token)
    owner = service.owner_principal(row)
    item = await repo.item(row.id, item_id)
    piece = (await service.pieces_of(ctx, owner)).get(item.source) if item and item.public else None
    if piece is None or piece.kind != "file" or piece.submission_uuid is None or piece.sha256 is None:
        raise NotFound("no such file")
    return await evidence.submission_file(ctx, owner, piece.submission_uuid, piece.sha256)
