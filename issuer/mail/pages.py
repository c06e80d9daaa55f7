"""The outbox page (``/admin/outbox``): the e-mail the service wrote, for administrators.

With no mail server configured (the demo) this is where mail is read: the mentor's link, a
password reset link, a student's feedback. With one, it lists what was sent (without the bodies,
which the recipient has) and what failed, with the error."""
from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import FromQuery

from issuer.access import ADMINS
from issuer.accounts.auth import requires
from issuer.mail import service as mail
from issuer.web.common import page, who
from issuer.web.deps import DEPENDENCIES, Ctx


class OutboxPages(Controller):
    path = "/admin"
    include_in_schema = False
    dependencies = DEPENDENCIES

    @get("/outbox", guards=[requires(*ADMINS)])
    async def outbox(self, ctx: Ctx, request: Request[Any, Any, Any], kind: FromQuery[str | None] = None
                     ) -> Response[Any]:
        chosen = kind or None
        messages = await mail.outbox(ctx, who(request), kind=chosen)
        return page(request, "admin/outbox.html.j2", messages=messages, kind=chosen, kinds=mail.KINDS,
                    mailer=ctx.mailer.name)


ROUTES = [OutboxPages]
