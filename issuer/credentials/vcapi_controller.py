"""VC-API ``POST /credentials/issue`` for a school's bearer token (or an admin session)."""
from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, post
from litestar.params import JSONBody

from issuer.access import Principal
from issuer.accounts.auth import Role, requires
from issuer.credentials import vcapi
from issuer.credentials.schemas import IssueRequest, IssueResponse
from issuer.errors import Forbidden
from issuer.web.deps import DEPENDENCIES, Ctx
from issuer.web.dto import problem_responses
from issuer.web.dto_types import ISSUE_BODY_LIMIT

VC_MEDIA_TYPE = "application/json"


class VcApiController(Controller):
    path = "/credentials"
    tags = ["vc-api"]
    dependencies = DEPENDENCIES  # ctx, wherever the controller is mounted
    request_max_body_size = ISSUE_BODY_LIMIT  # JSON bodies (issuer/web/dto_types.py)

    @post("/issue", guards=[requires(Role.SCHOOL_ADMIN)], status_code=201,
          responses=problem_responses(400, 401, 403, 409, 422),
          summary="Issue (sign and store) a VC 2.0 or 1.1 credential as the caller's school; "
                  "a retry of one already issued returns it (200)")
    async def issue(self, ctx: Ctx, request: Request[Principal, Any, Any],
                    data: JSONBody[IssueRequest]) -> Response[IssueResponse]:
        principal = request.user
        if principal.school_id is None:
            raise Forbidden("the token or account is not bound to a school")
        options = msgspec.to_builtins(data.options) if data.options is not None else None
        body, created = await vcapi.issue_response(ctx, school_id=principal.school_id,
                                                   credential=data.credential, options=options, actor=principal)
        # 200 for a retry of a credential already issued: the same signed bytes, nothing new made
        # The stored signed bytes ARE the IssueResponse body (a signed document is never re-encoded),
        # hence bytes where the annotation, for the OpenAPI schema, names the DTO.
        return Response(content=body,  # type: ignore[arg-type]
                        status_code=201 if created else 200, media_type=VC_MEDIA_TYPE)


ROUTES = [VcApiController]
