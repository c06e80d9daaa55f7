"""Queries of districts, schools and their signing keys.

Every function returns rows of ``issuer.schools.rows`` (or plain ids and names); nothing outside
the repos sees a Table.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from piccolo.utils.encoding import load_json

from issuer.db.engine import lock_row
from issuer.db.query import row_of, rows_of
from issuer.db.tables import District, IssuedCredential, School, SigningKey, StatusList, TrustedIssuer
from issuer.schools.rows import DistrictRow, PublishedKeyRow, SchoolRow, SigningKeyRow, TrustedIssuerRow

# --- tenancy -------------------------------------------------------------------------------

async def first_district() -> DistrictRow | None:
    found: dict[str, Any] | None = await District.select().order_by(District.id).first()
    return row_of(DistrictRow, found)


async def insert_district(*, slug: str, name: str, url: str, email: str, at: datetime) -> DistrictRow:
    row = District(slug=slug, name=name, url=url, email=email, created_at=at)
    await row.save()
    values: dict[str, Any] = row.to_dict()
    return row_of(DistrictRow, values)


async def insert_school(*, district_id: int, slug: str, name: str, url: str = "", email: str = "",
                        description: str = "", address: dict[str, Any] | None = None, image_url: str = "",
                        did_method: str = "", at: datetime) -> SchoolRow:
    row = School(district=district_id, slug=slug, name=name, url=url, email=email,
                 description=description, address=address or {}, image_url=image_url, did_method=did_method,
                 created_at=at)
    await row.save()
    school = await school_by_id(row.id)
    if school is None:  # only if another transaction deleted it at once
        raise LookupError(f"school {row.id} vanished after its insert")
    return school


async def school_by_id(school_id: int) -> SchoolRow | None:
    return row_of(SchoolRow, await School.select().where(School.id == school_id).output(load_json=True).first())


# Prebuilt (the award path reads both on every award; Piccolo spends more CPU building two
# selects than the database spends running them): the school as ``school_by_id`` gives it and
# the key ``active_key`` picks for it (the newest active one), portable SQL for both databases.
_SCHOOL_COLS = tuple(c._meta.db_column_name for c in School._meta.columns)
_KEY_COLS = tuple(c._meta.db_column_name for c in SigningKey._meta.columns)
_SCHOOL_WITH_KEY = (
    "SELECT " + ", ".join(f's."{n}"' for n in _SCHOOL_COLS) + ", "
    + ", ".join(f'k."{n}" AS "k__{n}"' for n in _KEY_COLS)
    + f' FROM "{School._meta.tablename}" s LEFT JOIN "{SigningKey._meta.tablename}" k ON k."id" = ('
    + f'SELECT max(k2."id") FROM "{SigningKey._meta.tablename}" k2 WHERE k2."active" = {{}} '
    + 'AND k2."district" = s."district" AND k2."school" = s."id") WHERE s."id" = {} LIMIT 1')


async def school_with_active_key(school_id: int) -> tuple[SchoolRow, SigningKeyRow | None] | None:
    """``school_by_id`` and that school's ``active_key`` in one query: (school, key row or
    None when the school has no active key yet), or None for no school
    (tests/issuer/test_perf_kit.py compares both)."""

    rows = await School.raw(_SCHOOL_WITH_KEY, True, school_id)
    if not rows:
        return None
    row = dict(rows[0])
    key = {n: row.pop(f"k__{n}") for n in _KEY_COLS}
    for column in ("address", "scale"):  # JSON columns come back as text from a raw query
        if isinstance(row.get(column), (str, bytes)):
            row[column] = load_json(row[column])
    school = row_of(SchoolRow, row)
    if key["id"] is None:
        return school, None
    key["active"] = bool(key["active"])  # 0/1 on SQLite, as Piccolo's select converts it
    return school, row_of(SigningKeyRow, key)


async def school_by_slug(slug: str) -> SchoolRow | None:
    return row_of(SchoolRow, await School.select().where(School.slug == slug).output(load_json=True).first())


async def schools(district_id: int | None = None) -> list[SchoolRow]:
    query = School.select().order_by(School.id).output(load_json=True)
    if district_id is not None:
        query = query.where(School.district == district_id)
    return rows_of(SchoolRow, await query)


async def update_school(school_id: int, **values: Any) -> None:
    """Set the profile columns named in ``values`` (name, url, email, description, address,
    image_url, logo_sha256, logo_type, scale)."""
    columns = {getattr(School, name): value for name, value in values.items()}
    await School.update(columns).where(School.id == school_id)


async def district_by_id(district_id: int) -> DistrictRow | None:
    return row_of(DistrictRow, await District.select().where(District.id == district_id).first())


# --- signing keys ----------------------------------------------------------------------------

def _owner(query: Any, table: type[SigningKey], *, district_id: int, school_id: int | None) -> Any:
    query = query.where(table.district == district_id)
    return query.where(table.school.is_null() if school_id is None else table.school == school_id)


async def active_key(*, district_id: int, school_id: int | None) -> SigningKeyRow | None:
    query = SigningKey.select().where(SigningKey.active == True)  # noqa: E712
    found: dict[str, Any] | None = await _owner(query, SigningKey, district_id=district_id,
                                                school_id=school_id).order_by(SigningKey.id, ascending=False).first()
    return row_of(SigningKeyRow, found)


async def keys_of(*, district_id: int, school_id: int | None) -> list[PublishedKeyRow]:
    """Every key of the owner, oldest first (retired ones included: old badges verify)."""
    query = SigningKey.select(SigningKey.id, SigningKey.public_key_multibase, SigningKey.active,
                               SigningKey.created_at, SigningKey.retired_at)
    return rows_of(PublishedKeyRow, await _owner(query, SigningKey, district_id=district_id,
                                                 school_id=school_id).order_by(SigningKey.id))


async def insert_key(*, district_id: int, school_id: int | None, public_key_multibase: str,
                     encrypted_seed: str, at: datetime) -> SigningKeyRow:
    row = SigningKey(district=district_id, school=school_id, public_key_multibase=public_key_multibase,
                     encrypted_seed=encrypted_seed, active=True, created_at=at)
    await row.save()
    stored = await SigningKey.select().where(SigningKey.id == row.id).first()
    if stored is None:  # only if another transaction deleted it at once
        raise LookupError(f"signing key {row.id} vanished after its insert")
    return row_of(SigningKeyRow, stored)


async def retire_keys(*, district_id: int, school_id: int | None, at: datetime) -> None:
    query = SigningKey.update({SigningKey.active: False, SigningKey.retired_at: at}).where(
        SigningKey.active == True)  # noqa: E712
    await _owner(query, SigningKey, district_id=district_id, school_id=school_id)


async def key_signed_stored_document(public_key_multibase: str, *, school_id: int | None) -> bool:
    """Whether a stored signed document names this key (``…#<multibase>`` as a proof's
    verificationMethod): a badge, a status list, a transcript (which also bundles old badges).
    ``school_id`` narrows the scan to that school; None (the district's key) scans everything."""
    from issuer.db.tables import Transcript  # the transcripts domain's table, read-only here

    pattern = f"%#{public_key_multibase}%"  # base58btc has no LIKE wildcards
    for table in (IssuedCredential, StatusList, Transcript):
        query = table.select(table._meta.primary_key).where(table.document.like(pattern))
        if school_id is not None:
            query = query.where(table.school == school_id)
        if await query.first() is not None:
            return True
    return False


async def delete_key(key_id: int) -> None:
    """Only for a retired key that signed nothing stored (``issuer.schools.keys.rotate``)."""
    await SigningKey.delete().where((SigningKey.id == key_id) & (SigningKey.active == False))  # noqa: E712


async def lock_school(school_id: int) -> None:
    await lock_row(School, school_id)


async def lock_district(district_id: int) -> None:
    await lock_row(District, district_id)


async def school_district(school_id: int) -> int | None:
    row = await School.select(School.district).where(School.id == school_id).first()
    return int(row["district"]) if row else None


async def school_name(school_id: int) -> str | None:
    row = await School.select(School.name).where(School.id == school_id).first()
    return str(row["name"]) if row else None


async def school_ids_of_district(district_id: int) -> list[int]:
    return [r["id"] for r in await School.select(School.id).where(School.district == district_id)]


async def slug_taken(slug: str) -> bool:
    return await School.select(School.id).where(School.slug == slug).first() is not None


# --- trusted issuers (issuer.schools.trust) -----------------------------------------------------

async def trusted_issuers(school_id: int | None = None) -> list[TrustedIssuerRow]:
    """A school's trusted issuers, oldest first; every school's when ``school_id`` is None."""
    query = TrustedIssuer.select().order_by(TrustedIssuer.id)
    if school_id is not None:
        query = query.where(TrustedIssuer.school == school_id)
    return rows_of(TrustedIssuerRow, await query)


async def trusted_issuer(entry_id: int) -> TrustedIssuerRow | None:
    return row_of(TrustedIssuerRow, await TrustedIssuer.select().where(TrustedIssuer.id == entry_id).first())


async def insert_trusted_issuer(*, school_id: int, issuer_id: str, name: str, note: str, added_by: int | None,
                                at: datetime) -> TrustedIssuerRow:
    row = TrustedIssuer(school=school_id, issuer_id=issuer_id, name=name, note=note, added_by=added_by, added_at=at)
    await row.save()
    found = await trusted_issuer(row.id)
    if found is None:  # only if another transaction deleted it at once
        raise LookupError(f"trusted issuer {row.id} vanished after its insert")
    return found


async def delete_trusted_issuer(entry_id: int) -> None:
    await TrustedIssuer.delete().where(TrustedIssuer.id == entry_id)
