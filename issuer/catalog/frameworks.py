"""Competency frameworks: academic, habits of work and extended learning, kept apart by ``kind``.

Frameworks are created by hand or imported from CSV or a CASE JSON package (parsed by the
pure ``badges.competencies`` functions); competencies become OB 3.0 ``alignment`` objects.
"""
from __future__ import annotations

import re
from typing import Any

from issuer.catalog import repo as catalog_repo
from issuer.access import STAFF, acting_school, check_school, require, school_ids
from issuer.errors import InvalidInput, NotFound

KINDS = ("academic", "habits", "elo")
KIND_LABELS = {"academic": "Academic", "habits": "Habits of work", "elo": "Extended learning"}
_ALIASES = {"academic": "academic", "habits": "habits", "habits_of_work": "habits", "habits-of-work": "habits",
            "elo": "elo", "extended": "elo", "extended_learning": "elo", "extended-learning": "elo"}
MAX_COMPETENCIES = 5000
_CODE = re.compile(r"^[^\s/?#]{1,128}$")


def normalise_kind(kind: str | None) -> str:
    value = _ALIASES.get((kind or "").strip().lower())
    if value is None:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}", field="kind")
    return value


def _clean_competencies(items: list[dict]) -> list[dict]:
    if len(items) > MAX_COMPETENCIES:
        raise InvalidInput(f"at most {MAX_COMPETENCIES} competencies per framework")
    seen: set[str] = set()
    out = []
    for n, c in enumerate(items, 1):
        code = str(c.get("code") or "").strip()
        name = str(c.get("name") or "").strip()
        if not code or not _CODE.match(code):
            raise InvalidInput(f"competency {n}: code must be 1-128 characters without spaces", row=n)
        if not name:
            raise InvalidInput(f"competency {n}: name is required", row=n)
        if code in seen:
            raise InvalidInput(f"competency {n}: code {code!r} repeats", row=n)
        url = str(c.get("url") or "").strip()
        if url and not re.match(r"^https?://", url):
            raise InvalidInput(f"competency {n}: url must be http(s)", row=n)
        if len(url) > 1024:  # the column's length (PostgreSQL refuses a longer value)
            raise InvalidInput(f"competency {n}: url is longer than 1024 characters", row=n)
        seen.add(code)
        out.append({"code": code, "name": name[:2000], "description": str(c.get("description") or "")[:5000],
                    "url": url})
    return out


async def create_framework(principal: Any, *, kind: str, name: str, competencies: list[dict],
                           clock, version: str = "", school_id: int | None = None,
                           source: str = "manual", source_uri: str = "") -> dict:
    require(principal, *STAFF)
    school = await acting_school(principal, school_id)
    name = (name or "").strip()
    if not name:
        raise InvalidInput("name is required", field="name")
    return await catalog_repo.insert_framework(school_id=school, kind=normalise_kind(kind), name=name[:255],
                                       version=(version or "")[:64], source=source, source_uri=source_uri[:1024],
                                       created_at=clock.now(), competencies=_clean_competencies(competencies))


def parse_import(fmt: str, data: bytes, *, kind: str | None) -> Any:
    """A ``badges.competencies.Framework`` from CSV or a CASE JSON package."""
    import json

    from badges import competencies as comp
    from badges.errors import BadgeError

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
    except csv_errors() as exc:
        raise InvalidInput(f"cannot import the framework: {exc}") from None
    raise InvalidInput("format must be csv or case", field="format")


def csv_errors() -> tuple[type[Exception], ...]:
    import csv

    return (csv.Error, ValueError, KeyError, TypeError)


async def import_framework(principal: Any, *, fmt: str, data: bytes, clock, kind: str | None = None,
                           name: str | None = None, school_id: int | None = None) -> list[dict]:
    """One stored framework per kind found in the file, so the three kinds never mix."""
    require(principal, *STAFF)
    hint = normalise_kind(kind) if kind else None
    framework = parse_import(fmt, data, kind=hint)
    by_kind: dict[str, list[dict]] = {}
    for c in framework.competencies:
        if hint and fmt == "csv" and c.kind != hint:
            raise InvalidInput(f"competency {c.code!r} is of kind {c.kind!r}, not {hint!r}")
        by_kind.setdefault(c.kind, []).append(
            {"code": c.code, "name": c.name, "description": c.description or "", "url": c.url or ""})
    out = []
    for k, items in by_kind.items():
        label = (name or framework.name) + ("" if len(by_kind) == 1 else f" ({KIND_LABELS[k]})")
        out.append(await create_framework(principal, kind=k, name=label, competencies=items, clock=clock,
                                          school_id=school_id, version=framework.version or "",
                                          source=framework.source, source_uri=framework.id or ""))
    return out


async def list_frameworks(principal: Any, kind: str | None = None) -> list[dict]:
    return await catalog_repo.list_frameworks(await school_ids(principal), normalise_kind(kind) if kind else None)


async def get_framework(principal: Any, fw_uuid: str) -> dict:
    fw = await catalog_repo.get_framework(fw_uuid)
    if fw is None:
        raise NotFound("no such framework")
    await check_school(principal, fw["school"], "framework")
    return fw


def competency_url(base_url: str, c: dict) -> str:
    return c.get("url") or f"{base_url}/frameworks/{c['framework_uuid']}/competencies/{c['code']}"


def to_competency(base_url: str, c: dict):
    from badges import competencies as comp

    url = competency_url(base_url, c)
    return comp.Competency(id=url, code=c["code"], name=c["name"], kind=c["kind"],
                           framework=c.get("framework_name") or "Framework", url=url,
                           description=c.get("description") or "",
                           from_case=c.get("framework_source") == "case")


def to_alignment(base_url: str, c: dict) -> dict:
    """OB 3.0 Alignment for a stored competency (CASE items keep their CFItem URI)."""
    from badges import competencies as comp

    url = competency_url(base_url, c)
    competency = comp.Competency(id=url, code=c["code"], name=c["name"], kind=c["kind"],
                                 framework=c.get("framework_name") or "Framework", url=url,
                                 description=c.get("description") or "",
                                 from_case=c.get("framework_source") == "case")
    return comp.to_alignment(competency)


async def resolve_competencies(principal_schools: list[int], ids: list) -> list[dict]:
    try:
        wanted = sorted({int(i) for i in ids or []})
    except (TypeError, ValueError):
        raise InvalidInput("competency ids must be integers") from None
    rows = await catalog_repo.competencies_by_id(wanted)
    found = {r["id"] for r in rows if r["school"] in principal_schools}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise InvalidInput(f"unknown competencies: {missing}", competencies=missing)
    return [r for r in rows if r["id"] in found]
