"""What a verified record says, in a few lines a person can hold next to a printout.

A transcript PDF carries its signed CLR as an attachment; only that attachment is verified, never
the printed pages. So whoever checks a PDF must be shown the *verified* content — the student,
the school, each badge with the levels reached — to compare with the print. This reads it from
the report (the credential as parsed and the nested reports), never from the PDF's pages.

Everything here is the credential's own text: untrusted, for display only (the verdict is the
report's). Levels come from the one rubric reader (``badges.rubric_reader``).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from badges.errors import RubricError
from badges.rubric_reader import read_credential
from badges.verification_report import VerificationReport

__all__ = ["PDF_NOTICE", "BadgeContent", "RecordContent", "content_lines", "record_content"]

PDF_NOTICE = ("The record attached to this PDF was verified. The printed pages are not covered by its signature: "
              "compare them with the verified content.")


@dataclass(frozen=True)
class BadgeContent:
    name: str
    issuer: str | None
    levels: tuple[str, ...]  # "criterion: level reached", one per rubric criterion with a result
    verified: bool


@dataclass(frozen=True)
class RecordContent:
    kind: str  # "record" (a CLR) | "badge"
    title: str
    student: str | None
    school: str | None
    badges: tuple[BadgeContent, ...]


def record_content(report: VerificationReport) -> RecordContent | None:
    """The content of the verified credential (None when nothing could be read)."""
    document = report.document
    if not isinstance(document, Mapping):
        return None
    subject = _subject(document)
    if "ClrCredential" in _as_list(document.get("type")):
        badges = tuple(_badge(n.document, n.verified) for n in report.nested if isinstance(n.document, Mapping))
        nested = [n.document for n in report.nested if isinstance(n.document, Mapping)]
        return RecordContent("record", _text(document.get("name")) or "Learner record",
                             _student(subject, nested), _issuer(document), badges)
    badge = _badge(document, report.verified)
    return RecordContent("badge", badge.name, _student(subject, []), badge.issuer, (badge,))


def content_lines(content: RecordContent) -> list[str]:
    """The content as plain lines (the CLI prints them indented under the verdict)."""
    lines = [f"student: {content.student or 'not named'}", f"school: {content.school or 'not named'}"]
    if content.kind == "record":
        lines.append(f"badges in the record ({len(content.badges)}):")
    for badge in content.badges:
        state = "verified" if badge.verified else "NOT verified"
        issuer = f" ({badge.issuer})" if badge.issuer and badge.issuer != content.school else ""
        levels = f": {'; '.join(badge.levels)}" if badge.levels else ""
        lines.append(f"  - {badge.name}{issuer}{levels} [{state}]")
    return lines


def _badge(credential: Mapping[str, Any], verified: bool) -> BadgeContent:
    subject = _subject(credential)
    found = subject.get("achievement")
    achievement: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    name = _text(achievement.get("name")) or _text(credential.get("name")) or "Unnamed badge"
    try:
        reading = read_credential(credential)
        levels = tuple(f"{c.criterion}: {c.achieved}" for c in reading.criteria
                       if c.achieved is not None and c.kind != "orphan")
    except RubricError:
        levels = ()
    return BadgeContent(name, _issuer(credential), levels, verified)


def _student(subject: Mapping[str, Any], nested: Sequence[Mapping[str, Any]]) -> str | None:
    """The learner's name as the record gives it: the subject's name, a plain (unhashed) name
    identifier, else a name on a bundled badge's subject; the subject id as a last resort."""
    name = _text(subject.get("name"))
    if name:
        return name
    for ident in _as_list(subject.get("identifier")):
        if isinstance(ident, Mapping) and not ident.get("hashed") and ident.get("identityType") == "name":
            value = _text(ident.get("identityHash"))
            if value:
                return value
    for credential in nested:
        value = _text(_subject(credential).get("name"))
        if value:
            return value
    subject_id = subject.get("id")
    return subject_id if isinstance(subject_id, str) else None


def _issuer(credential: Mapping[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    if isinstance(issuer, Mapping):
        return _text(issuer.get("name")) or (issuer.get("id") if isinstance(issuer.get("id"), str) else None)
    return issuer if isinstance(issuer, str) else None


def _subject(credential: Mapping[str, Any]) -> Mapping[str, Any]:
    subjects = _as_list(credential.get("credentialSubject"))
    return subjects[0] if subjects and isinstance(subjects[0], Mapping) else {}


def _text(value: Any) -> str | None:
    if isinstance(value, Mapping):  # a JSON-LD language map: any one language
        value = next((v for v in value.values() if isinstance(v, str)), None)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
