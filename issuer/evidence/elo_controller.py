"""Extended learning opportunities API: propose, decide, new mentor link, read."""
from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody

from issuer.evidence import elos as service
from issuer.accounts.auth import requires
from issuer.web.common import STAFF, base_url, clock, who
from issuer.web.dto_learning import EloDecisionIn, EloIn, elo_out
from issuer.web.dto_types import JSON_BODY_LIMIT


class EloController(Controller):
    path = "/api/elos"
    tags = ["extended learning"]
    request_max_body_size = JSON_BODY_LIMIT  # JSON bodies (issuer/web/dto_types.py)

    @post("/", guards=[requires("student")], status_code=201)
    async def propose(self, request: Request, data: JSONBody[EloIn]) -> dict:
        elo = await service.propose(who(request), achievement_uuid=data.achievement, partner_org=data.partner_org,
                                    mentor_name=data.mentor_name, mentor_email=data.mentor_email, goals=data.goals,
                                    competencies=data.competencies, hours=data.hours, start_date=data.start_date,
                                    end_date=data.end_date, clock=clock())
        return elo_out(elo)

    @get("/", guards=[requires(*STAFF, "student")])
    async def list_(self, request: Request) -> list[dict]:
        return [elo_out(e) for e in await service.list_elos(who(request))]

    @get("/{e_id:str}", guards=[requires(*STAFF, "student")])
    async def read(self, request: Request, e_id: FromPath[str]) -> dict:
        return elo_out(await service.get_elo(who(request), e_id))

    @post("/{e_id:str}/decision", guards=[requires(*STAFF)], status_code=200)
    async def decide(self, request: Request, e_id: FromPath[str], data: JSONBody[EloDecisionIn]) -> dict:
        """Approve (the response carries the mentor link, shown only here) or reject the plan."""
        out = await service.decide_plan(who(request), e_id, approve=data.approve, clock=clock(), base_url=base_url())
        return {"elo": elo_out(out["elo"]), "mentorLink": out["mentorLink"]}

    @post("/{e_id:str}/mentor-link", guards=[requires(*STAFF)], status_code=201)
    async def relink(self, request: Request, e_id: FromPath[str]) -> dict:
        return {"mentorLink": await service.reissue_link(who(request), e_id, clock=clock(), base_url=base_url())}
