"""The district's schools (``/district/schools``, issue 13): the list a district admin sees, and a
new school with its own signing key, its own DID and its first school admin.

A new school is checked in full first (``check_new_school``: every problem at once, nothing
written), shown back to the district admin ("check your answers"), then made in one write
transaction: the school row, its first Ed25519 key (encrypted under the KEK), its admin's
account (no password) and a set-password link, and an audit event. The link goes out by e-mail
after the commit (the password-reset message); the trust registry is dropped from the cache so
the verifier recognises the school at once.

Its DID is ``did:web:<host>:issuers:<slug>`` (its DID document served at
``/issuers/<slug>/did.json``), or with ``did_method = "did:key"`` the did:key of its active key
(``issuer.schools.identity.did_method_of``).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Awaitable, Callable
from datetime import datetime

import msgspec

from badges.signing.keys import PublicKey
from issuer import access
from issuer.access import Principal, Role
from issuer.accounts import audit as audit_trail
from issuer.accounts import directory as accounts_directory
from issuer.accounts import passwords
from issuer.accounts import service as accounts
from issuer.context import IssuerContext
from issuer.db.engine import write_transaction
from issuer.errors import Conflict, InvalidInput
from issuer.schools import identity, keys
from issuer.schools import repo as schools_repo
from issuer.schools.profile import address_lines, name_problems, url_problems
from issuer.schools.rows import SchoolRow

__all__ = ["DID_METHODS", "DistrictSchool", "NewSchool", "SchoolIn", "check_new_school", "create_school",
           "district_schools", "slug_for"]

DID_METHODS = ("did:web", "did:key")
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,149}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

Deliver = Callable[[], Awaitable[None]]


class SchoolIn(msgspec.Struct, frozen=True, kw_only=True):
    """The new-school form as typed."""

    name: str
    slug: str = ""  # "" made from the name
    url: str = ""
    address: dict[str, str] = {}
    did_method: str = "did:web"
    admin_username: str = ""
    admin_name: str = ""
    admin_email: str = ""


class NewSchool(msgspec.Struct, frozen=True, kw_only=True):
    """A checked form: what will be made (the check-your-answers page shows it)."""

    name: str
    slug: str
    url: str
    address: dict[str, str]
    did_method: str
    did: str  # the DID it will issue as (did:key: "made with its key")
    did_document_url: str
    admin_username: str
    admin_name: str
    admin_email: str


class DistrictSchool(msgspec.Struct, frozen=True, kw_only=True):
    """One line of the district's schools page."""

    school: SchoolRow
    did: str
    did_method: str
    keys: int  # published keys (retired ones still verify old badges)
    key_since: datetime | None  # when the active key was made; None: no key yet (made on first use)
    people: dict[str, int]  # active accounts by role


def slug_for(name: str) -> str:
    """A web-address name for a school: lower-case ASCII letters, digits and dashes."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:64].strip("-")


async def district_schools(ctx: IssuerContext, principal: Principal) -> list[DistrictSchool]:
    """The schools of the caller's district, with their DID, keys and people."""
    district_id = access.check_creates_schools(principal)
    schools = await schools_repo.schools(district_id)
    counts = await accounts_directory.people_counts([s.id for s in schools])
    out = []
    for school in schools:
        published = await schools_repo.keys_of(district_id=school.district, school_id=school.id)
        active = [k for k in published if k.active]
        method = identity.did_method_of(ctx, school)
        if method == "did:key":
            did = PublicKey.from_multibase(active[-1].public_key_multibase).did_key if active else ""
        else:
            did = identity.school_did_web(school.slug, ctx.settings.base_url)
        out.append(DistrictSchool(school=school, did=did, did_method=method, keys=len(published),
                                  key_since=active[-1].created_at if active else None,
                                  people=counts.get(school.id, {})))
    return out


async def check_new_school(ctx: IssuerContext, principal: Principal, data: SchoolIn) -> NewSchool:
    """Every problem with the form at once (``InvalidInput`` with ``details["errors"]``), else what
    will be made. Nothing is written."""
    access.check_creates_schools(principal)
    errors: list[dict[str, str]] = []
    name = data.name.strip()
    errors += name_problems(name)
    slug = data.slug.strip().lower() or slug_for(name)
    if name and not _SLUG.match(slug):
        errors.append({"field": "slug", "message": "The short name is 1 to 64 lower-case letters, digits and dashes, "
                                                   "like north-high."})
    elif slug and await schools_repo.slug_taken(slug):
        errors.append({"field": "slug", "message": f"The short name {slug!r} is taken: choose another."})
    url = data.url.strip()
    errors += url_problems(url)
    address, problems = address_lines(data.address)
    errors += problems
    method = data.did_method.strip()
    if method not in DID_METHODS:
        errors.append({"field": "did_method", "message": "Choose how the school's badges name it: did:web or did:key."})
    username, admin_name, email = data.admin_username.strip(), data.admin_name.strip(), data.admin_email.strip()
    if not username:
        errors.append({"field": "admin_username", "message": "Enter a username for the school's administrator."})
    elif not _USERNAME.match(username):
        errors.append({"field": "admin_username",
                       "message": "A username is 1 to 150 letters, digits and . _ @ - (no spaces)."})
    elif await accounts_directory.get_user_by_username(username) is not None:
        errors.append({"field": "admin_username", "message": f"The username {username!r} is taken: choose another."})
    if not admin_name:
        errors.append({"field": "admin_name", "message": "Enter the administrator's name."})
    elif len(admin_name) > 255:
        errors.append({"field": "admin_name", "message": "The name must be 255 characters or fewer."})
    if not email:
        errors.append({"field": "admin_email", "message": "Enter the administrator's e-mail address: the link to "
                                                          "set a password goes there."})
    elif len(email) > 320 or not _EMAIL.match(email):
        errors.append({"field": "admin_email", "message": "Enter an email address like name@school.example.org."})
    if errors:
        raise InvalidInput(errors[0]["message"], field=errors[0]["field"], errors=errors)
    did = identity.school_did_web(slug, ctx.settings.base_url) if method == "did:web" else ""
    return NewSchool(name=name, slug=slug, url=url, address={k: v for k, v in address.items() if v},
                     did_method=method, did=did, did_document_url=f"{ctx.settings.base_url}/issuers/{slug}/did.json",
                     admin_username=username, admin_name=admin_name, admin_email=email)


async def create_school(ctx: IssuerContext, principal: Principal, data: SchoolIn,
                        *, language: str = "en") -> tuple[SchoolRow, str, Deliver]:
    """Make the school, its key and its first admin (see the module docstring): (the school,
    the DID it issues as, what sends the admin's set-password e-mail: run it after answering)."""
    district_id = access.check_creates_schools(principal)
    plan = await check_new_school(ctx, principal, data)
    now = ctx.clock.now()
    try:
        async with write_transaction():
            school = await schools_repo.insert_school(
                district_id=district_id, slug=plan.slug, name=plan.name, url=plan.url, address=plan.address,
                did_method=plan.did_method, at=now)
            key = await keys.active_key_row(ctx, district_id=district_id, school_id=school.id)
            admin = await accounts.create_user(ctx, district_id=district_id, school_id=school.id,
                                               role=Role.SCHOOL_ADMIN, username=plan.admin_username,
                                               email=plan.admin_email, display_name=plan.admin_name)
            deliver = await passwords.invite(ctx, admin.id, language=language)
            did = (PublicKey.from_multibase(key.public_key_multibase).did_key if plan.did_method == "did:key"
                   else plan.did)
            await audit_trail.record(principal, action="school.create", school_id=school.id, subject=school.slug,
                                     at=now, district_id=district_id, did=did, admin=admin.username)
    except Conflict as exc:  # a slug or username taken between the check and the insert
        raise InvalidInput(exc.message, field="slug") from None
    with ctx.caches.lock:  # the verifier recognises the new school at once
        ctx.caches.trust.clear()
    return school, did, deliver
