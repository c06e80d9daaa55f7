"""The administrator's achievement editor (issue 13): the form behind ``/admin/achievements``.

The rubric editor works without JavaScript: the whole form travels on every post. Adding or
removing a criterion or a level is a submit button (``action``) that re-renders the form with
what was typed; saving validates everything at once and lists each problem against its field
("Criterion 2 has no description for level 3"). A form is an ``EditorForm`` (what the page
shows and re-shows), read from a post by ``form_from_post`` and from a stored row by
``form_from_row``; ``rubric_of`` turns it into the ``AchievementIn`` the use cases take.

Versions: saving an achievement that has awards makes a new version
(``achievements.update_achievement``); the count is read here, in the save's write transaction.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import msgspec

from badges.rubrics import DEFAULT_SCALE
from issuer.access import Principal
from issuer.catalog import achievements, frameworks
from issuer.catalog.rows import AchievementRow, CompetencyRow, FrameworkDetail
from issuer.catalog.schemas import AchievementIn
from issuer.context import IssuerContext
from issuer.credentials import admin as credentials_admin
from issuer.db.engine import write_transaction

MIN_LEVELS, MAX_LEVELS = 2, 6
MAX_CRITERIA = 12
AREAS = ("academic", "habits", "elo")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]*$")

Errors = list[dict[str, str]]


class CriterionForm(msgspec.Struct, kw_only=True):
    id: str = ""
    name: str = ""
    description: str = ""
    required: str = ""
    cells: list[str] = msgspec.field(default_factory=list)  # one description per level, lowest first


class EditorForm(msgspec.Struct, kw_only=True):
    name: str = ""
    description: str = ""
    criteria_text: str = ""
    area: str = "academic"
    subject: str = ""
    achievement_type: str = "Competency"
    second_rater: bool = False
    alignments: list[int] = msgspec.field(default_factory=list)
    prerequisites: list[str] = msgspec.field(default_factory=list)  # achievement uuids (current versions)
    levels: list[str] = msgspec.field(default_factory=list)  # level names, lowest first (values 1..n)
    criteria: list[CriterionForm] = msgspec.field(default_factory=list)
    total: str = ""


# --- building forms ------------------------------------------------------------------------------
def blank_form(scale: Sequence[Mapping[str, Any]]) -> EditorForm:
    """A new achievement: the school's level words (else the default scale) and two criteria."""
    names = [str(lv.get("name") or "") for lv in scale] or [lv.name for lv in DEFAULT_SCALE]
    required = str(min(3, len(names)))
    return EditorForm(levels=names, criteria=[CriterionForm(required=required, cells=[""] * len(names))
                                              for _ in range(2)])


def form_from_row(row: AchievementRow, current_prerequisites: Sequence[str]) -> EditorForm:
    criteria = row.rubric.get("criteria") or []
    first_levels = criteria[0].get("levels") if criteria else None
    levels = [str(lv.get("name") or "") for lv in first_levels or []] or [lv.name for lv in DEFAULT_SCALE]
    values = [int(lv.get("value") or i + 1) for i, lv in enumerate(first_levels or [])] or list(
        range(1, len(levels) + 1))

    def cells(c: Mapping[str, Any]) -> list[str]:
        by_value = {int(lv.get("value") or 0): str(lv.get("description") or "") for lv in c.get("levels") or []}
        return [by_value.get(v, "") for v in values]

    def required(c: Mapping[str, Any]) -> str:
        value = c.get("requiredLevel")
        return str(values.index(value) + 1) if value in values else ""

    total = row.rubric.get("totalRequired")
    return EditorForm(
        name=row.name, description=row.description, criteria_text=row.criteria, area=row.area or "academic",
        subject=row.subject, achievement_type=row.achievement_type, second_rater=row.second_rater,
        alignments=list(row.alignments), prerequisites=list(current_prerequisites), levels=levels,
        criteria=[CriterionForm(id=str(c.get("id") or ""), name=str(c.get("name") or ""),
                                description=str(c.get("description") or ""), required=required(c), cells=cells(c))
                  for c in criteria],
        total="" if total is None else str(total))


def _text(form: Any, name: str, limit: int = 10000) -> str:
    value = form.get(name) if hasattr(form, "get") else None
    return str(value or "").strip()[:limit] if not isinstance(value, bytes | bytearray) else ""


def _count(form: Any, name: str, lo: int, hi: int) -> int:
    try:
        return max(lo, min(hi, int(_text(form, name, 4))))
    except ValueError:
        return lo


def _all(form: Any, name: str) -> list[str]:
    if hasattr(form, "getall"):
        try:
            values = list(form.getall(name))
        except KeyError:
            values = []
    else:
        values = form.get(name) or []
    if not isinstance(values, list):
        values = [values]
    return [str(v).strip()[:64] for v in values if isinstance(v, str) and v.strip()][:500]


def form_from_post(form: Any) -> EditorForm:
    """The editor's fields as posted (``level_count`` and ``criterion_count`` say how many rows and
    columns the page had; every value is cut to its limit, nothing here refuses)."""
    n_levels = _count(form, "level_count", 1, MAX_LEVELS + 1)
    n_criteria = _count(form, "criterion_count", 0, MAX_CRITERIA + 1)
    alignments = []
    for v in _all(form, "alignments"):
        if v.isdigit() and len(v) < 12:
            alignments.append(int(v))
    return EditorForm(
        name=_text(form, "name", 255), description=_text(form, "description"),
        criteria_text=_text(form, "criteria"), area=_text(form, "area", 16), subject=_text(form, "subject", 128),
        achievement_type=_text(form, "achievement_type", 64) or "Competency",
        second_rater=_text(form, "second_rater", 8) == "yes", alignments=alignments,
        prerequisites=_all(form, "prerequisites"),
        levels=[_text(form, f"level-{j}", 40) for j in range(1, n_levels + 1)],
        criteria=[CriterionForm(id=_text(form, f"c-{i}-id", 64), name=_text(form, f"c-{i}-name", 255),
                                description=_text(form, f"c-{i}-description", 2000),
                                required=_text(form, f"c-{i}-required", 4),
                                cells=[_text(form, f"c-{i}-level-{j}", 2000) for j in range(1, n_levels + 1)])
                  for i in range(1, n_criteria + 1)],
        total=_text(form, "total", 8))


def apply_action(form: EditorForm, action: str) -> EditorForm:
    """Add or remove a criterion (row) or a level (the highest column); anything else: unchanged."""
    n = len(form.levels)
    if action == "add-criterion" and len(form.criteria) < MAX_CRITERIA:
        form.criteria.append(CriterionForm(required=str(min(3, n)), cells=[""] * n))
    elif action.startswith("remove-criterion-") and len(form.criteria) > 1:
        index = action.removeprefix("remove-criterion-")
        if index.isdigit() and 1 <= int(index) <= len(form.criteria):
            del form.criteria[int(index) - 1]
    elif action == "add-level" and n < MAX_LEVELS:
        form.levels.append("")
        for c in form.criteria:
            c.cells.append("")
    elif action == "remove-level" and n > MIN_LEVELS:
        form.levels.pop()
        for c in form.criteria:
            del c.cells[n - 1:]
            if c.required.isdigit() and int(c.required) >= n:
                c.required = str(n - 1)
    return form


# --- checking a form -----------------------------------------------------------------------------
def _slug(name: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40].strip("-")
    return s or "criterion"


def rubric_of(form: EditorForm) -> tuple[dict[str, Any], Errors]:
    """The rubric (``rubric_to_dict``'s form) the editor describes, and every problem with it."""
    errors: Errors = []
    n = len(form.levels)
    if not MIN_LEVELS <= n <= MAX_LEVELS:
        errors.append({"field": "level-1", "message": f"A rubric has {MIN_LEVELS} to {MAX_LEVELS} levels."})
    for j, name in enumerate(form.levels, start=1):
        if not name:
            errors.append({"field": f"level-{j}", "message": f"Level {j} needs a name."})
    if not form.criteria:
        errors.append({"field": "add-criterion", "message": "Add at least one criterion."})
    if len(form.criteria) > MAX_CRITERIA:
        errors.append({"field": "add-criterion", "message": f"A rubric has at most {MAX_CRITERIA} criteria."})
    used: set[str] = set()
    criteria = []
    for i, c in enumerate(form.criteria, start=1):
        if not c.name:
            errors.append({"field": f"c-{i}-name", "message": f"Criterion {i} needs a name."})
        for j, cell in enumerate(c.cells, start=1):
            if not cell:
                errors.append({"field": f"c-{i}-level-{j}",
                               "message": f"Criterion {i} has no description for level {j}."})
        required = int(c.required) if c.required.isdigit() else 0
        if not 1 <= required <= n:
            errors.append({"field": f"c-{i}-required",
                           "message": f"Criterion {i}: the required level must be on the scale (1 to {n})."})
        cid = c.id if c.id and _ID.match(c.id) and c.id != "total" and c.id not in used else _slug(c.name)
        base, k = cid, 2
        while cid in used or cid == "total":
            cid, k = f"{base}-{k}", k + 1
        used.add(cid)
        criteria.append({"id": cid, "name": c.name, "description": c.description, "requiredLevel": required,
                         "levels": [{"value": j, "name": form.levels[j - 1], "description": c.cells[j - 1]}
                                    for j in range(1, n + 1)]})
    total: int | None = None
    if form.total:
        lo, hi = len(form.criteria), len(form.criteria) * n
        try:
            total = int(form.total)
        except ValueError:
            total = None
        if total is None or not lo <= total <= hi:
            errors.append({"field": "total",
                           "message": f"The minimum total must be a whole number from {lo} to {hi}, or empty."})
            total = None
    return {"id": "rubric", "name": f"{form.name} rubric", "totalRequired": total, "criteria": criteria}, errors


def check(form: EditorForm) -> tuple[AchievementIn | None, Errors]:
    """The ``AchievementIn`` the form describes, or every problem with it (first the fields in the
    order they appear, then the rubric's)."""
    errors: Errors = []
    if not form.name:
        errors.append({"field": "name", "message": "Enter a name for the achievement."})
    if not form.description:
        errors.append({"field": "description", "message": "Enter a description: what the badge recognises."})
    if form.area not in AREAS:
        errors.append({"field": "area", "message": "Choose an area: academic, habits of work or extended learning."})
    elif form.area == "academic" and not form.subject:
        errors.append({"field": "subject", "message": "Enter the subject of an academic achievement."})
    rubric, problems = rubric_of(form)
    errors += problems
    if errors:
        return None, errors
    try:
        data = AchievementIn(name=form.name, description=form.description, rubric=rubric,
                             criteria=form.criteria_text, alignments=form.alignments,
                             prerequisites=list(form.prerequisites), second_rater=form.second_rater,
                             achievement_type=form.achievement_type, area=form.area, subject=form.subject)
    except (msgspec.ValidationError, ValueError) as exc:
        return None, [{"field": "", "message": str(exc)}]
    return data, []


# --- what the editor offers ------------------------------------------------------------------------
def allowed_kinds(area: str) -> tuple[str, ...]:
    """The frameworks an achievement of ``area`` aligns to: its own kind (academic, habits);
    extended learning may evidence any (``achievements.check_areas``)."""
    return ("academic", "habits", "elo") if area == "elo" else (area,) if area in AREAS else ()


class FrameworkChoice(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    kind: str
    competencies: list[CompetencyRow]


async def framework_choices(ctx: IssuerContext, who: Principal, area: str) -> list[FrameworkChoice]:
    """The frameworks (with competencies) an achievement of ``area`` may align, by framework."""
    kinds = allowed_kinds(area)
    found: list[FrameworkDetail] = await frameworks.frameworks_with_competencies(ctx, who)
    return [FrameworkChoice(name=fw.name, kind=fw.kind, competencies=fw.competencies)
            for fw in found if fw.kind in kinds and fw.competencies]


def check_alignment_kinds(form: EditorForm, choices: Iterable[FrameworkChoice]) -> Errors:
    """An alignment the area does not offer (the area changed after it was ticked, or a forged post)."""
    offered = {c.id for fw in choices for c in fw.competencies}
    if any(a not in offered for a in form.alignments):
        return [{"field": "alignments",
                 "message": "Some competencies you chose are not of this achievement's area: untick them or "
                            "change the area."}]
    return []


# --- the school's catalogue ------------------------------------------------------------------------
class Listed(msgspec.Struct, frozen=True, kw_only=True):
    """An achievement in the catalogue: its current version, with its awards over every version."""
    row: AchievementRow
    awards: int  # of this version
    all_awards: int  # of every version
    versions: int


class ListGroup(msgspec.Struct, frozen=True, kw_only=True):
    area: str
    subject: str
    items: list[Listed]


_AREA_ORDER = {"academic": 0, "habits": 1, "elo": 2, "": 3}


async def catalogue(ctx: IssuerContext, who: Principal, school_id: int) -> list[ListGroup]:
    """The school's achievements, one entry per achievement (its newest version), grouped by area
    (academic by subject, habits of work, extended learning), retired ones included."""
    rows = await achievements.all_versions_of_school(ctx, who, school_id)
    counts = await credentials_admin.award_counts(r.id for r in rows)
    family: dict[int, list[AchievementRow]] = {}
    for r in rows:
        family.setdefault(r.lineage_id, []).append(r)
    groups: dict[tuple[str, str], list[Listed]] = {}
    for versions in family.values():
        newest = max(versions, key=lambda v: (v.version, v.id))
        key = (newest.area, newest.subject if newest.area == "academic" else "")
        groups.setdefault(key, []).append(Listed(
            row=newest, awards=counts.get(newest.id, 0), all_awards=sum(counts.get(v.id, 0) for v in versions),
            versions=len(versions)))
    ordered = sorted(groups.items(), key=lambda kv: (_AREA_ORDER.get(kv[0][0], 3), kv[0][1].lower()))
    return [ListGroup(area=k[0], subject=k[1], items=sorted(v, key=lambda x: x.row.name.lower()))
            for k, v in ordered]


async def prerequisite_choices(ctx: IssuerContext, who: Principal, school_id: int,
                               exclude: AchievementRow | None = None) -> list[AchievementRow]:
    """The school's achievements in use, the one being edited left out."""
    rows = await achievements.of_school(school_id)
    return sorted((r for r in rows if exclude is None or r.lineage_id != exclude.lineage_id),
                  key=lambda r: r.name.lower())


async def current_prerequisites(row: AchievementRow) -> list[str]:
    """The uuids of the current versions of ``row``'s prerequisites."""
    family = await achievements.lineages(row.prerequisites)
    return [str(vs[-1].uuid) for vs in family.values() if vs]


async def award_count(row: AchievementRow) -> int:
    return (await credentials_admin.award_counts([row.id])).get(row.id, 0)


# --- saving ----------------------------------------------------------------------------------------
async def create(ctx: IssuerContext, who: Principal, data: AchievementIn) -> AchievementRow:
    return await achievements.create_achievement(ctx, who, data)


async def update(ctx: IssuerContext, who: Principal, a_uuid: str, data: AchievementIn) -> AchievementRow:
    """Save an edit: in place without awards, a new version with some (counted in the transaction
    that writes, so an award made meanwhile cannot slip under an edit in place)."""
    async with write_transaction():
        row = await achievements.current_version(ctx, who, a_uuid)
        awarded = await award_count(row) > 0
        return await achievements.update_achievement(ctx, who, a_uuid, data, awarded=awarded)


async def set_image(ctx: IssuerContext, who: Principal, a_uuid: str, data: bytes) -> AchievementRow:
    """A new badge image. Replacing the image of an achievement with awards makes a new version
    (the image URL inside issued badges keeps serving theirs); a first image is set in place (the
    badges issued without one name no image, so none of them changes)."""
    async with write_transaction():
        row = await achievements.get_achievement(ctx, who, a_uuid)
        replaces = bool(row.image_sha256) and await award_count(row) > 0
        return await achievements.set_image(ctx, who, a_uuid, data, awarded=replaces)
