"""The portfolio a student curates: pieces chosen from their own badges and evidence, a reflection
per piece and one for the whole, and a switch per piece that makes it public.

A piece is named by its ``source`` (``issuer.db.tables.PortfolioItem``) and is *resolved* against
the student's records every time it is read (``pieces_of``): a badge since revoked, or evidence
the student no longer holds, drops out of the public page by itself, and a source string from
elsewhere (another student's file) never resolves, so it can neither be added nor shown.

Only the student works on their portfolio (``require(who, "student")``, then everything is read
under their own id): staff have no page here. The other domains are read through their services
(``credentials.sharing``, ``evidence.service``, ``catalog.achievements``).
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime

import msgspec

from issuer.access import Principal, Role, require
from issuer.catalog import achievements
from issuer.context import IssuerContext
from issuer.credentials import sharing
from issuer.db.engine import write_transaction
from issuer.errors import Forbidden, InvalidInput, NotFound
from issuer.evidence import service as evidence
from issuer.portfolio import repo
from issuer.portfolio.rows import ItemRow, PortfolioRow, ShareRow

MAX_TITLE = 200
MAX_REFLECTION = 5000  # the whole portfolio's
MAX_PIECE_REFLECTION = 2000
MAX_PIECES = 60
AREAS = {"academic": "academic", "habits": "habits", "elo": "extended"}  # the badge card's area names


class Piece(msgspec.Struct, frozen=True, kw_only=True):
    """A piece of the student's record that can go into the portfolio.

    ``kind``: badge | file | link | narrative. ``title`` names it (the badge, the file name, the
    URL, the achievement the narrative was written for); ``context`` is the achievement the
    evidence was submitted for. ``current``: from the latest version of its submission (older
    versions' pieces still resolve, but are not offered again)."""
    source: str
    kind: str
    title: str
    context: str = ""
    date: datetime | None = None
    current: bool = True
    badge_uuid: str | None = None
    area: str | None = None  # academic | habits | extended (badges)
    subject: str = ""
    submission_uuid: str | None = None
    sha256: str | None = None
    media_type: str | None = None
    size: int | None = None
    url: str | None = None
    text: str | None = None


class Chosen(msgspec.Struct, frozen=True, kw_only=True):
    """A chosen piece: the row (reflection, public) and what it resolves to now (None: gone)."""
    item: ItemRow
    piece: Piece | None


class PortfolioView(msgspec.Struct, frozen=True, kw_only=True):
    """The owner's page: the portfolio (None until first saved), its pieces, what can still be
    added (grouped as the page lists them) and the share links."""
    portfolio: PortfolioRow | None
    chosen: list[Chosen]
    badges: list[Piece]
    evidence: list[Piece]
    shares: list[ShareRow]


def link_source(submission_uuid: str, url: str) -> str:
    # the URL's hash, not its index: a revision that reorders links keeps the piece
    return f"link:{submission_uuid}:{hashlib.sha256(url.encode('utf-8')).hexdigest()[:16]}"


# --- the student's record as pieces ----------------------------------------------------------------
async def _badge_pieces(who: Principal) -> list[Piece]:
    rows = [b for b in await sharing.badges_of(who) if b.revoked_at is None and not b.suspended]
    found = await achievements.by_ids({b.achievement for b in rows if b.achievement is not None})
    out = []
    for b in rows:
        a = found.get(b.achievement) if b.achievement is not None else None
        out.append(Piece(source=f"badge:{b.uuid}", kind="badge", title=b.achievement_name or "Badge",
                         date=b.issued_at, badge_uuid=str(b.uuid), area=AREAS.get(a.area) if a else None,
                         subject=a.subject if a else ""))
    return out


async def _evidence_pieces(ctx: IssuerContext, who: Principal) -> list[Piece]:
    out: list[Piece] = []
    seen: set[str] = set()
    for listed in await evidence.list_submissions(ctx, who):
        detail = await evidence.get_submission(ctx, who, str(listed.uuid))
        s_uuid, context = str(detail.uuid), detail.achievement_row.name
        for version in sorted(detail.versions, key=lambda v: -v.number):  # newest first: it names the piece
            current = version.number == detail.current_version
            found: list[Piece] = []
            if version.narrative:
                found.append(Piece(source=f"narrative:{s_uuid}:{version.number}", kind="narrative", title=context,
                                   context=context, date=version.created_at, current=current,
                                   submission_uuid=s_uuid, text=version.narrative))
            for url in version.urls:
                found.append(Piece(source=link_source(s_uuid, url), kind="link", title=url, context=context,
                                   date=version.created_at, current=current, submission_uuid=s_uuid, url=url))
            for f in version.files:
                found.append(Piece(source=f"file:{s_uuid}:{f.sha256}", kind="file", title=f.name, context=context,
                                   date=version.created_at, current=current, submission_uuid=s_uuid,
                                   sha256=f.sha256, media_type=f.media_type, size=f.size))
            for piece in found:
                if piece.source not in seen:
                    seen.add(piece.source)
                    out.append(piece)
    return out


async def pieces_of(ctx: IssuerContext, who: Principal) -> dict[str, Piece]:
    """Every piece ``who`` (a student) holds, by source: their valid badges and the narratives,
    links and files of every version of their submissions."""
    require(who, "student")
    pieces = [*await _badge_pieces(who), *await _evidence_pieces(ctx, who)]
    return {p.source: p for p in pieces}


def owner_principal(portfolio: PortfolioRow) -> Principal:
    """The student whose portfolio it is, to read their records for a share link's visitor:
    the records read are exactly the owner's own, never more."""
    return Principal(role=Role.STUDENT, id=portfolio.learner, school_id=portfolio.school,
                     learner_id=portfolio.learner, via="share")


def resolve(items: Iterable[ItemRow], pieces: dict[str, Piece]) -> list[Chosen]:
    return [Chosen(item=i, piece=pieces.get(i.source)) for i in items]


# --- the owner's page ------------------------------------------------------------------------------
async def _own(ctx: IssuerContext, who: Principal, *, create: bool) -> PortfolioRow | None:
    require(who, "student")
    if who.id is None or who.school_id is None:  # require() refuses such a student already
        raise Forbidden("this credential is not bound to a student account")
    row = await repo.portfolio_of(who.id)
    if row is None and create:
        async with write_transaction():
            row = await repo.portfolio_of(who.id)  # a concurrent first save made it meanwhile
            if row is None:
                await repo.insert_portfolio(learner_id=who.id, school_id=who.school_id, at=ctx.clock.now())
                row = await repo.portfolio_of(who.id)
    return row


async def own_portfolio(ctx: IssuerContext, who: Principal) -> PortfolioRow:
    row = await _own(ctx, who, create=True)
    if row is None:  # made just above
        raise NotFound("no portfolio")
    return row


async def view(ctx: IssuerContext, who: Principal) -> PortfolioView:
    row = await _own(ctx, who, create=False)
    pieces = await pieces_of(ctx, who)
    items = await repo.items(row.id) if row else []
    taken = {i.source for i in items}
    free = [p for p in pieces.values() if p.source not in taken and p.current]
    return PortfolioView(portfolio=row, chosen=resolve(items, pieces),
                         badges=[p for p in free if p.kind == "badge"],
                         evidence=[p for p in free if p.kind != "badge"],
                         shares=await repo.shares(row.id) if row else [])


def _text(value: object, *, field: str, limit: int, what: str) -> str:
    text = str(value or "").strip()
    if len(text) > limit:
        raise InvalidInput(f"{what} is longer than {limit} characters", field=field)
    return text


async def save(ctx: IssuerContext, who: Principal, *, title: object, reflection: object) -> PortfolioRow:
    """The portfolio's title and the reflection on the whole."""
    clean_title = _text(title, field="title", limit=MAX_TITLE, what="The title")
    clean_reflection = _text(reflection, field="reflection", limit=MAX_REFLECTION, what="The reflection")
    row = await own_portfolio(ctx, who)
    await repo.update_portfolio(row.id, title=clean_title, reflection=clean_reflection, at=ctx.clock.now())
    return await own_portfolio(ctx, who)


async def add_pieces(ctx: IssuerContext, who: Principal, sources: Sequence[object]) -> list[str]:
    """Add the chosen pieces (each one of the student's own); the ones already in are left as
    they are. Returns the sources added."""
    wanted = list(dict.fromkeys(str(s) for s in sources if str(s or "").strip()))
    if not wanted:
        raise InvalidInput("Choose at least one piece to add", field="pieces")
    pieces = await pieces_of(ctx, who)
    foreign = [s for s in wanted if s not in pieces]
    if foreign:
        raise InvalidInput("That is not one of your badges or pieces of evidence", field="pieces")
    row = await own_portfolio(ctx, who)
    async with write_transaction():
        items = await repo.items(row.id)
        taken = {i.source for i in items}
        new = [s for s in wanted if s not in taken]
        if len(items) + len(new) > MAX_PIECES:
            raise InvalidInput(f"A portfolio holds at most {MAX_PIECES} pieces", field="pieces")
        last = max((i.position for i in items), default=0)
        await repo.insert_items(row.id, new, first_position=last + 1, at=ctx.clock.now())
        await repo.touch(row.id, ctx.clock.now())
    return new


async def _item(ctx: IssuerContext, who: Principal, item_id: int) -> tuple[PortfolioRow, ItemRow]:
    row = await _own(ctx, who, create=False)
    found = await repo.item(row.id, item_id) if row else None
    if row is None or found is None:
        raise NotFound("no such piece in your portfolio")
    return row, found


async def update_piece(ctx: IssuerContext, who: Principal, item_id: int, *, reflection: object,
                       public: bool) -> ItemRow:
    clean = _text(reflection, field=f"reflection-{item_id}", limit=MAX_PIECE_REFLECTION, what="A reflection")
    row, found = await _item(ctx, who, item_id)
    await repo.update_item(found.id, reflection=clean, public=bool(public))
    await repo.touch(row.id, ctx.clock.now())
    updated = await repo.item(row.id, item_id)
    if updated is None:  # read just above
        raise NotFound("no such piece in your portfolio")
    return updated


async def remove_piece(ctx: IssuerContext, who: Principal, item_id: int) -> None:
    row, found = await _item(ctx, who, item_id)
    await repo.delete_item(found.id)
    await repo.touch(row.id, ctx.clock.now())


async def move_piece(ctx: IssuerContext, who: Principal, item_id: int, direction: str) -> None:
    """One place up or down (the order the public page shows)."""
    if direction not in ("up", "down"):
        raise InvalidInput("move up or down", field="direction")
    row, found = await _item(ctx, who, item_id)
    async with write_transaction():
        items = await repo.items(row.id)
        at = next(n for n, i in enumerate(items) if i.id == found.id)
        other = at - 1 if direction == "up" else at + 1
        if not 0 <= other < len(items):
            return
        items[at], items[other] = items[other], items[at]
        for position, item in enumerate(items, start=1):  # renumbered: equal positions cannot stick
            if item.position != position:
                await repo.set_position(item.id, position)
