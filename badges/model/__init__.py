"""The OB 3.0 / CLR 2.0 data model as immutable msgspec Structs.

Build objects in Python, then ``.to_jsonld()`` for the wire form (arrays for every
multi-valued property, no nulls, DateTimeZ). ``Cls.from_jsonld(dict)`` reads definitions
back; never use it to re-serialize a signed credential (sign the dict, store the bytes).
"""
from badges.model.achievement import (
    Achievement,
    Alignment,
    Criteria,
    Evidence,
    Result,
    ResultDescription,
    RubricCriterionLevel,
)
from badges.model.base import (
    CLR_V2P0,
    OB_V3P0,
    VC_V2,
    AchievementType,
    AlignmentTargetType,
    AssociationType,
    IdentifierType,
    ResultStatusType,
    ResultType,
    format_datetime,
    is_absolute_uri,
)
from badges.model.clr import CLR_SCHEMA, Association, ClrCredential, ClrSubject
from badges.model.credential import (
    OB_ACHIEVEMENT_SCHEMA,
    OB_ENDORSEMENT_SCHEMA,
    SCHEMA_VALIDATOR_TYPE,
    AchievementCredential,
    AchievementSubject,
    CredentialSchema,
    CredentialStatus,
    EndorsementCredential,
    EndorsementSubject,
)
from badges.model.profile import Address, GeoCoordinates, IdentifierEntry, IdentityObject, Image, Profile

__all__ = [
    "CLR_SCHEMA", "CLR_V2P0", "OB_ACHIEVEMENT_SCHEMA", "OB_ENDORSEMENT_SCHEMA", "OB_V3P0",
    "SCHEMA_VALIDATOR_TYPE", "VC_V2",
    "Achievement", "AchievementCredential", "AchievementSubject", "AchievementType", "Address",
    "Alignment", "AlignmentTargetType", "Association", "AssociationType", "ClrCredential",
    "ClrSubject", "CredentialSchema", "CredentialStatus", "Criteria", "EndorsementCredential",
    "EndorsementSubject", "Evidence", "GeoCoordinates", "IdentifierEntry", "IdentifierType",
    "IdentityObject", "Image", "Profile", "Result", "ResultDescription", "ResultStatusType",
    "ResultType", "RubricCriterionLevel", "format_datetime", "is_absolute_uri",
]
