"""Signing keys per school (and one for the district): generate on first use, rotate, load.

A key's seed only ever exists decrypted inside ``Ed25519Signer`` (whose repr hides it); rows
hold AES-GCM ciphertext (``issuer.schools.kek``). Rotation retires the active key and adds a new one:
only the newest key signs; retired keys stay in the DID document so badges signed with them
keep verifying.

The DID document is bounded (a fuzzer once left 538 keys in one): an owner publishes at most
``MAX_PUBLISHED_KEYS``. When a rotation would pass that, the oldest retired keys that signed
nothing we store (no badge, status list or transcript names them) and were retired more than
``WITHDRAW_AFTER`` ago (a signature made just before the rotation may still be on its way to
the database) are withdrawn: deleted, with an audit event. If that frees no room, the rotation
is refused (``Conflict``, 409): every published key still verifies something.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from badges.signing.keys import Ed25519Signer, PublicKey
from issuer.accounts import audit as audit_trail
from issuer.context import IssuerContext
from issuer.db.engine import write_transaction
from issuer.errors import Conflict, NotFound
from issuer.schools import repo as schools_repo
from issuer.schools.kek import encrypt_seed, stored_signer
from issuer.schools.rows import PublishedKeyRow, SchoolRow, SigningKeyRow

log = logging.getLogger(__name__)

MAX_PUBLISHED_KEYS = 32
WITHDRAW_AFTER = timedelta(hours=1)


async def _create_key(ctx: IssuerContext, *, district_id: int, school_id: int | None) -> SigningKeyRow:
    signer = Ed25519Signer.generate()
    multibase = signer.public_key.multibase
    row = await schools_repo.insert_key(
        district_id=district_id, school_id=school_id, public_key_multibase=multibase,
        encrypted_seed=encrypt_seed(signer.private_bytes(), kek=ctx.keys.kek, public_key_multibase=multibase),
        at=ctx.clock.now())
    log.info("created signing key %s for district %s school %s", multibase, district_id, school_id)
    return row


async def _lock_owner(district_id: int, school_id: int | None) -> None:
    if school_id is None:
        await schools_repo.lock_district(district_id)
    else:
        await schools_repo.lock_school(school_id)


async def active_key_row(ctx: IssuerContext, *, district_id: int, school_id: int | None) -> SigningKeyRow:
    """The active key row, generated on first use (at most one, even under concurrency)."""
    row = await schools_repo.active_key(district_id=district_id, school_id=school_id)
    if row is not None:
        return row
    async with write_transaction():
        await _lock_owner(district_id, school_id)
        row = await schools_repo.active_key(district_id=district_id, school_id=school_id)
        if row is None:
            row = await _create_key(ctx, district_id=district_id, school_id=school_id)
    return row


async def school_with_active_key(ctx: IssuerContext, school_id: int) -> tuple[SchoolRow, SigningKeyRow]:
    """The school and its active key in one read (the award path's), the key generated on first
    use as ``active_key_row`` does; ``NotFound`` for no school."""
    found = await schools_repo.school_with_active_key(school_id)
    if found is None:
        raise NotFound(f"no school {school_id}")
    school, row = found
    if row is None:  # the school's first signature: create its key (once, under a lock)
        row = await active_key_row(ctx, district_id=school.district, school_id=school_id)
    return school, row


async def _make_room(ctx: IssuerContext, *, district_id: int, school_id: int | None, max_keys: int,
                     actor_id: int | None) -> None:
    """Withdraw the oldest unused retired keys until one more key fits (see the module docstring)."""
    now = ctx.clock.now()
    rows = await schools_repo.keys_of(district_id=district_id, school_id=school_id)  # oldest first
    excess = len(rows) + 1 - max_keys
    for row in rows:
        if excess <= 0:
            return
        retired_at = row.retired_at
        if row.active or retired_at is None or now - retired_at < WITHDRAW_AFTER:
            continue
        if await schools_repo.key_signed_stored_document(row.public_key_multibase, school_id=school_id):
            continue
        await schools_repo.delete_key(row.id)
        await audit_trail.record_event(action="key.withdraw", at=now, actor_id=actor_id, district_id=district_id,
                                  school_id=school_id, subject=row.public_key_multibase,
                                  details={"reason": "retired and unused; the DID document keeps at most "
                                                     f"{max_keys} keys"})
        log.info("withdrew unused signing key %s for district %s school %s", row.public_key_multibase,
                 district_id, school_id)
        excess -= 1
    if excess > 0:
        raise Conflict(
            f"this issuer already publishes {len(rows)} signing keys (at most {max_keys}) and each still "
            "verifies stored badges or was retired less than an hour ago: rotate again later",
            keys=len(rows), maxKeys=max_keys)


async def rotate(ctx: IssuerContext, *, district_id: int, school_id: int | None, actor_id: int | None = None,
                 max_keys: int = MAX_PUBLISHED_KEYS) -> PublishedKeyRow:
    """Retire the active key and create a new one; returns the new key's public row. Keeps the
    published keys within ``max_keys`` (withdrawing unused old ones, else ``Conflict``)."""
    if max_keys < 2:
        raise ValueError("max_keys must leave room for a retired key and the new one")
    async with write_transaction():
        await _lock_owner(district_id, school_id)
        await _make_room(ctx, district_id=district_id, school_id=school_id, max_keys=max_keys, actor_id=actor_id)
        await schools_repo.retire_keys(district_id=district_id, school_id=school_id, at=ctx.clock.now())
        row = await _create_key(ctx, district_id=district_id, school_id=school_id)
        await audit_trail.record_event(action="key.rotate", at=ctx.clock.now(), actor_id=actor_id,
                                  district_id=district_id, school_id=school_id,
                                  subject=row.public_key_multibase)
    with ctx.caches.lock:  # the trust registry names schools (and in did:key mode, by their keys)
        ctx.caches.trust.clear()
    return PublishedKeyRow(id=row.id, public_key_multibase=row.public_key_multibase, active=row.active,
                           created_at=row.created_at)


def signer_from_row(ctx: IssuerContext, row: SigningKeyRow) -> Ed25519Signer:
    """The key row's signer, its seed decrypted with the context's KEK (checked against the row's public key)."""
    return stored_signer(row.encrypted_seed, kek=ctx.keys.kek, public_key_multibase=row.public_key_multibase)


async def public_keys(*, district_id: int, school_id: int | None) -> list[PublicKey]:
    """Every key of the owner, oldest first (retired ones included: old badges verify)."""
    rows = await schools_repo.keys_of(district_id=district_id, school_id=school_id)
    return [PublicKey.from_multibase(r.public_key_multibase) for r in rows]
