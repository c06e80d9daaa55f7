"""HTTP bodies of the catalog (msgspec, camelCase on the wire): frameworks, achievements and the
public documents behind the URLs inside a badge. Never Table rows: the ``*_out`` builders read
``issuer.catalog.rows``."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec

from issuer.catalog.rows import AchievementRow, CompetencyRow, FrameworkDetail, FrameworkRow
from issuer.web.dto_types import MAX_LIST, Code, Id, Keyword, Name, Ref, Text, Url, check_rubric

Ids = Annotated[list[Id], msgspec.Meta(max_length=MAX_LIST)]


class Base(msgspec.Struct, kw_only=True, rename="camel", forbid_unknown_fields=False):
    pass


class Out(msgspec.Struct, kw_only=True, rename="camel"):
    """A response body: every field is sent, ``None`` as ``null``."""


# --- in ------------------------------------------------------------------------------------------
class CompetencyIn(Base):
    code: Code
    name: Text
    description: Text = ""
    url: Url = ""
    parent: Annotated[str, msgspec.Meta(max_length=128)] = ""  # the code of the competency it sits under


class FrameworkIn(Base):
    kind: Keyword
    name: Name
    version: Keyword = ""
    competencies: Annotated[list[CompetencyIn], msgspec.Meta(max_length=5000)] = []
    school_id: Id | None = None


class AchievementIn(Base):
    name: Name
    description: Text
    rubric: dict[str, Any]
    criteria: Text = ""
    alignments: Ids = []
    prerequisites: Annotated[list[Ref], msgspec.Meta(max_length=MAX_LIST)] = []
    second_rater: bool = False
    achievement_type: Keyword = "Competency"
    area: Keyword | None = None
    subject: Code = ""
    school_id: Id | None = None

    def __post_init__(self) -> None:
        check_rubric(self.rubric)


# --- out -----------------------------------------------------------------------------------------
def iso(value: datetime) -> str:
    return value.isoformat()


class CompetencyOut(Out):
    id: int
    code: str
    name: str
    kind: str
    description: str
    url: str | None
    parent: str | None  # the code of the competency it sits under; null at the top
    position: int  # its place among its siblings


class FrameworkOut(Out):
    id: str
    kind: str
    name: str
    version: str
    source: str
    source_uri: str | None
    created_at: str
    competencies: list[CompetencyOut] | msgspec.UnsetType = msgspec.UNSET  # a single framework's, not a list's


def competency_out(c: CompetencyRow) -> CompetencyOut:
    return CompetencyOut(id=c.id, code=c.code, name=c.name, kind=c.kind, description=c.description, url=c.url or None,
                         parent=c.parent_code or None, position=c.position)


def framework_out(fw: FrameworkRow) -> FrameworkOut:
    return FrameworkOut(id=str(fw.uuid), kind=fw.kind, name=fw.name, version=fw.version, source=fw.source,
                        source_uri=fw.source_uri or None, created_at=iso(fw.created_at),
                        competencies=([competency_out(c) for c in fw.competencies]
                                      if isinstance(fw, FrameworkDetail) else msgspec.UNSET))


class AchievementOut(Out):
    id: str
    url: str
    name: str
    description: str
    criteria: str
    achievement_type: str
    area: str | None
    subject: str | None
    image: str | None
    alignments: list[int]
    rubric: dict[str, Any]
    prerequisites: list[int]
    second_rater: bool
    created_at: str
    version: int = 1  # editing an awarded achievement makes a new version, with a new id


def achievement_out(a: AchievementRow, base_url: str) -> AchievementOut:
    url = f"{base_url}/achievements/{a.uuid}"
    return AchievementOut(id=str(a.uuid), url=url, name=a.name, description=a.description, criteria=a.criteria,
                          achievement_type=a.achievement_type, area=a.area or None, subject=a.subject or None,
                          image=f"{url}/image" if a.image_sha256 else None, alignments=a.alignments,
                          rubric=a.rubric, prerequisites=a.prerequisites, second_rater=a.second_rater,
                          created_at=iso(a.created_at), version=a.version)


# --- public documents behind a badge's URLs --------------------------------------------------------
class FrameworkRef(Out):
    id: str
    name: str
    version: str | None


class CompetencyDoc(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """A competency of a school's own framework (``alignment.targetUrl``); no ``description`` when empty."""
    id: str
    type: str
    code: str
    name: str
    description: str | None = None
    kind: str
    kind_label: str
    framework: FrameworkRef

