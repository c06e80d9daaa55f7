"""VC-API ``POST /credentials/issue`` (VCALM IssueCredentialRequest → 201 {verifiableCredential}).

The caller is a school (bearer token). The credential is a VC 2.0 credential, or a VC 1.1 one
(``https://www.w3.org/2018/credentials/v1`` first, ``issuanceDate``), as other VC-API issuers
accept; both are signed with ``eddsa-rdfc-2022``, a VC 1.1 credential after appending the Data
Integrity v2 context its own context lacks (DI §2.4.1 context injection). We refuse what the
data models forbid with 400 (structure) or 422 (JSON-LD: contexts, undefined terms; OB rules):

* ``@context`` missing, or not starting with the VC base context (VCDM 2.0 §4.3);
* ``type`` without ``VerifiableCredential`` (§4.5); no ``credentialSubject``, or a subject that
  is not an object or makes no claim at all (``{}``) (§4.8);
* ``issuer`` null, not a URL (or object with a URL ``id``) (§4.7) or not this school's id —
  when the issuer is absent, or an object without ``id``, the school's Profile/id is filled in;
* ``id`` not a URL; ``validFrom``/``validUntil`` not dateTimeStamps or in the wrong order (§4.9);
  in VC 1.1, ``issuanceDate`` (required) / ``expirationDate`` instead, and never mixed;
* ``credentialSchema``, ``credentialStatus``, ``refreshService``, ``termsOfUse``, ``evidence``
  entries without ``type`` (and credentialSchema without a URL ``id``) (§4.10–4.12, §5.6);
* ``relatedResource`` entries that are not objects with a URL ``id`` and a ``digestSRI`` or
  ``digestMultibase``, or that repeat an ``id`` (§5.3);
* properties the contexts do not define, including terms that only the v2 ``@vocab`` would
  catch (``issuer-dependent#``): they would be signed under an IRI nobody defined;
* an Open Badge / CLR credential that breaks the 1EdTech JSON Schema or the OB MUSTs the
  verifier checks (a subject with neither ``id`` nor ``identifier``, …): we would sign a badge
  our own verifier rejects.

VC-JWT: ``options.format = "vc+jwt"`` answers with the credential secured as a VC-JWT as well
(``issuer.credentials.vc_jwt``: the Data Integrity–signed credential is the JWT's payload), in
an ``EnvelopedVerifiableCredential``; what is stored is the same either way.

Idempotent: posting a credential whose ``id`` this school already issued with the same content
(and with a status entry exactly when one was asked for) returns the credential already signed,
byte for byte (200), so a client retrying after a timeout gets its credential; the same ``id``
with other content is a 409 that names what differs.

Status: as in VC-API, a ``credentialStatus`` is added only when the options ask for it
(``options.credentialStatus = {"type": "BitstringStatusListEntry", "statusPurpose":
"revocation" | "suspension" | "message" | [...]}``). Whatever purposes are asked for, the
credential gets our single two-bit ``message`` entry (``issuer.credentials.status``), which covers
revoke, suspend and reinstate and keeps ``credentialStatus`` one object, as OB 3.0 requires;
entries are added only to VC 2.0 credentials. A credential without ``id`` gets
``urn:uuid:<uuid4>`` (or ``options.credentialId``) so that it can be stored and served. The signed document is stored
byte for byte in IssuedCredential and returned exactly as stored.
"""
from __future__ import annotations

import copy
import json
import re
import sqlite3
import uuid as uuidlib
from datetime import UTC, datetime
from typing import Any

import asyncpg.exceptions

from badges.errors import UndefinedTerm
from badges.jsonld import OB_V3P0, VC_V1, VC_V2, check_terms, expand
from badges.signing import sign
from badges.verification_checks import check_schema, check_subject, credential_kind
from issuer.access import Principal
from issuer.accounts import audit as audit_trail
from issuer.context import IssuerContext
from issuer.credentials import repo as credentials_repo
from issuer.credentials import status, vc_jwt
from issuer.credentials.rows import IssuedCredentialRow
from issuer.db.engine import write_transaction
from issuer.errors import BadRequest, Conflict, Unprocessable
from issuer.schools import identity

RETRIES = 3
_UNIQUE: tuple[type[BaseException], ...] = (sqlite3.IntegrityError, asyncpg.exceptions.UniqueViolationError)

ISSUER_DEPENDENT = "https://www.w3.org/ns/credentials/issuer-dependent#"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
_DATETIME_STAMP = re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
# VC 1.1 dates are xsd:dateTime, whose time zone is optional (read as UTC).
_DATETIME = re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")


def is_url(value: Any) -> bool:
    return isinstance(value, str) and bool(_URL.match(value))


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _require_typed(credential: dict[str, Any], prop: str, *, needs_id: bool = False) -> None:
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


def _parse_datetime(value: Any, name: str, *, zone_required: bool = True) -> datetime:
    if zone_required and not (isinstance(value, str) and _DATETIME_STAMP.match(value)):
        raise BadRequest(f"{name} must be an XML Schema dateTimeStamp (with a time zone)", pointer=name)
    if not (isinstance(value, str) and _DATETIME.match(value)):
        raise BadRequest(f"{name} must be an XML Schema dateTime", pointer=name)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"{name} is not a valid date-time", pointer=name) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _check_dates(credential: dict[str, Any], *, v1: bool) -> None:
    """VC 2.0 validFrom/validUntil (§4.9), or VC 1.1 issuanceDate (required)/expirationDate; never mixed."""
    start, end = ("issuanceDate", "expirationDate") if v1 else ("validFrom", "validUntil")
    for other in (("validFrom", "validUntil") if v1 else ("issuanceDate", "expirationDate")):
        if other in credential:
            version = "VC 2.0; a VC 1.1 credential uses issuanceDate/expirationDate" if v1 \
                else "VC 1.1; use validFrom/validUntil"
            raise BadRequest(f"{other} is {version}", pointer=other)
    if v1 and start not in credential:
        raise BadRequest("issuanceDate is required in a VC 1.1 credential", pointer=start)
    begins = _parse_datetime(credential[start], start, zone_required=not v1) if start in credential else None
    ends = _parse_datetime(credential[end], end, zone_required=not v1) if end in credential else None
    if begins and ends and begins > ends:
        raise BadRequest(f"{start} is after {end}", pointer=end)


def check_structure(credential: Any) -> None:
    """The VCDM 2.0 (or 1.1) structural rules (400 problem details on the first violation)."""
    if not isinstance(credential, dict):
        raise BadRequest("credential must be a JSON object")
    context = credential.get("@context")
    contexts = context if isinstance(context, list) else [context] if context is not None else []
    if not contexts:
        raise Unprocessable("@context is missing", pointer="@context")
    if contexts[0] not in (VC_V2, VC_V1):
        raise Unprocessable(f"the first @context must be {VC_V2} (VC 2.0) or {VC_V1} (VC 1.1)", pointer="@context")
    types = _items(credential.get("type"))
    if "VerifiableCredential" not in types:
        raise BadRequest("type must include VerifiableCredential", pointer="type")
    if not credential.get("credentialSubject"):
        raise BadRequest("credentialSubject is required", pointer="credentialSubject")
    subjects = credential["credentialSubject"]
    for i, subject in enumerate(_items(subjects)):
        where = f"credentialSubject[{i}]" if isinstance(subjects, list) else "credentialSubject"
        if not isinstance(subject, dict):
            raise BadRequest(f"{where} must be an object", pointer=where)
        if not subject:  # §4.8: each subject object is the subject of one or more claims
            raise BadRequest(f"{where} is empty: each subject must make at least one claim", pointer=where)
        if "id" in subject and not is_url(subject["id"]):
            raise BadRequest(f"{where}.id must be a URL", pointer=f"{where}.id")
    if "id" in credential and not is_url(credential["id"]):
        raise BadRequest("id must be a URL", pointer="id")
    if "issuer" in credential:
        issuer = credential["issuer"]
        issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
        if isinstance(issuer, dict) and "id" not in issuer:
            pass  # filled in with the school's id
        elif not is_url(issuer_id):
            raise BadRequest("issuer must be a URL or an object whose id is a URL", pointer="issuer")
    _check_dates(credential, v1=contexts[0] == VC_V1)
    _require_typed(credential, "credentialSchema", needs_id=True)
    _require_typed(credential, "credentialStatus")
    _require_typed(credential, "refreshService")
    _require_typed(credential, "termsOfUse")
    _require_typed(credential, "evidence")
    if "relatedResource" in credential:
        seen: set[str] = set()
        for i, item in enumerate(_items(credential["relatedResource"])):
            where = f"relatedResource[{i}]"
            if not isinstance(item, dict) or not is_url(item.get("id")):
                raise BadRequest(f"{where} needs an id that is a URL", pointer=where)
            if not (isinstance(item.get("digestSRI"), str) or isinstance(item.get("digestMultibase"), str)):
                raise BadRequest(f"{where} needs digestSRI or digestMultibase", pointer=where)
            if item["id"] in seen:  # §5.3: the id is unique among the related resources
                raise BadRequest(f"{where} repeats the id {item['id']!r}", pointer=where)
            seen.add(item["id"])


def check_open_badge(doc: dict[str, Any]) -> None:
    """An OB 3.0 / CLR 2.0 credential must pass the checks our verifier runs on it (422)."""
    if credential_kind(doc) is None:
        return
    for check in (check_schema, check_subject):
        result = check(doc)
        if result.outcome == "fail":
            problems = result.details.get("problems")
            raise Unprocessable(f"this would not be a valid Open Badge: {result.message}",
                                pointer=check.__name__.removeprefix("check_"),
                                **({"problems": problems} if problems else {}))


def _issuer_dependent_terms(node: Any, path: str, found: list[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _issuer_dependent_terms(item, path, found)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key.startswith(ISSUER_DEPENDENT):
                found.append(key.removeprefix(ISSUER_DEPENDENT))
            _issuer_dependent_terms(value, path, found)


def check_terms_strict(credential: dict[str, Any]) -> None:
    check_terms(credential)
    found: list[str] = []
    _issuer_dependent_terms(expand(credential), "", found)
    if found:
        raise UndefinedTerm(sorted(set(found)))


def _purposes(option: Any) -> list[str]:
    """Validates ``options.credentialStatus``; the purposes asked for (empty: no status entry)."""
    if option is None:
        return []
    if option.get("type", "BitstringStatusListEntry") != "BitstringStatusListEntry":
        raise BadRequest("options.credentialStatus.type must be BitstringStatusListEntry")
    purposes = _items(option.get("statusPurpose", "revocation"))
    for p in purposes:
        if p not in status.PURPOSES:
            raise BadRequest(f"unsupported statusPurpose {p!r}; use {list(status.PURPOSES)}")
    return list(dict.fromkeys(purposes))


async def issue(ctx: IssuerContext, *, school_id: int, credential: dict[str, Any], options: dict[str, Any] | None,
                actor: Principal | None = None) -> tuple[str, IssuedCredentialRow]:
    """Sign and store; returns (the stored JSON text, its IssuedCredential row). ``actor``: the
    principal asking, for the audit log."""
    text, row, _ = await issue_or_replay(ctx, school_id=school_id, credential=credential, options=options,
                                         actor=actor)
    return text, row


async def issue_or_replay(ctx: IssuerContext, *, school_id: int, credential: dict[str, Any],
                          options: dict[str, Any] | None,
                          actor: Principal | None = None) -> tuple[str, IssuedCredentialRow, bool]:
    """``issue``, also saying whether the credential is new: a repeat of one this school already
    issued with the same content returns the stored one (``False``)."""
    options = options or {}
    check_structure(credential)
    doc = copy.deepcopy(credential)
    v1 = _items(doc["@context"])[0] == VC_V1
    if v1 and DATA_INTEGRITY_V2 not in _items(doc["@context"]):
        # The VC 1.1 context does not define DataIntegrityProof or cryptosuite (DI §2.4.1).
        doc["@context"] = [*_items(doc["@context"]), DATA_INTEGRITY_V2]
    profile = await identity.issuer_profile(ctx, school_id)
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
    if purposes and v1:
        raise BadRequest("status list entries are only added to VC 2.0 credentials", pointer="options.credentialStatus")
    check_terms_strict(doc)
    check_open_badge(doc)
    for _attempt in range(RETRIES):
        try:
            return await _store(ctx, school_id=school_id, doc=doc, purposes=purposes, actor=actor)
        except _UNIQUE:
            # Two requests with the same id raced past the lookup: the loser looks again and
            # finds the winner's credential (a replay, or a 409 when the content differs).
            continue
    raise Conflict(f"the credential {doc['id']!r} could not be stored after repeated conflicts; try again")


async def _store(ctx: IssuerContext, *, school_id: int, doc: dict[str, Any], purposes: list[str],
                 actor: Principal | None) -> tuple[str, IssuedCredentialRow, bool]:
    async with write_transaction():
        existing = await credentials_repo.issued_credential(credential_id=doc["id"])
        if existing is not None:
            _same_as_issued(existing, school_id=school_id, doc=doc, purposes=purposes)
            return existing.document, existing, False
        doc = dict(doc)  # a retry starts again from the unsigned document, without status
        # One two-bit ``message`` entry covers whatever purposes were asked for (see the docstring).
        entry, list_id, index = (await status.allocate_entry(ctx, school_id) if purposes else (None, None, None))
        if entry is not None:
            doc["credentialStatus"] = entry
        signed = sign(doc, signer=await identity.signer_for(ctx, school_id), created=ctx.clock.now())
        text = status.dumps(signed)
        row = await credentials_repo.insert_issued_credential(
            school_id=school_id, credential_id=doc["id"], document=text, issued_at=ctx.clock.now(),
            status_list_id=list_id, status_index=index, status_purpose=entry["statusPurpose"] if entry else "")
        await audit_trail.record(actor, action="credential.issue", school_id=school_id, subject=doc["id"],
                                 at=ctx.clock.now(), source="vc-api")
    return text, row, True


def _same_as_issued(existing: IssuedCredentialRow, *, school_id: int, doc: dict[str, Any],
                    purposes: list[str]) -> None:
    """A retry is the same request: the same content (what we filled in included) and status
    purposes. Anything else under that id is a 409 that names the difference."""
    taken = f"a credential with id {doc['id']!r} was already issued"
    if existing.school != school_id:
        raise Conflict(f"{taken} by another issuer")
    stored = json.loads(existing.document)
    stored.pop("proof", None)
    stored_status = stored.get("credentialStatus") is not None if purposes else False
    if purposes:
        stored.pop("credentialStatus", None)
    differ = sorted(k for k in stored.keys() | doc.keys() if stored.get(k, _MISSING) != doc.get(k, _MISSING))
    if differ:
        raise Conflict(f"{taken} with different content (it differs in {', '.join(differ)}); "
                       "use a new id for a new credential", differs=differ)
    if stored_status != bool(purposes):
        raise Conflict(f"{taken} {'with' if stored_status else 'without'} a status entry; this request "
                       f"asks {'for one' if purposes else 'for none'}", differs=["credentialStatus"])


_MISSING = object()


async def issue_response(ctx: IssuerContext, *, school_id: int, credential: dict[str, Any],
                         options: dict[str, Any] | None, actor: Principal | None = None) -> tuple[bytes, bool]:
    """The VC-API answer to an issue request, and whether the credential is new. With
    ``options.format = "vc+jwt"`` it is the stored credential as a VC-JWT, enveloped."""
    as_jwt = (options or {}).get("format") == "vc+jwt"
    if as_jwt:
        check_structure(credential)
        if _items(credential["@context"])[0] == VC_V1:  # refused before anything is signed or stored
            raise BadRequest("options.format vc+jwt is offered for VC 2.0 credentials only", pointer="options.format")
    text, row, created = await issue_or_replay(ctx, school_id=school_id, credential=credential, options=options,
                                               actor=actor)
    if as_jwt:
        return b'{"verifiableCredential":' + vc_jwt.enveloped(await vc_jwt.jwt_of(ctx, row)) + b"}", created
    return response_body(text), created


def response_body(stored: str) -> bytes:
    """``{"verifiableCredential": <the stored bytes>}`` without re-serializing the credential."""
    return b'{"verifiableCredential":' + stored.encode("utf-8") + b"}"


