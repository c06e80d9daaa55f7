"""The REST API's use cases: who a bearer token speaks for, the student's credentials (list and
upsert) and their profile. OB 3.0 §6.2.

What the API holds for a student is their backpack: the badges their school awarded them that
are in force (neither revoked nor suspended: every credential listed must verify) and the
verifiable credentials from elsewhere they added (``issuer.portfolio.imports``), which is also
where ``POST /credentials`` puts a credential. Credentials are served as stored, byte for byte:
the response is spliced from the stored documents rather than re-serialised.
"""
from __future__ import annotations

import json
import uuid as uuidlib
from datetime import datetime
from typing import Any

import msgspec

from badges import schema
from issuer.access import Principal, Role
from issuer.accounts import directory
from issuer.context import IssuerContext
from issuer.credentials import sharing
from issuer.errors import InvalidInput
from issuer.obapi import repo
from issuer.obapi.imsx import ApiError
from issuer.obapi.oauth import access_live, digest
from issuer.portfolio import imports

MAX_LIMIT = 100
DEFAULT_LIMIT = 20
MAX_PROFILE_BYTES = 64 * 1024
# What the platform keeps as its own in a Profile: the id and type, and what others vouch for.
_PLATFORM_FIELDS = ("id", "type", "@context", "endorsement", "endorsementJwt", "official", "parentOrg")


async def grantee(ctx: IssuerContext, authorization: str | None, scope: str) -> Principal:
    """The student an access token speaks for, if it carries ``scope``; 401 or 403 otherwise."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError("an access token is required (Authorization: Bearer …)", status_code=401,
                       code_minor="unauthorizedrequest")
    row = await repo.token_by_access(digest(token.strip()))
    now = ctx.clock.now()
    if row is None or not access_live(row, now):
        raise ApiError("the access token is not valid (unknown, expired or revoked)", status_code=401,
                       code_minor="unauthorizedrequest",
                       headers={"WWW-Authenticate": 'Bearer realm="ob", error="invalid_token"'})
    if scope not in row.scope.split():
        raise ApiError(f"the access token does not carry the scope {scope}", status_code=403, code_minor="forbidden",
                       headers={"WWW-Authenticate": f'Bearer realm="ob", error="insufficient_scope", scope="{scope}"'})
    user = await directory.user_row(row.user)
    if user is None or not user.active or user.erased_at is not None or user.role != Role.STUDENT:
        raise ApiError("the student who granted this token can no longer use it", status_code=401,
                       code_minor="unauthorizedrequest")
    return Principal(role=Role.STUDENT, id=user.id, school_id=user.school, district_id=user.district,
                     learner_id=user.id, username=user.username, display_name=user.display_name or user.username,
                     via="oauth")


# --- credentials -------------------------------------------------------------------------------

class Held(msgspec.Struct, frozen=True):
    document: str  # as stored: JSON text, or a compact JWS
    at: datetime  # when the backpack got it (issued here, or added)
    key: str  # a tiebreak that keeps the order stable between pages


class CredentialsPage(msgspec.Struct, frozen=True):
    body: bytes  # GetOpenBadgeCredentialsResponse, spliced from the stored documents
    total: int
    limit: int
    offset: int


def _page_numbers(limit: str | None, offset: str | None) -> tuple[int, int]:
    try:
        n = DEFAULT_LIMIT if limit in (None, "") else int(str(limit))
        start = 0 if offset in (None, "") else int(str(offset))
    except ValueError:
        raise ApiError("limit and offset are whole numbers", code_minor="invalid_query_parameter") from None
    if not 1 <= n <= MAX_LIMIT:
        raise ApiError(f"limit is between 1 and {MAX_LIMIT}", code_minor="invalid_query_parameter")
    if start < 0:
        raise ApiError("offset is 0 or more", code_minor="invalid_query_parameter")
    return n, start


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        at = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ApiError("since is a date and time (ISO 8601, e.g. 2026-09-01T00:00:00Z)",
                       code_minor="invalid_query_parameter") from None
    if at.tzinfo is None:
        raise ApiError("since needs a time zone (e.g. a trailing Z)", code_minor="invalid_query_parameter")
    return at


async def held(who: Principal) -> list[Held]:
    ours = [Held(r.document, r.issued_at, f"a{r.id:012d}") for r in await sharing.documents_in_force(who)]
    theirs = [Held(r.document, r.created_at, f"b{r.id:012d}") for r in await imports.credentials_for_api(who)]
    return sorted([*ours, *theirs], key=lambda h: (h.at, h.key))


async def credentials(who: Principal, *, limit: str | None, offset: str | None,
                      since: str | None) -> CredentialsPage:
    n, start = _page_numbers(limit, offset)
    after = _since(since)
    found = [h for h in await held(who) if after is None or h.at > after]
    page = found[start:start + n]
    ld = [h.document for h in page if h.document.lstrip().startswith("{")]
    jws = [h.document.strip() for h in page if not h.document.lstrip().startswith("{")]
    parts = []
    if ld:
        parts.append(b'"credential":[' + b",".join(d.encode("utf-8") for d in ld) + b"]")
    if jws:
        parts.append(b'"compactJwsString":' + json.dumps(jws).encode("ascii"))
    return CredentialsPage(body=b"{" + b",".join(parts) + b"}", total=len(found), limit=n, offset=start)


def link_header(url: str, page: CredentialsPage, since: str | None) -> str:
    """RFC 8288 links to the first, previous, next and last pages."""
    def at(offset: int) -> str:
        query = f"limit={page.limit}&offset={offset}" + (f"&since={since}" if since else "")
        return f"<{url}?{query}>"

    last = max(0, (page.total - 1) // page.limit * page.limit)
    links = [f'{at(0)}; rel="first"', f'{at(last)}; rel="last"']
    if page.offset + page.limit < page.total:
        links.append(f'{at(page.offset + page.limit)}; rel="next"')
    if page.offset > 0:
        links.append(f'{at(max(0, page.offset - page.limit))}; rel="prev"')
    return ", ".join(links)


def _json_object(body: bytes, what: str) -> dict[str, Any]:
    try:
        found = json.loads(body)
    except ValueError:
        raise ApiError("the body is not JSON", code_minor="invalid_data") from None
    if not isinstance(found, dict):
        raise ApiError(f"the body is not {what} (a JSON object)", code_minor="invalid_data")
    return found


class Upserted(msgspec.Struct, frozen=True):
    created: bool
    body: bytes  # the credential as posted (echoed)
    media_type: str


async def upsert(ctx: IssuerContext, who: Principal, body: bytes, content_type: str) -> Upserted:
    """Keep a credential from elsewhere: JSON (``application/vc+ld+json`` or ``application/json``)
    or a compact JWS (``text/plain``); 201 when new, 200 when it replaced one with the same id."""
    media = content_type.split(";")[0].strip().lower()
    text = body.strip()
    if media in ("application/json", "application/vc+ld+json", "application/ld+json"):
        _json_object(text, "a credential")
    elif media == "text/plain":
        if text.count(b".") != 2 or text.startswith(b"{"):
            raise ApiError("the body is not a compact JWS", code_minor="invalid_data")
    else:
        raise ApiError("send application/vc+ld+json, application/json or text/plain (a compact JWS)",
                       status_code=415, code_minor="invalid_data")
    try:
        _row, created = await imports.upsert_badge(ctx, who, body)
    except InvalidInput as exc:
        raise ApiError(exc.message, code_minor="invalid_data") from None
    return Upserted(created=created, body=body, media_type="text/plain" if media == "text/plain" else media)


# --- profile -----------------------------------------------------------------------------------

def profile_id(ctx: IssuerContext, user_id: int) -> str:
    """A stable, opaque id for the student's API profile (no account number in it)."""
    return f"urn:uuid:{uuidlib.uuid5(uuidlib.NAMESPACE_URL, f'{ctx.settings.base_url}/learners/{user_id}')}"


async def profile(ctx: IssuerContext, who: Principal) -> dict[str, Any]:
    user = await directory.user_row(who.id or 0)
    if user is None:
        raise ApiError("no such profile", status_code=404, code_minor="not_found")
    found: dict[str, Any] = {"id": profile_id(ctx, user.id), "type": ["Profile"],
                             "name": user.display_name or user.username}
    if user.email:
        found["email"] = user.email
    stored = await repo.profile_of(user.id)
    if stored is not None:
        found.update(json.loads(stored.document))
    return found


async def put_profile(ctx: IssuerContext, who: Principal, body: bytes) -> dict[str, Any]:
    """Replace what the student keeps in their profile (the platform's id and type stay)."""
    if len(body) > MAX_PROFILE_BYTES:
        raise ApiError(f"a profile is at most {MAX_PROFILE_BYTES:,} bytes", status_code=413)
    given = _json_object(body, "a Profile")
    ours = profile_id(ctx, who.id or 0)
    if given.get("id", ours) != ours:
        raise ApiError(f"this is not your profile: its id is {ours}", code_minor="invalid_data")
    candidate = {**given, "id": ours, "type": given.get("type") or ["Profile"]}
    found = schema.problems(candidate, "profile")
    if found:
        raise ApiError("the profile fails the OB 3.0 Profile schema: " + "; ".join(found[:3]),
                       code_minor="invalid_data")
    kept = {k: v for k, v in given.items() if k not in _PLATFORM_FIELDS}
    await repo.save_profile(who.id or 0, json.dumps(kept, ensure_ascii=False, sort_keys=True), ctx.clock.now())
    return await profile(ctx, who)
