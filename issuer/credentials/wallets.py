"""Sending a badge to a wallet: the Learner Credential Wallet's request link (DCC).

1. ``offer``: the student asks, on their badge's page, to add it to a wallet. We make a
   single-use exchange with a random challenge that lives ``EXCHANGE_TTL`` and hand back the
   deep link ``https://lcw.app/request.html?issuer=…&auth_type=bearer&challenge=…&vc_request_url=…``
   (opened on the phone, or scanned from the page's QR code on a desktop). Only the challenge's
   sha256 is stored, so the link is shown once.
2. ``answer``: the wallet POSTs a DIDAuth presentation to ``vc_request_url``: a
   ``VerifiablePresentation`` signed by its own ``did:key`` (``Ed25519Signature2020``,
   ``proofPurpose: authentication``, our challenge). ``badges.didauth`` checks it with a did:key
   resolver only (no network). Then, in one transaction, the exchange is claimed (a second answer
   finds it used), a copy of the badge bound to the wallet's DID is issued
   (``issuer.credentials.binding``), and the binding is recorded. The copy is returned as the
   stored JSON, which LCW stores.

3. The same request as a VC-API exchange (VCALM), for other wallets: its interaction URL
   ``/interactions/<id>?iuv=1`` answers ``Accept: application/json`` with
   ``{"protocols": {"vcapi": <exchange URL>}}`` (a page otherwise). POSTing ``{}`` to the exchange
   starts it: a ``DIDAuthentication`` request with a fresh challenge and our ``domain`` (its hash
   replaces the link's, so the request is still answered once); POSTing
   ``{"verifiablePresentation": <DIDAuth>}`` then gets the bound badge inside a presentation,
   ``{"verifiablePresentation": {…, "verifiableCredential": [<badge>]}}``, as VC-API wraps it.
   LCW's bare presentation gets the bare badge.

Refusals are problem details: an unknown exchange 404; a used one 409; an expired one 410; a
presentation that is not JSON, not a DIDAuth, signed for another purpose or challenge, or by a
key that is not the holder's, 400 — and none of them issues or changes anything.
"""
from __future__ import annotations

import hmac
import json
import uuid as uuidlib
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import anyio.to_thread
import msgspec

from badges.didauth import verify_did_auth
from badges.errors import BadgeError
from badges.signing import DidKeyResolver
from issuer import links
from issuer.access import Principal
from issuer.context import IssuerContext
from issuer.credentials import binding, oid4vci, sharing
from issuer.credentials import repo as credentials_repo
from issuer.credentials.rows import IssuedCredentialRow, WalletExchangeRow
from issuer.db.engine import write_transaction
from issuer.errors import BadRequest, Conflict, LinkExpired, NotFound

__all__ = ["EXCHANGE_TTL", "LCW_REQUEST", "WalletOffer", "answer", "interaction", "interaction_url", "offer",
           "wallet_copies"]

EXCHANGE_TTL = timedelta(minutes=10)  # as the DCC's own exchange server keeps them
LCW_REQUEST = "https://lcw.app/request.html"
MAX_ANSWER_BYTES = 64 * 1024  # a DIDAuth presentation is about 1 KB
_RESOLVER = DidKeyResolver()  # holders are wallets' did:key: their documents come from the DID itself


class WalletOffer(msgspec.Struct, frozen=True, kw_only=True):
    exchange: uuidlib.UUID
    deep_link: str  # LCW's request link (with the challenge: shown once)
    request_url: str  # the exchange
    interaction_url: str  # VCALM's one URL for other wallets
    oid4vci_offer: str  # openid-credential-offer://… (issuer.credentials.oid4vci)
    tx_code: str  # the transaction code an OpenID4VCI wallet asks for (shown once)
    expires_at: datetime


class WalletCopy(msgspec.Struct, frozen=True, kw_only=True):
    holder: str
    at: datetime
    credential: uuidlib.UUID | None


def _issuer_id(row: IssuedCredentialRow) -> str:
    issuer = json.loads(row.document).get("issuer")
    return str(issuer.get("id") if isinstance(issuer, dict) else issuer)


def request_url(ctx: IssuerContext, exchange: uuidlib.UUID) -> str:
    return f"{ctx.settings.base_url}/wallet/exchanges/{exchange}"


async def offer(ctx: IssuerContext, who: Principal | None, c_uuid: str) -> WalletOffer:
    """A new exchange for the signed-in owner's badge, and its deep link (shown once)."""
    row = await sharing.credential_row(c_uuid)
    if not sharing.is_owner(who, row) or who is None:
        raise NotFound("only the student who earned this badge can send it to a wallet")
    if row.revoked_at is not None or row.suspended:
        raise Conflict("a revoked or suspended badge cannot be sent to a wallet")
    challenge, challenge_hash = links.new_token()
    tx_code, tx_code_hash = oid4vci.new_tx_code()
    now = ctx.clock.now()
    exchange = await credentials_repo.insert_exchange(
        uuid=uuidlib.uuid4(), school=row.school, learner=row.learner, credential=row.id, protocol="lcw",
        challenge_hash=challenge_hash, tx_code_hash=tx_code_hash, expires_at=now + EXCHANGE_TTL, created_at=now)
    url = request_url(ctx, exchange.uuid)
    query = urlencode({"issuer": _issuer_id(row), "auth_type": "bearer", "challenge": challenge,
                       "vc_request_url": url})
    return WalletOffer(exchange=exchange.uuid, deep_link=f"{LCW_REQUEST}?{query}", request_url=url,
                       interaction_url=interaction_url(ctx, exchange.uuid),
                       oid4vci_offer=oid4vci.offer_uri(ctx, exchange.uuid), tx_code=tx_code,
                       expires_at=exchange.expires_at)


def _presentation(body: bytes) -> tuple[bool, dict[str, Any]]:
    """(wrapped?, the DIDAuth presentation) of a wallet's answer: the bare presentation (LCW) or
    wrapped in ``{"verifiablePresentation": …}`` (a VC-API exchange)."""
    if len(body) > MAX_ANSWER_BYTES:
        raise BadRequest(f"a DIDAuth answer is at most {MAX_ANSWER_BYTES} bytes")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("the answer is not JSON: send the signed DIDAuth presentation") from None
    wrapped = isinstance(data, dict) and "verifiablePresentation" in data
    if wrapped:
        data = data["verifiablePresentation"]
    if not isinstance(data, dict):
        raise BadRequest("the answer must be a VerifiablePresentation (a JSON object)")
    return wrapped, data


def _challenge_of(presentation: dict[str, Any]) -> str:
    proof = presentation.get("proof")
    proof = proof[0] if isinstance(proof, list) and len(proof) == 1 else proof
    if isinstance(proof, dict) and proof.get("proofPurpose") != "authentication":
        # said before the challenge: a proof for another purpose carries none
        raise BadRequest(f"the DIDAuth presentation does not verify: proofPurpose is {proof.get('proofPurpose')!r}, "
                         "expected 'authentication'", problem="proof-purpose")
    challenge = proof.get("challenge") if isinstance(proof, dict) else None
    if not isinstance(challenge, str) or not links.plausible(challenge):
        raise BadRequest("the presentation's proof carries no challenge from this request", problem="challenge")
    return challenge


def _usable(exchange: WalletExchangeRow | None, now: datetime) -> WalletExchangeRow:
    if exchange is None:
        raise NotFound("no such wallet request")
    if exchange.used_at is not None:
        raise Conflict("this wallet request was already used; ask for a new link on the badge's page",
                       problem="challenge-used")
    if exchange.expires_at <= now:
        raise LinkExpired("this wallet request expired; ask for a new link on the badge's page")
    return exchange


def _exchange_uuid(exchange_id: str) -> uuidlib.UUID:
    try:
        return uuidlib.UUID(exchange_id)
    except ValueError:
        raise NotFound("no such wallet request") from None


def domain_of(ctx: IssuerContext) -> str:
    """The ``domain`` a VC-API DIDAuth request names: our host, as the wallet must sign it."""
    return urlsplit(ctx.settings.base_url).netloc


async def interaction(ctx: IssuerContext, exchange_id: str) -> dict[str, Any]:
    """The protocols a wallet may use for this request (the interaction URL's JSON)."""
    exchange = _usable(await credentials_repo.exchange(uuid=_exchange_uuid(exchange_id)), ctx.clock.now())
    return {"protocols": {"vcapi": request_url(ctx, exchange.uuid),
                          "oid4vci-1.0": oid4vci.offer_uri(ctx, exchange.uuid)}}


def interaction_url(ctx: IssuerContext, exchange: uuidlib.UUID) -> str:
    return f"{ctx.settings.base_url}/interactions/{exchange}?iuv=1"


async def _start(ctx: IssuerContext, pending: WalletExchangeRow) -> dict[str, Any]:
    challenge, challenge_hash = links.new_token()
    await credentials_repo.restart_exchange(pending.id, challenge_hash=challenge_hash, protocol="vcapi")
    return {"verifiablePresentationRequest": {
        "query": [{"type": "DIDAuthentication", "acceptedMethods": [{"method": "key"}]}],
        "challenge": challenge, "domain": domain_of(ctx),
        "interact": {"service": [{"type": "VerifiableCredentialApiExchangeService",
                                  "serviceEndpoint": request_url(ctx, pending.uuid)}]}}}


def _wrapped(document: str) -> bytes:
    """VC-API's answer: the stored badge, byte for byte, inside an unsigned presentation."""
    return (b'{"verifiablePresentation":{"@context":["https://www.w3.org/ns/credentials/v2"],'
            b'"type":["VerifiablePresentation"],"verifiableCredential":[' + document.encode("utf-8") + b"]}}")


async def answer(ctx: IssuerContext, exchange_id: str, body: bytes) -> bytes:
    """A wallet's POST to the exchange: ``{}`` starts a VC-API exchange (the DIDAuth request); a
    DIDAuth presentation, bare (LCW) or wrapped (VC-API), is verified and answered with the badge
    bound to its holder, issued once."""
    now = ctx.clock.now()
    pending = _usable(await credentials_repo.exchange(uuid=_exchange_uuid(exchange_id)), now)
    if body.strip() in (b"{}", b""):
        return json.dumps(await _start(ctx, pending)).encode("utf-8")
    wrapped, presentation = _presentation(body)
    challenge = _challenge_of(presentation)
    if not hmac.compare_digest(links.token_hash(challenge), pending.challenge_hash):
        raise BadRequest("the proof's challenge is not the one this wallet request was given", problem="challenge")
    # a VC-API exchange asked for our domain too; LCW's link names none
    domain = domain_of(ctx) if pending.protocol == "vcapi" else None
    try:  # canonicalizing and checking a signature: off the event loop
        holder = await anyio.to_thread.run_sync(lambda: verify_did_auth(
            presentation, challenge=challenge, resolver=_RESOLVER, now=now, domain=domain))
    except BadgeError as exc:
        raise BadRequest(f"the DIDAuth presentation does not verify: {exc.message}",
                         problem=exc.problem_type) from None
    async with write_transaction():
        await credentials_repo.lock_exchange(pending.id)
        exchange = _usable(await credentials_repo.exchange(row_id=pending.id), ctx.clock.now())
        original = await credentials_repo.issued_credential(row_id=exchange.credential)
        if original is None or original.revoked_at is not None or original.suspended:
            raise Conflict("this badge was revoked or suspended since the link was made")
        copy = await binding.settle_exchange(ctx, exchange, original, holder, protocol=exchange.protocol)
    return _wrapped(copy.document) if wrapped else copy.document.encode("utf-8")


async def wallet_copies(row: IssuedCredentialRow) -> list[WalletCopy]:
    """Where the badge went: the wallets it was bound to, newest first (for its owner's page)."""
    out = []
    for exchange in await credentials_repo.wallet_copies_of(row.id):
        copy = await credentials_repo.issued_credential(row_id=exchange.issued) if exchange.issued else None
        out.append(WalletCopy(holder=exchange.holder, at=exchange.used_at or exchange.created_at,
                              credential=copy.uuid if copy else None))
    return out
