"""The administrator's frameworks (issue 13): the use cases behind ``issuer.catalog.framework_pages``.

* the school's frameworks by kind (academic, habits of work, extended learning), with counts;
* a framework made by hand, its name and version edited, competencies added, edited and removed
  (code, name, description, parent); a competency an achievement aligns to is never removed, nor
  one with competencies under it;
* an import from CSV or a CASE CFPackage, in two steps: ``preview_import`` reads the whole file
  (``badges.competencies.read_csv``/``read_case``) and shows the tree and every problem, storing
  nothing; ``confirm_import`` stores it.

Between the two steps the file travels in the confirmation form itself, with an HMAC over its
hash, the person, the school, the format, kind and name and the time of the preview (key derived
from the app's secret). Nothing is kept on the server for a preview nobody confirms; the
signature makes the confirmation store exactly what that person previewed, for that school,
within ``DRAFT_TTL``; and the file is read and checked again before it is stored.

Re-importing a CASE document (the same CFDocument ``uri``, which carries its identifier) into a
school that has it already **updates** that framework: items are matched by their CFItem URI,
changed ones updated in place (their ids, and so the achievements aligned to them, stay), new ones
added, and ones gone from the document removed, except those an achievement aligns to, which are
kept and listed in the preview. A CSV has no identity, so each CSV import makes a new framework.
"""
from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import json
import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

import msgspec

from badges import competencies as comp
from issuer.access import ADMINS, Principal, check_school, require
from issuer.catalog import repo as catalog_repo
from issuer.catalog.rows import CompetencyRow, FrameworkDetail, FrameworkRow
from issuer.context import IssuerContext
from issuer.errors import Conflict, FileTooLarge, InvalidInput, NotFound

MAX_IMPORT_BYTES = 1024 * 1024
MAX_COMPETENCIES = 5000
DRAFT_TTL = timedelta(hours=1)
FORMATS = ("csv", "case")
TEMPLATE_COLUMNS = ("code", "name", "description", "parent", "url")
_CODE = re.compile(r"^[^\s/?#]{1,128}$")


# --- reading ---------------------------------------------------------------------------------------
class FrameworkSummary(msgspec.Struct, frozen=True, kw_only=True):
    framework: FrameworkRow
    competencies: int


class KindGroup(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    frameworks: list[FrameworkSummary]

    @property
    def competencies(self) -> int:
        return sum(f.competencies for f in self.frameworks)


async def frameworks_by_kind(ctx: IssuerContext, who: Principal, school_id: int) -> list[KindGroup]:
    """The school's frameworks in three groups, always all three (an empty one says so)."""
    require(who, *ADMINS)
    await check_school(who, school_id, "school")
    rows = await catalog_repo.list_frameworks([school_id])
    counts = await catalog_repo.competency_counts([r.id for r in rows])
    return [KindGroup(kind=k, frameworks=[FrameworkSummary(framework=r, competencies=counts.get(r.id, 0))
                                          for r in rows if r.kind == k]) for k in comp.KINDS]


class FrameworkView(msgspec.Struct, frozen=True, kw_only=True):
    framework: FrameworkDetail
    tree: tuple[comp.Branch[CompetencyRow], ...]
    aligned: frozenset[int]  # competency ids an achievement aligns to


def competency_tree(rows: Sequence[CompetencyRow]) -> tuple[comp.Branch[CompetencyRow], ...]:
    return comp.build_tree(rows, code=lambda c: c.code, parent=lambda c: c.parent_code or None,
                           position=lambda c: c.position)


async def admin_framework(ctx: IssuerContext, who: Principal, fw_uuid: str) -> FrameworkView:
    require(who, *ADMINS)
    fw = await catalog_repo.get_framework(fw_uuid)
    if fw is None:
        raise NotFound("no such framework")
    await check_school(who, fw.school, "framework")
    aligned = await catalog_repo.aligned_competency_ids(fw.school)
    return FrameworkView(framework=fw, tree=competency_tree(fw.competencies),
                         aligned=frozenset(c.id for c in fw.competencies if c.id in aligned))


# --- by hand -----------------------------------------------------------------------------------------
class FrameworkForm(msgspec.Struct, frozen=True, kw_only=True):
    name: str = ""
    kind: str = ""
    version: str = ""


class CompetencyForm(msgspec.Struct, frozen=True, kw_only=True):
    code: str = ""
    name: str = ""
    description: str = ""
    parent: str = ""


def _refuse(errors: list[dict[str, str]]) -> None:
    if errors:
        raise InvalidInput(errors[0]["message"], errors=errors, field=errors[0]["field"])


def _framework_errors(form: FrameworkForm, *, kind_needed: bool) -> list[dict[str, str]]:
    errors = []
    if not form.name.strip():
        errors.append({"field": "name", "message": "Enter the framework's name."})
    elif len(form.name.strip()) > 255:
        errors.append({"field": "name", "message": "The name must be 255 characters or fewer."})
    if kind_needed and form.kind not in comp.KINDS:
        errors.append({"field": "kind", "message": "Choose what kind of framework this is."})
    if len(form.version.strip()) > 64:
        errors.append({"field": "version", "message": "The version must be 64 characters or fewer."})
    return errors


async def create_by_hand(ctx: IssuerContext, who: Principal, school_id: int, form: FrameworkForm) -> FrameworkDetail:
    require(who, *ADMINS)
    await check_school(who, school_id, "school")
    _refuse(_framework_errors(form, kind_needed=True))
    return await catalog_repo.insert_framework(
        school_id=school_id, kind=form.kind, name=form.name.strip(), version=form.version.strip(), source="manual",
        source_uri="", created_at=ctx.clock.now(), competencies=[])


async def edit_framework(ctx: IssuerContext, who: Principal, fw_uuid: str, form: FrameworkForm) -> FrameworkDetail:
    """Name and version; the kind stays (its competencies and the achievements aligned to them keep it)."""
    view = await admin_framework(ctx, who, fw_uuid)
    _refuse(_framework_errors(form, kind_needed=False))
    await catalog_repo.update_framework(view.framework.id, name=form.name.strip(), version=form.version.strip())
    return await _reread(fw_uuid)


def _competency_errors(form: CompetencyForm, fw: FrameworkDetail,
                       editing: CompetencyRow | None) -> list[dict[str, str]]:
    errors = []
    code, parent = form.code.strip(), form.parent.strip()
    others = {c.code: c for c in fw.competencies if editing is None or c.id != editing.id}
    if not _CODE.match(code):
        errors.append({"field": "code", "message": "Enter a code of 1 to 128 characters without spaces, / ? or #."})
    elif code in others:
        errors.append({"field": "code", "message": f"The code {code} is already used in this framework."})
    if not form.name.strip():
        errors.append({"field": "name", "message": "Enter the competency's name."})
    elif len(form.name) > 2000:
        errors.append({"field": "name", "message": "The name must be 2,000 characters or fewer."})
    if len(form.description) > 5000:
        errors.append({"field": "description", "message": "The description must be 5,000 characters or fewer."})
    if parent:
        if parent not in others:
            errors.append({"field": "parent", "message": "Choose a parent from this framework's competencies."})
        elif editing is not None:
            # a competency cannot sit under itself or under anything below it
            current: str | None = parent
            while current:
                if current == editing.code:
                    errors.append({"field": "parent",
                                   "message": "A competency cannot sit under one of its own sub-competencies."})
                    break
                row = others.get(current)
                current = row.parent_code if row is not None else None
    if editing is None and len(fw.competencies) >= MAX_COMPETENCIES:
        errors.append({"field": "code", "message": f"A framework holds at most {MAX_COMPETENCIES} competencies."})
    return errors


def _last_position(fw: FrameworkDetail, parent: str) -> int:
    return max((c.position for c in fw.competencies if c.parent_code == parent), default=0) + 1


async def add_competency(ctx: IssuerContext, who: Principal, fw_uuid: str, form: CompetencyForm) -> CompetencyRow:
    fw = (await admin_framework(ctx, who, fw_uuid)).framework
    _refuse(_competency_errors(form, fw, None))
    parent = form.parent.strip()
    await catalog_repo.insert_competency(fw.id, fw.kind, {
        "code": form.code.strip(), "name": form.name.strip(), "description": form.description.strip(),
        "parent_code": parent, "position": _last_position(fw, parent)})
    return next(c for c in (await _reread(fw_uuid)).competencies if c.code == form.code.strip())


def _competency(fw: FrameworkDetail, c_id: int) -> CompetencyRow:
    for c in fw.competencies:
        if c.id == c_id:
            return c
    raise NotFound("no such competency")


async def competency_of(ctx: IssuerContext, who: Principal, fw_uuid: str, c_id: int) -> tuple[FrameworkView,
                                                                                              CompetencyRow]:
    view = await admin_framework(ctx, who, fw_uuid)
    return view, _competency(view.framework, c_id)


async def edit_competency(ctx: IssuerContext, who: Principal, fw_uuid: str, c_id: int,
                          form: CompetencyForm) -> CompetencyRow:
    fw = (await admin_framework(ctx, who, fw_uuid)).framework
    row = _competency(fw, c_id)
    _refuse(_competency_errors(form, fw, row))
    parent = form.parent.strip()
    values: dict[str, object] = {"code": form.code.strip(), "name": form.name.strip(),
                                 "description": form.description.strip(), "parent_code": parent}
    if parent != row.parent_code:
        values["position"] = _last_position(fw, parent)
    await catalog_repo.update_competency(row.id, row.code, fw.id, **values)
    return _competency(await _reread(fw_uuid), c_id)


async def remove_competency(ctx: IssuerContext, who: Principal, fw_uuid: str, c_id: int) -> CompetencyRow:
    """Refused (409) while an achievement aligns to it or competencies sit under it."""
    view = await admin_framework(ctx, who, fw_uuid)
    row = _competency(view.framework, c_id)
    if row.id in view.aligned:
        raise Conflict(f"{row.code} cannot be removed: an achievement aligns to it, and the badges issued for that "
                       "achievement cite it. Remove the alignment from the achievement first.")
    children = [c.code for c in view.framework.competencies if c.parent_code == row.code]
    if children:
        raise Conflict(f"{row.code} cannot be removed while {len(children)} competencies sit under it "
                       f"({', '.join(children[:5])}{'…' if len(children) > 5 else ''}): move or remove them first.")
    await catalog_repo.delete_competency(row.id)
    return row


async def _reread(fw_uuid: str) -> FrameworkDetail:
    fw = await catalog_repo.get_framework(fw_uuid)
    if fw is None:
        raise NotFound("no such framework")
    return fw


# --- import ------------------------------------------------------------------------------------------
class ImportProblem(msgspec.Struct, frozen=True, kw_only=True):
    where: str  # "line 4", or a CASE item's identifier, or "CFAssociations[2]"
    line: int | None
    item: str | None
    message: str
    code: str = ""  # the competency's code, when it could be read


class Draft(msgspec.Struct, frozen=True, kw_only=True):
    """What the confirmation form carries: the file (base64) and what it was previewed with."""
    format: str
    kind: str
    name: str
    content: str
    issued: int
    signature: str = ""


class ImportPreview(msgspec.Struct, frozen=True, kw_only=True):
    reading: comp.Reading
    tree: tuple[comp.Branch[comp.Entry], ...]
    problems: list[ImportProblem]
    draft: Draft
    replaces: FrameworkRow | None = None  # the framework a re-imported CASE document updates
    added: int = 0
    changed: int = 0
    removed: int = 0
    kept: list[str] = []  # codes gone from the document that achievements align to

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.reading.entries)


def _sign(ctx: IssuerContext, who: Principal, school_id: int, d: Draft) -> str:
    key = hmac.new(ctx.keys.secret_key, b"framework-import-draft", hashlib.sha256).digest()
    digest = hashlib.sha256(d.content.encode()).hexdigest()
    message = json.dumps([who.id, school_id, d.format, d.kind, d.name, d.issued, digest]).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def read_upload(fmt: str, data: bytes | str, *, kind: str, name: str) -> comp.Reading:
    """The file read whole, every problem listed; too large, not UTF-8 or an unknown format raise."""
    if fmt not in FORMATS:
        raise InvalidInput("Choose CSV or CASE JSON.", field="format")
    if kind not in comp.KINDS:
        raise InvalidInput("Choose what kind of framework this is.", field="kind")
    raw = data.encode() if isinstance(data, str) else data
    if len(raw) > MAX_IMPORT_BYTES:
        raise FileTooLarge(f"The file is too large: a framework file must be under {MAX_IMPORT_BYTES // 1024} KB.",
                           field="file")
    if not raw.strip():
        raise InvalidInput("Choose a file: this one is empty.", field="file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("Save the file as UTF-8 text and choose it again.", field="file") from None
    if fmt == "csv":
        try:
            reading = comp.read_csv(text, kind=kind, name=name.strip() or None, require_url=False)
        except (csv.Error, ValueError, TypeError) as exc:
            raise InvalidInput(f"The CSV cannot be read: {exc}", field="file") from None
    else:
        reading = comp.read_case(text, kind=kind)
    return reading


def _problems(reading: comp.Reading, kind: str, fmt: str) -> list[ImportProblem]:
    out = []
    codes = {e.item: e.code for e in reading.entries if e.item}
    for p in reading.problems:
        where = (f"line {p.line}" if p.line is not None else p.item or p.where
                 or ("CSV header" if fmt == "csv" else "CASE package"))
        out.append(ImportProblem(where=where, line=p.line, item=p.item, message=p.message,
                                 code=codes.get(p.item or "", "")))
    for e in reading.entries:  # one framework holds one kind
        if e.kind != kind:
            out.append(ImportProblem(
                where=f"line {e.line}" if e.line else e.item or e.code, line=e.line, item=e.item, code=e.code,
                message=f"{e.code} is of kind {e.kind}, but this framework is {kind}: "
                        "import it into a framework of its own kind"))
    if len(reading.entries) > MAX_COMPETENCIES:
        out.append(ImportProblem(where="file", line=None, item=None,
                                 message=f"a framework holds at most {MAX_COMPETENCIES} competencies"))
    if not reading.name.strip():
        out.append(ImportProblem(where="name", line=None, item=None,
                                 message="the file names no framework: enter its name"))
    return sorted(out, key=lambda p: (p.line or 0))


def _plan(reading: comp.Reading, existing: FrameworkDetail, aligned: set[int]) -> tuple[
        dict[int, dict[str, Any]], list[dict[str, Any]], list[int], list[CompetencyRow]]:
    """(updates by id, additions, removals, kept) for a re-imported CASE document."""
    by_url = {c.url: c for c in existing.competencies if c.url}
    keep: dict[int, dict[str, Any]] = {}
    add: list[dict[str, Any]] = []
    for e in reading.entries:
        values = _entry_values(e)
        row = by_url.pop(e.url, None)
        if row is None:
            add.append(values)
        else:
            keep[row.id] = values
    remove = [c.id for c in by_url.values() if c.id not in aligned]
    kept = [c for c in by_url.values() if c.id in aligned]
    return keep, add, remove, kept


def _entry_values(e: comp.Entry) -> dict[str, Any]:
    return {"code": e.code, "name": e.name[:2000], "description": e.description[:5000], "url": e.url,
            "parent_code": e.parent or "", "position": e.position}


async def preview_import(ctx: IssuerContext, who: Principal, school_id: int, *, fmt: str, data: bytes | str,
                         kind: str, name: str = "") -> ImportPreview:
    require(who, *ADMINS)
    await check_school(who, school_id, "school")
    reading = read_upload(fmt, data, kind=kind, name=name)
    if name.strip():
        reading = replace(reading, name=name.strip()[:255])
    problems = _problems(reading, kind, fmt)
    # base64: a browser posting a form turns every line break in a field into CRLF
    content = base64.b64encode(data if isinstance(data, bytes) else data.encode()).decode()
    draft = Draft(format=fmt, kind=kind, name=name.strip()[:255], content=content,
                  issued=int(ctx.clock.now().timestamp()))
    draft = msgspec.structs.replace(draft, signature=_sign(ctx, who, school_id, draft))
    tree = comp.build_tree(reading.entries, code=lambda e: e.code, parent=lambda e: e.parent,
                           position=lambda e: e.position)
    replaces = None
    added = changed = removed = 0
    kept: list[str] = []
    if fmt == "case" and reading.id:
        found = await catalog_repo.framework_by_source(school_id, reading.id)
        if found is not None:
            existing = await _reread(str(found.uuid))
            replaces = found
            if existing.kind != kind:
                problems.insert(0, ImportProblem(
                    where="CFDocument", line=None, item=reading.identifier,
                    message=f"this CASE document is already imported as the {existing.kind} framework "
                            f"{existing.name!r}: choose that kind to update it"))
            keep, add, remove, kept_rows = _plan(reading, existing, await catalog_repo.aligned_competency_ids(
                school_id))
            added, removed, kept = len(add), len(remove), [c.code for c in kept_rows]
            changed = sum(1 for c in existing.competencies if c.id in keep and _differs(c, keep[c.id]))
            new_codes = {e.code for e in reading.entries}
            for c in kept_rows:
                if c.code in new_codes:
                    problems.append(ImportProblem(
                        where=c.code, line=None, item=None,
                        message=f"the code {c.code} now names another item, but an achievement aligns to the "
                                "competency that had it: change that alignment first"))
    return ImportPreview(reading=reading, tree=tree, problems=problems, draft=draft, replaces=replaces, added=added,
                         changed=changed, removed=removed, kept=kept)


def _differs(row: CompetencyRow, values: dict[str, Any]) -> bool:
    return any(getattr(row, k) != v for k, v in values.items())


async def confirm_import(ctx: IssuerContext, who: Principal, school_id: int, draft: Draft) -> tuple[FrameworkDetail,
                                                                                                   bool]:
    """Store what was previewed: (the framework, whether an existing one was updated)."""
    require(who, *ADMINS)
    await check_school(who, school_id, "school")
    expected = _sign(ctx, who, school_id, msgspec.structs.replace(draft, signature=""))
    if not hmac.compare_digest(expected, draft.signature or ""):
        raise InvalidInput("This preview cannot be confirmed: choose the file again.", field="file")
    if ctx.clock.now().timestamp() - draft.issued > DRAFT_TTL.total_seconds():
        raise InvalidInput("This preview is more than an hour old: choose the file again.", field="file")
    try:
        data = base64.b64decode(draft.content, validate=True)
    except ValueError:
        raise InvalidInput("This preview cannot be confirmed: choose the file again.", field="file") from None
    preview = await preview_import(ctx, who, school_id, fmt=draft.format, data=data, kind=draft.kind,
                                   name=draft.name)
    if not preview.ok:
        raise InvalidInput(f"{preview.problems[0].where}: {preview.problems[0].message}" if preview.problems
                           else "The file has no competencies.", field="file")
    reading = preview.reading
    entries = sorted(reading.entries, key=lambda e: e.position)
    if preview.replaces is not None:
        existing = await _reread(str(preview.replaces.uuid))
        keep, add, remove, kept = _plan(reading, existing, await catalog_repo.aligned_competency_ids(school_id))
        codes = {e.code for e in reading.entries}
        for c in kept:  # stays at the top when its parent went with the document
            if c.parent_code and c.parent_code not in codes:
                keep[c.id] = {"parent_code": "", "position": len(codes) + 1}
        await catalog_repo.replace_competencies(
            existing.id, existing.kind, framework={"name": reading.name[:255], "version": (reading.version or "")[:64]},
            keep=keep, add=add, remove=remove)
        return await _reread(str(existing.uuid)), True
    fw = await catalog_repo.insert_framework(
        school_id=school_id, kind=draft.kind, name=reading.name[:255], version=(reading.version or "")[:64],
        source=reading.source, source_uri=(reading.id or "")[:1024], created_at=ctx.clock.now(),
        competencies=[_entry_values(e) for e in entries])
    return fw, False


def template_csv() -> str:
    """The CSV template: the columns, and a small tree as an example."""
    return ("code,name,description,parent,url\r\n"
            "COM,Communication,Expresses ideas clearly to different audiences,,\r\n"
            "COM.1,Writes clearly,Organises writing so a reader can follow it,COM,\r\n"
            "COM.2,Speaks to an audience,Presents to a group and answers questions,COM,\r\n")
