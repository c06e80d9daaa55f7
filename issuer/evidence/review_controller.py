"""Reviews API: the queue and rating a submission (which may issue the badge at once)."""
from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody

from issuer.evidence import service as evidence, review
from issuer.accounts.auth import requires
from issuer.web.common import STAFF, clock, who
from issuer.web.dto_learning import ReviewIn, submission_out
from issuer.web.dto_types import JSON_BODY_LIMIT


class ReviewController(Controller):
    path = "/api"
    tags = ["reviews"]
    request_max_body_size = JSON_BODY_LIMIT  # JSON bodies (issuer/web/dto_types.py)

    @get("/reviews/queue", guards=[requires(*STAFF)])
    async def queue(self, request: Request) -> list[dict]:
        return [submission_out(s) for s in await evidence.review_queue(who(request))]

    @post("/submissions/{s_id:str}/reviews", guards=[requires(*STAFF)], status_code=200)
    async def rate(self, request: Request, s_id: FromPath[str], data: JSONBody[ReviewIn]) -> dict:
        from issuer.errors import Forbidden

        if who(request).id is None:
            raise Forbidden("reviews need a user account (not a school token)")
        return await review.record_review(who(request), s_id, ratings=data.ratings, feedback=data.feedback,
                                          version=data.version, clock=clock())
