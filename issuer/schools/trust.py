"""The issuers a school recognises (``/admin/trusted-issuers``, issue 13), and the trust registry
the mounted verifier reads: the district's own schools plus every school's trusted issuers.

A trusted issuer is an id as badges name their issuer (``did:key:…``, ``did:web:…`` or an
``https://`` URL), a name and a note, added by an administrator of the school, and removed by
one. The verifier (which never imports the issuer) gets the registry through the provider
``registry_entries`` injected by ``issuer.app``; the entries are cached in the context
(``ctx.caches.trust``) and dropped by ``forget`` on every change made here, by a school created
on ``/district/schools``, a profile or a key change (so a verdict follows at once, no restart).
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from badges.errors import BadgeError
from badges.signing.keys import public_key_from_did_key
from issuer.access import Principal
from issuer.accounts import audit as audit_trail
from issuer.context import IssuerContext
from issuer.db.engine import write_transaction
from issuer.errors import InvalidInput, NotFound
from issuer.schools import identity
from issuer.schools import repo as schools_repo
from issuer.schools.profile import admin_school
from issuer.schools.rows import TrustedIssuerRow

__all__ = ["SCHOOL_LABEL", "add", "check_issuer_id", "forget", "listed", "recognised_label", "registry_entries",
           "remove", "trusted_entry"]

SCHOOL_LABEL = "District school"  # the label the district's own schools carry (local_documents has the same)
MAX_NAME = 255
MAX_NOTE = 1000
# did:web: a host (percent-encoded port allowed) then optional path segments (DIDWEB §3.1)
_DID_WEB = re.compile(r"^did:web:[A-Za-z0-9.-]+(%3A[0-9]{1,5})?(:[A-Za-z0-9._~%-]+)*$")
_CACHE_KEY = "entries"


def recognised_label(school_name: str) -> str:
    return f"recognised by {school_name}"


def check_issuer_id(raw: str) -> str:
    """The issuer id as it will be matched (a did:key, did:web or https URL), or ``InvalidInput``."""
    value = raw.strip()
    message = ("Enter the issuer's ID as its badges name it: a did:key, a did:web or a web address "
               "starting with https://.")
    if not value:
        raise InvalidInput("Enter the issuer's ID.", field="issuer_id")
    if len(value) > 1024 or any(c.isspace() for c in value):
        raise InvalidInput(message, field="issuer_id")
    if value.startswith("did:key:"):
        try:
            public_key_from_did_key(value)
        except (BadgeError, ValueError):
            raise InvalidInput("This did:key is not a valid Ed25519 key (did:key:z6Mk…).",
                               field="issuer_id") from None
        return value
    if value.startswith("did:web:"):
        if not _DID_WEB.match(value):
            raise InvalidInput("This did:web is not valid: did:web:school.example.org[:path].", field="issuer_id")
        return value
    parts = urlsplit(value)
    if parts.scheme == "https" and parts.hostname and "." in parts.hostname:
        return value
    raise InvalidInput(message, field="issuer_id")


async def listed(principal: Principal, slug: str | None) -> list[TrustedIssuerRow]:
    """The trusted issuers of a school the caller administers, oldest first."""
    school = await admin_school(principal, slug)
    return await schools_repo.trusted_issuers(school.id)


async def trusted_entry(principal: Principal, slug: str | None, entry_id: int) -> TrustedIssuerRow:
    """One trusted issuer of a school the caller administers (``NotFound`` otherwise)."""
    school = await admin_school(principal, slug)
    row = await schools_repo.trusted_issuer(entry_id)
    if row is None or row.school != school.id:
        raise NotFound("no such trusted issuer")
    return row


async def add(ctx: IssuerContext, principal: Principal, slug: str | None, *, issuer_id: str, name: str,
              note: str) -> TrustedIssuerRow:
    """Recognise an issuer; ``InvalidInput`` lists every problem (``details["errors"]``), and a
    duplicate is refused."""
    school = await admin_school(principal, slug)
    errors: list[dict[str, str]] = []
    checked = ""
    try:
        checked = check_issuer_id(issuer_id)
    except InvalidInput as exc:
        errors.append({"field": "issuer_id", "message": exc.message})
    name, note = name.strip(), note.strip()
    if not name:
        errors.append({"field": "name", "message": "Enter the name people should see for this issuer."})
    elif len(name) > MAX_NAME:
        errors.append({"field": "name", "message": "The name must be 255 characters or fewer."})
    if len(note) > MAX_NOTE:
        errors.append({"field": "note", "message": "The note must be 1,000 characters or fewer."})
    if checked:
        if any(r.issuer_id == checked for r in await schools_repo.trusted_issuers(school.id)):
            errors.append({"field": "issuer_id", "message": "Your school already recognises this issuer."})
        elif checked in {issuer_id for _, issuer_id in await identity.all_issuer_ids(ctx)}:
            errors.append({"field": "issuer_id",
                           "message": "This is a school of the district: it is recognised already."})
    if errors:
        raise InvalidInput(errors[0]["message"], field=errors[0]["field"], errors=errors)
    async with write_transaction():
        row = await schools_repo.insert_trusted_issuer(school_id=school.id, issuer_id=checked, name=name, note=note,
                                                       added_by=principal.id, at=ctx.clock.now())
        await audit_trail.record(principal, action="trust.add", school_id=school.id, subject=checked,
                                 at=ctx.clock.now(), district_id=school.district, name=name)
    forget(ctx)
    return row


async def remove(ctx: IssuerContext, principal: Principal, slug: str | None, entry_id: int) -> TrustedIssuerRow:
    """Stop recognising an issuer (its badges then verify as from an unknown issuer)."""
    school = await admin_school(principal, slug)
    row = await trusted_entry(principal, school.slug, entry_id)
    async with write_transaction():
        await schools_repo.delete_trusted_issuer(row.id)
        await audit_trail.record(principal, action="trust.remove", school_id=school.id, subject=row.issuer_id,
                                 at=ctx.clock.now(), district_id=school.district, name=row.name)
    forget(ctx)
    return row


def forget(ctx: IssuerContext) -> None:
    """Drop the cached registry: the next verification reads it again."""
    with ctx.caches.lock:
        ctx.caches.trust.clear()


async def registry_entries(ctx: IssuerContext) -> list[dict[str, str]]:
    """The trust registry as ``[{id, name, label}]``: every id a school of the district issues or
    issued as ("District school"), then each school's trusted issuers ("recognised by <school>";
    one issuer several schools recognise names them all). Cached (see the module docstring)."""
    with ctx.caches.lock:
        hit = ctx.caches.trust.get(_CACHE_KEY)
    if hit is not None:
        return hit
    entries = [{"id": issuer_id, "name": school.name, "label": SCHOOL_LABEL}
               for school, issuer_id in await identity.all_issuer_ids(ctx)]
    ours = {e["id"] for e in entries}
    names = {s.id: s.name for s in await schools_repo.schools()}
    recognised: dict[str, tuple[str, list[str]]] = {}
    for row in await schools_repo.trusted_issuers():
        if row.issuer_id in ours:
            continue
        name, schools = recognised.setdefault(row.issuer_id, (row.name, []))
        schools.append(names.get(row.school, "?"))
    entries += [{"id": issuer_id, "name": name, "label": recognised_label(", ".join(schools))}
                for issuer_id, (name, schools) in recognised.items()]
    with ctx.caches.lock:
        ctx.caches.trust[_CACHE_KEY] = entries
    return entries
