"""Security headers on every response, as a Litestar ``before_send`` hook (so error pages, 404s
and static files get them too, not only what route handlers return).

* every response: ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer``
  (share and mentor links carry their secret in the path; no page needs a Referer);
* HTML: ``Content-Security-Policy`` (``PAGE_POLICY``: scripts and styles from this origin only,
  so the pages carry no inline ``<script>``/``<style>``; no plugins; no framing; forms post
  here) and ``X-Frame-Options: DENY`` for browsers that predate ``frame-ancestors``.

A handler whose form's answer redirects to another origin (the OAuth consent page, whose Allow
sends the browser back to the app) names that origin in ``scope["state"]["csp_form_action"]``;
``form-action`` then allows it too, since browsers apply ``form-action`` to a form's redirects.

A header a handler has set already is kept (the stricter policies of evidence files and
badge SVGs, a share page's own headers). Both services install it: the verifier on its own
(``verifier.app``) and the issuer, which mounts the verifier (``issuer.app``).
"""
from __future__ import annotations

import re

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

__all__ = ["ALWAYS", "FORM_ACTION_STATE", "HTML_ONLY", "PAGE_POLICY", "security_headers"]

FORM_ACTION_STATE = "csp_form_action"
_ORIGIN = re.compile(r"https://[a-z0-9.-]+(:[0-9]{1,5})?")  # nothing that could end the directive

# img-src allows https: and data: because a badge's own image (shown on the verifier's report
# and the share page) is a data: URI or a link to the issuer's host.
PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
               "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
               "frame-ancestors 'none'")
ALWAYS = {"x-content-type-options": "nosniff", "referrer-policy": "no-referrer"}
HTML_ONLY = {"content-security-policy": PAGE_POLICY, "x-frame-options": "DENY"}


async def security_headers(message: Message, scope: Scope) -> None:
    """``before_send``: add the headers to a response's start message (see the module docstring)."""
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    wanted = dict(ALWAYS)
    if (headers.get("content-type") or "").lower().startswith("text/html"):
        wanted.update(HTML_ONLY)
        origin = (scope.get("state") or {}).get(FORM_ACTION_STATE)
        if isinstance(origin, str) and _ORIGIN.fullmatch(origin):
            wanted["content-security-policy"] = PAGE_POLICY.replace("form-action 'self'",
                                                                    f"form-action 'self' {origin}")
    for name, value in wanted.items():
        if name not in headers:
            headers.add(name, value)
