"""``GET /credentials/<uuid>``: the stored credential byte for byte (``application/vc+ld+json``).

Content negotiation: a browser (``Accept`` preferring ``text/html``) is sent to the share page
``/badges/<uuid>`` (``credentials.pages``) with 303. A badge whose learner turned its public page off is
not there (404) for anyone but the learner and their school's staff (``sharing.may_read``).

``GET /v/<uuid>``: the short verification link printed as a QR code beside each badge on a
transcript; 303 to the verifier page for ``<base>/credentials/<uuid>``. Short, so the code has
fewer modules: easier to scan at 13 mm and cheaper to draw (issuer.transcripts.clr).
"""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import FromPath

from issuer.credentials import sharing
from issuer.transcripts.clr import credential_verify_link
from issuer.web.common import who
from issuer.web.deps import DEPENDENCIES, Ctx
from issuer.web.dto import problem_responses

VC_MEDIA_TYPE = "application/vc+ld+json"
_OFFERED = [VC_MEDIA_TYPE, "application/ld+json", "application/json", "text/html"]


class CredentialController(Controller):
    path = "/credentials"
    tags = ["credentials"]

    @get(
        "/{credential_uuid:uuid}",
        responses=problem_responses(404),
        summary="A signed credential, exactly as issued",
    )
    async def credential(self, request: Request[Any, Any, Any],
                         credential_uuid: FromPath[uuidlib.UUID]) -> Response[bytes]:
        row = await sharing.readable(who(request), await sharing.stored_credential(credential_uuid))
        if request.accept.best_match(_OFFERED, default=VC_MEDIA_TYPE) == "text/html":
            return Response(content=b"", status_code=303, headers={"Location": f"/badges/{credential_uuid}"})
        return Response(
            content=row.document.encode("utf-8"), media_type=VC_MEDIA_TYPE, headers={"Vary": "Accept"}
        )


@get("/v/{credential_uuid:uuid}", status_code=303, responses=problem_responses(404), tags=["credentials"],
     dependencies=DEPENDENCIES,
     summary="Short verification link of a credential (what a transcript's badge QR code opens)")
async def short_verify_redirect(ctx: Ctx, credential_uuid: FromPath[uuidlib.UUID]) -> Response[bytes]:
    # 404 here rather than a verifier page that fails to fetch: the link names one of our credentials
    row = await sharing.stored_credential(credential_uuid)
    location = credential_verify_link(ctx.settings.base_url, row.credential_id)
    return Response(content=b"", status_code=303, headers={"Location": location})


ROUTES = [CredentialController, short_verify_redirect]
