"""Signing keys per school (and one for the district): generate on first use, rotate, load.

A key's seed only ever exists decrypted inside ``Ed25519Signer`` (whose repr hides it); rows
hold AES-GCM ciphertext (``issuer.keys``). Rotation retires the active key and adds a new one;
retired keys stay in the DID document so badges signed with them keep verifying.
"""
from __future__ import annotations

import logging

from badges.signing.keys import Ed25519Signer, PublicKey

from issuer import runtime
from issuer.db import repo_platform as repo
from issuer.db.repo import write_transaction
from issuer.keys import decrypt_seed, encrypt_seed

log = logging.getLogger(__name__)


async def _create_key(*, district_id: int, school_id: int | None) -> dict:
    rt = runtime.current()
    signer = Ed25519Signer.generate()
    multibase = signer.public_key.multibase
    row = await repo.insert_key(
        district_id=district_id, school_id=school_id, public_key_multibase=multibase,
        encrypted_seed=encrypt_seed(signer.private_bytes(), kek=rt.kek, public_key_multibase=multibase),
        at=rt.clock.now())
    log.info("created signing key %s for district %s school %s", multibase, district_id, school_id)
    return row


async def _lock_owner(district_id: int, school_id: int | None) -> None:
    if school_id is None:
        await repo.lock_district(district_id)
    else:
        await repo.lock_school(school_id)


async def active_key_row(*, district_id: int, school_id: int | None) -> dict:
    """The active key row, generated on first use (at most one, even under concurrency)."""
    row = await repo.active_key(district_id=district_id, school_id=school_id)
    if row is not None:
        return row
    async with write_transaction():
        await _lock_owner(district_id, school_id)
        row = await repo.active_key(district_id=district_id, school_id=school_id)
        if row is None:
            row = await _create_key(district_id=district_id, school_id=school_id)
    return row


async def rotate(*, district_id: int, school_id: int | None, actor_id: int | None = None) -> dict:
    """Retire the active key and create a new one; returns the new key's public row."""
    rt = runtime.current()
    async with write_transaction():
        await _lock_owner(district_id, school_id)
        await repo.retire_keys(district_id=district_id, school_id=school_id, at=rt.clock.now())
        row = await _create_key(district_id=district_id, school_id=school_id)
        await repo.audit(action="key.rotate", at=rt.clock.now(), actor_id=actor_id,
                         district_id=district_id, school_id=school_id,
                         subject=row["public_key_multibase"])
    return {k: row[k] for k in ("id", "public_key_multibase", "active", "created_at")}


def signer_from_row(row: dict) -> Ed25519Signer:
    rt = runtime.current()
    seed = decrypt_seed(row["encrypted_seed"], kek=rt.kek, public_key_multibase=row["public_key_multibase"])
    signer = Ed25519Signer.from_seed(seed)
    if signer.public_key.multibase != row["public_key_multibase"]:
        raise ValueError("stored key does not match its public key")
    return signer


async def public_keys(*, district_id: int, school_id: int | None) -> list[PublicKey]:
    """Every key of the owner, oldest first (retired ones included: old badges verify)."""
    rows = await repo.keys_of(district_id=district_id, school_id=school_id)
    return [PublicKey.from_multibase(r["public_key_multibase"]) for r in rows]
