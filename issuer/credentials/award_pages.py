"""The award history for the school's staff: the badges issued, filtered by student, achievement
and status; one badge with its internal reasons; suspend, reinstate, and revoke after a "check
your answers" step (revocation cannot be undone). Every change goes through
``issuer.credentials.admin.change_status``; its reason stays on the credential row and in the
audit log, never on the public badge page. Forms post with the CSRF token."""
from __future__ import annotations

import uuid as uuidlib
from typing import Any, Literal
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery

from issuer.access import STAFF
from issuer.accounts import classes
from issuer.accounts.auth import requires
from issuer.credentials import admin as credential_admin
from issuer.errors import InvalidInput, IssuerError
from issuer.web.common import form_of, page, see_other, who
from issuer.web.deps import DEPENDENCIES, Ctx

Action = Literal["revoke", "suspend", "reinstate"]
DONE = {"revoke": "revoked", "suspend": "suspended", "reinstate": "reinstated"}
MAX_REASON = 2000


def _reason(form: Any) -> str:
    return str(form.get("reason") or "").strip()[:MAX_REASON]


class AwardPages(Controller):
    path = "/teacher/awards"
    guards = [requires(*STAFF)]
    dependencies = DEPENDENCIES  # ctx, wherever the controller is mounted

    @get("/")
    async def history(self, ctx: Ctx, request: Request[Any, Any, Any], student: FromQuery[str | None] = None,
                      achievement: FromQuery[str | None] = None,
                      status: FromQuery[str | None] = None) -> Response[Any]:
        p = who(request)
        class_param = request.query_params.get("class") or ""
        school_class, learners = None, None
        offered = await classes.class_choices(ctx, p)
        if class_param.isdigit() and int(class_param) in {c.id for c in offered}:
            school_class = next(c for c in offered if c.id == int(class_param))
            learners = await classes.class_students(ctx, p, school_class.id)
        everything = await credential_admin.award_history(ctx, p, learners=learners)
        students = sorted({(b.learner, b.learner_name or "") for b in everything if b.learner is not None},
                          key=lambda pair: pair[1].lower())
        kinds = sorted({(str(b.achievement_uuid), b.achievement_name or "", b.achievement_version or 1)
                        for b in everything if b.achievement_uuid is not None},
                       key=lambda kind: (kind[1].lower(), kind[2]))
        chosen = {"student": student or "", "achievement": achievement or "", "status": status or ""}
        try:
            if student and not student.isdigit():
                raise InvalidInput("choose a student from the list", field="student")
            if class_param and school_class is None:
                raise InvalidInput("choose a class from the list", field="class")
            rows = await credential_admin.award_history(ctx, p, learner=int(student) if student else None,
                                                        achievement=achievement or None, state=status or None,
                                                        learners=learners)
            error, field, code = None, "", 200
        except IssuerError as exc:
            rows, error, field, code = [], exc.message, str(exc.details.get("field") or "achievement"), exc.status_code
        return page(request, "teacher/awards.html.j2", status_code=code, rows=rows, students=students,
                    achievements=kinds, states=credential_admin.BADGE_STATES, chosen=chosen, error=error,
                    error_field=field, filtered=any(chosen.values()) or school_class is not None,
                    classes=offered, school_class=school_class)

    async def _detail(self, ctx: Ctx, request: Request[Any, Any, Any], credential_uuid: uuidlib.UUID, *,
                      status_code: int = 200, error: str | None = None, no_reason: bool = False,
                      action: str = "", reason: str = "", done: str | None = None) -> Response[Any]:
        """The badge's page; after a failed action, that action's form open with the error and the
        reason as typed."""
        badge = await credential_admin.awarded_badge(ctx, who(request), credential_uuid)
        return page(request, "teacher/award.html.j2", status_code=status_code, badge=badge, error=error,
                    no_reason=no_reason, action=action, reason=reason, done=done)

    @get("/{credential_uuid:uuid}")
    async def award(self, ctx: Ctx, request: Request[Any, Any, Any], credential_uuid: FromPath[uuidlib.UUID],
                    done: FromQuery[str | None] = None, action: FromQuery[str | None] = None,
                    reason: FromQuery[str | None] = None) -> Response[Any]:
        return await self._detail(ctx, request, credential_uuid, done=done if done in DONE.values() else None,
                                  action=action if action in DONE else "", reason=(reason or "")[:MAX_REASON])

    @post("/{credential_uuid:uuid}/revoke")
    async def check_revoke(self, ctx: Ctx, request: Request[Any, Any, Any],
                           credential_uuid: FromPath[uuidlib.UUID]) -> Response[Any]:
        """The "check your answers" step: nothing changes until the teacher confirms."""
        reason = _reason(await form_of(request))
        badge = await credential_admin.awarded_badge(ctx, who(request), credential_uuid)
        if not reason:
            return await self._detail(ctx, request, credential_uuid, status_code=400, action="revoke",
                                      no_reason=True, reason=reason)
        if badge.revoked_at is not None:
            return await self._detail(ctx, request, credential_uuid, status_code=409, action="revoke",
                                      error="the credential is revoked (revocation is permanent)", reason=reason)
        change = "/teacher/awards/" + str(credential_uuid) + "?" + urlencode({"action": "revoke", "reason": reason})
        return page(request, "teacher/revoke_check.html.j2", badge=badge, reason=reason,
                    change_url=change + "#revoke")

    @post("/{credential_uuid:uuid}/revoke/confirm")
    async def revoke(self, ctx: Ctx, request: Request[Any, Any, Any],
                     credential_uuid: FromPath[uuidlib.UUID]) -> Response[Any]:
        return await self._change(ctx, request, credential_uuid, "revoke")

    @post("/{credential_uuid:uuid}/suspend")
    async def suspend(self, ctx: Ctx, request: Request[Any, Any, Any],
                      credential_uuid: FromPath[uuidlib.UUID]) -> Response[Any]:
        return await self._change(ctx, request, credential_uuid, "suspend")

    @post("/{credential_uuid:uuid}/reinstate")
    async def reinstate(self, ctx: Ctx, request: Request[Any, Any, Any],
                        credential_uuid: FromPath[uuidlib.UUID]) -> Response[Any]:
        return await self._change(ctx, request, credential_uuid, "reinstate")

    async def _change(self, ctx: Ctx, request: Request[Any, Any, Any], credential_uuid: uuidlib.UUID,
                      action: Action) -> Response[Any]:
        reason = _reason(await form_of(request))
        if action != "reinstate" and not reason:
            await credential_admin.awarded_badge(ctx, who(request), credential_uuid)  # 404 first
            return await self._detail(ctx, request, credential_uuid, status_code=400, action=action,
                                      no_reason=True, reason=reason)
        try:
            await credential_admin.change_status(ctx, who(request), credential_uuid, action=action, reason=reason)
        except IssuerError as exc:
            if exc.status_code == 404:
                raise
            return await self._detail(ctx, request, credential_uuid, status_code=exc.status_code, action=action,
                                      error=exc.message, reason=reason)
        return see_other(f"/teacher/awards/{credential_uuid}?done={DONE[action]}")
