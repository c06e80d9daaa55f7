"""Reviews API: the queue and rating a submission (which may issue the badge at once)."""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody

from issuer.access import STAFF
from issuer.accounts.auth import requires
from issuer.errors import Forbidden
from issuer.evidence import review
from issuer.evidence import service as evidence
from issuer.evidence.schemas import ReviewIn, ReviewResult, SubmissionOut, submission_out
from issuer.web.common import who
from issuer.web.deps import DEPENDENCIES, Ctx
from issuer.web.dto_types import JSON_BODY_LIMIT


class ReviewController(Controller):
    path = "/api"
    tags = ["reviews"]
    request_max_body_size = JSON_BODY_LIMIT  # JSON bodies (issuer/web/dto_types.py)
    dependencies = DEPENDENCIES  # ctx, wherever the controller is mounted

    @get("/reviews/queue", guards=[requires(*STAFF)])
    async def queue(self, ctx: Ctx, request: Request[Any, Any, Any]) -> list[SubmissionOut]:
        return [submission_out(s) for s in await evidence.review_queue(ctx, who(request))]

    @post("/submissions/{s_id:str}/reviews", guards=[requires(*STAFF)], status_code=200)
    async def rate(self, ctx: Ctx, request: Request[Any, Any, Any], s_id: FromPath[str],
                   data: JSONBody[ReviewIn]) -> ReviewResult:
        if who(request).id is None:
            raise Forbidden("reviews need a user account (not a school token)")
        return await review.record_review(ctx, who(request), s_id, data)
