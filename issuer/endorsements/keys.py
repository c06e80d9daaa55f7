"""The platform-held keys of endorsers that are not the school: a teacher, a partner organisation.

Neither has a key of its own today, and asking a museum's volunteer mentor to manage an Ed25519
key to say "we stand behind this achievement" would stop the endorsement from happening. So the
platform holds one for each (custodial keys): an Ed25519 key made on the endorser's first
endorsement, its seed AES-GCM encrypted under the KEK exactly like a school's signing keys
(``issuer.schools.kek``), and the endorser signs as the ``did:key`` of that key with a Profile
that names it. A verifier therefore learns *who* endorsed (the Profile's name, stable across the
endorser's endorsements because the key is) and that the document is unchanged; that the platform
holds the key is said in docs/ARCHITECTURE.md. A did:key resolves offline, so these endorsements
verify anywhere without a DID document of ours.
"""
from __future__ import annotations

from badges.signing.keys import Ed25519Signer
from issuer.context import IssuerContext
from issuer.endorsements import repo
from issuer.endorsements.rows import EndorserRow
from issuer.schools.kek import encrypt_seed, stored_signer


def partner_handle(organisation: str) -> str:
    """One endorser per organisation name within a school, however its students typed the case
    and spaces of it."""
    return "partner:" + " ".join(organisation.split()).casefold()[:280]


def teacher_handle(user_id: int) -> str:
    return f"teacher:{user_id}"


async def endorser(ctx: IssuerContext, *, school_id: int, kind: str, handle: str, name: str,
                   user_id: int | None = None) -> EndorserRow:
    """The endorser with its key, made on first use (the caller holds the write transaction: a
    concurrent first endorsement fails the unique (school, handle) and is retried). A teacher's
    Profile name follows their current name."""
    found = await repo.endorser_by_handle(school_id, handle)
    if found is not None:
        if kind == "teacher" and found.name != name:
            await repo.rename_endorser(found.id, name)
            found = await repo.endorser_by_handle(school_id, handle)
        if found is not None:
            return found
    signer = Ed25519Signer.generate()
    multibase = signer.public_key.multibase
    await repo.insert_endorser(
        school=school_id, kind=kind, handle=handle, user=user_id, name=name, public_key_multibase=multibase,
        encrypted_seed=encrypt_seed(signer.private_bytes(), kek=ctx.keys.kek, public_key_multibase=multibase),
        at=ctx.clock.now())
    made = await repo.endorser_by_handle(school_id, handle)
    if made is None:  # written just above, in this transaction
        raise LookupError("the endorser row just written is gone")
    return made


def signer_of(ctx: IssuerContext, row: EndorserRow) -> Ed25519Signer:
    """The endorser's signer (did:key verification method), its seed checked against the row."""
    return stored_signer(row.encrypted_seed, kek=ctx.keys.kek, public_key_multibase=row.public_key_multibase)
