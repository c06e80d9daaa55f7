"""A stored credential as a VC-JWT (OB 3.0 §8.2), for verifiers that want JWTs.

The JWT's payload is the stored, Data Integrity–signed credential itself plus the registered
claims (§8.2 adds a Data Integrity proof *before* JWT signing), signed by the school's active key
with ``kid`` naming its verification method. It is signed the first time someone asks and stored
beside ``document``, so it is served byte for byte ever after, also across a key rotation.
"""
from __future__ import annotations

import json

from badges.errors import BadgeError
from badges.signing.jwt import sign_jwt
from issuer.context import IssuerContext
from issuer.credentials import repo as credentials_repo
from issuer.credentials.rows import IssuedCredentialRow
from issuer.errors import BadRequest
from issuer.schools import identity

__all__ = ["MEDIA_TYPE", "enveloped", "jwt_of"]

# VC-JOSE-COSE §6.1's media type for a credential secured as a JWS.
MEDIA_TYPE = "application/vc+jwt"


async def jwt_of(ctx: IssuerContext, row: IssuedCredentialRow) -> str:
    """The credential of ``row`` as a compact JWS, signed once and then as stored."""
    if row.jwt:
        return row.jwt
    credential = json.loads(row.document)
    if "validFrom" not in credential:
        # A VC 1.1 document (VC-API) names issuanceDate; its JWT form is another data model.
        raise BadRequest("this credential uses the VC 1.1 data model; a VC-JWT is offered for VC 2.0 credentials")
    try:
        token = sign_jwt(credential, signer=await identity.signer_for(ctx, row.school))
    except BadgeError as exc:
        raise BadRequest(f"this credential cannot be secured as a VC-JWT: {exc.message}") from None
    return await credentials_repo.store_jwt(row.id, token)


def enveloped(token: str) -> bytes:
    """VC Data Model 2.0 §4.13's ``EnvelopedVerifiableCredential`` around ``token``, for the VC-API."""
    return json.dumps({"@context": "https://www.w3.org/ns/credentials/v2",
                       "id": f"data:{MEDIA_TYPE},{token}",
                       "type": "EnvelopedVerifiableCredential"}, separators=(",", ":")).encode("utf-8")
