"""Competency frameworks: academic, habits of work and extended learning, kept apart by ``kind``.

Frameworks are created by hand or imported from CSV or a CASE JSON package (parsed by the
pure ``badges.competencies`` functions); competencies become OB 3.0 ``alignment`` objects.
"""
from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from badges import competencies as comp
from badges.errors import BadgeError
from issuer.access import STAFF, Principal, acting_school, check_school, require, school_ids
from issuer.catalog import repo as catalog_repo
from issuer.catalog.rows import AlignedCompetency, FrameworkDetail, FrameworkRow
from issuer.catalog.schemas import CompetencyIn, FrameworkIn
from issuer.context import IssuerContext
from issuer.errors import InvalidInput, NotFound

KINDS = comp.KINDS
KIND_LABELS: dict[str, str] = {"academic": "Academic", "habits": "Habits of work", "elo": "Extended learning"}
_ALIASES: dict[str, comp.Kind] = {
    "academic": "academic", "habits": "habits", "habits_of_work": "habits", "habits-of-work": "habits",
    "elo": "elo", "extended": "elo", "extended_learning": "elo", "extended-learning": "elo"}
MAX_COMPETENCIES = 5000
_CODE = re.compile(r"^[^\s/?#]{1,128}$")
_CSV_ERRORS = (csv.Error, ValueError, KeyError, TypeError)


def normalise_kind(kind: str | None) -> comp.Kind:
    value = _ALIASES.get((kind or "").strip().lower())
    if value is None:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}", field="kind")
    return value


def _clean_competencies(items: Sequence[CompetencyIn]) -> list[dict[str, Any]]:
    if len(items) > MAX_COMPETENCIES:
        raise InvalidInput(f"at most {MAX_COMPETENCIES} competencies per framework")
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for n, c in enumerate(items, 1):
        code = str(c.code or "").strip()
        name = str(c.name or "").strip()
        if not code or not _CODE.match(code):
            raise InvalidInput(f"competency {n}: code must be 1-128 characters without spaces", row=n)
        if not name:
            raise InvalidInput(f"competency {n}: name is required", row=n)
        if code in seen:
            raise InvalidInput(f"competency {n}: code {code!r} repeats", row=n)
        url = str(c.url or "").strip()
        if url and not re.match(r"^https?://", url):
            raise InvalidInput(f"competency {n}: url must be http(s)", row=n)
        if len(url) > 1024:  # the column's length (PostgreSQL refuses a longer value)
            raise InvalidInput(f"competency {n}: url is longer than 1024 characters", row=n)
        seen.add(code)
        out.append({"code": code, "name": name[:2000], "description": str(c.description or "")[:5000],
                    "url": url, "parent_code": str(c.parent or "").strip()})
    entries = [comp.Entry(code=c["code"], name=c["name"], kind="academic", parent=c["parent_code"] or None, line=n)
               for n, c in enumerate(out, 1)]
    problems = comp.tree_problems(entries)
    if problems:
        p = problems[0]
        raise InvalidInput(f"competency {p.line}: {p.message}", row=p.line, field="parent")
    for e, values in zip(comp.number_siblings(entries), out, strict=True):
        values["position"] = e.position
    return out


async def create_framework(ctx: IssuerContext, who: Principal, data: FrameworkIn) -> FrameworkDetail:
    """A framework made by hand (``source`` manual)."""
    return await _store(ctx, who, kind=data.kind, name=data.name, competencies=data.competencies,
                        version=data.version, school_id=data.school_id)


async def _store(ctx: IssuerContext, who: Principal, *, kind: str, name: str, competencies: Sequence[CompetencyIn],
                 version: str = "", school_id: int | None = None, source: str = "manual",
                 source_uri: str = "") -> FrameworkDetail:
    require(who, *STAFF)
    school = await acting_school(who, school_id)
    name = (name or "").strip()
    if not name:
        raise InvalidInput("name is required", field="name")
    return await catalog_repo.insert_framework(
        school_id=school, kind=normalise_kind(kind), name=name[:255], version=(version or "")[:64], source=source,
        source_uri=source_uri[:1024], created_at=ctx.clock.now(), competencies=_clean_competencies(competencies))


def parse_import(fmt: str, data: bytes, *, kind: str | None) -> comp.Framework:
    """A ``badges.competencies.Framework`` from CSV or a CASE JSON package."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the file must be UTF-8 text") from None
    fmt = (fmt or "").lower()
    try:
        if fmt == "csv":
            return comp.parse_csv(text)
        if fmt in ("case", "json"):
            try:
                package = json.loads(text)
            except ValueError as exc:
                raise InvalidInput(f"the CASE package is not JSON: {exc}") from None
            return comp.parse_case(package, kind=kind)
    except BadgeError as exc:
        raise InvalidInput(f"cannot import the framework: {exc.message}", **exc.details) from None
    except _CSV_ERRORS as exc:
        raise InvalidInput(f"cannot import the framework: {exc}") from None
    raise InvalidInput("format must be csv or case", field="format")


async def import_framework(ctx: IssuerContext, who: Principal, *, fmt: str, data: bytes, kind: str | None = None,
                           name: str | None = None, school_id: int | None = None) -> list[FrameworkDetail]:
    """One stored framework per kind found in the file, so the three kinds never mix."""
    require(who, *STAFF)
    hint = normalise_kind(kind) if kind else None
    framework = parse_import(fmt, data, kind=hint)
    by_kind: dict[str, list[CompetencyIn]] = {}
    kind_of = {c.code: c.kind for c in framework.competencies}
    for c in sorted(framework.competencies, key=lambda c: c.position):  # siblings in their order
        if hint and fmt == "csv" and c.kind != hint:
            raise InvalidInput(f"competency {c.code!r} is of kind {c.kind!r}, not {hint!r}")
        # a parent of another kind lands in another framework: the child goes to the top of its own
        parent = c.parent if c.parent and kind_of.get(c.parent) == c.kind else ""
        by_kind.setdefault(c.kind, []).append(
            CompetencyIn(code=c.code, name=c.name, description=c.description or "", url=c.url or "", parent=parent))
    out = []
    for k, items in by_kind.items():
        label = (name or framework.name) + ("" if len(by_kind) == 1 else f" ({KIND_LABELS[k]})")
        out.append(await _store(ctx, who, kind=k, name=label, competencies=items, school_id=school_id,
                                version=framework.version or "", source=framework.source,
                                source_uri=framework.id or ""))
    return out


async def list_frameworks(ctx: IssuerContext, who: Principal, kind: str | None = None) -> list[FrameworkRow]:
    return await catalog_repo.list_frameworks(await school_ids(who), normalise_kind(kind) if kind else None)


async def get_framework(ctx: IssuerContext, who: Principal, fw_uuid: str) -> FrameworkDetail:
    fw = await catalog_repo.get_framework(fw_uuid)
    if fw is None:
        raise NotFound("no such framework")
    await check_school(who, fw.school, "framework")
    return fw


async def frameworks_with_competencies(ctx: IssuerContext, who: Principal) -> list[FrameworkDetail]:
    """Every framework the caller may use, each with its competencies (the ELO plan form)."""
    found = []
    for fw in await list_frameworks(ctx, who):
        detail = await catalog_repo.get_framework(fw.uuid)
        if detail is not None:
            found.append(detail)
    return found


def competency_url(base_url: str, c: AlignedCompetency) -> str:
    return c.url or f"{base_url}/frameworks/{c.framework_uuid}/competencies/{c.code}"


def to_competency(base_url: str, c: AlignedCompetency) -> comp.Competency:
    url = competency_url(base_url, c)
    return comp.Competency(id=url, code=c.code, name=c.name, kind=c.kind, framework=c.framework_name or "Framework",
                           url=url, description=c.description or "", from_case=c.framework_source == "case")


async def competencies(ids: Iterable[int]) -> list[AlignedCompetency]:
    """Stored competencies by id (any school's: the caller has checked the ids)."""
    return await catalog_repo.competencies_by_id(ids)


async def resolve_competencies(school_ids: list[int], ids: Iterable[object]) -> list[AlignedCompetency]:
    """The competencies ``ids`` names, when every one belongs to one of ``school_ids``."""
    try:
        wanted = sorted({_int(i) for i in ids})
    except (TypeError, ValueError, OverflowError):
        raise InvalidInput("competency ids must be integers") from None
    rows = await catalog_repo.competencies_by_id(wanted)
    found = {r.id for r in rows if r.school in school_ids}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise InvalidInput(f"unknown competencies: {missing}", competencies=missing)
    return [r for r in rows if r.id in found]


def _int(value: object) -> int:
    """An id from a form (text) or JSON (a number), as ``int()`` reads it."""
    if isinstance(value, (int, float, str, bytes)):
        return int(value)
    raise TypeError(f"not an id: {value!r}")
