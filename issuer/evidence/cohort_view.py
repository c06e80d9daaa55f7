"""The cohort view (issue 13): a class (or, for those who see it, the whole school) as a grid of
students × competencies, each cell the highest level the student's valid badges reached, with
each competency's counts per level and the students stuck below its required level.

A read model (nothing here writes); not to be confused with ``issuer.transcripts.cohort``, the job
that makes a cohort's transcripts. A level is read as the learning map reads it
(``issuer.evidence.progress``): a badge rates each competency its achievement aligns at its lowest
criterion rating, the highest such rating across the student's valid badges wins, and a
competency requires the lowest required level of the achievements that align it.

Its cost does not grow with queries: the students (one query), the catalog (the school's
frameworks and achievements, a few) and every valid badge of the school (one prebuilt query), then
one pass in Python. A thousand students × forty competencies is measured by
``bench/bench_cohort_view.py``.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import msgspec

from issuer import access
from issuer.access import STAFF, Principal
from issuer.accounts import classes
from issuer.accounts.rows import ClassRow
from issuer.catalog import achievements, frameworks
from issuer.context import IssuerContext
from issuer.credentials import awarding
from issuer.errors import InvalidInput, NotFound
from issuer.evidence.progress import Level, area_of, levels_of, required_level
from issuer.schools import directory as schools

__all__ = ["AREA_ORDER", "CohortArea", "CohortCompetency", "CohortQuery", "CohortRow", "CohortStudent", "CohortView",
           "cohort_view", "parse_query"]

AREA_ORDER = ("academic", "habits", "extended")
STUCK_SHOWN = 25  # names listed per competency; the rest is counted (the CSV has everyone)
PER_PAGE = 250  # rows of the grid per page (the counts and the CSV always cover every student)


class CohortStudent(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    name: str
    username: str


class CohortCompetency(msgspec.Struct, frozen=True, kw_only=True):
    """One column: the competency, its area and framework, the level it requires (None: no
    achievement asks for one), how many students reached each level (``counts[i]`` for
    ``scale[i]``), how many have no level yet, and who is below the required level."""
    id: int
    code: str
    name: str
    area: str  # academic | habits | extended | ""
    framework: str
    required: int | None
    counts: list[int]
    not_yet: int
    stuck: list[CohortStudent]  # the first STUCK_SHOWN, by name
    stuck_total: int


class CohortArea(msgspec.Struct, frozen=True, kw_only=True):
    area: str
    competencies: int  # how many columns, in order


class CohortRow(msgspec.Struct, frozen=True, kw_only=True):
    student: CohortStudent
    levels: list[int | None]  # one per competency column, in column order
    met: int  # competencies at or above their required level


class CohortQuery(msgspec.Struct, frozen=True, kw_only=True):
    school_class: int | None = None  # None: the whole school (those who see it)
    sort: str = "name"  # name | met | c<competency id>
    descending: bool = False
    page: int = 1


class CohortView(msgspec.Struct, frozen=True, kw_only=True):
    school: int
    school_class: ClassRow | None
    classes: list[ClassRow]  # what the class picker offers
    whole_school: bool  # the caller may choose the whole school
    scale: list[Level]  # the school's levels, lowest first (its words; the default scale's otherwise)
    default_scale: bool  # the scale is the default one (the page shows it in its own language)
    areas: list[CohortArea]
    competencies: list[CohortCompetency]
    rows: list[CohortRow]  # this page's, sorted
    total: int  # students
    query: CohortQuery
    pages: int


def parse_query(*, school_class: str | None, sort: str | None, direction: str | None,
                page: str | None) -> CohortQuery:
    """The view's query string; a value the page never offers is a 400."""
    class_id = None
    if school_class:
        if not school_class.isdigit():
            raise InvalidInput("choose a class from the list", field="class")
        class_id = int(school_class)
    key = sort or "name"
    if key not in ("name", "met") and not (key.startswith("c") and key[1:].isdigit()):
        raise InvalidInput("sort by a column of the grid", field="sort")
    if direction not in (None, "", "asc", "desc"):
        raise InvalidInput("sort up or down", field="dir")
    number = int(page) if page and page.isdigit() else 1
    return CohortQuery(school_class=class_id, sort=key, descending=direction == "desc", page=max(1, number))


async def _school_of(principal: Principal) -> int:
    try:
        return await access.acting_school(principal)
    except InvalidInput:
        raise NotFound("no school to show") from None


async def cohort_view(ctx: IssuerContext, principal: Principal, query: CohortQuery, *,
                      paginate: bool = True) -> CohortView:
    """The grid for a class the caller may open, or for their whole school when they see all of it."""
    access.require(principal, *STAFF)
    offered = await classes.class_choices(ctx, principal)
    chosen: ClassRow | None = None
    if query.school_class is not None:
        chosen = next((c for c in offered if c.id == query.school_class), None)
        if chosen is None:
            raise NotFound("no such class")
        school = chosen.school
    else:
        school = await _school_of(principal)
    whole = await access.visible_learners(principal, school) is None
    if chosen is None and not whole:
        if not offered:
            # a teacher of a school with classes, in none of them: an empty view, not an error
            return _empty(school, offered, query)
        chosen = offered[0]
        query = msgspec.structs.replace(query, school_class=chosen.id)
    students = await _students(ctx, principal, school, chosen)
    return await _build(ctx, principal, school, chosen, offered, whole, students, query, paginate=paginate)


def _empty(school: int, offered: list[ClassRow], query: CohortQuery) -> CohortView:
    return CohortView(school=school, school_class=None, classes=offered, whole_school=False, scale=[],
                      default_scale=True, areas=[], competencies=[], rows=[], total=0, query=query, pages=1)


async def _students(ctx: IssuerContext, principal: Principal, school: int,
                    chosen: ClassRow | None) -> list[CohortStudent]:
    if chosen is not None:
        detail = await classes.class_detail(ctx, principal, chosen.id)
        members = [(m.user, m.display_name, m.username) for m in detail.students if m.active]
    else:
        _teachers, everyone = await classes.member_choices(ctx, school)
        members = [(u.id, u.display_name, u.username) for u in everyone]
    return [CohortStudent(id=i, name=name or username, username=username) for i, name, username in members]


async def _build(ctx: IssuerContext, principal: Principal, school: int, chosen: ClassRow | None,
                 offered: list[ClassRow], whole: bool, students: list[CohortStudent], query: CohortQuery, *,
                 paginate: bool) -> CohortView:
    # the catalog: the school's competencies by area and framework, what each requires
    fws = [f for f in await frameworks.frameworks_with_competencies(ctx, principal) if f.school == school]
    fws.sort(key=lambda f: (_area_rank(area_of(f.kind)), f.name.casefold()))
    catalog = [a for a in await achievements.list_achievements(ctx, principal) if a.school == school]
    required: dict[int, int] = {}
    for a in catalog:
        need = required_level(a.rubric)
        for c_id in a.alignments:
            if need is not None:
                required[c_id] = min(required.get(c_id, need), need)
    columns: list[tuple[str, str, int, str, str]] = []  # (area, framework, id, code, name)
    for f in fws:
        columns += [(area_of(f.kind), f.name, c.id, c.code, c.name) for c in f.competencies]
    index = {c[2]: i for i, c in enumerate(columns)}
    aligned: dict[int, list[int]] = {a.id: [index[c] for c in a.alignments if c in index] for a in catalog}

    # every valid badge of these students, in one query: the highest level per competency
    ids = {s.id: n for n, s in enumerate(students)}
    grid: list[list[int | None]] = [[None] * len(columns) for _ in students]
    subset = None if chosen is None else list(ids)
    for award in await awarding.award_levels(school, subset):
        row_at = ids.get(award.learner)
        if row_at is None or award.level is None:
            continue
        cells = grid[row_at]
        for col in aligned.get(award.achievement, ()):
            here = cells[col]
            if here is None or award.level > here:
                cells[col] = award.level

    scale_rows = await schools.school_scale(school)
    scale = [Level(value=int(lv["value"]), name=str(lv.get("name") or "")) for lv in scale_rows] or levels_of({})
    values = [lv.value for lv in scale]
    needs = [required.get(c[2]) for c in columns]
    slot = {v: i for i, v in enumerate(values)}
    width = len(values)
    counts = [[0] * width for _ in columns]
    not_yet = [0] * len(columns)
    stuck: list[list[CohortStudent]] = [[] for _ in columns]
    rows = []
    # one pass over the grid, by name (so each "stuck" list is in name order too)
    order = sorted(range(len(students)), key=lambda n: (students[n].name.casefold(), students[n].id))
    for n in order:
        cells, student = grid[n], students[n]
        met = 0
        for col, v in enumerate(cells):
            need = needs[col]
            if v is None:
                not_yet[col] += 1
                if need is not None:
                    stuck[col].append(student)
                continue
            at = slot.get(v)
            if at is not None:
                counts[col][at] += 1
            if need is not None:
                if v >= need:
                    met += 1
                else:
                    stuck[col].append(student)
        rows.append(CohortRow(student=student, levels=cells, met=met))
    competencies = [CohortCompetency(id=c_id, code=code, name=name, area=area, framework=fw_name,
                                     required=needs[col], counts=counts[col], not_yet=not_yet[col],
                                     stuck=stuck[col][:STUCK_SHOWN], stuck_total=len(stuck[col]))
                    for col, (area, fw_name, c_id, code, name) in enumerate(columns)]
    areas: list[CohortArea] = []
    for area, *_rest in columns:
        if areas and areas[-1].area == area:
            areas[-1] = CohortArea(area=area, competencies=areas[-1].competencies + 1)
        else:
            areas.append(CohortArea(area=area, competencies=1))

    ordered = _sorted(rows, query, index)
    pages = max(1, -(-len(ordered) // PER_PAGE)) if paginate else 1
    page = min(query.page, pages)
    shown = ordered[(page - 1) * PER_PAGE:page * PER_PAGE] if paginate else ordered
    return CohortView(school=school, school_class=chosen, classes=offered, whole_school=whole, scale=scale,
                      default_scale=not scale_rows, areas=areas, competencies=competencies, rows=shown,
                      total=len(rows), query=msgspec.structs.replace(query, page=page), pages=pages)


def _area_rank(area: str) -> int:
    return AREA_ORDER.index(area) if area in AREA_ORDER else len(AREA_ORDER)


def _sorted(by_name: Sequence[CohortRow], query: CohortQuery, index: dict[int, int]) -> list[CohortRow]:
    """``by_name`` (the rows in name order) by name, by competencies met, or by one competency's
    level (no level sorts lowest); ties by name."""
    by_name = list(by_name)
    key: Literal["name", "met", "column"] = "name" if query.sort == "name" else "met" if query.sort == "met" \
        else "column"
    if key == "name":
        return by_name[::-1] if query.descending else by_name
    if key == "met":
        return sorted(by_name, key=lambda r: r.met, reverse=query.descending)
    col = index.get(int(query.sort[1:]))
    if col is None:
        raise InvalidInput("sort by a column of the grid", field="sort")
    return sorted(by_name, key=lambda r: -1 if r.levels[col] is None else r.levels[col] or 0,
                  reverse=query.descending)
