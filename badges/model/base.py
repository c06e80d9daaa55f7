"""Shared machinery for the OB 3.0 / CLR 2.0 model: the Struct base, value checks, enums.

Serialization follows OB 3.0 App. A.1: every 0..* / 1..* property is a JSON array, nulls
and empty arrays are omitted, datetimes carry a zone (we always emit UTC ``Z``).
"""
from __future__ import annotations

import enum
import functools
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any, ClassVar, TypeGuard, TypeVar

import msgspec
import msgspec.structs

from badges.errors import ModelError

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3P0 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CLR_V2P0 = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
OB_CONTEXT_PATTERN = re.compile(r"^https://purl\.imsglobal\.org/spec/ob/v3p0/context(-3\.\d\.\d)*\.json$")
CLR_CONTEXT_PATTERN = re.compile(r"^https://purl\.imsglobal\.org/spec/clr/v2p0/context(-2\.\d\.\d)*\.json$")

# RFC 3986 scheme followed by something; covers https:, urn:uuid:, did:, data:, mailto:.
_ABSOLUTE_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s]+$")
# OB "EnumExt" extension values (schema pattern, minus its accidental `|` characters).
_EXT_VALUE = re.compile(r"^ext:[A-Za-z0-9.\-_]+$")

S = TypeVar("S", bound="Base")


class AchievementType(str, enum.Enum):
    ACHIEVEMENT = "Achievement"
    APPRENTICESHIP_CERTIFICATE = "ApprenticeshipCertificate"
    ASSESSMENT = "Assessment"
    ASSIGNMENT = "Assignment"
    ASSOCIATE_DEGREE = "AssociateDegree"
    AWARD = "Award"
    BADGE = "Badge"
    BACHELOR_DEGREE = "BachelorDegree"
    CERTIFICATE = "Certificate"
    CERTIFICATE_OF_COMPLETION = "CertificateOfCompletion"
    CERTIFICATION = "Certification"
    COMMUNITY_SERVICE = "CommunityService"
    COMPETENCY = "Competency"
    COURSE = "Course"
    CO_CURRICULAR = "CoCurricular"
    DEGREE = "Degree"
    DIPLOMA = "Diploma"
    DOCTORAL_DEGREE = "DoctoralDegree"
    FIELDWORK = "Fieldwork"
    GENERAL_EDUCATION_DEVELOPMENT = "GeneralEducationDevelopment"
    JOURNEYMAN_CERTIFICATE = "JourneymanCertificate"
    LEARNING_PROGRAM = "LearningProgram"
    LICENSE = "License"
    MEMBERSHIP = "Membership"
    PROFESSIONAL_DOCTORATE = "ProfessionalDoctorate"
    QUALITY_ASSURANCE_CREDENTIAL = "QualityAssuranceCredential"
    MASTER_CERTIFICATE = "MasterCertificate"
    MASTER_DEGREE = "MasterDegree"
    MICRO_CREDENTIAL = "MicroCredential"
    RESEARCH_DOCTORATE = "ResearchDoctorate"
    SECONDARY_SCHOOL_DIPLOMA = "SecondarySchoolDiploma"


class ResultType(str, enum.Enum):
    GRADE_POINT_AVERAGE = "GradePointAverage"
    LETTER_GRADE = "LetterGrade"
    PERCENT = "Percent"
    PERFORMANCE_LEVEL = "PerformanceLevel"
    PREDICTED_SCORE = "PredictedScore"
    RAW_SCORE = "RawScore"
    RESULT = "Result"
    RUBRIC_CRITERION = "RubricCriterion"
    RUBRIC_CRITERION_LEVEL = "RubricCriterionLevel"
    RUBRIC_SCORE = "RubricScore"
    SCALED_SCORE = "ScaledScore"
    STATUS = "Status"


class AlignmentTargetType(str, enum.Enum):
    CEASN_COMPETENCY = "ceasn:Competency"
    CETERMS_CREDENTIAL = "ceterms:Credential"
    CF_ITEM = "CFItem"
    CF_RUBRIC = "CFRubric"
    CF_RUBRIC_CRITERION = "CFRubricCriterion"
    CF_RUBRIC_CRITERION_LEVEL = "CFRubricCriterionLevel"
    CTDL = "CTDL"


class ResultStatusType(str, enum.Enum):
    """Closed vocabulary: no ``ext:`` values."""
    COMPLETED = "Completed"
    ENROLLED = "Enrolled"
    FAILED = "Failed"
    IN_PROGRESS = "InProgress"
    ON_HOLD = "OnHold"
    PROVISIONAL = "Provisional"
    WITHDREW = "Withdrew"


class IdentifierType(str, enum.Enum):
    NAME = "name"
    SOURCED_ID = "sourcedId"
    SYSTEM_ID = "systemId"
    PRODUCT_ID = "productId"
    USER_NAME = "userName"
    ACCOUNT_ID = "accountId"
    EMAIL_ADDRESS = "emailAddress"
    NATIONAL_IDENTITY_NUMBER = "nationalIdentityNumber"
    ISBN = "isbn"
    ISSN = "issn"
    LIS_SOURCED_ID = "lisSourcedId"
    ONE_ROSTER_SOURCED_ID = "oneRosterSourcedId"
    SIS_SOURCED_ID = "sisSourcedId"
    LTI_CONTEXT_ID = "ltiContextId"
    LTI_DEPLOYMENT_ID = "ltiDeploymentId"
    LTI_TOOL_ID = "ltiToolId"
    LTI_PLATFORM_ID = "ltiPlatformId"
    LTI_USER_ID = "ltiUserId"
    IDENTIFIER = "identifier"


class AssociationType(str, enum.Enum):
    """Closed vocabulary (CLR 2.0 Enumeration, not EnumExt)."""
    EXACT_MATCH_OF = "exactMatchOf"
    IS_CHILD_OF = "isChildOf"
    IS_PARENT_OF = "isParentOf"
    IS_PART_OF = "isPartOf"
    IS_PEER_OF = "isPeerOf"
    IS_RELATED_TO = "isRelatedTo"
    PRECEDES = "precedes"
    REPLACED_BY = "replacedBy"


_EXTENSIBLE = {AchievementType, ResultType, AlignmentTargetType, IdentifierType}


def enum_value(kind: type[enum.Enum], value: str | enum.Enum | None, field: str) -> str | None:
    """The wire string for an enum field; extensible vocabularies also accept ``ext:Name``."""
    if value is None:
        return None
    if isinstance(value, kind):
        wire: str = value.value
        return wire
    if isinstance(value, str):
        if value in kind._value2member_map_:
            return value
        if kind in _EXTENSIBLE and _EXT_VALUE.match(value):
            return value
    hint = " (values outside the list need the ext: prefix)" if kind in _EXTENSIBLE else ""
    raise ModelError(f"{field}: {value!r} is not a {kind.__name__}{hint}", field=field, value=value)


def is_absolute_uri(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and bool(_ABSOLUTE_URI.match(value))


def require_uri(value: object, field: str) -> None:
    if not is_absolute_uri(value):
        raise ModelError(f"{field}: {value!r} is not an absolute URI", field=field, value=value)


def optional_uri(value: object, field: str) -> None:
    if value is not None:
        require_uri(value, field)


def require_text(value: object, field: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ModelError(f"{field} must be a non-empty string", field=field)


def require_aware(value: object, field: str) -> None:
    if value is None:
        return
    if not isinstance(value, datetime):
        raise ModelError(f"{field} must be a datetime", field=field)
    if value.tzinfo is None or value.utcoffset() is None:
        raise ModelError(f"{field}: {value.isoformat()} has no time zone (OB 3.0 needs DateTimeZ)",
                         field=field)


def require_type(types: Iterable[str], needed: str | tuple[str, ...], cls: str) -> None:
    """``type`` is an unordered set that must contain ``needed`` (any one of a tuple)."""
    options = (needed,) if isinstance(needed, str) else needed
    types = tuple(types)
    if not types or not any(t in types for t in options):
        raise ModelError(f"{cls}.type must contain {' or '.join(repr(o) for o in options)}",
                         field="type", value=list(types))


def format_datetime(value: datetime) -> str:
    """ISO 8601 in UTC with a ``Z``; microseconds only when present."""
    text = value.astimezone(UTC).replace(tzinfo=None).isoformat()
    return text + "Z"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _article(word: str) -> str:
    return "an " if word[:1] in "aeiou" else "a "


_ALWAYS = frozenset({"type", "context"})


@functools.cache
def _fields(cls: type) -> tuple[Any, ...]:
    # msgspec.structs.fields re-reads the class annotations on every call; they never change.
    return msgspec.structs.fields(cls)


def _plain(value: Any) -> Any:
    """Structs to dicts. Unlike ``omit_defaults`` this keeps ``type`` and ``@context``, which
    have defaults only for convenience but are required on the wire."""
    if isinstance(value, msgspec.Struct):
        out: dict[str, Any] = {}
        for f in _fields(type(value)):
            item = getattr(value, f.name)
            if f.name not in _ALWAYS and (item is None or item == f.default):
                continue
            out[f.encode_name] = _plain(item)
        # Readers expect @context, id and type first; JSON objects are otherwise unordered.
        head = {k: out.pop(k) for k in ("@context", "id", "type") if k in out}
        return {**head, **out}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _clean(value: Any) -> Any:
    """App. A.1: drop nulls and empty arrays/objects; datetimes to DateTimeZ strings."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            item = _clean(item)
            if item is None or item == [] or item == {}:
                continue
            out[key] = item
        return out
    if isinstance(value, (list, tuple)):
        return [c for c in (_clean(v) for v in value) if c is not None]
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


class Base(msgspec.Struct, frozen=True, kw_only=True, rename="camel", omit_defaults=True):
    """Every model class: immutable, camelCase on the wire, defaults left out.

    Required properties default to None and are listed in ``_required``: a missing one is a
    ModelError whether the object comes from Python or from JSON (never a bare TypeError)."""

    _required: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        for name in self._required:
            value = getattr(self, name)
            if value is None or value == "" or value == ():
                wire = _camel(name)
                raise ModelError(f"{type(self).__name__} needs {_article(wire)}{wire}", field=wire)
        self._validate()

    def _validate(self) -> None:
        """Per-class rules beyond presence; runs after the required check."""

    def to_jsonld(self) -> dict[str, Any]:
        document: dict[str, Any] = _clean(_plain(self))
        return document

    @classmethod
    def from_jsonld(cls: type[S], data: dict[str, Any]) -> S:
        """Build from a JSON-LD object. Unknown properties are ignored, so this is for reading
        definitions (achievements, profiles), never for re-serializing a signed credential."""
        if not isinstance(data, dict):
            raise ModelError(f"{cls.__name__} must be a JSON object", value=type(data).__name__)
        try:
            return msgspec.convert(_arrays_for(cls, data), type=cls)
        except msgspec.ValidationError as exc:
            raise ModelError(f"{cls.__name__}: {exc}") from exc


@functools.cache
def _type_info(cls: type) -> Any:
    # msgspec rebuilds this by re-evaluating every annotation on each call (~1 ms per class);
    # a Struct class never changes, so once per class is enough.
    return msgspec.inspect.type_info(cls)


def _arrays_for(cls: type, data: Any) -> Any:
    """JSON-LD lets a single value stand for a one-element set; the model always holds tuples,
    so wrap compacted values of array-typed fields before conversion (recursively)."""
    if not isinstance(data, dict) or not (isinstance(cls, type) and issubclass(cls, msgspec.Struct)):
        return data
    info = _type_info(cls)
    out = dict(data)
    for field in info.fields:
        name = field.encode_name
        if name not in out:
            continue
        out[name] = _arrays_value(field.type, out[name])
    return out


def _arrays_value(t: Any, value: Any) -> Any:
    from msgspec import inspect as mi

    if isinstance(t, mi.UnionType):
        for member in t.types:
            if isinstance(member, (mi.StructType, mi.VarTupleType, mi.ListType)):
                return _arrays_value(member, value)
        return value
    if isinstance(t, (mi.VarTupleType, mi.ListType)):
        if not isinstance(value, list):
            value = [value]
        return [_arrays_value(t.item_type, v) for v in value]
    if isinstance(t, mi.StructType) and isinstance(value, dict):
        return _arrays_for(t.cls, value)
    return value
