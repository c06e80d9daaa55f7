"""Queries of portfolios, their pieces and share links, returning ``issuer.portfolio.rows``."""
from __future__ import annotations

import uuid as uuidlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from issuer.db.query import all_rows, first_row, insert_row, row_of, rows_of
from issuer.db.tables import EvidenceFile, ImportedBadge, Portfolio, PortfolioItem, PortfolioShare
from issuer.portfolio.rows import ImportedBadgeRow, ItemRow, PortfolioRow, ShareRow

_pk_portfolio = Portfolio._meta.primary_key
_pk_item = PortfolioItem._meta.primary_key
_pk_share = PortfolioShare._meta.primary_key


async def portfolio_of(learner_id: int) -> PortfolioRow | None:
    return row_of(PortfolioRow, await first_row(Portfolio.select().where(Portfolio.learner == learner_id)))


async def portfolio_by_id(portfolio_id: int) -> PortfolioRow | None:
    return row_of(PortfolioRow, await first_row(Portfolio.select().where(_pk_portfolio == portfolio_id)))


async def insert_portfolio(*, learner_id: int, school_id: int, at: datetime) -> int:
    return await insert_row(Portfolio, learner=learner_id, school=school_id, title="", reflection="", updated_at=at)


async def update_portfolio(portfolio_id: int, *, title: str, reflection: str, at: datetime) -> None:
    await Portfolio.update({Portfolio.title: title, Portfolio.reflection: reflection,
                            Portfolio.updated_at: at}).where(_pk_portfolio == portfolio_id)


async def touch(portfolio_id: int, at: datetime) -> None:
    await Portfolio.update({Portfolio.updated_at: at}).where(_pk_portfolio == portfolio_id)


# --- pieces --------------------------------------------------------------------------------------
async def items(portfolio_id: int) -> list[ItemRow]:
    return rows_of(ItemRow, await all_rows(PortfolioItem.select().where(PortfolioItem.portfolio == portfolio_id)
                                           .order_by(PortfolioItem.position).order_by(_pk_item)))


async def item(portfolio_id: int, item_id: int) -> ItemRow | None:
    return row_of(ItemRow, await first_row(PortfolioItem.select().where(
        (_pk_item == item_id) & (PortfolioItem.portfolio == portfolio_id))))


async def insert_items(portfolio_id: int, sources: Sequence[str], *, first_position: int, at: datetime) -> None:
    for n, source in enumerate(sources):
        await insert_row(PortfolioItem, portfolio=portfolio_id, source=source, reflection="", public=False,
                         position=first_position + n, created_at=at)


async def update_item(item_id: int, *, reflection: str, public: bool) -> None:
    await PortfolioItem.update({PortfolioItem.reflection: reflection, PortfolioItem.public: public}).where(
        _pk_item == item_id)


async def set_position(item_id: int, position: int) -> None:
    await PortfolioItem.update({PortfolioItem.position: position}).where(_pk_item == item_id)


async def delete_item(item_id: int) -> None:
    await PortfolioItem.delete().where(_pk_item == item_id)


# --- share links ---------------------------------------------------------------------------------
async def shares(portfolio_id: int) -> list[ShareRow]:
    return rows_of(ShareRow, await all_rows(PortfolioShare.select().where(PortfolioShare.portfolio == portfolio_id)
                                            .order_by(_pk_share)))


async def share(portfolio_id: int, share_id: int) -> ShareRow | None:
    return row_of(ShareRow, await first_row(PortfolioShare.select().where(
        (_pk_share == share_id) & (PortfolioShare.portfolio == portfolio_id))))


async def share_by_hash(token_hash: str) -> ShareRow | None:
    return row_of(ShareRow, await first_row(PortfolioShare.select().where(PortfolioShare.token_hash == token_hash)))


async def insert_share(*, portfolio_id: int, token_hash: str, label: str, at: datetime) -> int:
    return await insert_row(PortfolioShare, portfolio=portfolio_id, token_hash=token_hash, label=label,
                            created_at=at)


async def revoke_share(share_id: int, at: datetime) -> bool:
    """False when it was withdrawn already (the first withdrawal's time stays)."""
    rows = await PortfolioShare.update({PortfolioShare.revoked_at: at}).where(
        (_pk_share == share_id) & PortfolioShare.revoked_at.is_null()).returning(_pk_share)
    return bool(rows)


# --- badges from elsewhere (issuer.portfolio.imports) --------------------------------------------

async def imported_badges(learner_id: int) -> list[ImportedBadgeRow]:
    return rows_of(ImportedBadgeRow, await ImportedBadge.select().where(
        ImportedBadge.learner == learner_id).order_by(ImportedBadge.id, ascending=False))


async def imported_badge(learner_id: int, badge_uuid: uuidlib.UUID) -> ImportedBadgeRow | None:
    return row_of(ImportedBadgeRow, await first_row(ImportedBadge.select().where(
        (ImportedBadge.learner == learner_id) & (ImportedBadge.uuid == badge_uuid))))


async def imported_badge_by_id(row_id: int) -> ImportedBadgeRow | None:
    return row_of(ImportedBadgeRow, await first_row(ImportedBadge.select().where(ImportedBadge.id == row_id)))


async def count_imported(learner_id: int) -> int:
    return int(await ImportedBadge.count().where(ImportedBadge.learner == learner_id))


async def imported_by_hash(learner_id: int, sha256: str) -> ImportedBadgeRow | None:
    return row_of(ImportedBadgeRow, await first_row(ImportedBadge.select().where(
        (ImportedBadge.learner == learner_id) & (ImportedBadge.sha256 == sha256))))


async def imported_by_credential_id(learner_id: int, credential_id: str) -> ImportedBadgeRow | None:
    return row_of(ImportedBadgeRow, await first_row(ImportedBadge.select().where(
        (ImportedBadge.learner == learner_id) & (ImportedBadge.credential_id == credential_id))))


async def replace_imported(row_id: int, **values: Any) -> None:
    await ImportedBadge.update({getattr(ImportedBadge, k): v for k, v in values.items()}).where(
        ImportedBadge.id == row_id)


async def insert_imported(**values: Any) -> int:
    return await insert_row(ImportedBadge, **values)


async def record_check(row_id: int, *, verified: bool, summary: str, at: datetime) -> None:
    await ImportedBadge.update({ImportedBadge.verified: verified, ImportedBadge.summary: summary,
                                ImportedBadge.checked_at: at}).where(ImportedBadge.id == row_id)


async def delete_imported(row_id: int) -> None:
    await ImportedBadge.delete().where(ImportedBadge.id == row_id)
async def learner_portfolio_counts(learner_id: int) -> dict[str, int]:
    """The learner's portfolio, its pieces and share links, counted (the erasure's check page)."""
    ids = [int(r["id"]) for r in await Portfolio.select(Portfolio.id).where(Portfolio.learner == learner_id)]
    if not ids:
        return {"portfolio": 0, "pieces": 0, "portfolioShares": 0}
    return {"portfolio": len(ids), "pieces": int(await PortfolioItem.count().where(PortfolioItem.portfolio.is_in(ids))),
            "portfolioShares": int(await PortfolioShare.count().where(PortfolioShare.portfolio.is_in(ids)))}


async def delete_learner_portfolio(learner_id: int) -> None:
    """The learner's portfolio with its pieces and share links (an erasure on request)."""
    ids = [int(r["id"]) for r in await Portfolio.select(Portfolio.id).where(Portfolio.learner == learner_id)]
    if ids:
        await PortfolioShare.delete().where(PortfolioShare.portfolio.is_in(ids))
        await PortfolioItem.delete().where(PortfolioItem.portfolio.is_in(ids))
        await Portfolio.delete().where(Portfolio.id.is_in(ids))


async def learner_import_hashes(learner_id: int) -> list[str]:
    return [str(r["sha256"]) for r in await ImportedBadge.select(ImportedBadge.sha256).where(
        ImportedBadge.learner == learner_id)]


async def delete_learner_imports(learner_id: int) -> list[str]:
    """The learner's badges from elsewhere (an erasure on request); returns the hashes no other
    row of this table or of the evidence files names any more, whose files may go."""
    hashes = await learner_import_hashes(learner_id)
    await ImportedBadge.delete().where(ImportedBadge.learner == learner_id)
    if not hashes:
        return []
    still = {str(r["sha256"]) for r in await ImportedBadge.select(ImportedBadge.sha256).where(
        ImportedBadge.sha256.is_in(hashes))}
    # the file store is shared by content: an evidence file with the same bytes keeps its file
    still |= {str(r["sha256"]) for r in await EvidenceFile.select(EvidenceFile.sha256).where(
        EvidenceFile.sha256.is_in(hashes))}
    return sorted(set(hashes) - still)
