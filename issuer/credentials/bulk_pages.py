"""The bulk award page for the school's staff (issue 13): ``/teacher/bulk-award``.

1. Choose an achievement and download its CSV template (``GET …/template``): the student's
   username, then one column per rubric criterion, each header saying its scale and the level
   needed (``bulk.template_csv``).
2. Upload the completed file (``POST``, multipart, at most ``MAX_BYTES``). Every row is checked
   with ``bulk.validate``; a file with problems gets a table of them (line, column, what is
   wrong, in words) and nothing is issued. A file without problems gets a "check your answers"
   page: how many badges to how many students, per level, a sample, the rows skipped.
3. Confirm (``POST …/confirm``, CSRF): the file travels back in the form with an id the check
   page chose for the job, so a second submit of the same form finds that job instead of
   starting another (``bulk.start(job_uuid=…)``), and the browser goes to the job's page.
4. The job's page (``GET …/<job uuid>``): the bar with its figures, refreshed by a meta refresh
   without JavaScript (inside ``<noscript>``) and by ``static/bulk-progress.js`` polling
   ``/api/awards/bulk/<uuid>`` with it; once finished, the outcome in words. Everything it shows
   is read from the job's row, so any app process answers it and a reload loses nothing.

The page also lists the person's recent jobs, so they can get back to one.
"""
from __future__ import annotations

import re
import uuid as uuidlib
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery

from badges import rubrics
from issuer.access import Principal
from issuer.accounts.auth import requires
from issuer.catalog.rows import AchievementRow
from issuer.credentials import bulk
from issuer.errors import FileTooLarge, InvalidInput
from issuer.evidence.progress import levels_of, scale_of
from issuer.web.common import files_of, form_of, page, see_other, who
from issuer.web.deps import DEPENDENCIES, Ctx

AuthRequest = Request[Principal, Any, Any]
MAX_BYTES = 2 * 1024 * 1024  # about 50,000 rows; the API takes larger files
SAMPLE_ROWS = 8
SHOWN_SKIPPED = 50
FINISHED = ("done", "failed")


def _problem(field: str, code: str, message: str = "") -> dict[str, str]:
    """One line of the form's error summary: ``code`` picks the page's translated words
    (teacher/bulk.html.j2); ``message`` is the use case's own, shown for any other code."""
    return {"field": field, "code": code, "message": message}


def _file_problem(exc: InvalidInput) -> dict[str, str]:
    """A refused file (or choice) in the words of the page where it has them."""
    message = exc.message
    if exc.details.get("field") == "achievement":
        return _problem("achievement", "no_achievement")
    if "must be UTF-8" in message:
        return _problem("file", "not_utf8")
    if "binary data" in message:
        return _problem("file", "binary")
    if "first line must name the columns" in message or "is empty" in message:
        return _problem("file", "no_header")
    if "has no rows" in message:
        return _problem("file", "no_rows")
    return _problem("file", "other", message[:1].upper() + message[1:] + ("" if message.endswith(".") else "."))


def _scale(achievement: AchievementRow | None) -> list[dict[str, Any]] | None:
    """The achievement's level words, or None for the default scale (the page's own words)."""
    criteria = (achievement.rubric.get("criteria") or []) if achievement else []
    scale = scale_of(levels_of(criteria[0])) if criteria else None
    return [{"value": lv.value, "name": lv.name} for lv in scale] if scale else None


def _criteria(achievement: AchievementRow | None) -> list[dict[str, Any]]:
    if achievement is None:
        return []
    rubric = rubrics.rubric_from_dict(achievement.rubric)
    return [{"id": c.id, "name": c.name, "required": c.required_level, "low": c.levels[0].value,
             "high": c.levels[-1].value} for c in rubric.criteria]


def _filename(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "achievement"
    return f"bulk-award-{slug}.csv"


class BulkAwardPages(Controller):
    path = "/teacher/bulk-award"
    guards = [requires("teacher", "school_admin", "district_admin")]
    dependencies = DEPENDENCIES
    include_in_schema = False

    async def _index(self, ctx: Ctx, request: AuthRequest, *, status_code: int = 200, chosen: str = "",
                     errors: list[dict[str, str]] | None = None) -> Response[Any]:
        p = who(request)
        achievements = await bulk.school_achievements(p)
        jobs = await bulk.recent_jobs(ctx, p)
        return page(request, "teacher/bulk.html.j2", status_code=status_code, achievements=achievements,
                    chosen=chosen, errors=errors or [], jobs=jobs, max_mb=MAX_BYTES // (1024 * 1024))

    @get("/")
    async def index(self, ctx: Ctx, request: AuthRequest, achievement: FromQuery[str] = "") -> Response[Any]:
        return await self._index(ctx, request, chosen=achievement)

    @get("/template")
    async def template(self, ctx: Ctx, request: AuthRequest, achievement: FromQuery[str] = "") -> Response[Any]:
        """The CSV template of the chosen achievement, as a download."""
        try:
            chosen, text = await bulk.template(who(request), achievement)
        except InvalidInput:
            return await self._index(ctx, request, status_code=422,
                                     errors=[_problem("template-achievement", "no_template_achievement")])
        # a byte-order mark: spreadsheet programs then read the file's dashes and accents as UTF-8
        return Response(content=("\ufeff" + text).encode(), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{_filename(chosen.name)}"'})

    @post("/")
    async def check(self, ctx: Ctx, request: AuthRequest) -> Response[Any]:
        """Check the uploaded file: its problems, or the "check your answers" page."""
        try:
            form = await form_of(request)
        except FileTooLarge:
            return await self._too_large(ctx, request)
        chosen = str(form.get("achievement") or "")
        files = await files_of(form, "file")
        if not files or not files[0][1]:
            return await self._index(ctx, request, status_code=422, chosen=chosen, errors=[_problem("file", "no_file")])
        filename, data = files[0]
        if len(data) > MAX_BYTES:
            return await self._too_large(ctx, request, chosen)
        return await self._checked(ctx, request, data, chosen=chosen, filename=filename or "")

    async def _too_large(self, ctx: Ctx, request: AuthRequest, chosen: str = "") -> Response[Any]:
        return await self._index(ctx, request, status_code=413, chosen=chosen, errors=[_problem("file", "too_large")])

    async def _checked(self, ctx: Ctx, request: AuthRequest, data: bytes, *, chosen: str,
                       filename: str) -> Response[Any]:
        p = who(request)
        if not chosen:
            return await self._index(ctx, request, status_code=422, errors=[_problem("achievement", "no_achievement")])
        try:
            plan = await bulk.validate(p, data, achievement=chosen)
        except InvalidInput as exc:
            return await self._index(ctx, request, status_code=exc.status_code, chosen=chosen,
                                     errors=[_file_problem(exc)])
        achievement = plan.achievement
        context: dict[str, Any] = {
            "plan": plan, "achievement": achievement, "criteria": _criteria(achievement),
            "scale": _scale(achievement), "filename": filename, "sample": plan.rows[:SAMPLE_ROWS],
            "skipped": plan.skipped[:SHOWN_SKIPPED], "chosen": chosen,
            "achievements": await bulk.school_achievements(p), "max_mb": MAX_BYTES // (1024 * 1024)}
        if plan.errors:
            return page(request, "teacher/bulk_check.html.j2", status_code=422, problems=plan.errors, **context)
        return page(request, "teacher/bulk_check.html.j2", problems=[], text=data.decode("utf-8-sig"),
                    token=str(uuidlib.uuid4()), **context)

    @post("/confirm")
    async def confirm(self, ctx: Ctx, request: AuthRequest) -> Response[Any]:
        """Start the job the check page described (or, sent twice, go to the one it started)."""
        form = await form_of(request)
        chosen, text = str(form.get("achievement") or ""), str(form.get("csv") or "")
        try:
            token = uuidlib.UUID(str(form.get("token") or ""))
        except ValueError:
            return await self._index(ctx, request, status_code=422, chosen=chosen,
                                     errors=[_problem("file", "incomplete")])
        try:
            job, _ = await bulk.start(ctx, who(request), text.encode(), achievement=chosen or None, job_uuid=token)
        except InvalidInput as exc:
            if exc.details.get("rows"):  # something changed since the check: show what, as the check does
                return await self._checked(ctx, request, text.encode(), chosen=chosen,
                                           filename=str(form.get("filename") or ""))
            return await self._index(ctx, request, status_code=exc.status_code, chosen=chosen,
                                     errors=[_file_problem(exc)])
        return see_other(f"/teacher/bulk-award/{job.uuid}")

    @get("/{job_uuid:uuid}")
    async def progress(self, ctx: Ctx, request: AuthRequest, job_uuid: FromPath[uuidlib.UUID],
                       refresh: FromQuery[str] = "") -> Response[Any]:
        job = await bulk.job_status(ctx, who(request), str(job_uuid))
        finished = job.status in FINISHED
        held = max(0, job.processed - job.issued)  # rows whose student already had the badge
        not_issued = job.total - job.processed if job.status == "failed" else 0
        return page(request, "teacher/bulk_job.html.j2", job=job, finished=finished, held=held,
                    not_issued=not_issued, refreshing=not finished and refresh != "off",
                    percent=int(job.processed * 100 / job.total) if job.total else 100,
                    json_url=f"/api/awards/bulk/{job.uuid}")


ROUTES = [BulkAwardPages]
