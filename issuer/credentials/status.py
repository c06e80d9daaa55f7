"""Bitstring status lists per school and purpose: allocation, revocation, suspension.

Every credential we issue carries ONE ``credentialStatus`` entry, ``statusPurpose: "message"``
with ``statusSize`` 2 (valid / suspended / revoked; ``badges.status.STATUS_MESSAGES``): the OB 3.0
schema allows a single object there, and one entry gives every badge revoke, suspend and
reinstate. README.md ("Revocation and suspension") says why and what other verifiers read.
Badges issued before carry a one-bit ``revocation`` entry (awards) or ``revocation`` and
``suspension`` entries (VC-API); those lists are still kept and changed as before, and a badge
with no suspension entry cannot be suspended (409, it can still be revoked).

Allocation (``allocate_entry``) runs inside the caller's transaction: it picks a random index
and claims it with ``INSERT … ON CONFLICT DO NOTHING`` on ``StatusEntry`` whose unique
(status_list, status_index) constraint is the arbiter, so concurrent awards on PostgreSQL never
share an index and never abort each other; a conflict just draws again. After 16 straight
conflicts the list counts as crowded and the next list number is opened (random draws keep
each list well spread). A ``message`` list holds ``status_list_size`` two-bit entries (BSL §3.2
counts entries, at least 131,072); indexes come from ``badges.status.message_index_range``.

Changing a status locks the list row (``SELECT … FOR UPDATE``; on SQLite the process-wide writer
lock of ``write_transaction``), writes it, re-signs the list credential with the school's active
key and stores it; ``/status/<school>/<purpose>/<n>`` serves that document verbatim. Reasons go
to the credential row and the audit log only, never into a published document or public page.
"""
from __future__ import annotations

import json
import re
import secrets
from typing import Any

from badges.errors import StatusListError
from badges.signing import sign
from badges.status import (
    MESSAGE_SIZE,
    STATE_REVOKED,
    STATE_SUSPENDED,
    STATE_VALID,
    BitstringStatusList,
    message_index_range,
    set_message_state,
    status_entry,
    status_list_credential,
)
from issuer.accounts import audit as audit_trail
from issuer.catalog import achievements
from issuer.context import IssuerContext
from issuer.credentials import repo as credentials_repo
from issuer.credentials.rows import IssuedCredentialRow, StatusListHead
from issuer.db.engine import in_transaction, write_transaction
from issuer.errors import BadRequest, Conflict, NotFound
from issuer.mail import notify
from issuer.schools import identity
from issuer.schools.rows import SchoolRow

PURPOSES = ("revocation", "suspension", "message")
ISSUED_PURPOSE = "message"  # what every new credential gets
_DRAWS_PER_LIST = 16
_LIST_PATH = re.compile(r"/status/([^/]+)/(revocation|suspension|message)/(\d+)$")
_STATE_OF_ACTION = {"revoke": STATE_REVOKED, "suspend": STATE_SUSPENDED, "reinstate": STATE_VALID}


def list_url(ctx: IssuerContext, slug: str, purpose: str, list_no: int) -> str:
    return f"{ctx.settings.base_url}/status/{slug}/{purpose}/{list_no}"


def list_bits(ctx: IssuerContext, purpose: str) -> int:
    """Bits of a new list: ``status_list_size`` entries of the purpose's status size."""
    return ctx.settings.status_list_size * (MESSAGE_SIZE if purpose == "message" else 1)


def _draw(purpose: str, size_bits: int) -> int:
    if purpose == "message":
        slots = message_index_range(size_bits)
        return slots.start + secrets.randbelow(len(slots))
    return secrets.randbelow(size_bits)


def dumps(document: dict[str, Any]) -> str:
    """The one serialization of documents we sign and store (compact, UTF-8)."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


async def _sign_list(ctx: IssuerContext, school: SchoolRow, *, purpose: str, list_no: int, encoded: str) -> str:
    url = list_url(ctx, school.slug, purpose, list_no)
    unsigned = status_list_credential(list_url=url, issuer={"id": await identity.issuer_did(ctx, school.id)},
                                      purpose=purpose, encoded_list=encoded, valid_from=ctx.clock.now())
    signer = await identity.signer_for(ctx, school.id)
    return dumps(sign(unsigned, signer=signer, created=ctx.clock.now()))


async def _open_list(ctx: IssuerContext, school: SchoolRow, purpose: str, list_no: int) -> StatusListHead:
    """The list, created (and signed) when missing; safe when two transactions race."""
    row = await credentials_repo.status_list(school_id=school.id, purpose=purpose, list_no=list_no)
    if row is None:
        size = list_bits(ctx, purpose)
        encoded = BitstringStatusList(size).encode()
        inserted = await credentials_repo.insert_status_list(school_id=school.id, purpose=purpose, list_no=list_no,
                                                             size=size, encoded_list=encoded, at=ctx.clock.now())
        # ours (then we sign it), or the one a concurrent transaction inserted first
        row = await credentials_repo.status_list(school_id=school.id, purpose=purpose, list_no=list_no)
        if row is None:
            raise Conflict(f"status list {purpose}/{list_no} of {school.slug} could not be opened; try again")
        if inserted:
            document = await _sign_list(ctx, school, purpose=purpose, list_no=list_no, encoded=encoded)
            await credentials_repo.update_status_list(row.id, encoded_list=encoded, document=document,
                                                      at=ctx.clock.now())
    return StatusListHead(id=row.id, list_no=row.list_no, size=row.size)


async def _allocate(ctx: IssuerContext, school: SchoolRow, purpose: str) -> tuple[dict[str, Any], int, int]:
    lst = await credentials_repo.latest_status_list(school_id=school.id, purpose=purpose)
    if lst is None:
        lst = await _open_list(ctx, school, purpose, 1)
    while True:
        for _ in range(_DRAWS_PER_LIST):
            index = _draw(purpose, lst.size)
            if await credentials_repo.claim_status_index(list_id=lst.id, index=index, at=ctx.clock.now()):
                entry = status_entry(list_url=list_url(ctx, school.slug, purpose, lst.list_no), index=index,
                                     purpose=purpose)
                return entry, lst.id, index
        lst = await _open_list(ctx, school, purpose, lst.list_no + 1)


async def allocate_entry(ctx: IssuerContext, school_id: int, *, purpose: str = ISSUED_PURPOSE,
                         school: SchoolRow | None = None) -> tuple[dict[str, Any], int, int]:
    """(credentialStatus entry, status_list_id, index) for a new credential of this school.

    Call it inside the transaction that stores the credential, so an index is only ever
    taken together with its credential (a rolled-back award frees it). ``school``: the
    school's row when the caller already read it (the award path), to save reading it again.
    """
    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be one of {PURPOSES}")
    if school is None or school.id != school_id:
        school = await identity.school_by_id(school_id)
    if in_transaction():
        return await _allocate(ctx, school, purpose)
    async with write_transaction():
        return await _allocate(ctx, school, purpose)


def entries_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    status = document.get("credentialStatus")
    entries = status if isinstance(status, list) else [status] if isinstance(status, dict) else []
    return [e for e in entries if isinstance(e, dict)]


def _locate(document: dict[str, Any], slug: str) -> dict[str, tuple[int, int]]:
    """{purpose: (list_no, index)} of this school's Bitstring entries in a stored credential."""
    found: dict[str, tuple[int, int]] = {}
    for entry in entries_of(document):
        purpose = entry.get("statusPurpose")
        if entry.get("type") != "BitstringStatusListEntry" or not isinstance(purpose, str) or purpose not in PURPOSES:
            continue
        match = _LIST_PATH.search(str(entry.get("statusListCredential", "")))
        if match and match.group(1) == slug and match.group(2) == purpose:
            try:
                found.setdefault(purpose, (int(match.group(3)), int(entry["statusListIndex"])))
            except (KeyError, TypeError, ValueError):
                continue
    return found


def _plan(located: dict[str, tuple[int, int]], action: str, credential_id: str) -> tuple[str, int, int, int]:
    """(purpose, list_no, index, value to write) for ``action`` on a credential's entries."""
    if "message" in located:
        return ("message", *located["message"], _STATE_OF_ACTION[action])
    purpose = "revocation" if action == "revoke" else "suspension"
    if purpose not in located:
        what = "revoked" if action == "revoke" else "suspended or reinstated"
        raise Conflict(f"this credential cannot be {what}: it was issued without a {purpose} status entry "
                       "of this issuer", credentialId=credential_id)
    return (purpose, *located[purpose], int(action != "reinstate"))


async def _write_status(ctx: IssuerContext, credential: IssuedCredentialRow, school: SchoolRow, action: str) -> str:
    purpose, list_no, index, value = _plan(_locate(json.loads(credential.document), school.slug), action,
                                           credential.credential_id)
    lst = await credentials_repo.status_list(school_id=school.id, purpose=purpose, list_no=list_no, lock=True)
    if lst is None:
        raise Conflict(f"status list {purpose}/{list_no} of {school.slug} does not exist")
    bits = BitstringStatusList.decode(lst.encoded_list)
    try:
        if purpose == "message":
            set_message_state(bits, index, value)
        else:
            bits.set(index, bool(value))
    except (ValueError, StatusListError):  # an index this list never handed out: refuse, change nothing
        raise Conflict(f"the credential's status index {index} does not belong to {purpose} list {list_no}",
                       credentialId=credential.credential_id) from None
    encoded = bits.encode()
    document = await _sign_list(ctx, school, purpose=purpose, list_no=list_no, encoded=encoded)
    await credentials_repo.update_status_list(lst.id, encoded_list=encoded, document=document,
                                              at=ctx.clock.now())
    return purpose


async def revoke_entry(ctx: IssuerContext, *, list_id: int, index: int) -> None:
    """Set the revocation bit ``index`` of the school's revocation list ``list_id`` and re-sign
    the list: for a document of the school's other than an issued badge that holds an entry of
    that list (its own endorsements, ``issuer.endorsements.service.withdraw``). Runs in the
    caller's write transaction (or its own). ``Conflict`` for a list that is not a revocation
    list or an index it never handed out; setting a bit already set changes nothing."""
    async def unit() -> None:
        lst = await credentials_repo.status_list_by_id(list_id, lock=True)
        if lst is None or lst.purpose != "revocation":
            raise Conflict(f"status list {list_id} is not a revocation list")
        if not await credentials_repo.status_index_taken(list_id=list_id, index=index):
            raise Conflict(f"status index {index} was never handed out by revocation list {lst.list_no}")
        bits = BitstringStatusList.decode(lst.encoded_list)
        if bits.get(index):
            return
        bits.set(index, True)
        encoded = bits.encode()
        school = await identity.school_by_id(lst.school)
        document = await _sign_list(ctx, school, purpose=lst.purpose, list_no=lst.list_no, encoded=encoded)
        await credentials_repo.update_status_list(lst.id, encoded_list=encoded, document=document,
                                                  at=ctx.clock.now())

    if in_transaction():
        await unit()
        return
    async with write_transaction():
        await unit()


def _follows(copy: IssuedCredentialRow, action: str) -> bool:
    """Whether a wallet copy takes ``action`` with its badge (a copy already in that state does not)."""
    if copy.revoked_at is not None:
        return False
    return copy.suspended if action == "reinstate" else not (action == "suspend" and copy.suspended)


async def _change(ctx: IssuerContext, credential_row_id: int, *, action: str, reason: str, actor_id: int | None,
                  school_id: int | None) -> IssuedCredentialRow:
    reason = (reason or "").strip()
    if action != "reinstate" and not reason:
        raise BadRequest("a reason is required")
    async with write_transaction():
        await credentials_repo.lock_issued_credential(credential_row_id)
        credential = await credentials_repo.issued_credential(row_id=credential_row_id, school_id=school_id)
        if credential is None:
            raise NotFound(f"no credential {credential_row_id}")
        if credential.revoked_at is not None:
            raise Conflict("the credential is revoked (revocation is permanent)")
        if action == "suspend" and credential.suspended:
            raise Conflict("the credential is already suspended")
        if action == "reinstate" and not credential.suspended:
            raise Conflict("the credential is not suspended")
        school = await identity.school_by_id(credential.school)
        purpose = await _write_status(ctx, credential, school, action)
        now = ctx.clock.now()
        if action == "revoke":
            await credentials_repo.mark_revoked(credential_row_id, reason=reason, actor_id=actor_id, at=now)
        else:
            await credentials_repo.mark_suspended(credential_row_id, suspended=action == "suspend",
                                                  reason=reason if action == "suspend" else "")
        # The copies bound to the student's wallets say what the badge says (issuer.credentials.binding).
        copies = [c for c in await credentials_repo.bound_copies(credential_row_id) if _follows(c, action)]
        for copy in copies:
            await _write_status(ctx, copy, school, action)
            if action == "revoke":
                await credentials_repo.mark_revoked(copy.id, reason=reason, actor_id=actor_id, at=now)
            else:
                await credentials_repo.mark_suspended(copy.id, suspended=action == "suspend",
                                                      reason=reason if action == "suspend" else "")
        # Who and why, for the school's staff only (the reason is never published).
        await audit_trail.record_event(action=f"credential.{action}", at=now, actor_id=actor_id,
                                  district_id=school.district, school_id=school.id, subject=credential.credential_id,
                                  details={"reason": reason, "statusPurpose": purpose,
                                           **({"walletCopies": len(copies)} if copies else {})})
        changed = await credentials_repo.issued_credential(row_id=credential_row_id)
        if changed is None:  # locked above: cannot happen
            raise NotFound(f"no credential {credential_row_id}")
        return changed


async def revoke(ctx: IssuerContext, credential_row_id: int, *, reason: str, actor_id: int | None,
                 school_id: int | None = None) -> IssuedCredentialRow:
    """Permanently revoke: write "revoked", re-sign the list, record reason and actor.
    ``school_id`` scopes the lookup (a school admin may only touch their school's badges).
    Once committed, the student hears of it by e-mail (without the reason)."""
    revoked = await _change(ctx, credential_row_id, action="revoke", reason=reason, actor_id=actor_id,
                            school_id=school_id)
    if revoked.learner is not None and revoked.achievement is not None:
        achievement = await achievements.by_id(revoked.achievement)
        await notify.revoked(ctx, school_id=revoked.school, learner_id=revoked.learner,
                             achievement=achievement.name if achievement else "",
                             at=revoked.revoked_at or ctx.clock.now())
    return revoked


async def suspend(ctx: IssuerContext, credential_row_id: int, *, reason: str, actor_id: int | None,
                  school_id: int | None = None) -> IssuedCredentialRow:
    """Suspend (reversible): the entry reads "suspended" until ``reinstate``."""
    return await _change(ctx, credential_row_id, action="suspend", reason=reason, actor_id=actor_id,
                         school_id=school_id)


async def reinstate(ctx: IssuerContext, credential_row_id: int, *, reason: str = "", actor_id: int | None,
                    school_id: int | None = None) -> IssuedCredentialRow:
    """Lift a suspension (the entry reads "valid" again; revocation cannot be undone)."""
    return await _change(ctx, credential_row_id, action="reinstate", reason=reason, actor_id=actor_id,
                         school_id=school_id)


async def list_document(slug: str, purpose: str, list_no: int) -> str:
    """The signed list credential as stored (served verbatim)."""
    if purpose not in PURPOSES:
        raise NotFound(f"no status purpose {purpose!r}")
    school = await identity.school_by_slug(slug)
    lst = await credentials_repo.status_list(school_id=school.id, purpose=purpose, list_no=list_no)
    if lst is None or not lst.document:
        raise NotFound(f"no status list {purpose}/{list_no} for {slug!r}")
    return lst.document
