"""The document checks of verification (OB §9.1 step 1, VCDM §4, DI §2.4.1), one function each.

Each takes the parsed credential and returns a ``CheckResult``; a ``BadgeError`` raised in here
is turned into a failed check by the pipeline in ``badges.verification``.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from badges import rubric_reader, schema
from badges.errors import ContextNotAllowed, RelativeIri, RubricError, UndefinedTerm
from badges.json_types import JsonObject
from badges.jsonld import CLR_V2P0, OB_V3P0, VC_V1, VC_V2, DocumentLoader, check_terms_unsecured
from badges.trust import TrustRegistry
from badges.verification_report import CheckId, CheckResult

__all__ = [
    "as_list", "noun", "check_context", "check_rubric", "check_schema", "check_subject", "check_terms_defined",
    "check_trust", "check_validity", "credential_kind", "display_date", "issuer_id", "issuer_name",
    "is_legacy", "parse_datetime", "summary",
]

MAX_CLOCK_SKEW = timedelta(minutes=5)
_OB_CONTEXT = re.compile(r"^https://purl\.imsglobal\.org/spec/ob/v3p0/context(-3\.\d+\.\d+)?\.json$")
_CLR_CONTEXT = re.compile(r"^https://purl\.imsglobal\.org/spec/clr/v2p0/context(-2\.\d+\.\d+)?\.json$")
_ABSOLUTE_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$")
_SCHEMA_VALIDATOR = "1EdTechJsonSchemaValidator2019"
# credentialSchema ids we hold pinned copies of (the /json-ld/ URLs name the same documents).
_SCHEMA_FILES = {
    "ob_v3p0_achievementcredential_schema.json": "achievement",
    "clr_v2p0_achievementcredential_schema.json": "achievement",
    "ob_v3p0_endorsementcredential_schema.json": "endorsement",
    "clr_v2p0_endorsementcredential_schema.json": "endorsement",
    "clr_v2p0_clrcredential_schema.json": "clr",
}
_SCHEMA_PREFIXES = ("https://purl.imsglobal.org/spec/ob/v3p0/schema/",
                    "https://purl.imsglobal.org/spec/clr/v2p0/schema/")
_KIND_NAMES = {"achievement": "Open Badges 3.0 badge", "endorsement": "Open Badges 3.0 endorsement",
               "clr": "CLR 2.0 learner record"}


# ---- helpers -------------------------------------------------------------------------------

def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def noun(credential: Mapping[str, Any]) -> str:
    """What to call the credential in a message."""
    return {"clr": "record", "endorsement": "endorsement", "achievement": "badge"}.get(
        credential_kind(credential) or "", "credential")


def credential_kind(credential: Mapping[str, Any]) -> str | None:
    types = as_list(credential.get("type"))
    if "ClrCredential" in types:
        return "clr"
    if "EndorsementCredential" in types:
        return "endorsement"
    if "AchievementCredential" in types or "OpenBadgeCredential" in types:
        return "achievement"
    return None


def is_legacy(credential: Mapping[str, Any]) -> bool:
    contexts = as_list(credential.get("@context"))
    return bool(contexts) and contexts[0] == VC_V1


def issuer_id(credential: Mapping[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) and issuer else None


def _text(value: Any) -> str | None:
    """A display string from a plain string or a JSON-LD language map."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return next((v for v in value.values() if isinstance(v, str)), None)
    return None


def issuer_name(credential: Mapping[str, Any], trust: TrustRegistry | None = None) -> str:
    """The name a person should see: the trust list's name first (the credential's own is self-asserted)."""
    known = trust.lookup(issuer_id(credential)) if trust is not None else None
    if known is not None:
        return known.name
    issuer = credential.get("issuer")
    name = _text(issuer.get("name")) if isinstance(issuer, Mapping) else None
    return name or issuer_id(credential) or "the issuer"


def _subject(credential: Mapping[str, Any]) -> Any:
    subjects = as_list(credential.get("credentialSubject"))
    return subjects[0] if len(subjects) == 1 else None


def summary(credential: Mapping[str, Any]) -> dict[str, Any]:
    """What a report shows about the credential itself (never trusted for the verdict)."""
    subject = _subject(credential)
    achievement = subject.get("achievement") if isinstance(subject, Mapping) else None
    legacy = is_legacy(credential)
    out = {
        "id": credential.get("id") if isinstance(credential.get("id"), str) else None,
        "type": [t for t in as_list(credential.get("type")) if isinstance(t, str)],
        "name": _text(credential.get("name")),
        "issuerId": issuer_id(credential),
        "issuerName": issuer_name(credential),
        "achievementId": achievement.get("id") if isinstance(achievement, Mapping) else None,
        "achievementName": _text(achievement.get("name")) if isinstance(achievement, Mapping) else None,
        "subjectId": subject.get("id") if isinstance(subject, Mapping) else None,
        "validFrom": credential.get("issuanceDate" if legacy else "validFrom"),
        "validUntil": credential.get("expirationDate" if legacy else "validUntil"),
    }
    return {k: v for k, v in out.items() if v not in (None, [])}


def parse_datetime(value: Any) -> datetime:
    """xsd:dateTimeStamp (VCDM §4.9): an ISO 8601 date-time that carries its offset."""
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a date")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a valid date and time") from None
    if "T" not in value.upper() or parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone")
    return parsed


def display_date(value: datetime) -> str:
    utc = value.astimezone(UTC)
    return f"{utc.day} {utc:%B %Y}, {utc:%H:%M} UTC"


# ---- checks --------------------------------------------------------------------------------

def check_context(credential: JsonObject, *, loader: DocumentLoader) -> CheckResult:
    """VCDM §4.3 (base context first), DI §2.4.1 (only known contexts), OB App. A (OB context)."""
    cid = CheckId.CONTEXT
    contexts = as_list(credential.get("@context"))
    if not contexts:
        return CheckResult.failed(cid, "This file has no @context, so what its fields mean cannot be established.",
                                  "context-missing")
    if contexts[0] not in (VC_V2, VC_V1):
        return CheckResult.failed(
            cid, "This is not a W3C verifiable credential: its first @context is "
                 f"{contexts[0]!r} instead of {VC_V2}.", "context-order", first=contexts[0])
    unknown, inline = [], 0
    for url in contexts:
        if not isinstance(url, str):
            inline += 1
            continue
        try:
            loader(url, {})
        except ContextNotAllowed:
            unknown.append(url)
    if unknown:
        return CheckResult.failed(
            cid, "This badge uses a vocabulary this verifier does not recognise, so its meaning cannot be "
                 f"checked: {', '.join(unknown)}.", "context-not-allowed", unknown=unknown)
    types = as_list(credential.get("type"))
    if "VerifiableCredential" not in types:
        return CheckResult.failed(cid, "This is not a verifiable credential (its type does not include "
                                       "VerifiableCredential).", "type-missing", type=types)
    kind = credential_kind(credential)
    has_ob = any(isinstance(c, str) and _OB_CONTEXT.match(c) for c in contexts)
    has_clr = any(isinstance(c, str) and _CLR_CONTEXT.match(c) for c in contexts)
    if kind == "clr" and not has_clr:
        return CheckResult.failed(cid, f"This learner record does not use the CLR 2.0 vocabulary ({CLR_V2P0}).",
                                  "context-missing", required=CLR_V2P0)
    if kind is not None and not has_ob:
        return CheckResult.failed(cid, f"This badge does not use the Open Badges 3.0 vocabulary ({OB_V3P0}).",
                                  "context-missing", required=OB_V3P0)
    if inline:
        # VCDM 2.0 §4.3 allows context objects after the base context. They are expanded offline
        # like the rest (and cannot redefine the protected VC / OB terms), but what they define
        # is the issuer's own word, not a published vocabulary: said, not failed.
        return CheckResult.warning(
            cid, "This credential defines part of its vocabulary inline rather than in a published one; those "
                 "terms mean what the credential itself says.", "context-inline", inline=inline,
            contexts=[c for c in contexts if isinstance(c, str)])
    if is_legacy(credential):
        return CheckResult.passed(cid, "Uses the older Verifiable Credentials 1.1 format, which is still accepted.",
                                  contexts=contexts, legacy=True)
    vocabulary = {"clr": "CLR 2.0 and Open Badges 3.0", None: "Verifiable Credentials"}.get(kind, "Open Badges 3.0")
    return CheckResult.passed(cid, f"Uses the standard {vocabulary} vocabulary.", contexts=contexts)


def check_terms_defined(credential: JsonObject, *, loader: DocumentLoader,
                        unsecured: Callable[[str], None] | None = None) -> CheckResult:
    """Every property must be defined by the contexts, or it is not covered by the signature.

    ``unsecured`` is handed the canonical N-Quads of the credential without its proof when the
    same expansion produced them, so the proof check need not expand the credential again."""
    cid = CheckId.TERMS
    try:
        nquads = check_terms_unsecured(credential, loader=loader)
        if nquads is not None and unsecured is not None:
            unsecured(nquads)
    except UndefinedTerm as exc:
        return CheckResult.failed(
            cid, f"This {noun(credential)} contains information its vocabulary does not define, so the signature "
                 f"does not protect it: {', '.join(exc.terms[:10])}.", exc.problem_type, terms=exc.terms)
    except RelativeIri as exc:
        return CheckResult.failed(cid, f"This badge contains an incomplete web address ({exc.message}).",
                                  exc.problem_type, **exc.details)
    return CheckResult.passed(cid, f"Every field in the {noun(credential)} is defined by its vocabulary.")


def _as_current(credential: JsonObject) -> JsonObject:
    """A VC 1.1 credential with its base context and dates under their VC 2.0 names: the
    'any…credential' schema that accepts VC 1.1 was never published (STANDARDS §7), and the two
    generations differ only in these fields (the context check has already vetted the contexts)."""
    doc = {k: v for k, v in credential.items() if k not in ("issuanceDate", "expirationDate")}
    doc["@context"] = [VC_V2 if c == VC_V1 else c for c in as_list(credential.get("@context"))]
    if "issuanceDate" in credential:
        doc["validFrom"] = credential["issuanceDate"]
    if "expirationDate" in credential:
        doc["validUntil"] = credential["expirationDate"]
    return doc


def _schema_kind(url: Any) -> str | None:
    if not isinstance(url, str) or not url.startswith(_SCHEMA_PREFIXES):
        return None
    return _SCHEMA_FILES.get(url.rsplit("/", 1)[-1])


def check_schema(credential: JsonObject) -> CheckResult:
    """OB §9.1 step 1: the 1EdTech schema for the credential's type, plus each credentialSchema
    of type 1EdTechJsonSchemaValidator2019 that we hold a pinned copy of (never fetched)."""
    cid = CheckId.SCHEMA
    kind = credential_kind(credential)
    if kind is None:
        return CheckResult.skipped(cid, "Not an Open Badge or learner record, so no 1EdTech format applies.")
    document = _as_current(credential) if is_legacy(credential) else credential
    found: list[str] = []
    issuer = issuer_id(credential)
    if issuer is None or not _ABSOLUTE_URI.match(issuer):
        found.append(f"issuer: the issuer id {issuer!r} is not a URL or DID (VCDM §4.7)")
    checked, unchecked = [kind], []
    found.extend(schema.problems(document, kind))
    for entry in as_list(credential.get("credentialSchema")):
        if not isinstance(entry, Mapping) or entry.get("type") != _SCHEMA_VALIDATOR:
            continue
        extra = _schema_kind(entry.get("id"))
        if extra is None:
            unchecked.append(str(entry.get("id")))
        elif extra not in checked:
            checked.append(extra)
            found.extend(schema.problems(document, extra))
    if found:
        return CheckResult.failed(
            cid, f"This does not follow the {_KIND_NAMES[kind]} format: {'; '.join(found[:3])}"
                 + (f" (and {len(found) - 3} more)." if len(found) > 3 else "."), "schema-error", problems=found)
    if unchecked:
        return CheckResult.warning(
            cid, f"Follows the {_KIND_NAMES[kind]} format, but it also names a format this verifier does not "
                 f"have, which was not checked: {', '.join(unchecked)}.", "schema-unavailable", unchecked=unchecked)
    return CheckResult.passed(cid, f"Follows the {_KIND_NAMES[kind]} format.", schemas=checked)


def _recipient(subject: Mapping[str, Any]) -> str:
    subject_id = subject.get("id")
    if isinstance(subject_id, str):
        return subject_id
    identifiers = [i for i in as_list(subject.get("identifier")) if isinstance(i, Mapping)]
    kinds = sorted({str(i.get("identityType", "identifier")) for i in identifiers})
    hashed = any(i.get("hashed") is True for i in identifiers)
    return f"a recipient identified by {'a hashed ' if hashed else ''}{' / '.join(kinds)}"


def check_subject(credential: JsonObject) -> CheckResult:
    """OB §9.1 step 1: AchievementSubject / ClrSubject has id or identifier (CLR: ≥1 credential)."""
    cid = CheckId.SUBJECT
    kind = credential_kind(credential)
    subjects = as_list(credential.get("credentialSubject"))
    if not subjects:
        return CheckResult.failed(cid, "The badge does not say who it was awarded to.", "subject-missing")
    if kind is None:
        return CheckResult.skipped(cid, "Not an Open Badge or learner record; the subject was not examined.")
    if len(subjects) != 1 or not isinstance(subjects[0], Mapping):
        return CheckResult.failed(cid, "The badge must name exactly one recipient.", "subject-invalid")
    subject = subjects[0]
    types = as_list(subject.get("type"))
    expected = {"achievement": "AchievementSubject", "endorsement": "EndorsementSubject", "clr": "ClrSubject"}[kind]
    if expected not in types:
        return CheckResult.failed(cid, f"The recipient section is not marked as a {expected}.", "subject-invalid",
                                  type=types)
    if kind == "endorsement":
        if not isinstance(subject.get("id"), str):
            return CheckResult.failed(cid, "The endorsement does not say what it endorses.", "subject-invalid")
        return CheckResult.passed(cid, f"Endorses {subject['id']}.", subjectId=subject["id"])
    if not isinstance(subject.get("id"), str) and not any(isinstance(i, Mapping)
                                                          for i in as_list(subject.get("identifier"))):
        return CheckResult.failed(cid, "The badge does not say who it was awarded to (no id or identifier).",
                                  "subject-invalid")
    if kind == "clr":
        bundled = as_list(subject.get("verifiableCredential"))
        if not bundled:
            return CheckResult.failed(cid, "This learner record contains no badges.", "subject-invalid")
        return CheckResult.passed(cid, f"A record for {_recipient(subject)}, holding {len(bundled)} "
                                       f"credential{'s' if len(bundled) != 1 else ''}.")
    return CheckResult.passed(cid, f"Awarded to {_recipient(subject)}.")


def check_validity(credential: JsonObject, *, now: datetime) -> CheckResult:
    """VCDM §4.9 validFrom/validUntil (VC 1.1: issuanceDate/expirationDate); proof dates too."""
    cid = CheckId.VALIDITY
    legacy = is_legacy(credential)
    start_name, end_name = ("issuanceDate", "expirationDate") if legacy else ("validFrom", "validUntil")
    dates: dict[str, datetime] = {}
    for name in (start_name, end_name):
        if name in credential:
            try:
                dates[name] = parse_datetime(credential[name])
            except ValueError as exc:
                return CheckResult.failed(cid, f"The badge's {name} is not a valid date and time with a time zone "
                                               f"({exc}).", "invalid-date", field=name)
    start, end = dates.get(start_name), dates.get(end_name)
    for proof in as_list(credential.get("proof")):
        created = proof.get("created") if isinstance(proof, Mapping) else None
        if created is None:
            continue
        try:
            when = parse_datetime(created)
        except ValueError:
            return CheckResult.failed(cid, f"The signature's date {created!r} is not a valid date and time.",
                                      "invalid-date", field="proof.created")
        if when > now + MAX_CLOCK_SKEW:
            return CheckResult.failed(cid, f"The signature is dated {display_date(when)}, which is in the future.",
                                      "proof-in-future", created=created)
    if start and end and start > end:
        return CheckResult.failed(cid, "The badge's dates are inconsistent: it expires before it starts.",
                                  "invalid-date")
    if start and now < start:
        return CheckResult.failed(cid, f"This badge is not valid until {display_date(start)}.", "not-yet-valid",
                                  validFrom=credential[start_name])
    if end and now > end:
        return CheckResult.failed(cid, f"This badge expired on {display_date(end)}.", "expired",
                                  validUntil=credential[end_name])
    since = f"Valid since {display_date(start)}" if start else "Valid (no start date is given)"
    until = f"; expires {display_date(end)}." if end else ", with no expiry date."
    return CheckResult.passed(cid, since + until)


def check_rubric(credential: JsonObject) -> CheckResult:
    """What the badge's own rubric says about its own results (``badges.rubric_reader``).

    Information, never a failure: whether an issuer's results meet its own rubric is the
    issuer's claim, and many issuers list grades highest first where OB 3.0 says *should* be
    low → high. Authenticity, integrity, dates and status are the verdict; this warns at most.
    Most badges carry no rubric at all: that is a skip, not a warning."""
    cid = CheckId.RUBRIC
    if credential_kind(credential) != "achievement":
        return CheckResult.skipped(cid, "Only badges carry a rubric.")
    try:
        reading = rubric_reader.read_credential(credential)
    except RubricError as exc:
        return CheckResult.warning(cid, f"The badge's rubric could not be read ({exc.message}); this does not "
                                        "affect whether the badge is genuine.", "rubric-unreadable")
    criteria = [{"id": c.id, "name": c.criterion, "met": c.met, "achieved": c.achieved, "required": c.required,
                 "reason": c.reason} for c in reading.judged]
    verdict = reading.verdict
    if verdict == "none":
        return CheckResult.skipped(cid, "This badge has no rubric with required levels (most badges have none).")
    if verdict == "met":
        return CheckResult.passed(cid, "The results recorded in the badge meet every required level of its rubric.",
                                  criteria=criteria)
    unmet = "; ".join(c.reason for c in reading.unmet)
    if verdict == "not-met":
        return CheckResult.warning(
            cid, f"The results recorded do not appear to meet the rubric's required level ({unmet}); the issuer may "
                 "list grades highest first. This is the issuer's own record and does not affect whether the badge "
                 "is genuine.", "rubric-not-met", criteria=criteria)
    return CheckResult.warning(
        cid, f"Some results recorded in the badge could not be compared with its rubric ({unmet}). This is the "
             "issuer's own record and does not affect whether the badge is genuine.", "rubric-unknown",
        criteria=criteria)


def check_trust(credential: JsonObject, trust: TrustRegistry | None, *, key_confirmed: bool = True) -> CheckResult:
    """A registered issuer passes; anybody else is a warning (the signature alone says who, not what).

    A registered issuer id is only worth something when the signing key is confirmed as that
    issuer's (``key_confirmed``: the issuer_key check passed). Otherwise anybody could put the
    school's id in a badge, sign it with their own key named in the badge, and borrow its standing.
    """
    cid = CheckId.TRUST
    issuer = issuer_id(credential)
    if trust is None:
        return CheckResult.skipped(cid, "No list of known issuers is configured, so the issuer was not looked up.",
                                   issuerId=issuer)
    known = trust.lookup(issuer)
    if known is not None and not key_confirmed:
        return CheckResult.warning(
            cid, f"{known.display_name} is a registered issuer, but this {noun(credential)} could not be confirmed "
                 "as signed with a key they publish, so it may not come from them.", "key-not-confirmed",
            issuerId=known.id,
            registeredName=known.name, label=known.label)
    if known is not None:
        return CheckResult.passed(cid, f"Issued by {known.display_name}, a registered issuer.", issuerId=known.id,
                                  registeredName=known.name, label=known.label)
    return CheckResult.warning(
        cid, f"The issuer “{issuer_name(credential)}” ({issuer}) is not on this verifier's list of known issuers. "
             "Check who they are before relying on this badge.", "unknown-issuer", issuerId=issuer)
