"""The revocation lists of endorsers that are not the school (a teacher, a partner organisation).

A withdrawn endorsement must stop verifying wherever a copy went, so every new endorsement
carries a Bitstring Status List entry (``statusPurpose`` ``revocation``). A verifier believes a
list only when the list's issuer is the credential's (Digital Bazaar's vc-bitstring-status-list
checks it by default), so the school's endorsements use the school's revocation list
(``issuer.credentials.status``) and each other endorser has one list of its own: signed with its
platform-held key, issuer its did:key (the id of the Profile in its endorsements), kept on its
``Endorser`` row and served verbatim at ``/endorsers/<uuid>/status/revocation``.

One list of ``MIN_BITS`` (131,072) entries per endorser is plenty (one endorsement per endorsed
thing). Indexes are handed out in order, under the lock of the endorser's row held by the write
transaction that stores the endorsement, so two endorsements never share one and a rolled-back
endorsement gives its index back.
"""
from __future__ import annotations

from typing import Any

from badges.errors import StatusListError
from badges.signing import sign
from badges.status import MIN_BITS, BitstringStatusList, status_entry, status_list_credential
from issuer.context import IssuerContext
from issuer.credentials import status as credential_status
from issuer.endorsements import keys, repo
from issuer.endorsements.rows import EndorserRow
from issuer.errors import Conflict, NotFound

PURPOSE = "revocation"


def list_url(ctx: IssuerContext, row: EndorserRow) -> str:
    return f"{ctx.settings.base_url}/endorsers/{row.uuid}/status/{PURPOSE}"


def _signed_list(ctx: IssuerContext, row: EndorserRow, encoded: str) -> str:
    signer = keys.signer_of(ctx, row)
    unsigned = status_list_credential(list_url=list_url(ctx, row), issuer={"id": signer.public_key.did_key},
                                      purpose=PURPOSE, encoded_list=encoded, valid_from=ctx.clock.now())
    return credential_status.dumps(sign(unsigned, signer=signer, created=ctx.clock.now()))


async def _locked(endorser_id: int) -> EndorserRow:
    row = await repo.locked_endorser(endorser_id)
    if row is None:
        raise NotFound("no such endorser")
    return row


async def allocate(ctx: IssuerContext, endorser_id: int) -> tuple[dict[str, Any], int]:
    """(credentialStatus entry, index) for the endorser's next endorsement; the list is made and
    signed with the first. Call inside the write transaction that stores the endorsement."""
    row = await _locked(endorser_id)
    encoded, document = row.status_encoded, row.status_document
    if not encoded:
        encoded = BitstringStatusList(MIN_BITS).encode()
        document = _signed_list(ctx, row, encoded)
    index = row.status_next
    if index >= BitstringStatusList.decode(encoded).size_bits:
        raise Conflict(f"{row.name} has used every entry of its revocation list")
    await repo.update_endorser_status(row.id, status_next=index + 1, encoded=encoded, document=document)
    return status_entry(list_url=list_url(ctx, row), index=index, purpose=PURPOSE), index


async def revoke(ctx: IssuerContext, endorser_id: int, index: int) -> None:
    """Set bit ``index`` of the endorser's list and re-sign it (inside the caller's write
    transaction). ``Conflict`` for an index the list never handed out; a bit already set
    changes nothing."""
    row = await _locked(endorser_id)
    if not row.status_encoded or not 0 <= index < row.status_next:
        raise Conflict(f"status index {index} was never handed out by the revocation list of {row.name}")
    bits = BitstringStatusList.decode(row.status_encoded)
    try:
        if bits.get(index):
            return
        bits.set(index, True)
    except StatusListError:
        raise Conflict(f"status index {index} is outside the revocation list of {row.name}") from None
    encoded = bits.encode()
    await repo.update_endorser_status(row.id, status_next=row.status_next, encoded=encoded,
                                      document=_signed_list(ctx, row, encoded))


async def list_document(e_uuid: str) -> str:
    """The endorser's signed list credential as stored (served verbatim); ``NotFound`` when the
    endorser is unknown or has no list yet."""
    row = await repo.endorser_by_uuid(e_uuid)
    if row is None or not row.status_document:
        raise NotFound("no such status list")
    return row.status_document
