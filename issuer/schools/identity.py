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

from urllib.parse import quote, urlsplit

from badges.jsonld import DID_V1, MULTIKEY_V1, OB_V3P0, VC_V2
from badges.signing.keys import Ed25519Signer, PublicKey

from issuer import runtime
from issuer.context import IssuerContext
from issuer.schools import repo as schools_repo
from issuer.schools import keys as key_service
from issuer.errors import NotFound


def did_web_for_base(base_url: str) -> str:
    """The district DID for a base URL (the port's ``:`` is percent-encoded, path → ``:``)."""
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if parts.port is not None:
        host += "%3A" + str(parts.port)
    segments = [quote(s, safe="") for s in parts.path.split("/") if s]
    return ":".join(["did:web", host, *segments])


def district_did(base_url: str | None = None) -> str:
    return did_web_for_base(base_url or runtime.current().settings.base_url)


def school_did_web(slug: str, base_url: str | None = None) -> str:
    return f"{district_did(base_url)}:issuers:{slug}"


async def _school(school_id: int) -> dict:
    school = await schools_repo.school_by_id(school_id)
    if school is None:
        raise NotFound(f"no school {school_id}")
    return school


async def issuer_did(school_id: int, *, ctx: IssuerContext | None = None) -> str:
    """The id this school issues as (did:web by default, did:key when so configured)."""
    school = await _school(school_id)
    return await _issuer_did(school, runtime.or_current(ctx))


async def _issuer_did(school: dict, ctx: IssuerContext) -> str:
    if ctx.settings.issuer_identity == "did:key":
        row = await key_service.active_key_row(district_id=school["district"], school_id=school["id"], ctx=ctx)
        return PublicKey.from_multibase(row["public_key_multibase"]).did_key
    return school_did_web(school["slug"], ctx.settings.base_url)


async def signer_for(school_id: int, *, ctx: IssuerContext | None = None) -> Ed25519Signer:
    """The school's active signer, its verification method listed in the served DID document."""
    ctx = runtime.or_current(ctx)
    school = await _school(school_id)
    row = await key_service.active_key_row(district_id=school["district"], school_id=school_id, ctx=ctx)
    signer = key_service.signer_from_row(row, ctx=ctx)
    if ctx.settings.issuer_identity == "did:key":
        return signer  # default verification method: did:key:z6Mk…#z6Mk…
    did = school_did_web(school["slug"], ctx.settings.base_url)
    return signer.with_verification_method(f"{did}#{row['public_key_multibase']}")


async def district_signer(district_id: int, *, ctx: IssuerContext | None = None) -> Ed25519Signer:
    ctx = runtime.or_current(ctx)
    row = await key_service.active_key_row(district_id=district_id, school_id=None, ctx=ctx)
    signer = key_service.signer_from_row(row, ctx=ctx)
    return signer.with_verification_method(f"{district_did(ctx.settings.base_url)}#{row['public_key_multibase']}")


def profile_from_row(school: dict, did: str, *, ctx: IssuerContext | None = None) -> dict:
    base = runtime.or_current(ctx).settings.base_url
    profile: dict = {"id": did, "type": ["Profile"], "name": school["name"],
                     "url": school["url"] or f"{base}/issuers/{school['slug']}"}
    if school.get("email"):
        profile["email"] = school["email"]
    if school.get("description"):
        profile["description"] = school["description"]
    address = {k: v for k, v in (school.get("address") or {}).items() if v}
    if address:
        profile["address"] = {"type": ["Address"], **address}
    if school.get("image_url"):
        profile["image"] = {"id": school["image_url"], "type": "Image"}
    return profile


async def issuer_profile(school_id: int, *, ctx: IssuerContext | None = None) -> dict:
    """The OB Profile embedded as ``issuer`` (no @context: it lives inside a credential)."""
    ctx = runtime.or_current(ctx)
    school = await _school(school_id)
    return profile_from_row(school, await _issuer_did(school, ctx), ctx=ctx)


async def profile_document(ctx: IssuerContext, slug: str) -> dict:
    """The Profile served at ``GET /issuers/<slug>`` as a stand-alone JSON-LD document."""
    school = await schools_repo.school_by_slug(slug)
    if school is None:
        raise NotFound(f"no issuer {slug!r}")
    return {"@context": [VC_V2, OB_V3P0], **profile_from_row(school, await _issuer_did(school, ctx), ctx=ctx)}


def did_document(did: str, multibases: list[str]) -> dict:
    """A controller document listing every key as a Multikey under assertionMethod."""
    methods = [{"id": f"{did}#{mb}", "type": "Multikey", "controller": did, "publicKeyMultibase": mb}
               for mb in multibases]
    ids = [m["id"] for m in methods]
    return {"@context": [DID_V1, MULTIKEY_V1], "id": did, "verificationMethod": methods,
            "assertionMethod": ids, "authentication": ids[-1:]}


async def school_did_document(ctx: IssuerContext, slug: str) -> dict:
    school = await schools_repo.school_by_slug(slug)
    if school is None:
        raise NotFound(f"no issuer {slug!r}")
    await key_service.active_key_row(district_id=school["district"], school_id=school["id"], ctx=ctx)
    rows = await schools_repo.keys_of(district_id=school["district"], school_id=school["id"])
    return did_document(school_did_web(slug, ctx.settings.base_url), [r["public_key_multibase"] for r in rows])


async def district_did_document(ctx: IssuerContext) -> dict:
    district = await schools_repo.first_district()
    if district is None:
        raise NotFound("no district configured (run `badges init`)")
    await key_service.active_key_row(district_id=district["id"], school_id=None, ctx=ctx)
    rows = await schools_repo.keys_of(district_id=district["id"], school_id=None)
    return did_document(district_did(ctx.settings.base_url), [r["public_key_multibase"] for r in rows])
