"""Issuer identity: DIDs, DID documents, the OB Profile and the signer of each school.

did:web ids derive from the base URL (DIDWEB "Create"): ``http://127.0.0.1:8000`` gives the
district ``did:web:127.0.0.1%3A8000`` (document at ``/.well-known/did.json``) and the school
``did:web:127.0.0.1%3A8000:issuers:<slug>`` (document at ``/issuers/<slug>/did.json``).

Local-dev caveat: did:web resolution always uses https (and the method forbids IP addresses),
so an ``http://127.0.0.1`` deployment's DIDs cannot be resolved by an outside verifier; our own
verifier and tests resolve them from the served documents. Deployments without a domain set
``issuer_identity = "did:key"``: the school then issues as the did:key of its active key
(rotation then changes the issuer id, which is why did:web is the default).
"""
from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from badges.jsonld import DID_V1, MULTIKEY_V1, OB_V3P0, VC_V2
from badges.signing.keys import Ed25519Signer, PublicKey
from issuer.context import IssuerContext
from issuer.errors import NotFound
from issuer.schools import keys as key_service
from issuer.schools import repo as schools_repo
from issuer.schools.rows import SchoolRow


def did_web_for_base(base_url: str) -> str:
    """The district DID for a base URL (the port's ``:`` is percent-encoded, path → ``:``)."""
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if parts.port is not None:
        host += "%3A" + str(parts.port)
    segments = [quote(s, safe="") for s in parts.path.split("/") if s]
    return ":".join(["did:web", host, *segments])


def district_did(base_url: str) -> str:
    return did_web_for_base(base_url)


def school_did_web(slug: str, base_url: str) -> str:
    return f"{district_did(base_url)}:issuers:{slug}"


async def school_by_id(school_id: int) -> SchoolRow:
    """The issuing school (``NotFound`` for none)."""
    found = await schools_repo.school_by_id(school_id)
    if found is None:
        raise NotFound(f"no school {school_id}")
    return found


async def school_by_slug(slug: str) -> SchoolRow:
    """The issuing school named in a URL (``NotFound`` for none)."""
    found = await schools_repo.school_by_slug(slug)
    if found is None:
        raise NotFound(f"no issuer {slug!r}")
    return found


def did_method_of(ctx: IssuerContext, school: SchoolRow) -> str:
    """How ``school`` issues: its own choice (made when the district created it), else the
    deployment's ``issuer_identity``."""
    return school.did_method or ctx.settings.issuer_identity


async def issuer_did(ctx: IssuerContext, school_id: int) -> str:
    """The id this school issues as (did:web by default, did:key when so configured)."""
    school = await school_by_id(school_id)
    return await _issuer_did(ctx, school)


async def _issuer_did(ctx: IssuerContext, school: SchoolRow) -> str:
    if did_method_of(ctx, school) == "did:key":
        row = await key_service.active_key_row(ctx, district_id=school.district, school_id=school.id)
        return PublicKey.from_multibase(row.public_key_multibase).did_key
    return school_did_web(school.slug, ctx.settings.base_url)


async def signer_for(ctx: IssuerContext, school_id: int) -> Ed25519Signer:
    """The school's active signer, its verification method listed in the served DID document."""
    school = await school_by_id(school_id)
    row = await key_service.active_key_row(ctx, district_id=school.district, school_id=school_id)
    signer = key_service.signer_from_row(ctx, row)
    if did_method_of(ctx, school) == "did:key":
        return signer  # default verification method: did:key:z6Mk…#z6Mk…
    did = school_did_web(school.slug, ctx.settings.base_url)
    return signer.with_verification_method(f"{did}#{row.public_key_multibase}")


async def district_signer(ctx: IssuerContext, district_id: int) -> Ed25519Signer:
    row = await key_service.active_key_row(ctx, district_id=district_id, school_id=None)
    signer = key_service.signer_from_row(ctx, row)
    return signer.with_verification_method(f"{district_did(ctx.settings.base_url)}#{row.public_key_multibase}")


def profile_from_row(school: SchoolRow, did: str, *, base_url: str) -> dict[str, Any]:
    """The OB Profile of ``school`` issuing as ``did`` (its ``url`` defaults to our Profile page)."""
    profile: dict[str, Any] = {"id": did, "type": ["Profile"], "name": school.name,
                               "url": school.url or f"{base_url}/issuers/{school.slug}"}
    if school.email:
        profile["email"] = school.email
    if school.description:
        profile["description"] = school.description
    address = {k: v for k, v in (school.address or {}).items() if v}
    if address:
        profile["address"] = {"type": ["Address"], **address}
    if school.image_url:
        profile["image"] = {"id": school.image_url, "type": "Image"}
    return profile


async def issuer_profile(ctx: IssuerContext, school_id: int) -> dict[str, Any]:
    """The OB Profile embedded as ``issuer`` (no @context: it lives inside a credential)."""
    school = await school_by_id(school_id)
    return profile_from_row(school, await _issuer_did(ctx, school), base_url=ctx.settings.base_url)


async def profile_document(ctx: IssuerContext, slug: str) -> dict[str, Any]:
    """The Profile served at ``GET /issuers/<slug>`` as a stand-alone JSON-LD document."""
    school = await school_by_slug(slug)
    profile = profile_from_row(school, await _issuer_did(ctx, school), base_url=ctx.settings.base_url)
    return {"@context": [VC_V2, OB_V3P0], **profile}


def did_document(did: str, multibases: list[str]) -> dict[str, Any]:
    """A controller document listing every key as a Multikey under assertionMethod."""
    methods = [{"id": f"{did}#{mb}", "type": "Multikey", "controller": did, "publicKeyMultibase": mb}
               for mb in multibases]
    ids = [m["id"] for m in methods]
    return {"@context": [DID_V1, MULTIKEY_V1], "id": did, "verificationMethod": methods,
            "assertionMethod": ids, "authentication": ids[-1:]}


async def school_did_document(ctx: IssuerContext, slug: str) -> dict[str, Any]:
    school = await school_by_slug(slug)
    await key_service.active_key_row(ctx, district_id=school.district, school_id=school.id)
    rows = await schools_repo.keys_of(district_id=school.district, school_id=school.id)
    return did_document(school_did_web(slug, ctx.settings.base_url), [r.public_key_multibase for r in rows])


async def district_did_document(ctx: IssuerContext) -> dict[str, Any]:
    district = await schools_repo.first_district()
    if district is None:
        raise NotFound("no district configured (run `badges init`)")
    await key_service.active_key_row(ctx, district_id=district.id, school_id=None)
    rows = await schools_repo.keys_of(district_id=district.id, school_id=None)
    return did_document(district_did(ctx.settings.base_url), [r.public_key_multibase for r in rows])


async def issuers(ctx: IssuerContext) -> list[tuple[SchoolRow, str]]:
    """Every school of the district with the id it issues as now (``issuer_did``)."""
    return [(row, await _issuer_did(ctx, row)) for row in await schools_repo.schools()]


async def all_issuer_ids(ctx: IssuerContext) -> list[tuple[SchoolRow, str]]:
    """Every id a school of the district issues or issued as, with the school: its did:web, or in
    did:key mode the did:key of each of its keys (a rotation changes a did:key issuer's id; old
    badges stay ours)."""
    out: list[tuple[SchoolRow, str]] = []
    for row in await schools_repo.schools():
        if did_method_of(ctx, row) == "did:key":
            keys = await schools_repo.keys_of(district_id=row.district, school_id=row.id)
            out += [(row, PublicKey.from_multibase(k.public_key_multibase).did_key) for k in keys]
        else:
            out.append((row, school_did_web(row.slug, ctx.settings.base_url)))
    return out
