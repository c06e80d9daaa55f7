"""The school profile: what a school's badges and transcripts show about it (issue 13).

Its name, web address, email, description and postal address make the OB ``Profile`` embedded as
``issuer`` in every badge issued from now on (``issuer.schools.identity.profile_from_row``); its
logo is that Profile's ``image`` (a PNG re-encoded or an SVG sanitised by ``issuer.images``,
stored by its sha256 and served at ``/issuers/<slug>/logo``); its level words are the names new
rubrics give their levels (``issuer.catalog.achievements``). Badges already issued keep what they
were signed with: a signed credential is never rewritten.

A school admin edits their own school, a district admin any school of the district
(``issuer.access.check_administers``); every change is an audit event.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import msgspec

from badges.rubrics import DEFAULT_SCALE
from issuer import access
from issuer.access import Principal
from issuer.accounts import audit as audit_trail
from issuer.context import IssuerContext
from issuer.db.engine import write_transaction
from issuer.errors import InvalidInput, NotFound
from issuer.images import sanitise_image
from issuer.schools import repo as schools_repo
from issuer.schools.rows import SchoolRow
from issuer.storage import FileStore

__all__ = ["ADDRESS_FIELDS", "LEVELS", "ProfileIn", "admin_school", "administered_schools", "logo",
           "logo_url", "scale_of", "set_logo", "update_profile"]

# The OB Address fields a school fills in (camelCase, as the Profile carries them).
ADDRESS_FIELDS = ("streetAddress", "addressLocality", "addressRegion", "postalCode", "addressCountry")
LEVELS = len(DEFAULT_SCALE)  # the school renames the levels; it does not add or remove any
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ProfileIn(msgspec.Struct, frozen=True, kw_only=True):
    """The profile form as typed (text fields stripped by the use case)."""

    name: str
    url: str = ""
    email: str = ""
    description: str = ""
    linkedin_organization_id: str = ""  # digits, as LinkedIn's company page URL shows them
    address: dict[str, str] = {}
    level_names: list[str] = []  # lowest first, one per level
    level_descriptions: list[str] = []


def scale_of(school: SchoolRow) -> list[dict[str, Any]]:
    """The school's levels, lowest first: its own words, or the default scale's."""
    if school.scale:
        return [dict(level) for level in school.scale]
    return [{"value": lv.value, "name": lv.name, "description": lv.description} for lv in DEFAULT_SCALE]


def logo_url(base_url: str, school: SchoolRow) -> str:
    # the hash in the query makes a new logo a new URL (browsers and verifiers cache images)
    return f"{base_url}/issuers/{school.slug}/logo?v={school.logo_sha256[:12]}"


async def administered_schools(principal: Principal) -> list[SchoolRow]:
    """The schools ``principal`` administers: their own, or every school of their district."""
    scope = access.admin_scope(principal, "administer schools")
    if scope.school_id is not None:
        found = await schools_repo.school_by_id(scope.school_id)
        return [found] if found is not None else []
    return await schools_repo.schools(scope.district_id)


async def admin_school(principal: Principal, slug: str | None = None) -> SchoolRow:
    """The school an administrator works on: ``slug`` if they administer it (404 otherwise), else
    their own school, and for a district admin without one named the district's first."""
    access.admin_scope(principal, "administer schools")
    if not slug:
        schools = await administered_schools(principal)
        if not schools:
            raise NotFound("the district has no school yet")
        return schools[0]
    school = await schools_repo.school_by_slug(slug)
    if school is None or not access.administers(principal, district_id=school.district, school_id=school.id):
        raise NotFound(f"no school {slug!r}")
    return school


# The school's name, web address and postal address are checked alike wherever they are entered:
# the profile form here and the district's new-school form (``issuer.schools.district``).
def name_problems(name: str) -> list[dict[str, str]]:
    if not name:
        return [{"field": "name", "message": "Enter the school's name."}]
    if len(name) > 255:
        return [{"field": "name", "message": "The name must be 255 characters or fewer."}]
    return []


def url_problems(url: str) -> list[dict[str, str]]:
    parts = urlsplit(url) if url else None
    if parts is not None and (parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 1024
                              or " " in url):
        return [{"field": "url", "message": "Enter the web address in full, like https://school.example.org."}]
    return []


def address_lines(given: Mapping[str, object]) -> tuple[dict[str, str], list[dict[str, str]]]:
    """Every address line, stripped, and a problem for each one too long."""
    address = {key: str(given.get(key, "")).strip() for key in ADDRESS_FIELDS}
    return address, [{"field": key, "message": "Each line of the address must be 255 characters or fewer."}
                     for key, value in address.items() if len(value) > 255]


def _check(data: ProfileIn) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The columns to store and every problem found (field id, message), all at once."""
    errors: list[dict[str, str]] = []
    name, url = data.name.strip(), data.url.strip()
    errors += name_problems(name) + url_problems(url)
    email = data.email.strip()
    if email and (len(email) > 320 or not _EMAIL.match(email)):
        errors.append({"field": "email", "message": "Enter an email address like office@school.example.org."})
    description = data.description.strip()
    if len(description) > 2000:
        errors.append({"field": "description", "message": "The description must be 2,000 characters or fewer."})
    linkedin = data.linkedin_organization_id.strip()
    if linkedin and not (linkedin.isascii() and linkedin.isdigit() and len(linkedin) <= 20):
        errors.append({"field": "linkedin_organization_id",
                       "message": "The LinkedIn organisation ID is a number, like 1337 (digits only)."})
    address, problems = address_lines(data.address)
    errors += problems
    names = [n.strip() for n in data.level_names]
    descriptions = [d.strip() for d in data.level_descriptions] + [""] * LEVELS
    if len(names) != LEVELS:
        errors.append({"field": "level-1", "message": f"Name each of the {LEVELS} levels."})
        names = (names + [""] * LEVELS)[:LEVELS]
    seen: set[str] = set()
    for i, level_name in enumerate(names, start=1):
        if not level_name:
            errors.append({"field": f"level-{i}", "message": f"Enter a word for level {i}."})
        elif len(level_name) > 40:
            errors.append({"field": f"level-{i}", "message": f"The word for level {i} must be 40 characters or fewer."})
        elif level_name.casefold() in seen:
            errors.append({"field": f"level-{i}", "message": f"Level {i} has the same word as a lower level: "
                                                             "each level needs its own."})
        seen.add(level_name.casefold())
        if len(descriptions[i - 1]) > 300:
            errors.append({"field": f"level-{i}-description",
                           "message": f"The description of level {i} must be 300 characters or fewer."})
    scale = [{"value": i, "name": n, "description": descriptions[i - 1]} for i, n in enumerate(names, start=1)]
    default = [{"value": lv.value, "name": lv.name, "description": lv.description} for lv in DEFAULT_SCALE]
    columns = {"name": name, "url": url, "email": email, "description": description,
               "linkedin_organization_id": linkedin,
               "address": {k: v for k, v in address.items() if v},
               "scale": [] if scale == default else scale}  # the default stays "default"
    return columns, errors


async def update_profile(ctx: IssuerContext, principal: Principal, slug: str | None, data: ProfileIn) -> SchoolRow:
    """Save the profile of a school the caller administers; ``InvalidInput`` lists every problem
    (``details["errors"]``: [{field, message}]) and saves nothing."""
    school = await admin_school(principal, slug)
    columns, errors = _check(data)
    if errors:
        raise InvalidInput(errors[0]["message"], field=errors[0]["field"], errors=errors)
    changed = sorted(k for k, v in columns.items() if getattr(school, k) != v)
    async with write_transaction():
        await schools_repo.update_school(school.id, **columns)
        await audit_trail.record(principal, action="school.profile", school_id=school.id, subject=school.slug,
                                 at=ctx.clock.now(), district_id=school.district, changed=changed)
    with ctx.caches.lock:  # the trust registry names schools (and in did:key mode, by their keys)
        ctx.caches.trust.clear()
    updated = await schools_repo.school_by_id(school.id)
    if updated is None:
        raise NotFound("no such school")
    return updated


async def set_logo(ctx: IssuerContext, principal: Principal, slug: str | None, data: bytes) -> SchoolRow:
    """A new logo (PNG re-encoded, SVG sanitised; 4xx for anything else) for a school the caller
    administers: the Profile's ``image`` from now on."""
    school = await admin_school(principal, slug)
    if not data:
        raise InvalidInput("Choose a PNG or SVG file for the logo.", field="logo")
    clean, media_type = sanitise_image(data, max_bytes=ctx.settings.max_image_bytes)
    digest = hashlib.sha256(clean).hexdigest()
    FileStore.from_settings(ctx.settings).write(digest, clean)
    with_logo = msgspec.structs.replace(school, logo_sha256=digest)
    async with write_transaction():
        await schools_repo.update_school(school.id, logo_sha256=digest, logo_type=media_type,
                                         image_url=logo_url(ctx.settings.base_url, with_logo))
        await audit_trail.record(principal, action="school.logo", school_id=school.id, subject=school.slug,
                                 at=ctx.clock.now(), district_id=school.district, sha256=digest)
    updated = await schools_repo.school_by_id(school.id)
    if updated is None:
        raise NotFound("no such school")
    return updated


async def logo(ctx: IssuerContext, slug: str) -> tuple[bytes, str]:
    """A school's logo as stored (bytes, media type): public, as the Profile links it."""
    school = await schools_repo.school_by_slug(slug)
    if school is None or not school.logo_sha256:
        raise NotFound("this school has no logo")
    return FileStore.from_settings(ctx.settings).get(school.logo_sha256), school.logo_type
