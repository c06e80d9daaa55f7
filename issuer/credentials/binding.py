"""A badge bound to its holder: a copy of an issued badge whose ``credentialSubject.id`` is the
DID of the student's wallet, signed as usual, for wallets that prove who holds a credential.

The copy keeps everything the badge says (achievement, results, evidence, dates) and gets its own
``id`` (``/credentials/<uuid>``), its own status entry and a fresh proof. It records the
credential it came from (``bound_from``) and the holder; it belongs to no learner list, so the
student's badges, progress and transcript still count the one award once. The student's other
copies stay valid; revoking or suspending the badge reaches every copy (``issuer.credentials.status``).
"""
from __future__ import annotations

import json
import uuid as uuidlib

from badges.errors import BadgeError
from badges.signing import sign
from issuer.accounts import audit as audit_trail
from issuer.context import IssuerContext
from issuer.credentials import repo as credentials_repo
from issuer.credentials.rows import IssuedCredentialRow, WalletExchangeRow
from issuer.credentials.status import allocate_entry, dumps
from issuer.errors import InvalidInput
from issuer.schools import identity

__all__ = ["issue_bound", "settle_exchange"]


async def issue_bound(ctx: IssuerContext, original: IssuedCredentialRow, holder: str) -> IssuedCredentialRow:
    """Issue and store the copy of ``original`` bound to ``holder``. Call INSIDE ``write_transaction``."""
    document = json.loads(original.document)
    document.pop("proof", None)
    document.pop("credentialStatus", None)
    subject = document.get("credentialSubject")
    if not isinstance(subject, dict):
        raise InvalidInput("this credential has no single subject to bind")
    document["credentialSubject"] = {**subject, "id": holder}
    copy_uuid = uuidlib.uuid4()
    document["id"] = f"{ctx.settings.base_url}/credentials/{copy_uuid}"
    entry, list_id, index = await allocate_entry(ctx, original.school)
    document["credentialStatus"] = entry
    now = ctx.clock.now()
    try:
        signed = sign(document, signer=await identity.signer_for(ctx, original.school), created=now)
    except BadgeError as exc:
        raise InvalidInput(f"the badge cannot be bound: {exc.message}") from None
    return await credentials_repo.insert_credential_row(
        uuid=copy_uuid, school=original.school, learner=None, achievement=original.achievement, award=None,
        credential_id=document["id"], document=dumps(signed), status_list=list_id, status_index=index,
        status_purpose=entry.get("statusPurpose", "message"), issued_at=now, bound_from=original.id, holder=holder,
        public_page=original.public_page)


async def settle_exchange(ctx: IssuerContext, exchange: WalletExchangeRow, original: IssuedCredentialRow, holder: str,
                          *, protocol: str) -> IssuedCredentialRow:
    """What every wallet protocol does once its own checks passed: issue the copy bound to
    ``holder``, mark the exchange used by it, and say so in the audit log. Call INSIDE
    ``write_transaction``, with the exchange locked and found unused."""
    copy = await issue_bound(ctx, original, holder)
    await credentials_repo.complete_exchange(exchange.id, used_at=ctx.clock.now(), holder=holder, issued_id=copy.id)
    await audit_trail.record(None, action="credential.wallet", school_id=original.school,
                             subject=original.credential_id, at=ctx.clock.now(), holder=holder,
                             copy=copy.credential_id, protocol=protocol)
    return copy
