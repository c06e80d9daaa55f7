"""Plain view data for the verification page, written for someone who has never seen a badge.

Nothing here decides the verdict: it only reads the report and, for display, the credential.
Everything taken from the credential is untrusted text (the templates autoescape it) and only
https or inline ``data:image/`` pictures and https links are shown, so opening a report never
makes the reader's browser visit an address chosen by whoever made the file.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from badges.errors import RubricError
from badges.json_types import JsonObject
from badges.record_content import PDF_NOTICE, RecordContent, record_content
from badges.rubric_reader import read_rubric
from badges.verification import CheckId, VerificationReport
from verifier.recipient import RecipientCheck, hashed_identities

__all__ = ["BadgeView", "CheckView", "RecipientForm", "ReportView", "recipient_form", "report_view"]

CHECK_TITLES = {
    CheckId.PARSE: "File", CheckId.CONTEXT: "Vocabulary", CheckId.TERMS: "Fields", CheckId.SCHEMA: "Format",
    CheckId.SUBJECT: "Recipient", CheckId.PROOF: "Signature", CheckId.ISSUER_KEY: "Issuer's key",
    CheckId.VALIDITY: "Dates", CheckId.STATUS: "Revocation", CheckId.RUBRIC: "Rubric",
    CheckId.ENDORSEMENTS: "Endorsements", CheckId.NESTED: "Badges in this record", CheckId.TRUST: "Issuer",
}
# Most important first: who issued it, is it genuine, is it still valid.
CHECK_ORDER = (CheckId.TRUST, CheckId.PROOF, CheckId.ISSUER_KEY, CheckId.STATUS, CheckId.VALIDITY,
               CheckId.NESTED, CheckId.RUBRIC, CheckId.SUBJECT, CheckId.SCHEMA, CheckId.CONTEXT, CheckId.TERMS,
               CheckId.ENDORSEMENTS, CheckId.PARSE)


@dataclass
class CheckView:
    id: str
    title: str
    outcome: str
    sentence: str


@dataclass
class RubricRow:
    criterion: str
    required: str
    achieved: str
    met: bool | None


@dataclass
class Link:
    name: str
    url: str | None = None
    note: str | None = None


@dataclass
class BadgeView:
    verified: bool
    kind: str
    name: str
    description: str | None = None
    image: str | None = None
    issuer: str | None = None
    issuer_url: str | None = None
    recipient: str | None = None
    issued: str | None = None
    expires: str | None = None
    criteria: str | None = None
    rubric: list[RubricRow] = field(default_factory=list)
    evidence: list[Link] = field(default_factory=list)
    competencies: list[Link] = field(default_factory=list)
    checks: list[CheckView] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class ReportView:
    verified: bool
    headline: str
    summary: str
    checked_at: str
    checks: list[CheckView]
    badge: BadgeView | None
    nested: list[BadgeView]
    source: str | None = None
    url: str | None = None
    # A transcript PDF: only its attached record is signed, so the page says so and shows what the
    # record says (student, school, badges and levels) for the reader to compare with the print.
    pdf_notice: str | None = None
    content: RecordContent | None = None
    recipient: RecipientForm | None = None  # "Check the recipient", when the credential names one by email


@dataclass
class RecipientForm:
    """What "Check the recipient" needs: the hashed identities for the reader's browser (it hashes
    the address there, with JavaScript), and the credential to verify again when the form is
    posted without it (the link it came from, else the credential's JSON)."""

    identities: list[dict[str, str]]
    url: str | None = None
    credential: str | None = None
    email: str = ""
    result: RecipientCheck | None = None
    error: str | None = None


def _list(value: Any) -> list[Any]:
    return [] if value is None else value if isinstance(value, list) else [value]


def _text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, dict):  # a JSON-LD language map: take any one language
        for item in value.values():
            if isinstance(item, str) and item.strip():
                return item.strip()
    return None


def _safe_url(value: Any, *, image: bool = False) -> str | None:
    url = value.get("id") if isinstance(value, dict) else value
    if not isinstance(url, str):
        return None
    if url.startswith("https://") and len(url) < 2048:
        return url
    if image and url.startswith("data:image/") and len(url) < 1_500_000 and "svg" not in url[:30]:
        return url
    return None


def _date(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value[:40]
    return when.strftime("%-d %B %Y")


def when_checked(checked_at: datetime) -> str:
    return checked_at.strftime("%H:%M UTC on %-d %B %Y")


def _check_views(report: VerificationReport, checked_at: datetime) -> list[CheckView]:
    out = []
    by_id = {c.id: c for c in report.checks}
    for cid in CHECK_ORDER:
        check = by_id.get(cid)
        if check is None or (check.outcome == "skip" and cid not in (CheckId.STATUS, CheckId.TRUST)):
            continue
        sentence = check.message
        if cid is CheckId.STATUS and check.outcome == "pass" and "asOf" not in check.details:
            sentence = f"{sentence.rstrip('.')} as of {when_checked(checked_at)}."
        out.append(CheckView(cid.value, CHECK_TITLES[cid], check.outcome, sentence))
    return out


def _issuer(credential: JsonObject) -> tuple[str | None, str | None]:
    issuer = credential.get("issuer")
    if isinstance(issuer, str):
        return issuer, _safe_url(issuer)
    if isinstance(issuer, dict):
        name = _text(issuer.get("name")) or issuer.get("id")
        return name, _safe_url(issuer.get("url")) or _safe_url(issuer.get("id"))
    return None, None


def _object(value: Any) -> JsonObject:
    """A member that should be a JSON object; anything else reads as an empty one."""
    return value if isinstance(value, dict) else {}


def _recipient(subject: JsonObject) -> str | None:
    name = _text(subject.get("name"))
    if name:
        return name
    for ident in _list(subject.get("identifier")):
        identity = ident.get("identityHash") if isinstance(ident, dict) and not ident.get("hashed") else None
        if isinstance(identity, str):
            return identity
    if any(isinstance(i, dict) and i.get("hashed") for i in _list(subject.get("identifier"))):
        return "a recipient identified privately (hashed identifier)"
    subject_id = subject.get("id")
    return subject_id if isinstance(subject_id, str) else None


def _rubric(achievement: JsonObject, subject: JsonObject) -> list[RubricRow]:
    """The badge's rubric as the one reader sees it (``badges.rubric_reader``): the same "met"
    as the report's rubric check and the transcript."""
    try:
        reading = read_rubric(achievement, subject.get("result"))
    except RubricError:
        return []
    return [RubricRow(_text(c.criterion) or "Criterion", c.required or "—", c.achieved or "—", c.met)
            for c in reading.criteria if c.kind != "orphan"]


def _evidence(credential: JsonObject) -> list[Link]:
    out = []
    for item in _list(credential.get("evidence"))[:50]:
        if isinstance(item, dict):
            out.append(Link(_text(item.get("name")) or "Evidence", _safe_url(item.get("id")),
                            _text(item.get("narrative")) or _text(item.get("description"))))
        elif isinstance(item, str):
            out.append(Link(item, _safe_url(item)))
    return out


def _competencies(achievement: JsonObject) -> list[Link]:
    out = []
    for align in _list(achievement.get("alignment"))[:100]:
        if not isinstance(align, dict):
            continue
        code = _text(align.get("targetCode"))
        name = _text(align.get("targetName")) or "Competency"
        framework = _text(align.get("targetFramework"))
        out.append(Link(f"{code} {name}" if code else name, _safe_url(align.get("targetUrl")), framework))
    return out


def badge_view(report: VerificationReport, checked_at: datetime) -> BadgeView:
    credential = report.document if isinstance(report.document, dict) else {}
    subjects = _list(credential.get("credentialSubject"))
    subject = subjects[0] if subjects and isinstance(subjects[0], dict) else {}
    achievement = _object(subject.get("achievement"))
    types = _list(credential.get("type"))
    kind = "record" if "ClrCredential" in types else "endorsement" if "EndorsementCredential" in types else "badge"
    issuer, issuer_url = _issuer(credential)
    criteria = _object(achievement.get("criteria"))
    return BadgeView(
        verified=report.verified,
        kind=kind,
        name=_text(achievement.get("name")) or _text(credential.get("name")) or "Unnamed credential",
        description=_text(achievement.get("description")) or _text(credential.get("description")),
        image=_safe_url(achievement.get("image"), image=True) or _safe_url(credential.get("image"), image=True),
        issuer=issuer,
        issuer_url=issuer_url,
        recipient=_recipient(subject),
        issued=_date(credential.get("validFrom") or credential.get("issuanceDate")),
        expires=_date(credential.get("validUntil") or credential.get("expirationDate")),
        criteria=_text(criteria.get("narrative")),
        rubric=_rubric(achievement, subject),
        evidence=_evidence(credential),
        competencies=_competencies(achievement),
        checks=_check_views(report, checked_at),
        problems=[c.message for c in report.checks if c.outcome == "fail"],
    )


def _names_recipient_by_email(report: VerificationReport) -> bool:
    for document in [report.document, *(n.document for n in report.nested)]:
        subjects = _list(document.get("credentialSubject")) if isinstance(document, dict) else []
        if any(isinstance(i, dict) and i.get("identityType") == "emailAddress"
               for s in subjects if isinstance(s, dict) for i in _list(s.get("identifier"))):
            return True
    return False


def recipient_form(report: VerificationReport, *, url: str | None, source: str | None) -> RecipientForm | None:
    """The "Check the recipient" form for a credential that names its recipient by email (else
    None). A credential read from a link is carried as the link; any other as its JSON."""
    if not isinstance(report.document, dict) or not _names_recipient_by_email(report):
        return None
    identities = [i for d in [report.document, *(n.document for n in report.nested)] for i in hashed_identities(d)]
    if url and source in ("url", None):
        return RecipientForm(identities, url=url)
    return RecipientForm(identities, credential=json.dumps(report.document, ensure_ascii=False, separators=(",", ":")))


def report_view(report: VerificationReport, *, checked_at: datetime, source: str | None = None,
                url: str | None = None) -> ReportView:
    badge = badge_view(report, checked_at) if report.document else None
    what = {"record": "learner record", "endorsement": "endorsement"}.get(badge.kind if badge else "", "badge")
    if report.verified:
        headline = f"This {what} is genuine and valid"
        trust = report.check(CheckId.TRUST)
        summary = (f"Every check passed. {trust.message}" if trust is not None and trust.outcome != "skip"
                   else "Every check passed.")
    else:
        headline = f"This {what} could not be verified" if badge else "This is not a verifiable badge"
        failures = report.failures
        summary = failures[0].message if failures else "A check failed."
    return ReportView(
        verified=report.verified, headline=headline, summary=summary, checked_at=when_checked(checked_at),
        checks=_check_views(report, checked_at), badge=badge,
        nested=[badge_view(n, checked_at) for n in report.nested], source=source, url=url,
        pdf_notice=PDF_NOTICE if source == "pdf" else None,
        content=record_content(report) if source == "pdf" else None,
        recipient=recipient_form(report, url=url, source=source) if report.document else None)
