"""Verify an Open Badges 3.0 / CLR 2.0 credential and report every check by name (OB §9, CLR).

``verify_credential`` runs the pipeline below and returns a ``VerificationReport``; it never
raises because a credential is bad (STYLE §6): every exception becomes a failed check.
``verified`` is true exactly when no check failed (warnings and skips do not count).

    parse → context → terms → schema → subject → proof → issuer_key → validity → status
          → rubric → endorsements → nested → trust

Side effects are parameters: ``loader`` serves the pinned JSON-LD contexts, ``resolver`` turns a
verification method into a key, ``fetch_document(url)`` returns a status list / revocation list
and raises (``ResolutionError``) when it cannot. A list that cannot be fetched or verified FAILS
the status check: a verifier that cannot confirm a badge was not revoked must not call it valid.

Decisions the spec leaves open:
* ``refreshService`` (OB §9.1 step 3) is not followed: refreshing is optional, and on failure the
  spec continues with the original credential, which is what we always do.
* Status lists are only fetched once the credential's own proof verified, so a forged document
  cannot make the verifier fetch URLs of its choosing.
* A 1EdTechRevocationList is a plain JSON document (VAL RevocationListProbe); a Bitstring status
  list is a credential whose proof must verify with the same resolver (BSL §3.2).
* Embedded endorsements that fail only warn: they add to a badge, the badge stands without them.
"""
from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from cachetools import LRUCache

from badges.errors import (
    BadgeError,
    InvalidSignature,
    JsonLdError,
    ProofPurposeError,
    ResolutionError,
    StatusListError,
    UnsupportedSuite,
)
from badges.json_types import JsonObject
from badges.jsonld import DocumentLoader, load_document
from badges.ob2 import is_ob2, verify_ob2
from badges.signing import KeyResolver, VerificationMethod, verify_proof
from badges.signing.jwt import verify_jwt
from badges.status import check_status
from badges.trust import TrustedIssuer, TrustRegistry
from badges.verification_checks import (
    as_list,
    check_context,
    check_rubric,
    check_schema,
    check_subject,
    check_terms_defined,
    check_trust,
    check_validity,
    credential_kind,
    issuer_id,
    issuer_name,
    noun,
    parse_datetime,
    summary,
)
from badges.verification_parse import Parsed, ParseFailure, parse_input
from badges.verification_report import CheckId, CheckResult, Outcome, VerificationReport

__all__ = [
    "CheckId",
    "CheckResult",
    "DocumentFetcher",
    "Outcome",
    "TrustRegistry",
    "TrustedIssuer",
    "VerificationReport",
    "VerifiedStatusLists",
    "verify_credential",
]

DocumentFetcher = Callable[[str], JsonObject]
STATUS_BASE = "https://www.w3.org/ns/credentials/status-list#"
_MALFORMED = STATUS_BASE + "MALFORMED_VALUE_ERROR"
MAX_NESTING = 4  # CLR → badge → endorsement → (its endorsements): deeper is not a real credential
_ORDER = tuple(CheckId)


class VerifiedStatusLists:
    """Status list credentials whose proof already verified, by the SHA-256 of their exact JSON.

    Every badge of a school names the same list, so without this each verification checks the
    list's signature again (a second RDFC canonicalization). Only a verified proof is kept, for
    ``ttl`` seconds of the caller's clock (no longer than the fetch cache it sits behind), never
    past a proof's ``expires``, and only for a clock that has not gone back. Anything that
    changes a byte of the list misses. One memo belongs to one key resolver and loader: a list
    is believed for ``ttl`` with the keys that resolver gave when it was checked. The list's
    ``validUntil`` and the entry itself are checked on every verification, as before.
    """

    def __init__(self, ttl: float = 300.0, max_entries: int = 256) -> None:
        self.ttl, self.max_entries = timedelta(seconds=ttl), max_entries
        # least recently used first out; each entry's own window is checked against the caller's clock
        self._entries: LRUCache[str, tuple[datetime, datetime]] = LRUCache(max_entries)
        self._lock = threading.Lock()

    @staticmethod
    def key(document: JsonObject) -> str | None:
        try:
            text = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        except (TypeError, ValueError, RecursionError):
            return None
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()

    def verified(self, key: str, now: datetime) -> bool:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return False
            checked, until = entry
            if not checked <= now < until:
                del self._entries[key]
                return False
            return True

    def remember(self, key: str, document: JsonObject, now: datetime) -> None:
        until = now + self.ttl
        for proof in as_list(document.get("proof")):
            expires = proof.get("expires") if isinstance(proof, dict) else None
            if expires is not None:
                try:
                    until = min(until, parse_datetime(expires))
                except ValueError:
                    return
        if until <= now:
            return
        with self._lock:
            self._entries[key] = (now, until)

    def __len__(self) -> int:
        return len(self._entries)


def verify_credential(raw: bytes | str | JsonObject, *, now: datetime, loader: DocumentLoader = load_document,
                      resolver: KeyResolver, fetch_document: DocumentFetcher, trust: TrustRegistry | None = None,
                      max_bytes: int = 2_000_000, max_depth: int = 64,
                      status_lists: VerifiedStatusLists | None = None) -> VerificationReport:
    """Run every check on ``raw`` (a JSON object, JSON text, a compact JWS, or a baked PNG/SVG).

    ``status_lists`` (optional) remembers status list credentials whose proof verified, so a
    long-lived caller (the verifier service) does not check the same list's signature again."""
    if not isinstance(now, datetime) or now.tzinfo is None:
        raise ValueError("now must be a timezone-aware datetime")  # a caller mistake, not a bad credential
    run = _Run(now=now, loader=loader, resolver=resolver, fetch_document=fetch_document, trust=trust,
               max_bytes=max_bytes, max_depth=max_depth, status_lists=status_lists)
    return run.verify(raw, level=0)


class _Run:
    def __init__(self, *, now: datetime, loader: DocumentLoader, resolver: KeyResolver,
                 fetch_document: DocumentFetcher, trust: TrustRegistry | None, max_bytes: int, max_depth: int,
                 status_lists: VerifiedStatusLists | None = None):
        self.now, self.loader, self.resolver, self.fetch_document = now, loader, resolver, fetch_document
        self.trust, self.max_bytes, self.max_depth = trust, max_bytes, max_depth
        self.status_lists = status_lists

    # ---- pipeline --------------------------------------------------------------------------

    def verify(self, raw: Any, *, level: int) -> VerificationReport:
        try:
            parsed = parse_input(raw, max_bytes=self.max_bytes, max_depth=self.max_depth)
        except Exception as exc:  # the parser is total, but a report must come out regardless
            parsed = ParseFailure(None, f"This file could not be read ({type(exc).__name__}).", "internal-error")
        if isinstance(parsed, ParseFailure):
            checks = [CheckResult.failed(CheckId.PARSE, parsed.message, parsed.problem_type)]
            checks += [CheckResult.skipped(cid, "Not checked: the file could not be read as a badge.")
                       for cid in _ORDER[1:]]
            return VerificationReport.from_checks(checks, credential={}, format=parsed.format)
        return self._verify_parsed(parsed, level)

    def _verify_parsed(self, parsed: Parsed, level: int) -> VerificationReport:
        credential = parsed.credential
        if is_ob2(credential):  # Open Badges 2.0: its own verdict, not the VC pipeline's misleading one
            return verify_ob2(credential, fetch_document=self.fetch_document, now=self.now, token=parsed.token,
                              trust=self.trust, format=parsed.format)
        results: dict[CheckId, CheckResult] = {}
        nested: tuple[VerificationReport, ...] = ()
        state = _ProofState()

        def run(cid: CheckId, check: Callable[[], CheckResult]) -> None:
            results[cid] = _guard(cid, check)

        what = "signed token (JWT)" if parsed.token else "JSON credential"
        if parsed.format.startswith(("png+", "svg+")):
            what = f"{parsed.format[:3].upper()} image with a baked {what}"
        results[CheckId.PARSE] = CheckResult.passed(CheckId.PARSE, f"Read a {what}.", format=parsed.format)
        run(CheckId.CONTEXT, lambda: check_context(credential, loader=self.loader))
        if results[CheckId.CONTEXT].outcome == "fail":
            results[CheckId.TERMS] = CheckResult.skipped(CheckId.TERMS, "Not checked: the vocabulary is not accepted.")
        else:
            run(CheckId.TERMS, lambda: check_terms_defined(credential, loader=self.loader,
                                                           unsecured=state.keep_unsecured))
        run(CheckId.SCHEMA, lambda: check_schema(credential))
        run(CheckId.SUBJECT, lambda: check_subject(credential))
        run(CheckId.PROOF, lambda: self._check_proof(parsed, state))
        run(CheckId.ISSUER_KEY, lambda: self._check_issuer_key(credential, state))
        run(CheckId.VALIDITY, lambda: check_validity(credential, now=self.now))
        if results[CheckId.PROOF].outcome == "fail":
            results[CheckId.STATUS] = CheckResult.skipped(
                CheckId.STATUS, "Not checked: the signature did not verify, so the status list it names was not "
                                "consulted.")
        else:
            run(CheckId.STATUS, lambda: self._check_status(credential))
        run(CheckId.RUBRIC, lambda: check_rubric(credential))
        run(CheckId.ENDORSEMENTS, lambda: self._check_endorsements(credential, level))
        try:
            nested_check, nested = self._check_nested(credential, level)
        except Exception as exc:
            nested_check = _error_result(CheckId.NESTED, exc)
        results[CheckId.NESTED] = nested_check
        key_confirmed = results[CheckId.ISSUER_KEY].outcome == "pass"
        run(CheckId.TRUST, lambda: check_trust(credential, self.trust, key_confirmed=key_confirmed))
        checks = [results[cid] for cid in _ORDER]
        try:
            info = summary(credential)
        except Exception:
            info = {}
        return VerificationReport.from_checks(checks, credential=info, format=parsed.format, nested=nested,
                                              document=credential)

    # ---- proof and key ---------------------------------------------------------------------

    def _check_proof(self, parsed: Parsed, state: _ProofState) -> CheckResult:
        cid = CheckId.PROOF
        credential = parsed.credential
        if parsed.token is not None:
            return self._check_jwt(parsed, parsed.token, state)
        if not as_list(credential.get("proof")):
            return CheckResult.failed(cid, f"This {noun(credential)} is not signed, so nothing shows who issued it or "
                                           "that it is unchanged.", "proof-missing")
        result = verify_proof(credential, resolver=self.resolver, now=self.now, loader=self.loader,
                              transformed=state.unsecured)
        state.method, state.error = result.verification_method, result.error
        proofs = [{"index": c.index, "type": c.proof_type, "cryptosuite": c.cryptosuite,
                   "verificationMethod": c.verification_method_id, "verified": c.verified,
                   "error": c.error.message if c.error else None, "warnings": list(c.warnings)}
                  for c in result.checks]
        if result.verified:
            good = result.primary
            assert good is not None  # verified means an issuer-bound proof verified
            state.ok = True
            suite = good.cryptosuite or good.proof_type
            every = f"all {len(proofs)} signatures verify, " if len(proofs) > 1 else ""
            return CheckResult.passed(
                cid, f"The {noun(credential)} has not been changed since it was signed ({every}signature type "
                     f"{suite}).", proofs=proofs)
        return _proof_failure(result.error, noun(credential), proofs=proofs)

    def _check_jwt(self, parsed: Parsed, token: str, state: _ProofState) -> CheckResult:
        try:
            result = verify_jwt(token, resolver=self.resolver, now=self.now)
        except BadgeError as exc:
            state.error = exc
            return _proof_failure(exc, noun(parsed.credential))
        state.ok = True
        state.jwt_header = dict(result.header)
        kid = result.header.get("kid")
        # With a `jwk` header the signature was checked with that key, whatever `kid` names.
        if isinstance(kid, str) and "jwk" not in result.header:
            try:
                state.method = self.resolver.resolve(kid)
            except BadgeError:
                state.method = None
        alg = result.header.get("alg")
        return CheckResult.passed(
            CheckId.PROOF, f"The {noun(parsed.credential)} has not been changed since it was signed (a signed token, "
                           f"algorithm {alg}).", alg=alg, keyId=result.key_id)

    def _check_issuer_key(self, credential: JsonObject, state: _ProofState) -> CheckResult:
        """OB impl guide "Key provenance": the key's controller is the issuer (DI §5 binding)."""
        cid = CheckId.ISSUER_KEY
        issuer, name = issuer_id(credential), issuer_name(credential, self.trust)
        if not state.ok:
            if isinstance(state.error, ResolutionError):
                return CheckResult.failed(
                    cid, f"The key that signed this {noun(credential)} could not be found ({state.error.message}).",
                    state.error.problem_type, **_jsonable(state.error.details))
            if isinstance(state.error, ProofPurposeError) and "controller" in state.error.details:
                return CheckResult.failed(
                    cid, f"The key that signed this badge belongs to {state.error.details['controller']}, not to its "
                         f"issuer {issuer}.", "issuer-key-mismatch", **_jsonable(state.error.details))
            if isinstance(state.error, ProofPurposeError) and "verification_method" in state.error.details:
                return CheckResult.failed(cid, f"{name} has not authorised the key that signed this badge to issue "
                                               "credentials.", "key-not-authorised", **_jsonable(state.error.details))
            return CheckResult.skipped(cid, "Not checked: the signature did not verify.")
        method: VerificationMethod | None = state.method
        if method is None:
            if state.jwt_header is not None and "jwk" in state.jwt_header:
                return CheckResult.warning(
                    cid, f"The key travelled inside the badge itself; nothing that {name} publishes confirms it is "
                         "theirs.", "key-not-published")
            return CheckResult.warning(cid, f"The signing key could not be tied to a document that {name} "
                                            "publishes.", "key-not-published")
        details = {"verificationMethod": method.id, "controller": method.controller, "source": method.source}
        if method.controller != issuer:
            if method.source == "did:key":
                return CheckResult.warning(
                    cid, f"Signed with a standalone key ({method.controller}) that nothing ties to the issuer "
                         f"{issuer}.", "key-not-bound", **details)
            return CheckResult.failed(cid, f"The key that signed this badge belongs to {method.controller}, not to its "
                                           f"issuer {issuer}.", "issuer-key-mismatch", **details)
        if method.relationships is not None and "assertionMethod" not in method.relationships:
            return CheckResult.failed(cid, f"{name} has not authorised the key that signed this badge to issue "
                                           "credentials.", "key-not-authorised", **details)
        if method.source == "fragment":
            return CheckResult.warning(
                cid, f"Signed with a key named in the badge itself ({method.id}); {name} does not publish it in a "
                     "document this verifier could check.", "key-not-published", **details)
        if method.source == "did:key":
            return CheckResult.passed(cid, f"Signed by {name}'s key (the issuer is identified by that key).", **details)
        return CheckResult.passed(cid, f"Signed by {name}'s key, as published by {name}.", **details)

    # ---- status ----------------------------------------------------------------------------

    def _check_status(self, credential: JsonObject) -> CheckResult:
        """OB §9.1 step 4, BSL §3.2; every entry must be confirmed."""
        cid = CheckId.STATUS
        entries = as_list(credential.get("credentialStatus"))
        if not entries:
            return CheckResult.skipped(cid, f"The issuer gives no way to revoke this {noun(credential)}, so there is "
                                            "no list to check.")
        outcomes = [self._status_entry(credential, entry) for entry in entries]
        failed = next((r for r in outcomes if r.outcome == "fail"), None)
        if failed is not None:
            return failed
        purposes = {r.details.get("purpose") for r in outcomes}
        said = " or suspended" if purposes & {"suspension", "message"} else ""
        return CheckResult.passed(cid, f"The issuer has not revoked{said} this {noun(credential)} (checked its "
                                       "published status list).", entries=[dict(r.details) for r in outcomes])

    def _status_entry(self, credential: JsonObject, entry: Any) -> CheckResult:
        cid = CheckId.STATUS
        cannot = f"This {noun(credential)}'s status could not be confirmed, so it cannot be shown to be still valid"
        if not isinstance(entry, dict):
            return CheckResult.failed(cid, f"{cannot}: its status entry is not readable.", _MALFORMED)
        kind = entry.get("type")
        if kind == "BitstringStatusListEntry":
            url = entry.get("statusListCredential")
        elif kind == "1EdTechRevocationList":
            url = entry.get("id")
        else:
            return CheckResult.failed(cid, f"{cannot}: it uses a status method this verifier does not support "
                                           f"({kind}).", "status-unsupported", type=kind)
        if not isinstance(url, str) or not url:
            return CheckResult.failed(cid, f"{cannot}: its status entry names no list.", _MALFORMED)
        try:
            document = self.fetch_document(url)
            if not isinstance(document, dict):
                raise ResolutionError(f"{url} did not return a JSON object", url=url)
        except Exception as exc:
            reason = exc.message if isinstance(exc, BadgeError) else type(exc).__name__
            return CheckResult.failed(cid, "Could not confirm it has not been revoked: the issuer's status list at "
                                           f"{url} could not be retrieved ({reason}).",
                                      STATUS_BASE + "STATUS_RETRIEVAL_ERROR", url=url)
        if kind == "BitstringStatusListEntry":
            problem = self._check_list_credential(document, url)
            if problem is not None:
                return problem
        try:
            result = check_status(entry, document, credential_id=credential.get("id"))
        except StatusListError as exc:
            details = {k: v for k, v in _jsonable(exc.details).items() if k != "type"}
            return CheckResult.failed(cid, f"{cannot}: the issuer's status list could not be read ({exc.message}).",
                                      exc.details.get("type") or exc.problem_type, **{**details, "url": url})
        details = {"url": url, "type": kind, "purpose": result.purpose, "index": result.index,
                   "state": result.state}
        if result.ok:
            said = {"suspension": "Not suspended.", "message": "Not revoked or suspended."}
            return CheckResult.passed(cid, said.get(result.purpose, "Not revoked."), **details)
        if result.state == "suspended":
            return CheckResult.failed(cid, f"This {noun(credential)} has been suspended by its issuer; it may be "
                                           "reinstated later, but it is not valid now.", "suspended", **details)
        if result.state == "revoked":
            return CheckResult.failed(cid, f"This {noun(credential)} was revoked by its issuer.", "revoked", **details)
        # A status value we have no word for: the issuer says something other than "valid".
        return CheckResult.failed(cid, f"The issuer's status list marks this {noun(credential)} as not valid "
                                       f"(\"{result.message}\").", "status-flagged", **details)

    def _check_list_credential(self, document: JsonObject, url: str) -> CheckResult | None:
        """BSL §3.2 step: a status list credential is only believed when its own proof verifies."""
        cid = CheckId.STATUS
        memo = self.status_lists
        key = memo.key(document) if memo is not None else None
        if key is None or memo is None or not memo.verified(key, self.now):
            result = verify_proof(document, resolver=self.resolver, now=self.now, loader=self.loader)
            if not result.verified:
                reason = result.error.message if result.error else "no valid proof"
                return CheckResult.failed(cid, "Could not confirm it has not been revoked: the issuer's status list "
                                               f"is not properly signed ({reason}).",
                                          STATUS_BASE + "STATUS_VERIFICATION_ERROR", url=url)
            if key is not None and memo is not None:
                memo.remember(key, document, self.now)
        until = document.get("validUntil")
        if until is not None:
            try:
                expired = parse_datetime(until) < self.now
            except ValueError:
                expired = True
            if expired:
                return CheckResult.failed(cid, f"Could not confirm it has not been revoked: the issuer's status list "
                                               f"expired ({until}).", STATUS_BASE + "STATUS_VERIFICATION_ERROR",
                                          url=url)
        return None

    # ---- embedded credentials --------------------------------------------------------------

    def _check_endorsements(self, credential: JsonObject, level: int) -> CheckResult:
        """OB §9.1 step 6 / §9.2: embedded EndorsementCredentials verified with the same pipeline."""
        cid = CheckId.ENDORSEMENTS
        found = _endorsements(credential)
        if not found:
            return CheckResult.skipped(cid, "The badge carries no endorsements.")
        if level >= MAX_NESTING:
            return CheckResult.warning(cid, "Endorsements nested this deep were not checked.", "too-deep")
        reports = [self.verify(item.value, level=level + 1) for item in found]
        details = [{"where": where, **report.to_dict()} for where, report in zip(found.values(), reports, strict=True)]
        bad = [r for r in reports if not r.verified]
        names = ", ".join(sorted({r.credential.get("issuerName", "an unknown endorser") for r in reports}))
        if bad:
            return CheckResult.warning(
                cid, f"{len(bad)} of {len(reports)} endorsement{'s' if len(reports) != 1 else ''} could not be "
                     f"verified (endorsed by {names}); the badge itself does not depend on them.",
                "endorsement-unverified", endorsements=details)
        return CheckResult.passed(cid, f"Endorsed by {names}; every endorsement verified.", endorsements=details)

    def _check_nested(self, credential: JsonObject, level: int) -> tuple[CheckResult, tuple[VerificationReport, ...]]:
        """CLR (VAL CLR20Inspector): every bundled credential passes the full pipeline on its own."""
        cid = CheckId.NESTED
        if credential_kind(credential) != "clr":
            return CheckResult.skipped(cid, "Not a learner record; it bundles no other badges."), ()
        subjects = as_list(credential.get("credentialSubject"))
        subject = subjects[0] if len(subjects) == 1 and isinstance(subjects[0], dict) else {}
        bundled = as_list(subject.get("verifiableCredential"))
        if not bundled:
            return CheckResult.failed(cid, "This learner record contains no badges.", "subject-invalid"), ()
        if level >= MAX_NESTING:
            return CheckResult.failed(cid, "Records nested this deep are not accepted.", "too-deep"), ()
        reports = tuple(self.verify(item, level=level + 1) for item in bundled)
        bad = [(n, r) for n, r in enumerate(reports, 1) if not r.verified and not _only_expired(r)]
        expired = [n for n, r in enumerate(reports, 1) if not r.verified and _only_expired(r)]
        if bad:
            listed = "; ".join(f"#{n} {r.credential.get('name') or r.credential.get('achievementName') or ''} "
                               f"({', '.join(c.id.value for c in r.failures)})".replace("  ", " ")
                               for n, r in bad)
            return CheckResult.failed(cid, f"{len(bad)} of {len(reports)} badges in this record failed verification: "
                                           f"{listed}.", "nested-failed", failed=[n for n, _ in bad],
                                      expired=expired), reports
        if expired:
            # A transcript keeps an expired badge, marked as such: its signature and status are
            # still good, so the record it sits in stays valid (each badge still fails alone).
            names = "; ".join(f"#{n} {reports[n - 1].credential.get('name') or ''}".strip() for n in expired)
            return CheckResult.warning(cid, f"{len(reports) - len(expired)} of {len(reports)} badges in this record "
                                            f"verified on their own; {len(expired)} genuine but expired (kept on the "
                                            f"record, marked): {names}.", "nested-expired", count=len(reports),
                                       expired=expired), reports
        return CheckResult.passed(cid, f"All {len(reports)} badge{'s' if len(reports) != 1 else ''} in this record "
                                       "verified on their own.", count=len(reports)), reports


def _only_expired(report: VerificationReport) -> bool:
    """The badge's only failed check is its validity period having ended."""
    failures = report.failures
    return (len(failures) == 1 and failures[0].id is CheckId.VALIDITY
            and (failures[0].problem_type or "").endswith("/expired"))


class _ProofState:
    """What the proof check learned, for the key check that follows it."""

    def __init__(self) -> None:
        self.ok = False
        self.method: VerificationMethod | None = None
        self.error: BadgeError | None = None
        self.jwt_header: JsonObject | None = None
        # The credential's canonical N-Quads without its proof, from the terms check's expansion
        # of this very object (checks never mutate it): the proof check's transformation step.
        self.unsecured: str | None = None

    def keep_unsecured(self, nquads: str) -> None:
        self.unsecured = nquads


def _endorsements(credential: JsonObject) -> dict[_Item, str]:
    """Embedded endorsements (objects and compact JWS) → where they were found, keyed by identity."""
    places: list[tuple[str, Any]] = [("endorsement", credential)]
    issuer = credential.get("issuer")
    if isinstance(issuer, dict):
        places.append(("issuer.endorsement", issuer))
    subjects = as_list(credential.get("credentialSubject"))
    if len(subjects) == 1 and isinstance(subjects[0], dict):
        achievement = subjects[0].get("achievement")
        if isinstance(achievement, dict):
            places.append(("credentialSubject.achievement.endorsement", achievement))
            creator = achievement.get("creator")
            if isinstance(creator, dict):
                places.append(("credentialSubject.achievement.creator.endorsement", creator))
    found: dict[_Item, str] = {}
    for where, holder in places:
        for key in ("endorsement", "endorsementJwt"):
            path = where if key == "endorsement" else where.replace("endorsement", "endorsementJwt")
            for item in as_list(holder.get(key)):
                if isinstance(item, (dict, str)):
                    found[_Item(item)] = path
    return found


class _Item:
    """Hashable by identity, so equal endorsements in two places are still verified separately."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def _guard(cid: CheckId, check: Callable[[], CheckResult]) -> CheckResult:
    try:
        return check()
    except Exception as exc:
        return _error_result(cid, exc)


def _error_result(cid: CheckId, exc: Exception) -> CheckResult:
    if isinstance(exc, BadgeError):
        return CheckResult.failed(cid, f"This check failed: {exc.message}", exc.problem_type, **_jsonable(exc.details))
    return CheckResult.failed(cid, f"This check could not be completed ({type(exc).__name__}); the badge is not "
                                   "considered verified.", "internal-error")


def _proof_failure(error: BadgeError | None, what: str = "badge", **details: Any) -> CheckResult:
    cid = CheckId.PROOF
    reason = error.message if error is not None else "no proof verified"
    problem = error.problem_type if error is not None else "proof-error"
    if isinstance(error, InvalidSignature):
        message = (f"The {what} has been changed since it was signed, or it was not signed with the key it names "
                   f"({reason}).")
    elif isinstance(error, UnsupportedSuite):
        message = f"The {what} is signed with a method this verifier does not support ({reason})."
    elif isinstance(error, ProofPurposeError):
        message = f"The signature was not made for issuing this {what} ({reason})."
    elif isinstance(error, ResolutionError):
        message = f"The key that signed this {what} could not be found ({reason})."
    elif isinstance(error, JsonLdError):
        message = f"The {what} could not be prepared for checking its signature ({reason})."
    else:
        message = f"The signature does not verify ({reason})."
    return CheckResult.failed(cid, message, problem, **details)


def _jsonable(details: Any) -> dict[str, Any]:
    """Error details as plain JSON values (reports are serialised as they are)."""
    def clean(value: Any) -> Any:
        if value is None or isinstance(value, (str, int, float, bool)):
            return value
        if isinstance(value, dict):
            return {str(k): clean(v) for k, v in value.items()}
        if isinstance(value, (list, tuple, set, frozenset)):
            return [clean(v) for v in value]
        if isinstance(value, datetime):
            return value.isoformat()
        return str(value)
    return clean(dict(details)) if isinstance(details, dict) else {}

