"""The student's forms as the pages read them back: what was typed (so a page re-rendered after an
error keeps it) and the one error to show in the error summary, linked to its field.

A use case names the field it refuses (``InvalidInput(..., field=...)``, in the API's camelCase or
the form's own name); ``FIELDS`` maps each to the id of the form control the summary links to,
and its ``key`` lets the template say it in the page's language.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from issuer.errors import IssuerError
from issuer.evidence.self_assessment import LEVEL_FIELD
from issuer.web.common import getall

__all__ = ["FIELDS", "EloValues", "EvidenceValues", "FormError", "elo_values", "evidence_values", "form_error",
           "self_levels"]

# field named by a use case → (message key, id of the control the error summary links to)
FIELDS: Mapping[str, tuple[str, str]] = {
    "achievement": ("achievement", "achievement"),
    "narrative": ("narrative", "narrative"),
    "urls": ("urls", "urls"),
    "files": ("files", "files"),
    "self-assessment": ("self_assessment", "self-assessment"),
    "self_comment": ("self_comment", "self_comment"),
    "partnerOrg": ("partner_org", "partner_org"),
    "mentorName": ("mentor_name", "mentor_name"),
    "mentorEmail": ("mentor_email", "mentor_email"),
    "goals": ("goals", "goals"),
    "hours": ("hours", "hours"),
    "startDate": ("start_date", "start_date"),
    "endDate": ("end_date", "end_date"),
    "competencies": ("competencies", "competencies"),
}


class FormError(msgspec.Struct, frozen=True, kw_only=True):
    """``key``: which message the template shows (its words); ``field``: the id of the control;
    ``message``: the use case's own words, shown when the template has none for ``key``."""
    key: str
    field: str | None
    message: str


def form_error(exc: IssuerError, *, default_field: str | None = None) -> FormError:
    name = str(exc.details.get("field") or "")
    if name.startswith(LEVEL_FIELD):  # a self-assessed level: the criterion's own control
        return FormError(key="self_level", field=name, message=exc.message)
    if exc.status_code == 404 and "achievement" in exc.message:
        return FormError(key="achievement", field="achievement", message=exc.message)
    if not name and "narrative, a link or a file" in exc.message:
        return FormError(key="evidence", field="narrative", message=exc.message)
    if "competenc" in exc.message and not name:
        return FormError(key="competencies", field="competencies", message=exc.message)
    key, field = FIELDS.get(name, ("", default_field))
    return FormError(key=key, field=field, message=exc.message)


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def self_levels(form: Any) -> dict[str, str]:
    """The self-assessed levels sent (``self_level_<criterion>`` → the level as typed)."""
    return {k[len(LEVEL_FIELD):]: v for k, v in form.items() if k.startswith(LEVEL_FIELD) and isinstance(v, str)}


class EvidenceValues(msgspec.Struct, frozen=True, kw_only=True):
    """What the student typed into the submit or revise form. Files cannot be kept (a browser
    never pre-fills a file input): ``had_files`` lets the page ask for them again."""
    achievement: str = ""
    narrative: str = ""
    urls: str = ""
    self_levels: dict[str, str] = {}
    self_comment: str = ""
    had_files: bool = False


def evidence_values(form: Any, *, had_files: bool = False) -> EvidenceValues:
    return EvidenceValues(achievement=_text(form, "achievement"), narrative=_text(form, "narrative"),
                          urls="\n".join(v for v in getall(form, "urls") if isinstance(v, str)),
                          self_levels=self_levels(form), self_comment=_text(form, "self_comment"),
                          had_files=had_files)


class EloValues(msgspec.Struct, frozen=True, kw_only=True):
    achievement: str = ""
    partner_org: str = ""
    mentor_name: str = ""
    mentor_email: str = ""
    goals: str = ""
    competencies: list[str] = []
    hours: str = ""
    start_date: str = ""
    end_date: str = ""


def elo_values(form: Any) -> EloValues:
    return EloValues(achievement=_text(form, "achievement"), partner_org=_text(form, "partner_org"),
                     mentor_name=_text(form, "mentor_name"), mentor_email=_text(form, "mentor_email"),
                     goals=_text(form, "goals"),
                     competencies=[v for v in getall(form, "competencies") if isinstance(v, str)],
                     hours=_text(form, "hours"), start_date=_text(form, "start_date"),
                     end_date=_text(form, "end_date"))
