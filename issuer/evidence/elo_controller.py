"""Extended learning opportunities API: propose, decide, new mentor link, read."""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody

from issuer.access import STAFF
from issuer.accounts.auth import requires
from issuer.evidence import elos as service
from issuer.evidence.schemas import EloDecisionIn, EloDecisionOut, EloIn, EloOut, MentorLinkOut, elo_out
from issuer.web.common import who
from issuer.web.deps import DEPENDENCIES, Ctx
from issuer.web.dto_types import JSON_BODY_LIMIT


class EloController(Controller):
    path = "/api/elos"
    tags = ["extended learning"]
    request_max_body_size = JSON_BODY_LIMIT  # JSON bodies (issuer/web/dto_types.py)
    dependencies = DEPENDENCIES  # ctx, wherever the controller is mounted

    @post("/", guards=[requires("student")], status_code=201)
    async def propose(self, ctx: Ctx, request: Request[Any, Any, Any], data: JSONBody[EloIn]) -> EloOut:
        elo = await service.propose(ctx, who(request), achievement_uuid=data.achievement,
                                    partner_org=data.partner_org, mentor_name=data.mentor_name,
                                    mentor_email=data.mentor_email, goals=data.goals,
                                    competencies=data.competencies, hours=data.hours, start_date=data.start_date,
                                    end_date=data.end_date)
        return elo_out(elo)

    @get("/", guards=[requires(*STAFF, "student")])
    async def list_(self, ctx: Ctx, request: Request[Any, Any, Any]) -> list[EloOut]:
        return [elo_out(e) for e in await service.list_elos(ctx, who(request))]

    @get("/{e_id:str}", guards=[requires(*STAFF, "student")])
    async def read(self, ctx: Ctx, request: Request[Any, Any, Any], e_id: FromPath[str]) -> EloOut:
        return elo_out(await service.get_elo(ctx, who(request), e_id))

    @post("/{e_id:str}/decision", guards=[requires(*STAFF)], status_code=200)
    async def decide(self, ctx: Ctx, request: Request[Any, Any, Any], e_id: FromPath[str],
                     data: JSONBody[EloDecisionIn]) -> EloDecisionOut:
        """Approve (the response carries the mentor link, shown only here) or reject the plan."""
        out = await service.decide_plan(ctx, who(request), e_id, approve=data.approve)
        return EloDecisionOut(elo=elo_out(out.elo), mentor_link=out.mentor_link)

    @post("/{e_id:str}/mentor-link", guards=[requires(*STAFF)], status_code=201)
    async def relink(self, ctx: Ctx, request: Request[Any, Any, Any], e_id: FromPath[str]) -> MentorLinkOut:
        return MentorLinkOut(mentor_link=await service.reissue_link(ctx, who(request), e_id))
