"""This service's own documents, read from the database for the verifier the app mounts.

A badge issued on ``http://127.0.0.1:8000`` names ``did:web:127.0.0.1%3A8000:issuers:<slug>``
and ``http://127.0.0.1:8000/status/…``: a did:web is only ever fetched over https and never from
an IP address, and the verifier refuses plain http and loopback (SSRF). Our own verifier therefore
looks these up here, in-process and without HTTP to itself, before it goes to the network — which
is also the authoritative answer (no cache between a revocation and the next check).

Each function takes the app's context first (its base URL says what is ours).
``lookup(ctx, id_or_url)`` → the JSON document (DID document, status list credential) or None when
the id/URL is not ours or names nothing (``lookup_text``: the same as text, a status list as signed,
for ``badges bundle``); ``hosted_credential(ctx, url)`` → the stored bytes of a badge
or transcript served at that URL; ``trusted_issuers(ctx)`` → the district's schools as trust-registry
entries. ``is_local`` is the cheap, synchronous test a caller makes before hopping to the loop.
"""
from __future__ import annotations

import json
import re
import uuid as uuidlib
from typing import Any
from urllib.parse import unquote

from issuer.context import IssuerContext
from issuer.credentials import repo as credentials_repo
from issuer.credentials import status as status_service
from issuer.errors import NotFound
from issuer.schools import identity

__all__ = ["SCHOOL_LABEL", "hosted_credential", "is_local", "lookup", "lookup_text", "trusted_issuers"]

SCHOOL_LABEL = "District school"
_SCHOOL_DID = re.compile(r"^:issuers:([A-Za-z0-9._~-]+)$")
_SCHOOL_DOC = re.compile(r"^/issuers/([A-Za-z0-9._~-]+)/did\.json$")
_STATUS = re.compile(r"^/status/([A-Za-z0-9._~-]+)/(revocation|suspension|message)/(\d{1,9})$")
_CREDENTIAL = re.compile(r"^/(?:credentials|badges)/([0-9a-fA-F-]{32,36})$")  # the JSON, or the badge's page
_ENDORSEMENT = re.compile(r"^/endorsements/([0-9a-fA-F-]{32,36})$")  # issuer.endorsements
_ENDORSER_STATUS = re.compile(r"^/endorsers/([0-9a-fA-F-]{32,36})/status/revocation$")  # an endorser's list
_TRANSCRIPT = re.compile(r"^/transcripts/([0-9a-fA-F-]{32,36})\.json$")


def _local_path(ctx: IssuerContext, url: str) -> str | None:
    """The path of an http(s) URL under our base URL (query and fragment dropped), else None."""
    base = ctx.settings.base_url
    url = url.partition("#")[0].partition("?")[0]
    if not url.startswith(base + "/"):
        return None
    return url[len(base):]


def is_local(ctx: IssuerContext, id_or_url: str) -> bool:
    """Whether ``id_or_url`` names something this service would serve (DID or URL)."""
    if not isinstance(id_or_url, str):
        return False
    if id_or_url.startswith("did:web:"):
        district = identity.district_did(ctx.settings.base_url)
        did = id_or_url.partition("#")[0]
        return did == district or did.startswith(district + ":")
    return _local_path(ctx, id_or_url) is not None


async def lookup(ctx: IssuerContext, id_or_url: str) -> dict[str, Any] | None:
    """Our DID document or status-list credential for a DID, DID URL or URL; None if not ours."""
    found = await _find(ctx, id_or_url)
    if isinstance(found, str):
        document: dict[str, Any] = json.loads(found)
        return document
    return found


async def lookup_text(ctx: IssuerContext, id_or_url: str) -> str | None:
    """The same document as JSON text: a status list exactly as signed and stored (what an
    offline bundle keeps), a DID document as we serve it."""
    found = await _find(ctx, id_or_url)
    return json.dumps(found, ensure_ascii=False, indent=2) if isinstance(found, dict) else found


async def _find(ctx: IssuerContext, id_or_url: str) -> dict[str, Any] | str | None:
    """A DID document (dict, built) or a status list credential (str, the stored signed text): a
    school's, or an endorser's (``issuer.endorsements.status``)."""
    if not is_local(ctx, id_or_url):
        return None
    try:
        if id_or_url.startswith("did:web:"):
            rest = id_or_url.partition("#")[0][len(identity.district_did(ctx.settings.base_url)):]
            if rest == "":
                return await identity.district_did_document(ctx)
            match = _SCHOOL_DID.match(rest)
            return await identity.school_did_document(ctx, unquote(match.group(1))) if match else None
        path = _local_path(ctx, id_or_url) or ""
        if path in ("/.well-known/did.json", "/did.json"):
            return await identity.district_did_document(ctx)
        if match := _SCHOOL_DOC.match(path):
            return await identity.school_did_document(ctx, match.group(1))
        if match := _STATUS.match(path):
            slug, purpose, list_no = match.groups()
            return await status_service.list_document(slug, purpose, int(list_no))
        if match := _ENDORSER_STATUS.match(path):
            # Imported here: endorsements build on credentials (embedding), not the other way round.
            from issuer.endorsements.service import endorser_status_list

            return await endorser_status_list(match.group(1))
    except NotFound:
        return None
    return None


async def hosted_credential(ctx: IssuerContext, url: str) -> bytes | None:
    """The signed credential (badge, endorsement or transcript CLR) we serve at ``url``, byte for byte: at
    ``/credentials/<uuid>`` or behind the badge's page ``/badges/<uuid>`` (which answers a
    verifier with the credential). A badge whose learner keeps it private is not served to an
    anonymous reader, and the verifier reads as one: None."""
    path = _local_path(ctx, url) if isinstance(url, str) else None
    if path is None:
        return None
    if match := _CREDENTIAL.match(path):
        try:
            key = uuidlib.UUID(match.group(1))
        except ValueError:
            return None
        row = await credentials_repo.issued_credential(uuid=key)
        return row.document.encode("utf-8") if row is not None and row.public_page else None
    if match := _ENDORSEMENT.match(path):
        # Imported here: endorsements build on credentials (embedding), not the other way round.
        from issuer.endorsements.service import stored

        try:
            return (await stored(match.group(1))).document.encode("utf-8")
        except NotFound:
            return None
    if match := _TRANSCRIPT.match(path):
        # Imported here: the transcripts domain builds on credentials, not the other way round.
        from issuer.transcripts.service import signed_document

        try:
            return (await signed_document(ctx, match.group(1))).encode("utf-8")
        except NotFound:
            return None
    return None


async def trusted_issuers(ctx: IssuerContext) -> list[dict[str, str]]:
    """Every school of the district as ``{id, name, label}``: its did:web, or in did:key mode the
    did:key of each of its keys (a rotation changes a did:key issuer's id; old badges stay ours)."""
    return [{"id": issuer_id, "name": school.name, "label": SCHOOL_LABEL}
            for school, issuer_id in await identity.all_issuer_ids(ctx)]
