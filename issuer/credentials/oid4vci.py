"""OpenID for Verifiable Credential Issuance 1.0, pre-authorized code flow, for one badge bound
to the wallet's key (the third way a student's badge reaches a wallet, beside LCW's link and the
VC-API exchange in ``issuer.credentials.wallets``; the same exchange row carries all three).

* **Metadata**: ``/.well-known/openid-credential-issuer`` offers one configuration,
  ``OpenBadgeCredential`` as ``ldp_vc`` (Data Integrity, eddsa-rdfc-2022), bound to a did:key by a
  ``jwt`` key proof; ``/.well-known/oauth-authorization-server`` names the token endpoint.
* **Offer**: the badge's wallet page shows ``openid-credential-offer://?credential_offer_uri=…``
  and a 6-digit transaction code. Fetching the offer makes a fresh pre-authorized code (only its
  sha256 is kept), so the code exists nowhere until a wallet asks for it.
* **Token** (``urn:ietf:params:oauth:grant-type:pre-authorized_code``): the code and transaction
  code (``tx_code``; draft 13's ``user_pin`` too) give a 5-minute access token, once.
* **Nonce**: ``c_nonce`` values are stateless (time, random, HMAC with the service's secret), valid
  5 minutes; the token response carries one too (draft 13 wallets read it there).
* **Credential**: the access token and a key proof (``badges.keyproof``: ``openid4vci-proof+jwt``
  over our nonce, ``aud`` = this issuer) get the badge bound to the key's did:key
  (``issuer.credentials.binding``), issued once. The answer is 1.0's ``credentials`` array; a draft
  13 request (``format`` + ``proof``) also gets ``credential`` beside it.

Errors follow OAuth 2.0 / OpenID4VCI (``error``, ``error_description``, plus the problem-details
members): a protocol client reads ``error``.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid as uuidlib
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import anyio.to_thread

from badges.errors import BadgeError
from badges.jsonld import OB_V3P0, VC_V2
from badges.keyproof import NonceRejected, verify_key_proof
from badges.signing import DidKeyResolver
from issuer import links
from issuer.context import IssuerContext
from issuer.credentials import binding
from issuer.credentials import repo as credentials_repo
from issuer.credentials.rows import WalletExchangeRow
from issuer.db.engine import write_transaction
from issuer.errors import IssuerError

__all__ = ["CONFIGURATION_ID", "OAuthError", "authorization_server", "credential", "issuer_metadata", "new_nonce",
           "new_tx_code", "nonce", "offer", "offer_uri", "token"]

CONFIGURATION_ID = "OpenBadgeCredential"
PRE_AUTHORIZED = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
TOKEN_TTL = timedelta(minutes=5)
NONCE_TTL = timedelta(minutes=5)
TX_CODE_DIGITS = 6
_RESOLVER = DidKeyResolver()


class OAuthError(IssuerError):
    """An OAuth 2.0 / OpenID4VCI error response (RFC 6749 §5.2, OpenID4VCI §8.3.1.2)."""
    problem_type = "oauth-error"
    title = "OpenID4VCI request refused"

    def __init__(self, error: str, description: str, *, status: int = 400, **details: Any) -> None:
        super().__init__(description, error=error, error_description=description, **details)
        self.status_code = status


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def issuer_metadata(ctx: IssuerContext) -> dict[str, Any]:
    base = ctx.settings.base_url
    return {
        "credential_issuer": base,
        "authorization_servers": [base],
        "credential_endpoint": f"{base}/oid4vci/credential",
        "nonce_endpoint": f"{base}/oid4vci/nonce",
        "display": [{"name": "Open Badges from this school", "locale": "en"}],
        "credential_configurations_supported": {CONFIGURATION_ID: {
            "format": "ldp_vc",
            "scope": CONFIGURATION_ID,
            "credential_definition": {"@context": [VC_V2, OB_V3P0],
                                      "type": ["VerifiableCredential", "OpenBadgeCredential"]},
            "cryptographic_binding_methods_supported": ["did:key"],
            "credential_signing_alg_values_supported": ["eddsa-rdfc-2022"],
            "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": ["EdDSA", "Ed25519"]}},
            "display": [{"name": "Open Badge", "locale": "en"}],
        }},
    }


def authorization_server(ctx: IssuerContext) -> dict[str, Any]:
    base = ctx.settings.base_url
    return {"issuer": base, "token_endpoint": f"{base}/oid4vci/token", "grant_types_supported": [PRE_AUTHORIZED],
            "pre-authorized_grant_anonymous_access_supported": True, "response_types_supported": []}


def offer_uri(ctx: IssuerContext, exchange: uuidlib.UUID) -> str:
    return "openid-credential-offer://?credential_offer_uri=" + quote(
        f"{ctx.settings.base_url}/oid4vci/offers/{exchange}", safe="")


def new_tx_code() -> tuple[str, str]:
    """(the transaction code the student types into the wallet, its hash to keep)."""
    code = "".join(secrets.choice("0123456789") for _ in range(TX_CODE_DIGITS))
    return code, _hash(code)


def _open(exchange: WalletExchangeRow | None, now: Any) -> WalletExchangeRow:
    if exchange is None or exchange.used_at is not None or exchange.expires_at <= now:
        raise OAuthError("invalid_grant", "this credential offer is unknown, used or expired; ask for a new one "
                         "on the badge's page")
    return exchange


async def offer(ctx: IssuerContext, exchange_id: str) -> dict[str, Any]:
    """The credential offer behind ``credential_offer_uri``, with a fresh pre-authorized code."""
    try:
        exchange_uuid = uuidlib.UUID(exchange_id)
    except ValueError:
        raise OAuthError("invalid_request", "no such credential offer", status=404) from None
    found = await credentials_repo.exchange(uuid=exchange_uuid)
    if found is None:
        raise OAuthError("invalid_request", "no such credential offer", status=404)
    try:
        exchange = _open(found, ctx.clock.now())
    except OAuthError as exc:
        raise OAuthError("invalid_request", exc.message, status=410) from None
    code = secrets.token_urlsafe(32)
    await credentials_repo.set_pre_authorized_code(exchange.id, _hash(code))
    grant: dict[str, Any] = {"pre-authorized_code": code}
    if exchange.tx_code_hash:
        grant["tx_code"] = {"input_mode": "numeric", "length": TX_CODE_DIGITS,
                            "description": "The code shown on your badge's page"}
    return {"credential_issuer": ctx.settings.base_url, "credential_configuration_ids": [CONFIGURATION_ID],
            "grants": {PRE_AUTHORIZED: grant}}


def new_nonce(ctx: IssuerContext) -> str:
    stamp = f"{int(ctx.clock.now().timestamp())}.{secrets.token_urlsafe(12)}"
    mac = hmac.new(ctx.keys.secret_key, b"c_nonce:" + stamp.encode(), hashlib.sha256).hexdigest()[:32]
    return f"{stamp}.{mac}"


def nonce_ok(ctx: IssuerContext, value: str) -> bool:
    stamp, _, mac = value.rpartition(".")
    expected = hmac.new(ctx.keys.secret_key, b"c_nonce:" + stamp.encode(), hashlib.sha256).hexdigest()[:32]
    if not stamp or not hmac.compare_digest(mac, expected):
        return False
    seconds = stamp.split(".", 1)[0]
    age = ctx.clock.now().timestamp() - int(seconds) if seconds.isdigit() else -1
    return 0 <= age <= NONCE_TTL.total_seconds()


def nonce(ctx: IssuerContext) -> dict[str, Any]:
    return {"c_nonce": new_nonce(ctx)}


async def token(ctx: IssuerContext, form: dict[str, str]) -> dict[str, Any]:
    if form.get("grant_type") != PRE_AUTHORIZED:
        raise OAuthError("unsupported_grant_type", f"only the pre-authorized code grant ({PRE_AUTHORIZED}) is offered")
    code = form.get("pre-authorized_code") or ""
    if not code:
        raise OAuthError("invalid_request", "pre-authorized_code is missing")
    now = ctx.clock.now()
    exchange = _open(await credentials_repo.exchange_by_pre_authorized_code(_hash(code)), now)
    typed = form.get("tx_code") or form.get("user_pin") or ""  # user_pin: OpenID4VCI draft 13
    if exchange.tx_code_hash and not hmac.compare_digest(_hash(typed), exchange.tx_code_hash):
        raise OAuthError("invalid_grant", "the transaction code is wrong")
    access = links.new_token()
    # the code is spent by the update that stores the token: a second request finds no code
    if not await credentials_repo.grant_access(exchange.id, code_hash=_hash(code), access_hash=access[1],
                                               expires_at=now + TOKEN_TTL):
        raise OAuthError("invalid_grant", "this pre-authorized code was already used")
    return {"access_token": access[0], "token_type": "Bearer", "expires_in": int(TOKEN_TTL.total_seconds()),
            "c_nonce": new_nonce(ctx), "c_nonce_expires_in": int(NONCE_TTL.total_seconds())}


def _key_proof(request: dict[str, Any]) -> tuple[str, bool]:
    """(the key proof JWT, whether the request is draft 13's shape)."""
    if "proofs" in request:  # OpenID4VCI 1.0
        proofs = request["proofs"]
        jwts = proofs.get("jwt") if isinstance(proofs, dict) else None
        if not isinstance(jwts, list) or len(jwts) != 1 or not isinstance(jwts[0], str):
            raise OAuthError("invalid_proof", "send one key proof: proofs.jwt = [<openid4vci-proof+jwt>]")
        return jwts[0], False
    proof = request.get("proof")
    if isinstance(proof, dict) and proof.get("proof_type") == "jwt" and isinstance(proof.get("jwt"), str):
        return proof["jwt"], True
    raise OAuthError("invalid_proof", "the request carries no jwt key proof")


def _check_configuration(request: dict[str, Any]) -> None:
    if "credential_configuration_id" in request:
        if request["credential_configuration_id"] != CONFIGURATION_ID:
            raise OAuthError("unknown_credential_configuration",
                             f"this issuer offers only {CONFIGURATION_ID}")
        return
    if request.get("format") == "ldp_vc":  # draft 13 names the format and the types
        types = (request.get("credential_definition") or {}).get("type") or []
        if isinstance(types, list) and "OpenBadgeCredential" in types:
            return
    if "credential_identifier" in request:
        raise OAuthError("unknown_credential_identifier", "this issuer names no credential identifiers")
    raise OAuthError("invalid_credential_request", f"ask for credential_configuration_id {CONFIGURATION_ID}")


async def credential(ctx: IssuerContext, authorization: str | None, body: bytes) -> bytes:
    scheme, _, access = (authorization or "").partition(" ")
    if scheme.lower() not in ("bearer", "dpop") or not access:
        raise OAuthError("invalid_token", "the credential endpoint needs the access token (Bearer)", status=401)
    now = ctx.clock.now()
    exchange = await credentials_repo.exchange_by_access_token(links.token_hash(access.strip()))
    if exchange is None or exchange.access_expires_at is None or exchange.access_expires_at <= now:
        raise OAuthError("invalid_token", "the access token is unknown or expired", status=401)
    if exchange.used_at is not None:
        raise OAuthError("invalid_token", "this offer's badge was already issued", status=401)
    try:
        request = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise OAuthError("invalid_credential_request", "the request is not JSON") from None
    if not isinstance(request, dict):
        raise OAuthError("invalid_credential_request", "the request must be a JSON object")
    _check_configuration(request)
    jwt, draft_13 = _key_proof(request)
    try:  # off the event loop: a signature check
        holder = await anyio.to_thread.run_sync(lambda: verify_key_proof(
            jwt, audience=ctx.settings.base_url, now=now, nonce_ok=lambda n: nonce_ok(ctx, n), resolver=_RESOLVER))
    except NonceRejected as exc:
        raise OAuthError("invalid_nonce", exc.message, c_nonce=new_nonce(ctx),
                         c_nonce_expires_in=int(NONCE_TTL.total_seconds())) from None
    except BadgeError as exc:
        raise OAuthError("invalid_proof", f"the key proof does not verify: {exc.message}") from None
    async with write_transaction():
        await credentials_repo.lock_exchange(exchange.id)
        fresh = await credentials_repo.exchange(row_id=exchange.id)
        if fresh is None or fresh.used_at is not None:
            raise OAuthError("invalid_token", "this offer's badge was already issued", status=401)
        original = await credentials_repo.issued_credential(row_id=fresh.credential)
        if original is None or original.revoked_at is not None or original.suspended:
            raise OAuthError("credential_request_denied",
                             "this badge was revoked or suspended since the offer was made")
        copy = await binding.settle_exchange(ctx, fresh, original, holder, protocol="oid4vci")
    document = copy.document.encode("utf-8")  # the stored bytes, as signed
    body_out = b'{"credentials":[{"credential":' + document + b"}]"
    if draft_13:
        body_out += b',"credential":' + document + b',"format":"ldp_vc"'
    return body_out + b"}"
