"""Build unsigned OpenBadgeCredentials (and their Achievements) ready for signing.

``build_credential`` refuses to return anything a verifier would reject: it applies the
model rules, both 1EdTech schema variants and the award recheck (the results inside must
meet the rubric inside), raising ModelError / SchemaError / RubricError otherwise.
"""
from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from badges import award, schema
from badges.competencies import Competency, to_alignment
from badges.errors import ModelError, RubricError
from badges.model import (
    OB_ACHIEVEMENT_SCHEMA,
    OB_V3P0,
    SCHEMA_VALIDATOR_TYPE,
    VC_V2,
    Achievement,
    AchievementCredential,
    Alignment,
    Criteria,
    Evidence,
    Image,
    Profile,
    format_datetime,
)
from badges.model.base import require_aware
from badges.rubrics import Rubric, to_result_descriptions

# Defines the 1EdTech type names we emit (1EdTechJsonSchemaValidator2019, 1EdTechRevocationList);
# without it they are not terms of the OB 3.0 context (checklist §6.1).
OB_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
CONTEXTS = (VC_V2, OB_V3P0, OB_EXTENSIONS)
CREDENTIAL_TYPE = ("VerifiableCredential", "OpenBadgeCredential")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _image(image: Mapping[str, Any] | str | None) -> Image | None:
    if image is None:
        return None
    if isinstance(image, str):
        return Image(id=image)
    return Image.from_jsonld(dict(image))


def build_achievement(
    *,
    id: str,
    name: str,
    description: str,
    criteria_narrative: str | None = None,
    criteria_url: str | None = None,
    rubric: Rubric | None = None,
    competencies: Iterable[Competency] = (),
    alignments: Iterable[Mapping[str, Any]] = (),
    image: Mapping[str, Any] | str | None = None,
    achievement_type: str | None = "Badge",
    creator: Mapping[str, Any] | None = None,
    tags: Iterable[str] = (),
    human_code: str | None = None,
    field_of_study: str | None = None,
    in_language: str | None = None,
    version: str | None = None,
    credits_available: int | float | None = None,
) -> dict[str, Any]:
    """An OB Achievement whose ``resultDescription`` is the rubric (ids under ``<id>/rubric/``)
    and whose ``alignment`` links the competencies it evidences."""
    aligned = [to_alignment(c) for c in competencies] + [dict(a) for a in alignments]
    achievement = Achievement(
        id=id,
        name=name,
        description=description,
        criteria=Criteria(id=criteria_url, narrative=criteria_narrative),
        achievement_type=achievement_type,
        alignment=tuple(Alignment.from_jsonld(a) for a in aligned),
        result_description=(),
        creator=Profile.from_jsonld(dict(creator)) if creator is not None else None,
        image=_image(image),
        tag=tuple(tags),
        human_code=human_code,
        field_of_study=field_of_study,
        in_language=in_language,
        version=version,
        credits_available=credits_available,
    )
    out = achievement.to_jsonld()
    # After the model check, so a bad id is reported as the achievement's, not the rubric's.
    result_descriptions = to_result_descriptions(rubric, base_id=id) if rubric is not None else []
    if result_descriptions:
        out["resultDescription"] = result_descriptions
    return out


def evidence_item(
    *,
    id: str,
    name: str,
    narrative: str | None = None,
    genre: str | None = None,
    audience: str | None = None,
    description: str | None = None,
    sha256: str | None = None,
    filename: str | None = None,
    media_type: str | None = None,
    size: int | None = None,
) -> dict[str, Any]:
    """One Evidence entry. For an uploaded file the ``description`` records its sha256 (OB has
    no digest property), so the signed credential pins the exact bytes behind ``id``."""
    if sha256 is not None:
        if not isinstance(sha256, str) or not _SHA256.match(sha256):
            raise ModelError("evidence sha256 must be 64 lower-case hex digits", field="sha256")
        facts = ", ".join(x for x in (media_type, f"{size} bytes" if size is not None else None) if x)
        label = f"File {filename}" if filename else "File"
        file_text = f"{label}{f' ({facts})' if facts else ''}, sha256:{sha256}"
        description = f"{description}\n\n{file_text}" if description else file_text
    return Evidence(id=id, name=name, narrative=narrative, genre=genre, audience=audience,
                    description=description).to_jsonld()


def _list_of_dicts(value: Any, what: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, Mapping) for v in value):
        raise ModelError(f"{what} must be a list of JSON objects", field=what)
    return [copy.deepcopy(dict(v)) for v in value]


def build_credential(
    *,
    achievement: Mapping[str, Any],
    subject_id: str | None,
    identifier: list[dict[str, Any]] | None,
    issuer: Mapping[str, Any],
    results: list[dict[str, Any]],
    evidence: list[dict[str, Any]],
    credential_id: str,
    issued_at: datetime,
    status: Mapping[str, Any] | None = None,
    valid_until: datetime | None = None,
    awarded_date: datetime | None = None,
    name: str | None = None,
    source: Mapping[str, Any] | None = None,
    activity_start: datetime | None = None,
    activity_end: datetime | None = None,
) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential. Raises ModelError, SchemaError (both schema
    variants) or RubricError (the results do not meet the rubric in ``achievement``).

    ``source`` is the Profile of the assessing organisation when it is not the issuer (e.g. an
    extended-learning partner); ``activity_start``/``activity_end`` bound the learning activity."""
    for value, label in ((issued_at, "issued_at"), (valid_until, "valid_until"), (awarded_date, "awarded_date"),
                         (activity_start, "activity_start"), (activity_end, "activity_end")):
        require_aware(value, label)
    if issued_at is None:
        raise ModelError("issued_at is required", field="issued_at")
    if not isinstance(achievement, Mapping) or not isinstance(issuer, Mapping):
        raise ModelError("achievement and issuer must be JSON objects", field="achievement")
    subject: dict[str, Any] = {"type": ["AchievementSubject"]}
    if subject_id is not None:
        subject["id"] = subject_id
    if identifier:
        subject["identifier"] = _list_of_dicts(identifier, "identifier")
    subject["achievement"] = copy.deepcopy(dict(achievement))
    if results:
        subject["result"] = _list_of_dicts(results, "results")
    if activity_start is not None:
        subject["activityStartDate"] = format_datetime(activity_start)
    if activity_end is not None:
        subject["activityEndDate"] = format_datetime(activity_end)
    if source is not None:
        if not isinstance(source, Mapping):
            raise ModelError("source must be a Profile object", field="source")
        subject["source"] = copy.deepcopy(dict(source))

    credential: dict[str, Any] = {
        "@context": list(CONTEXTS),
        "id": credential_id,
        "type": list(CREDENTIAL_TYPE),
        "name": name if name is not None else achievement.get("name"),
        "issuer": copy.deepcopy(dict(issuer)),
        "validFrom": format_datetime(issued_at),
    }
    if valid_until is not None:
        credential["validUntil"] = format_datetime(valid_until)
    if awarded_date is not None:
        credential["awardedDate"] = format_datetime(awarded_date)
    credential["credentialSubject"] = subject
    if evidence:
        credential["evidence"] = _list_of_dicts(evidence, "evidence")
    credential["credentialSchema"] = [{"id": OB_ACHIEVEMENT_SCHEMA, "type": SCHEMA_VALIDATOR_TYPE}]
    if status is not None:
        credential["credentialStatus"] = copy.deepcopy(dict(status))
    if credential["name"] is None:
        del credential["name"]

    AchievementCredential.from_jsonld(credential)  # model rules (id/identifier, URIs, types …)
    schema.validate(credential, "achievement", strict=True)
    decision = award.recheck(credential)
    if not decision.awarded:
        unmet = "; ".join(r.reason for r in decision.unmet)
        raise RubricError(f"the results do not meet the rubric of {achievement.get('name')!r}: {unmet}",
                          reasons=[r.reason for r in decision.unmet])
    return credential


__all__ = ["CONTEXTS", "CREDENTIAL_TYPE", "OB_EXTENSIONS", "build_achievement", "build_credential",
           "evidence_item"]
