"""The administration of schools, scoped by the caller: which school an administrator acts on,
and its signing keys (list, rotate).

Who may do what is ``issuer.access``'s answer (the one authorization model): a school admin
administers their school, a district admin the schools of their district; any other school is
forbidden (403).
"""
from __future__ import annotations

from typing import Any

import msgspec

from issuer import access
from issuer.access import Principal
from issuer.context import IssuerContext
from issuer.errors import BadRequest, NotFound
from issuer.schools import identity
from issuer.schools import keys as key_service
from issuer.schools import repo as schools_repo
from issuer.schools.rows import SchoolRow

# A signing key as the key listing shows it: its published row and its verification method.
KeyRow = dict[str, Any]


async def school_for_admin(principal: Principal, slug: str | None) -> SchoolRow:
    """The school an admin acts on: ``slug`` if they may, else their own school."""
    if slug is None:
        if principal.school_id is None:
            raise BadRequest("name the school (a district admin has no school of their own)")
        school: SchoolRow | None = await schools_repo.school_by_id(principal.school_id)
    else:
        school = await schools_repo.school_by_slug(slug)
    if school is None:
        raise NotFound(f"no school {slug!r}")
    access.check_administers(principal, district_id=school.district, school_id=school.id)
    return school


async def rotate_key(ctx: IssuerContext, principal: Principal, slug: str) -> KeyRow:
    """A new signing key for a school the caller administers (old keys stay in its DID document)."""
    school = await school_for_admin(principal, slug)
    row = await key_service.rotate(ctx, district_id=school.district, school_id=school.id, actor_id=principal.id)
    did = identity.school_did_web(school.slug, ctx.settings.base_url)
    return {**msgspec.structs.asdict(row), "verification_method": f"{did}#{row.public_key_multibase}"}


async def school_keys(ctx: IssuerContext, principal: Principal, slug: str) -> list[KeyRow]:
    """The signing keys of a school the caller administers (a first one is made if it has none)."""
    school = await school_for_admin(principal, slug)
    await key_service.active_key_row(ctx, district_id=school.district, school_id=school.id)
    did = identity.school_did_web(school.slug, ctx.settings.base_url)
    return [{**msgspec.structs.asdict(r), "verification_method": f"{did}#{r.public_key_multibase}"}
            for r in await schools_repo.keys_of(district_id=school.district, school_id=school.id)]
