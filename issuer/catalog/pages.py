"""Public pages behind the URLs inside issued badges that are not the badge itself: a school
framework's competency (``alignment.targetUrl``) and an extended-learning partner
(``credentialSubject.source.id``). A browser gets a page; ``Accept: application/json`` gets JSON."""
from __future__ import annotations

from litestar import Controller, Request, Response, get
from litestar.params import FromPath

from issuer.catalog import linked
from issuer.web.common import base_url, page, wants_html


def negotiated(request: Request, data: dict, template: str, **context) -> Response:
    if wants_html(request):
        return page(request, template, data=data, **context)
    return Response(content=data, media_type="application/json", headers={"Vary": "Accept"})


class PublicFrameworkController(Controller):
    path = "/frameworks"
    tags = ["public"]

    @get("/{fw_id:str}/competencies/{code:str}")
    async def competency(self, request: Request, fw_id: FromPath[str], code: FromPath[str]) -> Response:
        return negotiated(request, await linked.competency(fw_id, code, base_url=base_url()),
                          "linked/competency.html.j2")


class PartnerController(Controller):
    path = "/partners"
    tags = ["public"]

    @get("/{elo_id:str}")
    async def partner(self, request: Request, elo_id: FromPath[str]) -> Response:
        return negotiated(request, await linked.partner(elo_id, base_url=base_url()), "linked/partner.html.j2")
