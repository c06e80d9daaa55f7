"""Open Badges 2.0 assertions, given a verdict of their own (issue 14) instead of the misleading
"not a verifiable credential / not signed / no subject" a VC pipeline would give them.

An OB 2.0 assertion is not a W3C credential. It proves itself one of two ways (OB 2.0
"Verification"): *hosted* — the issuer serves the assertion at its ``id`` (an https URL on the
issuer's own origin, or one ``verification.allowedOrigins`` names), and the copy there is the one
that counts (``revoked: true`` there revokes it); or *signed* — a compact JWS (RS256) whose
payload is the assertion, made with the key ``verification.creator`` names (a CryptographicKey
with ``publicKeyPem``, owned by the issuer), revoked through the issuer's ``revocationList``.

``verify_ob2`` runs these checks with the injected ``fetch_document`` (the caller's fetcher: the
verifier's SSRF-guarded one, or an offline bundle) and reports them under the same check ids as
the OB 3.0 pipeline, so pages and APIs show it the same way. Nothing here does I/O itself.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from badges.errors import BadgeError
from badges.json_types import JsonObject
from badges.signing.keys import RsaPublicKey, b64url_decode
from badges.trust import TrustRegistry
from badges.verification_report import CheckId, CheckResult, VerificationReport

__all__ = ["OB2_CONTEXT", "is_ob2", "verify_ob2"]

OB2_CONTEXT = "https://w3id.org/openbadges/v2"
Fetch = Callable[[str], JsonObject]


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def is_ob2(document: Mapping[str, Any]) -> bool:
    """An Open Badges 2.0 assertion: its context, or the 2.0 shape (an Assertion with verification)."""
    if OB2_CONTEXT in _items(document.get("@context")):
        return True
    return "Assertion" in _items(document.get("type")) and isinstance(document.get("verification"), dict)


def _origin(url: object) -> str:
    parts = urlsplit(url) if isinstance(url, str) else None
    return f"{parts.scheme}://{parts.netloc}" if parts and parts.scheme and parts.netloc else ""


def _parse_dt(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


class _Ob2:
    def __init__(self, assertion: JsonObject, *, token: str | None, fetch: Fetch, now: datetime,
                 trust: TrustRegistry | None) -> None:
        self.assertion, self.token, self.fetch, self.now, self.trust = assertion, token, fetch, now, trust
        self.badge: JsonObject = {}
        self.issuer: JsonObject = {}
        self.kind = "signed" if token else "hosted"
        self.hosted: JsonObject = {}  # the issuer's copy of a hosted assertion
        self.key_owner: Any = None  # whom a signed assertion's key says it belongs to

    def _get(self, ref: object, what: str) -> JsonObject:
        """An embedded object, or the document its URL names."""
        if isinstance(ref, dict):
            return ref
        if not isinstance(ref, str) or not ref.startswith("https://"):
            raise BadgeError(f"the {what} is neither embedded nor an https URL")
        try:
            return self.fetch(ref)
        except BadgeError as exc:
            raise BadgeError(f"the {what} at {ref} could not be fetched ({exc.message})") from None

    def schema(self) -> CheckResult:
        a = self.assertion
        missing = [name for name in ("id", "type", "recipient", "badge", "verification", "issuedOn") if name not in a]
        recipient = a.get("recipient")
        if isinstance(recipient, dict) and not {"type", "identity"} <= set(recipient):
            missing.append("recipient.type/identity")
        if missing:
            return CheckResult.failed(CheckId.SCHEMA, "This Open Badges 2.0 assertion lacks what 2.0 requires: "
                                      + ", ".join(missing) + ".", "ob2-schema", missing=missing)
        return CheckResult.passed(CheckId.SCHEMA, "It has every property an Open Badges 2.0 assertion requires.")

    def subject(self) -> CheckResult:
        recipient = self.assertion.get("recipient")
        if not isinstance(recipient, dict) or not recipient.get("identity"):
            return CheckResult.failed(CheckId.SUBJECT, "The assertion does not say who earned it.", "no-subject")
        how = "a hashed" if recipient.get("hashed") else "an"
        return CheckResult.passed(CheckId.SUBJECT, f"Awarded to the holder of {how} {recipient.get('type', 'identity')}"
                                  " (Open Badges 2.0 names its recipient this way).")

    def proof(self) -> CheckResult:
        return self._signed() if self.token else self._hosted()

    def _hosted(self) -> CheckResult:
        a = self.assertion
        url = a.get("id")
        if not isinstance(url, str) or not url.startswith("https://"):
            return CheckResult.failed(CheckId.PROOF, "A hosted Open Badges 2.0 assertion must live at an https "
                                      "address (its id); this one does not, so nothing vouches for it.", "ob2-hosted")
        try:
            hosted = self.fetch(url)
        except BadgeError as exc:
            return CheckResult.failed(CheckId.PROOF, f"The issuer's copy at {url} could not be fetched "
                                      f"({exc.message}), so this hosted badge cannot be confirmed.", "ob2-hosted")
        self.hosted = hosted
        keys = ("id", "recipient", "badge", "issuedOn")
        differ = [k for k in keys if hosted.get(k) != a.get(k)]
        if differ:
            return CheckResult.failed(CheckId.PROOF, "The issuer's copy at its address says something else ("
                                      + ", ".join(differ) + " differ): this copy was changed.", "ob2-mismatch",
                                      differs=differ)
        return CheckResult.passed(CheckId.PROOF, f"The issuer hosts this assertion at {url}, unchanged "
                                  "(Open Badges 2.0 hosted verification).")

    def _signed(self) -> CheckResult:
        token = self.token or ""
        head, body, signature = token.split(".")
        try:
            header = json.loads(b64url_decode(head))
        except (ValueError, UnicodeDecodeError):
            return CheckResult.failed(CheckId.PROOF, "The signed assertion's header cannot be read.", "ob2-signed")
        if not isinstance(header, dict) or header.get("alg") != "RS256":
            return CheckResult.failed(CheckId.PROOF, "Open Badges 2.0 signed assertions use RS256; this one says "
                                      f"{header.get('alg') if isinstance(header, dict) else None!r}.", "ob2-signed")
        creator = (self.assertion.get("verification") or {}).get("creator")
        try:
            key_doc = self._get(creator, "signing key (verification.creator)")
            key = RsaPublicKey.from_pem(str(key_doc.get("publicKeyPem") or ""))
            key.verify(b64url_decode(signature), f"{head}.{body}".encode("ascii"))
        except BadgeError as exc:
            return CheckResult.failed(CheckId.PROOF, f"The signature does not verify: {exc.message}.", "ob2-signed")
        except (ValueError, UnicodeEncodeError):
            return CheckResult.failed(CheckId.PROOF, "The signature cannot be read.", "ob2-signed")
        self.key_owner = key_doc.get("owner")
        return CheckResult.passed(CheckId.PROOF, "Signed with the issuer's RS256 key and unchanged "
                                  "(Open Badges 2.0 signed verification).")

    def issuer_key(self) -> CheckResult:
        try:
            self.badge = self._get(self.assertion.get("badge"), "badge class")
            self.issuer = self._get(self.badge.get("issuer"), "issuer profile")
        except BadgeError as exc:
            return CheckResult.failed(CheckId.ISSUER_KEY, f"The badge's issuer could not be confirmed: {exc.message}.",
                                      "ob2-issuer")
        issuer_id = self.issuer.get("id")
        name = self.issuer.get("name") or issuer_id
        if self.token:
            if self.key_owner is not None and self.key_owner != issuer_id:
                return CheckResult.failed(CheckId.ISSUER_KEY, f"The signing key belongs to {self.key_owner}, not to "
                                          f"the issuer {issuer_id}.", "ob2-issuer")
            return CheckResult.passed(CheckId.ISSUER_KEY, f"The key is {name}'s.")
        allowed = {_origin(o) or o for o in _items((self.assertion.get("verification") or {}).get("allowedOrigins"))}
        allowed.add(_origin(issuer_id))
        hosted_at = _origin(self.assertion.get("id"))
        if hosted_at not in allowed:
            return CheckResult.failed(CheckId.ISSUER_KEY, f"The assertion is hosted at {hosted_at}, which is not "
                                      f"{name}'s address ({_origin(issuer_id)}).", "ob2-issuer")
        return CheckResult.passed(CheckId.ISSUER_KEY, f"Hosted on {name}'s own address.")

    def validity(self) -> CheckResult:
        issued, expires = _parse_dt(self.assertion.get("issuedOn")), _parse_dt(self.assertion.get("expires"))
        if issued is None:
            return CheckResult.failed(CheckId.VALIDITY, "issuedOn is not a date with a time zone.", "ob2-dates")
        if issued > self.now:
            return CheckResult.failed(CheckId.VALIDITY, "It says it was issued in the future.", "not-yet-valid")
        if expires is not None and expires <= self.now:
            return CheckResult.failed(CheckId.VALIDITY, f"It expired on {expires.date().isoformat()}.", "expired")
        until = f", valid until {expires.date().isoformat()}." if expires else ", with no expiry."
        return CheckResult.passed(CheckId.VALIDITY, f"Issued on {issued.date().isoformat()}{until}")

    def status(self) -> CheckResult:
        if not self.token:
            hosted = self.hosted
            if hosted.get("revoked") is True:
                reason = hosted.get("revocationReason")
                return CheckResult.failed(CheckId.STATUS, "The issuer revoked it" + (f": {reason}." if reason else "."),
                                          "revoked")
            return CheckResult.passed(CheckId.STATUS, "The issuer's copy does not say it is revoked.")
        listed = self.issuer.get("revocationList")
        if not listed:
            return CheckResult.passed(CheckId.STATUS, "The issuer publishes no revocation list.")
        try:
            revocations = self._get(listed, "revocation list")
        except BadgeError as exc:
            return CheckResult.failed(CheckId.STATUS, f"The revocation list could not be checked: {exc.message}.",
                                      "status-unreachable")
        mine = self.assertion.get("id")
        for entry in _items(revocations.get("revokedAssertions")):
            if entry == mine or (isinstance(entry, dict) and entry.get("id") == mine):
                reason = entry.get("revocationReason") if isinstance(entry, dict) else None
                return CheckResult.failed(CheckId.STATUS, "The issuer revoked it" + (f": {reason}." if reason else "."),
                                          "revoked")
        return CheckResult.passed(CheckId.STATUS, "It is not on the issuer's revocation list.")

    def info(self) -> dict[str, Any]:
        out = {"id": self.assertion.get("id"), "type": ["Assertion"], "name": self.badge.get("name"),
               "issuerId": self.issuer.get("id"), "issuerName": self.issuer.get("name"),
               "achievementId": self.badge.get("id"), "achievementName": self.badge.get("name"),
               "validFrom": self.assertion.get("issuedOn"), "validUntil": self.assertion.get("expires"),
               "generation": f"Open Badges 2.0 ({self.kind})"}
        return {k: v for k, v in out.items() if v not in (None, "")}


def verify_ob2(assertion: JsonObject, *, fetch_document: Fetch, now: datetime, token: str | None = None,
               trust: TrustRegistry | None = None, format: str | None = None) -> VerificationReport:
    """Every check of an Open Badges 2.0 assertion (``token``: the compact JWS it came in, if signed)."""
    run = _Ob2(assertion, token=token, fetch=fetch_document, now=now, trust=trust)
    checks = [CheckResult.passed(CheckId.PARSE, f"Read an Open Badges 2.0 assertion ({run.kind}).", format=format),
              CheckResult.passed(CheckId.CONTEXT, "Open Badges 2.0: not a W3C verifiable credential, so it is "
                                 "checked by the 2.0 rules (hosted or signed verification) instead."),
              CheckResult.skipped(CheckId.TERMS, "Open Badges 2.0 is plain JSON-LD; its terms are not checked here.")]
    for check in (run.schema, run.subject, run.proof, run.issuer_key, run.validity, run.status):
        try:
            checks.append(check())
        except Exception as exc:  # a hostile document never becomes a traceback
            cid = {run.schema: CheckId.SCHEMA}.get(check, CheckId.PROOF)
            checks.append(CheckResult.failed(cid, f"This could not be checked ({type(exc).__name__}).",
                                             "internal-error"))
    checks += [CheckResult.skipped(CheckId.RUBRIC, "Open Badges 2.0 carries no rubric results."),
               CheckResult.skipped(CheckId.ENDORSEMENTS, "Open Badges 2.0 endorsements are not checked here."),
               CheckResult.skipped(CheckId.NESTED, "Not a learner record.")]
    info = run.info()
    if trust is None:
        checks.append(CheckResult.skipped(CheckId.TRUST, "No list of known issuers is configured."))
    else:
        known = trust.lookup(str(info.get("issuerId") or ""))
        confirmed = all(c.outcome == "pass" for c in checks if c.id in (CheckId.PROOF, CheckId.ISSUER_KEY))
        if known is not None and confirmed:
            checks.append(CheckResult.passed(CheckId.TRUST, f"Issued by {known.display_name}, a registered issuer."))
        else:
            checks.append(CheckResult.warning(CheckId.TRUST, f"The issuer “{info.get('issuerName', '?')}” is not on "
                                              "this verifier's list of known issuers. Check who they are before "
                                              "relying on this badge.", "unknown-issuer"))
    order = list(CheckId)
    checks.sort(key=lambda c: order.index(c.id))
    return VerificationReport.from_checks(checks, credential=info, format=format, document=dict(assertion))
