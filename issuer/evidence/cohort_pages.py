"""The cohort view as a page and a CSV (issue 13): ``/teacher/cohort`` (pick a class, or the whole
school for those who see it; a students × competencies grid with sort links that work without
JavaScript, each competency's counts per level and who is stuck below its required level) and
``/teacher/cohort.csv`` (the same grid, every student, for a spreadsheet)."""
from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

from litestar import Controller, Request, Response, get
from markupsafe import Markup

from issuer.access import STAFF
from issuer.accounts.auth import requires
from issuer.errors import InvalidInput
from issuer.evidence import cohort_view
from issuer.web.common import page, who
from issuer.web.deps import DEPENDENCIES, Ctx


def _query(request: Request[Any, Any, Any]) -> cohort_view.CohortQuery:
    q = request.query_params
    return cohort_view.parse_query(school_class=q.get("class"), sort=q.get("sort"), direction=q.get("dir"),
                                   page=q.get("page"))


def grid_cells(levels: Sequence[int | None], needs: Sequence[int | None], table: Mapping[Any, Markup]) -> Markup:
    """One row's cells of the grid as HTML, from the template's table of cells in the page's words
    (``table[level]``, ``table[-level]`` below the required level, ``table[None]`` none yet). A
    thousand rows × forty columns is forty thousand cells: joined here, not looped in Jinja."""
    out = []
    for lv, need in zip(levels, needs, strict=True):
        if lv is None:
            out.append(table[None])
        elif need is not None and lv < need:
            out.append(table.get(-lv) or table[None])
        else:
            out.append(table.get(lv) or table[None])
    return Markup("".join(out))  # the table's cells are the template's own (block sets: escaped Markup)


def cohort_csv(view: cohort_view.CohortView) -> str:
    """One line per student: name, username, competencies met, then each competency's level
    number (empty: none yet); a second header line names each competency's required level."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["student", "username", "met", *[f"{c.code} {c.name}".strip() for c in view.competencies]])
    writer.writerow(["required", "", "", *["" if c.required is None else c.required for c in view.competencies]])
    for r in view.rows:
        writer.writerow([_safe(r.student.name), _safe(r.student.username), r.met,
                         *["" if v is None else v for v in r.levels]])
    return out.getvalue()


def _safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class CohortPages(Controller):
    path = "/teacher"
    guards = [requires(*STAFF)]
    dependencies = DEPENDENCIES
    include_in_schema = False

    @get("/cohort")
    async def cohort(self, ctx: Ctx, request: Request[Any, Any, Any]) -> Response[Any]:
        try:
            query = _query(request)
        except InvalidInput as exc:
            view = await cohort_view.cohort_view(ctx, who(request), cohort_view.CohortQuery())
            return page(request, "teacher/cohort.html.j2", status_code=exc.status_code, view=view,
                        error=str(exc.details.get("field") or "sort"), grid_cells=grid_cells)
        try:
            view = await cohort_view.cohort_view(ctx, who(request), query)
        except InvalidInput as exc:  # a sort by a column the grid does not have
            view = await cohort_view.cohort_view(ctx, who(request),
                                                 cohort_view.CohortQuery(school_class=query.school_class))
            return page(request, "teacher/cohort.html.j2", status_code=exc.status_code, view=view,
                        error=str(exc.details.get("field") or "sort"), grid_cells=grid_cells)
        return page(request, "teacher/cohort.html.j2", view=view, error=None,
                    grid_cells=grid_cells)

    @get("/cohort.csv")
    async def cohort_file(self, ctx: Ctx, request: Request[Any, Any, Any]) -> Response[bytes]:
        view = await cohort_view.cohort_view(ctx, who(request), _query(request), paginate=False)
        name = f"cohort-{view.school_class.id}" if view.school_class is not None else "cohort-school"
        return Response(content=cohort_csv(view).encode("utf-8-sig"), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"',
                                 "Cache-Control": "private, no-store"})


ROUTES = [CohortPages]
