"""VC-API ``POST /credentials/issue`` (VCALM IssueCredentialRequest → 201 {verifiableCredential}).

The caller is a school (bearer token). The credential must be a VC 2.0 credential; we refuse
what VCDM 2.0 forbids with 400 (structure) or 422 (JSON-LD: contexts, undefined terms):

* ``@context`` missing, or not starting with ``https://www.w3.org/ns/credentials/v2`` (§4.3);
* ``type`` without ``VerifiableCredential`` (§4.5); no ``credentialSubject`` (§4.8);
* ``issuer`` not a URL (or object with a URL ``id``) (§4.7) or not this school's id — when the
  issuer is absent, or an object without ``id``, the school's Profile/id is filled in;
* ``id`` not a URL; ``validFrom``/``validUntil`` not dateTimeStamps or in the wrong order (§4.9);
* ``credentialSchema``, ``credentialStatus``, ``refreshService``, ``termsOfUse``, ``evidence``
  entries without ``type`` (and credentialSchema without a URL ``id``) (§4.10–4.12, §5.6);
* ``relatedResource`` entries that are not objects with a URL ``id`` and a ``digestSRI`` or
  ``digestMultibase`` (§5.3);
* properties the contexts do not define, including terms that only the v2 ``@vocab`` would
  catch (``issuer-dependent#``): they would be signed under an IRI nobody defined.

Status: as in VC-API, a ``credentialStatus`` is added only when the options ask for it
(``options.credentialStatus = {"type": "BitstringStatusListEntry", "statusPurpose":
"revocation" | "suspension" | [...]}``). A credential without ``id`` gets ``urn:uuid:<uuid4>``
(or ``options.credentialId``) so that it can be stored and served. The signed document is stored
byte for byte in IssuedCredential and returned exactly as stored.
"""
from __future__ import annotations

import copy
import re
import uuid as uuidlib
from datetime import datetime
from typing import Any

from badges.jsonld import OB_V3P0, VC_V2, check_terms, expand
from badges.errors import UndefinedTerm
from badges.signing import sign

from issuer import runtime
from issuer.db import repo_platform as repo
from issuer.db.repo import write_transaction
from issuer.services import audit_trail, identity, status
from issuer.services.platform_errors import BadRequest, Conflict, Unprocessable

ISSUER_DEPENDENT = "https://www.w3.org/ns/credentials/issuer-dependent#"
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
_DATETIME_STAMP = re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def is_url(value: Any) -> bool:
    return isinstance(value, str) and bool(_URL.match(value))


def _items(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _require_typed(credential: dict, prop: str, *, needs_id: bool = False) -> None:
    if prop not in credential:
        return
    for i, item in enumerate(_items(credential[prop])):
        where = f"{prop}[{i}]" if isinstance(credential[prop], list) else prop
        if not isinstance(item, dict):
            raise BadRequest(f"{where} must be an object", pointer=where)
        if not item.get("type"):
            raise BadRequest(f"{where} has no type (VC 2.0 requires one)", pointer=where)
        if needs_id and not is_url(item.get("id")):
            raise BadRequest(f"{where}.id must be a URL", pointer=where)
        if "id" in item and not is_url(item["id"]):
            raise BadRequest(f"{where}.id must be a URL", pointer=where)


def _parse_datetime(value: Any, name: str) -> datetime:
    if not isinstance(value, str) or not _DATETIME_STAMP.match(value):
        raise BadRequest(f"{name} must be an XML Schema dateTimeStamp (with a time zone)", pointer=name)
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"{name} is not a valid date-time", pointer=name) from None


def check_structure(credential: Any) -> None:
    """The VCDM 2.0 structural rules (400 problem details on the first violation)."""
    if not isinstance(credential, dict):
        raise BadRequest("credential must be a JSON object")
    context = credential.get("@context")
    contexts = context if isinstance(context, list) else [context] if context is not None else []
    if not contexts:
        raise Unprocessable("@context is missing", pointer="@context")
    if contexts[0] != VC_V2:
        raise Unprocessable(f"the first @context must be {VC_V2} (VC 2.0)", pointer="@context")
    types = _items(credential.get("type"))
    if "VerifiableCredential" not in types:
        raise BadRequest("type must include VerifiableCredential", pointer="type")
    if not credential.get("credentialSubject"):
        raise BadRequest("credentialSubject is required", pointer="credentialSubject")
    for subject in _items(credential["credentialSubject"]):
        if not isinstance(subject, dict):
            raise BadRequest("credentialSubject must be an object", pointer="credentialSubject")
        if "id" in subject and not is_url(subject["id"]):
            raise BadRequest("credentialSubject.id must be a URL", pointer="credentialSubject.id")
    if "id" in credential and not is_url(credential["id"]):
        raise BadRequest("id must be a URL", pointer="id")
    issuer = credential.get("issuer")
    if issuer is not None:
        issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
        if isinstance(issuer, dict) and "id" not in issuer:
            pass  # filled in with the school's id
        elif not is_url(issuer_id):
            raise BadRequest("issuer must be a URL or an object whose id is a URL", pointer="issuer")
    valid_from = _parse_datetime(credential["validFrom"], "validFrom") if "validFrom" in credential else None
    valid_until = _parse_datetime(credential["validUntil"], "validUntil") if "validUntil" in credential else None
    if valid_from and valid_until and valid_from > valid_until:
        raise BadRequest("validFrom is after validUntil", pointer="validUntil")
    for legacy in ("issuanceDate", "expirationDate"):
        if legacy in credential:
            raise BadRequest(f"{legacy} is VC 1.1; use validFrom/validUntil", pointer=legacy)
    _require_typed(credential, "credentialSchema", needs_id=True)
    _require_typed(credential, "credentialStatus")
    _require_typed(credential, "refreshService")
    _require_typed(credential, "termsOfUse")
    _require_typed(credential, "evidence")
    if "relatedResource" in credential:
        for i, item in enumerate(_items(credential["relatedResource"])):
            where = f"relatedResource[{i}]"
            if not isinstance(item, dict) or not is_url(item.get("id")):
                raise BadRequest(f"{where} needs an id that is a URL", pointer=where)
            if not (isinstance(item.get("digestSRI"), str) or isinstance(item.get("digestMultibase"), str)):
                raise BadRequest(f"{where} needs digestSRI or digestMultibase", pointer=where)


def _issuer_dependent_terms(node: Any, path: str, found: list[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _issuer_dependent_terms(item, path, found)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key.startswith(ISSUER_DEPENDENT):
                found.append(key.removeprefix(ISSUER_DEPENDENT))
            _issuer_dependent_terms(value, path, found)


def check_terms_strict(credential: dict) -> None:
    check_terms(credential)
    found: list[str] = []
    _issuer_dependent_terms(expand(credential), "", found)
    if found:
        raise UndefinedTerm(sorted(set(found)))


def _purposes(option: Any) -> list[str]:
    if option is None:
        return []
    if option.get("type", "BitstringStatusListEntry") != "BitstringStatusListEntry":
        raise BadRequest("options.credentialStatus.type must be BitstringStatusListEntry")
    purposes = _items(option.get("statusPurpose", "revocation"))
    for p in purposes:
        if p not in status.PURPOSES:
            raise BadRequest(f"unsupported statusPurpose {p!r}; use {list(status.PURPOSES)}")
    return list(dict.fromkeys(purposes))


async def issue(*, school_id: int, credential: dict, options: dict | None, actor: Any = None) -> tuple[str, dict]:
    """Sign and store; returns (the stored JSON text, its IssuedCredential row). ``actor``: the
    principal asking, for the audit log."""
    options = options or {}
    check_structure(credential)
    doc = copy.deepcopy(credential)
    profile = await identity.issuer_profile(school_id)
    issuer = doc.get("issuer")
    if issuer is None:
        # The full Profile needs the OB context's terms; a plain VC 2.0 gets the bare id.
        doc["issuer"] = profile if OB_V3P0 in _items(doc["@context"]) else profile["id"]
    elif isinstance(issuer, dict) and "id" not in issuer:
        doc["issuer"] = {"id": profile["id"], **issuer}
    issuer_id = doc["issuer"]["id"] if isinstance(doc["issuer"], dict) else doc["issuer"]
    if issuer_id != profile["id"]:
        raise BadRequest(f"issuer {issuer_id!r} is not this school's issuer id {profile['id']!r}",
                         pointer="issuer")
    if options.get("credentialId") is not None:
        if "id" in doc and doc["id"] != options["credentialId"]:
            raise BadRequest("options.credentialId differs from the credential's id")
        if not is_url(options["credentialId"]):
            raise BadRequest("options.credentialId must be a URL")
        doc["id"] = options["credentialId"]
    doc.setdefault("id", f"urn:uuid:{uuidlib.uuid4()}")
    purposes = _purposes(options.get("credentialStatus"))
    if purposes and "credentialStatus" in doc:
        raise BadRequest("the credential already has a credentialStatus; do not also ask for one")
    check_terms_strict(doc)
    rt = runtime.current()
    async with write_transaction():
        if await repo.issued_credential(credential_id=doc["id"]) is not None:
            raise Conflict(f"a credential with id {doc['id']!r} was already issued")
        allocations = [await status.allocate_entry(school_id, purpose=p) for p in purposes]
        if allocations:
            entries = [a[0] for a in allocations]
            doc["credentialStatus"] = entries[0] if len(entries) == 1 else entries
        signed = sign(doc, signer=await identity.signer_for(school_id), created=rt.clock.now())
        text = status.dumps(signed)
        first = allocations[0] if allocations else (None, None, None)
        row = await repo.insert_issued_credential(
            school_id=school_id, credential_id=doc["id"], document=text, issued_at=rt.clock.now(),
            status_list_id=first[1], status_index=first[2], status_purpose=purposes[0] if purposes else "")
        await audit_trail.record(actor, action="credential.issue", school_id=school_id, subject=doc["id"],
                                 at=rt.clock.now(), source="vc-api")
    return text, row


def response_body(stored: str) -> bytes:
    """``{"verifiableCredential": <the stored bytes>}`` without re-serializing the credential."""
    return b'{"verifiableCredential":' + stored.encode("utf-8") + b"}"


