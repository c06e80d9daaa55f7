"""Bitstring status lists per school and purpose: allocation, revocation, suspension.

Allocation (``allocate_entry``) runs inside the caller's transaction: it picks a random index
and claims it with ``INSERT … ON CONFLICT DO NOTHING`` on ``StatusEntry`` whose unique
(status_list, status_index) constraint is the arbiter, so concurrent awards on PostgreSQL never
share an index and never abort each other; a conflict just draws again. After 16 straight
conflicts the list counts as crowded and the next list number is opened (random draws keep
each list well spread; ``size`` 131,072 per BSL §2.2).

Changing a bit locks the list row (``SELECT … FOR UPDATE``; on SQLite the process-wide writer
lock of ``write_transaction``), flips it, re-signs the list credential with the school's active
key and stores it; ``/status/<school>/<purpose>/<n>`` serves that document verbatim.
"""
from __future__ import annotations

import json
import re
import secrets

from badges.signing import sign
from badges.status import BitstringStatusList, status_entry, status_list_credential

from issuer import runtime
from issuer.db import repo_platform as repo
from issuer.db.repo import in_transaction, write_transaction
from issuer.services import identity
from issuer.services.platform_errors import BadRequest, Conflict, NotFound

PURPOSES = ("revocation", "suspension")
_DRAWS_PER_LIST = 16
_LIST_PATH = re.compile(r"/status/([^/]+)/(revocation|suspension)/(\d+)$")


def list_url(slug: str, purpose: str, list_no: int) -> str:
    return f"{runtime.current().settings.base_url}/status/{slug}/{purpose}/{list_no}"


def dumps(document: dict) -> str:
    """The one serialization of documents we sign and store (compact, UTF-8)."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


async def _sign_list(school: dict, *, purpose: str, list_no: int, encoded: str) -> str:
    rt = runtime.current()
    url = list_url(school["slug"], purpose, list_no)
    unsigned = status_list_credential(list_url=url, issuer={"id": await identity.issuer_did(school["id"])},
                                      purpose=purpose, encoded_list=encoded, valid_from=rt.clock.now())
    signer = await identity.signer_for(school["id"])
    return dumps(sign(unsigned, signer=signer, created=rt.clock.now()))


async def _open_list(school: dict, purpose: str, list_no: int) -> dict:
    """The list row, created (and signed) when missing; safe when two transactions race."""
    row = await repo.status_list(school_id=school["id"], purpose=purpose, list_no=list_no)
    if row is not None:
        return row
    rt = runtime.current()
    size = rt.settings.status_list_size
    encoded = BitstringStatusList(size).encode()
    if await repo.insert_status_list(school_id=school["id"], purpose=purpose, list_no=list_no,
                                     size=size, encoded_list=encoded, at=rt.clock.now()):
        row = await repo.status_list(school_id=school["id"], purpose=purpose, list_no=list_no)
        document = await _sign_list(school, purpose=purpose, list_no=list_no, encoded=encoded)
        await repo.update_status_list(row["id"], encoded_list=encoded, document=document, at=rt.clock.now())
    return await repo.status_list(school_id=school["id"], purpose=purpose, list_no=list_no)


async def _allocate(school: dict, purpose: str) -> tuple[dict, int, int]:
    rt = runtime.current()
    lst = await repo.latest_status_list(school_id=school["id"], purpose=purpose)
    if lst is None:
        lst = await _open_list(school, purpose, 1)
    while True:
        for _ in range(_DRAWS_PER_LIST):
            index = secrets.randbelow(lst["size"])
            if await repo.claim_status_index(list_id=lst["id"], index=index, at=rt.clock.now()):
                entry = status_entry(list_url=list_url(school["slug"], purpose, lst["list_no"]), index=index,
                                     purpose=purpose)
                return entry, lst["id"], index
        lst = await _open_list(school, purpose, lst["list_no"] + 1)


async def allocate_entry(school_id: int, *, purpose: str = "revocation",
                         school: dict | None = None) -> tuple[dict, int, int]:
    """(credentialStatus entry, status_list_id, index) for a new credential of this school.

    Call it inside the transaction that stores the credential, so an index is only ever
    taken together with its credential (a rolled-back award frees it). ``school``: the
    school's row when the caller already read it (the award path), to save reading it again.
    """
    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be one of {PURPOSES}")
    if school is None or school.get("id") != school_id:
        school = await repo.school_by_id(school_id)
    if school is None:
        raise NotFound(f"no school {school_id}")
    if in_transaction():
        return await _allocate(school, purpose)
    async with write_transaction():
        return await _allocate(school, purpose)


def entries_of(document: dict) -> list[dict]:
    status = document.get("credentialStatus")
    entries = status if isinstance(status, list) else [status] if isinstance(status, dict) else []
    return [e for e in entries if isinstance(e, dict)]


def _locate(document: dict, slug: str, purpose: str) -> tuple[int, int] | None:
    """(list_no, index) of this school's entry for ``purpose`` in a stored credential."""
    for entry in entries_of(document):
        if entry.get("type") != "BitstringStatusListEntry" or entry.get("statusPurpose") != purpose:
            continue
        match = _LIST_PATH.search(str(entry.get("statusListCredential", "")))
        if match and match.group(1) == slug and match.group(2) == purpose:
            try:
                return int(match.group(3)), int(entry.get("statusListIndex"))
            except (TypeError, ValueError):
                continue
    return None


async def _set_bit(credential: dict, school: dict, purpose: str, value: bool) -> None:
    located = _locate(json.loads(credential["document"]), school["slug"], purpose)
    if located is None:
        raise Conflict(f"the credential has no {purpose} status entry of this issuer",
                       credentialId=credential["credential_id"])
    list_no, index = located
    lst = await repo.status_list(school_id=school["id"], purpose=purpose, list_no=list_no, lock=True)
    if lst is None:
        raise Conflict(f"status list {purpose}/{list_no} of {school['slug']} does not exist")
    bits = BitstringStatusList.decode(lst["encoded_list"])
    bits.set(index, value)
    encoded = bits.encode()
    document = await _sign_list(school, purpose=purpose, list_no=list_no, encoded=encoded)
    await repo.update_status_list(lst["id"], encoded_list=encoded, document=document,
                                  at=runtime.current().clock.now())


async def _change(credential_row_id: int, *, purpose: str, value: bool, reason: str,
                  actor_id: int | None, school_id: int | None, action: str) -> dict:
    rt = runtime.current()
    if purpose == "revocation" or value:
        reason = (reason or "").strip()
        if not reason:
            raise BadRequest("a reason is required")
    async with write_transaction():
        await repo.lock_issued_credential(credential_row_id)
        credential = await repo.issued_credential(row_id=credential_row_id, school_id=school_id)
        if credential is None:
            raise NotFound(f"no credential {credential_row_id}")
        if credential["revoked_at"] is not None:
            raise Conflict("the credential is revoked (revocation is permanent)")
        if purpose == "suspension" and credential["suspended"] == value:
            raise Conflict("the credential is already " + ("suspended" if value else "not suspended"))
        school = await repo.school_by_id(credential["school"])
        await _set_bit(credential, school, purpose, value)
        now = rt.clock.now()
        if purpose == "revocation":
            await repo.mark_revoked(credential_row_id, reason=reason, actor_id=actor_id, at=now)
        else:
            await repo.mark_suspended(credential_row_id, suspended=value, reason=reason if value else "")
        await repo.audit(action=action, at=now, actor_id=actor_id, district_id=school["district"],
                         school_id=school["id"], subject=credential["credential_id"],
                         details={"reason": reason})
        return await repo.issued_credential(row_id=credential_row_id)


async def revoke(credential_row_id: int, *, reason: str, actor_id: int | None,
                 school_id: int | None = None) -> dict:
    """Permanently revoke: flip the revocation bit, re-sign the list, record reason and actor.
    ``school_id`` scopes the lookup (a school admin may only touch their school's badges)."""
    return await _change(credential_row_id, purpose="revocation", value=True, reason=reason,
                         actor_id=actor_id, school_id=school_id, action="credential.revoke")


async def suspend(credential_row_id: int, *, reason: str, actor_id: int | None,
                  school_id: int | None = None) -> dict:
    return await _change(credential_row_id, purpose="suspension", value=True, reason=reason,
                         actor_id=actor_id, school_id=school_id, action="credential.suspend")


async def reinstate(credential_row_id: int, *, reason: str = "", actor_id: int | None,
                    school_id: int | None = None) -> dict:
    """Lift a suspension (clears the suspension bit; revocation cannot be undone)."""
    return await _change(credential_row_id, purpose="suspension", value=False, reason=reason,
                         actor_id=actor_id, school_id=school_id, action="credential.reinstate")


async def list_document(slug: str, purpose: str, list_no: int) -> str:
    """The signed list credential as stored (served verbatim)."""
    if purpose not in PURPOSES:
        raise NotFound(f"no status purpose {purpose!r}")
    school = await repo.school_by_slug(slug)
    if school is None:
        raise NotFound(f"no issuer {slug!r}")
    lst = await repo.status_list(school_id=school["id"], purpose=purpose, list_no=list_no)
    if lst is None or not lst["document"]:
        raise NotFound(f"no status list {purpose}/{list_no} for {slug!r}")
    return lst["document"]
