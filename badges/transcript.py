"""CLR 2.0 transcript: bundle a learner's signed badges, then read them back as plain view data.

``build_clr`` returns an unsigned ``ClrCredential`` whose ``credentialSubject.verifiableCredential``
holds each badge exactly as it was signed (a deep copy, never normalised), so every nested proof
still verifies. ``transcript_view`` turns a CLR into frozen dataclasses for the templates; every
fact it shows comes from the bundled credentials themselves, read with the rule below (written
down in docs/CONTRACTS.md under ``badges.transcript`` so that the issuer writes what we read).

How a badge says where it belongs (the issuer follows this when it builds the Achievement):

* area: ``achievement.tag`` holds exactly one of ``area:academic``, ``area:habits``, ``area:elo``.
  A badge with no area tag (e.g. one from another issuer) is listed apart, never in an area.
  One competency of an academic or habits badge whose own kind is the other of the two is
  named by a tag ``area:<academic|habits>:<targetUrl>`` and is listed under that area (badge
  classes made before the two were kept apart); an academic one under the badge's subject.
* subject (academic): ``achievement.tag`` ``subject:<Name>``, else ``achievement.fieldOfStudy``.
* competencies: each ``achievement.alignment`` is one competency (identity = ``targetUrl``; shown
  with ``targetCode`` and ``targetName``); no alignment → the achievement is its own competency.
* level: ``result[].achievedLevel`` names a ``RubricCriterionLevel`` of the matching
  ``resultDescription``; its scale value is ``points`` (else ``level``, else its ``name`` matched
  against the school's scale). A ResultDescription with an ``alignment`` rates those competencies
  only; the badge's unaligned criteria rate every competency of the badge, at their lowest level
  (every criterion reached it). Across badges the highest level wins; its date is the
  ``awardedDate``/``validFrom`` of the first badge that reached it.
* extended learning: partner organisation = ``credentialSubject.source`` (a Profile: the
  organisation that assessed the learner on the school's behalf); hours = a ``result`` whose
  ResultDescription has ``resultType: "ext:Hours"`` (``value`` = hours), else an achievement tag
  ``hours:<n>``; mentor attestation = an ``evidence`` item with ``genre: "Mentor attestation"``
  (``name`` = mentor, ``narrative`` = the attestation); dates = ``activityStartDate``/``EndDate``.
* evidence behind a competency = the ``evidence`` items of the valid badges that rate it.
* credit equivalents: ``credit_map`` (competency ``targetUrl``/``targetCode``/id → text), else a
  badge's ``credentialSubject.creditsEarned``.
* external learning (issue 14): a badge the learner earned with another organisation and chose to
  carry. It is bundled unchanged (its own issuer and proof) after the school's badges, and its
  achievement ``isPartOf`` one grouping Achievement node, ``EXTERNAL_LEARNING_ID``
  (``achievementType`` ``ext:ExternalLearning``). No competency node or ``isChildOf`` link is
  derived from it, and the view lists it apart (``TranscriptView.external``), never in an area or
  a count of the school's. The link, not the issuer id, decides: a school on did:key changes its
  issuer id when it rotates keys, and its older badges are still its own.
"""
from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol

from badges.errors import ModelError, RubricError
from badges.json_types import JsonObject
from badges.rubric_reader import read_rubric

__all__ = [
    "AREAS",
    "AREA_TAGS",
    "CLR_CONTEXTS",
    "CLR_SCHEMA_URL",
    "BadgeRef",
    "CompetencyRow",
    "EXTERNAL_LEARNING_ID",
    "ExperienceRow",
    "ExternalCheck",
    "ExternalRow",
    "LevelKey",
    "SubjectGroup",
    "TranscriptView",
    "build_clr",
    "competency_nodes",
    "external_ids",
    "transcript_view",
]

VC_V2 = "https://www.w3.org/ns/credentials/v2"
CLR_V2P0 = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
OB_V3P0 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
# credentialSchema's type 1EdTechJsonSchemaValidator2019 is defined only here (STANDARDS §3).
OB_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
CLR_CONTEXTS = (VC_V2, CLR_V2P0, OB_V3P0, OB_EXTENSIONS)
CLR_SCHEMA_URL = "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json"

AREAS = ("academic", "habits", "elo")
AREA_TAGS = {f"area:{a}": a for a in AREAS}
STATUSES = ("active", "expired", "revoked", "suspended")
_COUNTED = {"active", "expired"}
HOURS_RESULT_TYPE = "ext:Hours"
MENTOR_GENRE = "Mentor attestation"
# Fixed namespace so a competency gets the same CLR node id in every transcript of every learner.
_COMPETENCY_NS = uuid.UUID("6f1b2c1e-3d7a-5b6e-9c1d-2a4b8e0f7c31")
# The one grouping node of external learning: the same id in every record, so a reader can key on it.
EXTERNAL_LEARNING_ID = f"urn:uuid:{uuid.uuid5(_COMPETENCY_NS, 'external-learning')}"
EXTERNAL_LEARNING_TYPE = "ext:ExternalLearning"


# ----------------------------------------------------------------------------------------- build

def build_clr(credentials: Iterable[JsonObject | str | bytes], *, learner: Mapping[str, Any], issuer: Mapping[str, Any],
              clr_id: str, issued_at: datetime, achievements: Sequence[JsonObject] = (),
              associations: Sequence[JsonObject] = (), partial: bool = False, name: str | None = None,
              description: str | None = None, external: Iterable[JsonObject | str | bytes] = ()) -> JsonObject:
    """An unsigned ClrCredential bundling ``credentials`` unchanged (CLR 2.0 ClrCredential).

    ``learner`` carries ``id`` and/or ``identifier`` (IdentityObjects) and ``name``. Competency
    Achievement nodes and badge→competency ``isChildOf`` Associations are derived from the badges'
    alignments and merged with any given ones (first occurrence of an id wins).

    ``external``: credentials from other issuers the learner chose to carry (the module's rule);
    each must be a VC 2.0 JSON credential with an achievement id, else ``ModelError``.
    """
    if issued_at.tzinfo is None:
        raise ValueError("issued_at must carry a time zone")
    if not clr_id or ":" not in clr_id:
        raise ValueError("clr_id must be an absolute URI")
    bundled = [_parse_credential(c, i) for i, c in enumerate(credentials)]
    if not bundled:
        raise ModelError("a transcript needs at least one credential (ClrSubject.verifiableCredential is 1..*)")
    outside = [_parse_external(c, i) for i, c in enumerate(external)]
    ours = {_achievement_id(c) for c in bundled} | {c.get("id") for c in bundled}
    for i, cred in enumerate(outside):
        if _achievement_id(cred) in ours or cred.get("id") in ours:
            # the isPartOf link would then take one of the school's badges out of its areas
            raise ModelError(f"external credential #{i} shares an id with one of the school's badges", index=i)
    subject: dict[str, Any] = {"type": ["ClrSubject"]}
    learner_id = learner.get("id")
    identifier = list(learner.get("identifier") or [])
    if not learner_id and not identifier:
        raise ModelError("the learner needs an id or at least one identifier (ClrSubject)")
    if learner_id:
        subject["id"] = learner_id
        for i, cred in enumerate([*bundled, *outside]):
            other = (cred.get("credentialSubject") or {}).get("id")
            if other and other != learner_id:
                raise ModelError(f"credential {cred.get('id', i)!r} is about {other!r}, not {learner_id!r}",
                                 credential=cred.get("id"))
    who = learner.get("name")
    if who and not any(isinstance(i, dict) and i.get("identityType") == "name" for i in identifier):
        # OB IdentityObject with identityType "name", unhashed: how a record names its learner.
        identifier.append({"type": "IdentityObject", "identityHash": str(who), "identityType": "name",
                           "hashed": False})
    if identifier:
        subject["identifier"] = copy.deepcopy(identifier)
    subject["verifiableCredential"] = [*bundled, *outside]

    creator = {k: issuer[k] for k in ("id", "type", "name") if k in issuer}
    derived_nodes, derived_links = competency_nodes(bundled, creator=creator)  # the school's badges only
    if outside:
        derived_nodes.append(_external_node(creator))
        derived_links += [{"type": "Association", "associationType": "isPartOf",
                           "sourceId": _achievement_id(c), "targetId": EXTERNAL_LEARNING_ID} for c in outside]
    nodes = _dedupe([*achievements, *derived_nodes], key=lambda a: a.get("id"))
    links = _dedupe([*associations, *derived_links],
                    key=lambda a: (a.get("associationType"), a.get("sourceId"), a.get("targetId")))
    if nodes:
        subject["achievement"] = [copy.deepcopy(a) for a in nodes]
    if links:
        subject["association"] = [copy.deepcopy(a) for a in links]

    clr: dict[str, Any] = {
        "@context": list(CLR_CONTEXTS),
        "id": clr_id,
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": copy.deepcopy(dict(issuer)),
        "name": name or (f"Competency transcript of {who}" if who else "Competency transcript"),
        "validFrom": _iso(issued_at),
        "awardedDate": _iso(issued_at),
        "credentialSubject": subject,
        "credentialSchema": [{"id": CLR_SCHEMA_URL, "type": "1EdTechJsonSchemaValidator2019"}],
    }
    if description:
        clr["description"] = description
    if partial:
        clr["partial"] = True
    _validate(clr)
    return clr


def competency_nodes(credentials: Iterable[JsonObject], *,
                     creator: Mapping[str, Any]) -> tuple[list[JsonObject], list[JsonObject]]:
    """Competency-level Achievement nodes and badge-achievement ``isChildOf`` competency links."""
    nodes: dict[str, JsonObject] = {}
    links: list[JsonObject] = []
    for cred in credentials:
        ach = _achievement(cred)
        if not ach or not ach.get("alignment"):
            continue
        tags = _list(ach.get("tag"))
        keep_tags = [t for t in tags if isinstance(t, str) and (t in AREA_TAGS or t.startswith("subject:"))]
        for align in _list(ach.get("alignment")):
            if not isinstance(align, dict) or not align.get("targetUrl"):
                continue
            node_id = competency_node_id(align["targetUrl"])
            if node_id not in nodes:
                label = align.get("targetName") or align["targetUrl"]
                node = {
                    "id": node_id,
                    "type": ["Achievement"],
                    "achievementType": "Competency",
                    "name": label,
                    "description": align.get("targetDescription") or label,
                    "criteria": {"narrative": "Shown by the badges associated with this competency "
                                              "in this record."},
                    "alignment": [copy.deepcopy(align)],
                }
                if align.get("targetCode"):
                    node["humanCode"] = align["targetCode"]
                if keep_tags:
                    node["tag"] = keep_tags
                if creator.get("id"):
                    node["creator"] = {"type": ["Profile"], **dict(creator)}
                nodes[node_id] = node
            if ach.get("id"):
                links.append({"type": "Association", "associationType": "isChildOf",
                              "sourceId": ach["id"], "targetId": node_id})
    return list(nodes.values()), links


def competency_node_id(target_url: str) -> str:
    return f"urn:uuid:{uuid.uuid5(_COMPETENCY_NS, target_url)}"


def _parse_credential(raw: JsonObject | str | bytes, index: int) -> JsonObject:
    if isinstance(raw, (str, bytes, bytearray)):
        try:
            raw = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ModelError(f"credential #{index} is not JSON: {exc}", index=index) from None
    if not isinstance(raw, dict):
        raise ModelError(f"credential #{index} is not a JSON object (compact JWS badges cannot be bundled here)",
                         index=index)
    types = _list(raw.get("type"))
    if "VerifiableCredential" not in types or not isinstance(raw.get("credentialSubject"), dict):
        raise ModelError(f"credential #{index} is not a verifiable credential with a credentialSubject",
                         index=index)
    return copy.deepcopy(raw)


def _parse_external(raw: JsonObject | str | bytes, index: int) -> JsonObject:
    """An external credential as it can sit in a CLR: a VC 2.0 JSON object (the CLR schema's
    VerifiableCredential: ``@context`` starts with credentials/v2) with an achievement id."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, (bytes, bytearray)) else raw
    if isinstance(text, str) and text.strip().count(".") == 2 and not text.strip().startswith("{"):
        raise ModelError(f"external credential #{index} is a compact JWS (VC-JWT): its proof is outside the JSON, "
                         "and a CLR 2.0 record holds each credential as a JSON object", index=index)
    try:
        cred = _parse_credential(raw, index)
    except ModelError as exc:
        raise ModelError(f"external {exc}", index=index) from None
    contexts = _list(cred.get("@context"))
    if not contexts or contexts[0] != VC_V2:
        raise ModelError(f"external credential #{index} is not a VC 2.0 credential (its first @context is not "
                         f"{VC_V2}), so a CLR 2.0 record cannot carry it", index=index)
    if not _achievement_id(cred) or not isinstance(cred.get("id"), str):
        raise ModelError(f"external credential #{index} names no credential id or no achievement id", index=index)
    return cred


def _achievement_id(cred: JsonObject) -> str:
    ach = _achievement(cred) or {}
    value = ach.get("id")
    return value if isinstance(value, str) else ""


def _external_node(creator: Mapping[str, Any]) -> JsonObject:
    """The grouping node: the school made the grouping, not the achievements in it."""
    node: dict[str, Any] = {
        "id": EXTERNAL_LEARNING_ID,
        "type": ["Achievement"],
        "achievementType": EXTERNAL_LEARNING_TYPE,
        "name": "External learning (verified, issued by others)",
        "description": "Achievements the learner earned with other organisations and chose to include. Each is "
                       "carried exactly as its own issuer signed it; the publisher of this record did not award "
                       "or assess them, and they are not counted among its competencies.",
        "criteria": {"narrative": "Part of this group: each credential whose achievement isPartOf this node. "
                                  "Each verified when the record was issued."},
    }
    if creator.get("id"):
        node["creator"] = {"type": ["Profile"], **dict(creator)}
    return node


def external_ids(clr: Mapping[str, Any]) -> set[str]:
    """The ids of the bundled credentials that are external learning (the module's rule)."""
    subject = clr.get("credentialSubject")
    if not isinstance(subject, dict):
        return set()
    parts = {a.get("sourceId") for a in _list(subject.get("association"))
             if isinstance(a, dict) and a.get("associationType") == "isPartOf"
             and a.get("targetId") == EXTERNAL_LEARNING_ID}
    return {str(c.get("id")) for c in _list(subject.get("verifiableCredential"))
            if isinstance(c, dict) and c.get("id") and _achievement_id(c) in parts}


def _validate(clr: JsonObject) -> None:
    from badges import schema  # the engine's cached validator (jsonschema-rs), loaded on first use

    schema.validate(clr, "clr")


# ------------------------------------------------------------------------------------------ view

class ScaleLevel(Protocol):
    value: int
    name: str
    description: str


@dataclass(frozen=True)
class LevelKey:
    value: int
    name: str
    description: str

    @property
    def label(self) -> str:
        return f"{self.value} · {self.name}"


@dataclass(frozen=True)
class BadgeRef:
    id: str
    name: str
    issued_on: date | None
    status: str  # "active" | "expired"
    level: int | None
    evidence_count: int
    issuer_name: str = ""

    @property
    def expired(self) -> bool:
        return self.status == "expired"


@dataclass(frozen=True)
class CompetencyRow:
    id: str
    code: str
    name: str
    framework: str
    level: LevelKey | None
    reached_on: date | None
    badges: tuple[BadgeRef, ...]  # the badges at the highest level, first reached first
    badge_count: int  # every valid badge that rates this competency
    evidence_count: int
    credit: str | None

    @property
    def level_label(self) -> str:
        return self.level.label if self.level else "Demonstrated"

    @property
    def expired(self) -> bool:
        return bool(self.badges) and all(b.expired for b in self.badges)


@dataclass(frozen=True)
class SubjectGroup:
    name: str
    competencies: tuple[CompetencyRow, ...]


@dataclass(frozen=True)
class ExperienceRow:
    badge: BadgeRef
    name: str
    partner: str | None
    partner_url: str | None
    hours: float | None
    mentor: str | None
    attestation: str | None
    start: date | None
    end: date | None
    level: LevelKey | None
    competencies: tuple[str, ...]
    credit: str | None

    @property
    def level_label(self) -> str:
        return self.level.label if self.level else "Completed"

    @property
    def hours_label(self) -> str:
        if self.hours is None:
            return ""
        return f"{self.hours:g} hours"


@dataclass(frozen=True)
class ExternalCheck:
    """What a check of an external credential found now (the caller's verifier, not ours to run)."""

    verified: bool
    message: str = ""


@dataclass(frozen=True)
class ExternalRow:
    """A credential from another issuer, carried at the learner's request (never the school's)."""

    id: str
    name: str
    issuer_name: str
    issuer_id: str
    issued_on: date | None
    check: ExternalCheck | None  # None: not checked for this showing

    @property
    def verified(self) -> bool | None:
        return None if self.check is None else self.check.verified


@dataclass(frozen=True)
class TranscriptView:
    id: str
    title: str
    school_name: str
    school_url: str | None
    school_address: tuple[str, ...]
    school_logo: str | None  # a data: URI only (PDFs never fetch)
    learner_name: str
    learner_id: str | None
    issued_on: date | None
    academic: tuple[SubjectGroup, ...]
    habits: tuple[CompetencyRow, ...]
    elo: tuple[ExperienceRow, ...]
    other: tuple[BadgeRef, ...]
    level_key: tuple[LevelKey, ...]
    left_out: int  # revoked or suspended badges found in the record and not shown
    expired_count: int
    partial: bool = False
    badges: tuple[BadgeRef, ...] = field(default=())  # every counted badge, in record order
    external: tuple[ExternalRow, ...] = field(default=())  # other issuers' credentials, apart

    @property
    def is_empty(self) -> bool:
        return not (self.academic or self.habits or self.elo or self.other)


def transcript_view(clr: Mapping[str, Any], *, scale: Sequence[ScaleLevel], statuses: Mapping[str, str],
                    credit_map: Mapping[str, str] | None = None, now: datetime | None = None,
                    external_checks: Mapping[str, ExternalCheck] | None = None) -> TranscriptView:
    """Plain, grouped view data of a CLR: academic by subject, habits of work, extended learning.

    ``statuses`` maps each bundled credential id of the school to active | expired | revoked |
    suspended (the issuer's records); a credential missing from it is a caller mistake
    (``ValueError``), so a badge is never shown by accident. With ``now``, a past ``validUntil``
    also marks it expired. External learning (the module's rule) needs no status: it is listed
    apart with its ``external_checks`` entry (by credential id), if any.
    """
    key = tuple(LevelKey(int(s.value), str(s.name), str(getattr(s, "description", "") or "")) for s in scale)
    if not key:
        raise ValueError("the school's scale has no levels")
    by_value = {k.value: k for k in key}
    credit_map = credit_map or {}
    subject = clr.get("credentialSubject") or {}
    everything = [c for c in _list(subject.get("verifiableCredential")) if isinstance(c, dict)]
    outside = external_ids(clr)
    creds = [c for c in everything if c.get("id") not in outside]
    checks = external_checks or {}
    external = tuple(_external_row(c, checks.get(str(c["id"]))) for c in everything if c.get("id") in outside)

    counted: list[tuple[JsonObject, BadgeRef]] = []
    left_out = 0
    for cred in creds:
        cid = cred.get("id")
        if not cid or cid not in statuses:
            raise ValueError(f"no status given for bundled credential {cid!r}")
        status = statuses[cid]
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r} for {cid!r} (expected one of {', '.join(STATUSES)})")
        if status == "active" and now is not None and _expired(cred, now):
            status = "expired"
        if status not in _COUNTED:
            left_out += 1
            continue
        counted.append((cred, _badge_ref(cred, status, key)))

    academic: dict[str, dict[str, _Acc]] = {}
    habits: dict[str, _Acc] = {}
    elo: list[ExperienceRow] = []
    other: list[BadgeRef] = []
    for cred, ref in counted:
        ach = _achievement(cred) or {}
        area = _area(ach)
        if area is None:
            other.append(ref)
            continue
        rated = _competency_levels(cred, key)
        if area == "elo":
            elo.append(_experience(cred, ref, rated, by_value, credit_map))
            continue
        kinds = _competency_areas(ach)
        for comp, level in rated:
            where = kinds.get(comp.id, area)
            target = habits if where == "habits" else academic.setdefault(_subject_name(ach), {})
            target.setdefault(comp.id, _Acc(comp)).add(ref, level, cred)

    issuer = clr.get("issuer") or {}
    image = issuer.get("image")
    logo = image.get("id") if isinstance(image, dict) else image
    return TranscriptView(
        id=str(clr.get("id", "")),
        title=str(clr.get("name") or "Competency transcript"),
        school_name=str(issuer.get("name") or issuer.get("id") or ""),
        school_url=issuer.get("url"),
        school_address=_address_lines(issuer.get("address")),
        school_logo=logo if isinstance(logo, str) and logo.startswith("data:image/") else None,
        learner_name=_learner_name(subject, creds),
        learner_id=subject.get("id"),
        issued_on=_date(clr.get("awardedDate") or clr.get("validFrom")),
        academic=tuple(SubjectGroup(name, _rows(accs, by_value, credit_map))
                       for name, accs in sorted(academic.items(), key=lambda kv: kv[0].casefold())),
        habits=_rows(habits, by_value, credit_map),
        elo=tuple(sorted(elo, key=lambda e: (e.start or date.max, e.name.casefold()))),
        other=tuple(other),
        level_key=key,
        left_out=left_out,
        expired_count=sum(1 for _, r in counted if r.expired),
        partial=bool(clr.get("partial")),
        badges=tuple(r for _, r in counted),
        external=external,
    )


def _external_row(cred: JsonObject, check: ExternalCheck | None) -> ExternalRow:
    ach = _achievement(cred) or {}
    issuer = cred.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    issuer_name = issuer.get("name") if isinstance(issuer, dict) else None
    return ExternalRow(
        id=str(cred.get("id", "")), name=str(ach.get("name") or cred.get("name") or "Badge"),
        issuer_name=str(issuer_name or issuer_id or ""), issuer_id=str(issuer_id or ""),
        issued_on=_date((cred.get("credentialSubject") or {}).get("awardedDate") or cred.get("awardedDate")
                        or cred.get("validFrom")),
        check=check)


@dataclass(frozen=True)
class _Competency:
    id: str
    code: str
    name: str
    framework: str


class _Acc:
    """Everything the valid badges say about one competency."""

    def __init__(self, comp: _Competency) -> None:
        self.comp = comp
        self.best: int | None = None
        self.best_badges: list[BadgeRef] = []
        self.badge_ids: set[str] = set()
        self.evidence = 0
        self.credits: list[str] = []

    def add(self, ref: BadgeRef, level: int | None, cred: JsonObject) -> None:
        if ref.id not in self.badge_ids:
            self.badge_ids.add(ref.id)
            self.evidence += ref.evidence_count
            earned = (cred.get("credentialSubject") or {}).get("creditsEarned")
            if isinstance(earned, (int, float)) and earned > 0:
                self.credits.append(f"{earned:g}")
        rank = -1 if level is None else level
        best = -1 if self.best is None else self.best
        if rank > best or not self.best_badges:
            self.best, self.best_badges = level, [ref]
        elif rank == best and ref not in self.best_badges:
            self.best_badges.append(ref)


def _rows(accs: Mapping[str, _Acc], by_value: Mapping[int, LevelKey], credit_map: Mapping[str, str]
          ) -> tuple[CompetencyRow, ...]:
    rows = []
    for acc in accs.values():
        firsts = sorted(acc.best_badges, key=lambda b: (b.issued_on or date.max, b.name))
        comp = acc.comp
        credit = _credit(credit_map, comp.id, comp.code)
        if credit is None and acc.credits:
            credit = " + ".join(acc.credits) + " credit" + ("" if acc.credits == ["1"] else "s")
        rows.append(CompetencyRow(
            id=comp.id, code=comp.code, name=comp.name, framework=comp.framework,
            level=by_value.get(acc.best) if acc.best is not None else None,
            reached_on=firsts[0].issued_on if firsts else None,
            badges=tuple(firsts), badge_count=len(acc.badge_ids), evidence_count=acc.evidence,
            credit=credit))
    return tuple(sorted(rows, key=lambda r: (r.code.casefold() or "\uffff", r.name.casefold())))


def _experience(cred: JsonObject, ref: BadgeRef, rated: list[tuple[_Competency, int | None]],
                by_value: Mapping[int, LevelKey], credit_map: Mapping[str, str]) -> ExperienceRow:
    subj = cred.get("credentialSubject") or {}
    ach = _achievement(cred) or {}
    source_value = subj.get("source")
    source: JsonObject = source_value if isinstance(source_value, dict) else {}
    mentor: JsonObject | None = next((e for e in _list(cred.get("evidence"))
                   if isinstance(e, dict) and e.get("genre") == MENTOR_GENRE), None)
    levels = [lvl for _, lvl in rated if lvl is not None]
    credit = next((c for comp, _ in rated if (c := _credit(credit_map, comp.id, comp.code))), None)
    credit = credit or _credit(credit_map, str(ach.get("id", "")), str(ach.get("humanCode", "")))
    earned = subj.get("creditsEarned")
    if credit is None and isinstance(earned, (int, float)) and earned > 0:
        credit = f"{earned:g} credit" + ("" if earned == 1 else "s")
    return ExperienceRow(
        badge=ref, name=str(ach.get("name") or ref.name), partner=source.get("name"),
        partner_url=source.get("url"), hours=_hours(cred, ach),
        mentor=mentor.get("name") if mentor else None,
        attestation=(mentor.get("narrative") or mentor.get("description")) if mentor else None,
        start=_date(subj.get("activityStartDate")), end=_date(subj.get("activityEndDate")),
        level=by_value.get(max(levels)) if levels else None,
        competencies=tuple(c.name for c, _ in rated if c.id != str(ach.get("id"))),
        credit=credit)


def _competency_levels(cred: JsonObject, key: Sequence[LevelKey]) -> list[tuple[_Competency, int | None]]:
    """(competency, level reached in this badge) for every competency the badge rates."""
    ach = _achievement(cred) or {}
    comps = []
    for align in _list(ach.get("alignment")):
        if isinstance(align, dict) and align.get("targetUrl"):
            comps.append(_Competency(id=align["targetUrl"], code=str(align.get("targetCode") or ""),
                                     name=str(align.get("targetName") or align["targetUrl"]),
                                     framework=str(align.get("targetFramework") or "")))
    if not comps:
        comps.append(_Competency(id=str(ach.get("id") or cred.get("id")), code=str(ach.get("humanCode") or ""),
                                 name=str(ach.get("name") or cred.get("name") or ""), framework=""))
    aligned: dict[Any, list[int]] = {}  # keyed by targetUrl as the badge gives it
    unaligned: list[int] = []
    # The one rubric reader decides which result belongs to which criterion and which level it reached.
    try:
        reading = read_rubric(ach, (cred.get("credentialSubject") or {}).get("result"))
    except RubricError:
        reading = None
    for criterion in reading.criteria if reading is not None else ():
        if criterion.achieved_level is None or criterion.description is None:
            continue
        level = _level_value(criterion.achieved_level, key)
        if level is None:
            continue
        targets = [a.get("targetUrl") for a in _list(criterion.description.get("alignment")) if isinstance(a, dict)]
        targets = [t for t in targets if t]
        if targets:
            for t in targets:
                aligned.setdefault(t, []).append(level)
        else:
            unaligned.append(level)
    out: list[tuple[_Competency, int | None]] = []
    for comp in comps:
        if comp.id in aligned:
            out.append((comp, max(aligned[comp.id])))
        else:
            out.append((comp, min(unaligned) if unaligned else None))
    return out


def _level_value(lvl: Mapping[str, Any], key: Sequence[LevelKey]) -> int | None:
    """A RubricCriterionLevel's place on the school's scale: ``points``, else ``level``, else its name."""
    for prop in ("points", "level"):
        try:
            return int(float(str(lvl.get(prop)).strip()))
        except (TypeError, ValueError, OverflowError):
            pass
    name = str(lvl.get("name", "")).casefold()
    return next((k.value for k in key if k.name.casefold() == name), None)


def _hours(cred: JsonObject, ach: JsonObject) -> float | None:
    kinds = {rd.get("id"): rd.get("resultType") for rd in _list(ach.get("resultDescription")) if isinstance(rd, dict)}
    for result in _list((cred.get("credentialSubject") or {}).get("result")):
        if isinstance(result, dict) and kinds.get(result.get("resultDescription")) == HOURS_RESULT_TYPE:
            number = _number(result.get("value"))
            if number is not None:
                return number
    for tag in _list(ach.get("tag")):
        if isinstance(tag, str) and tag.startswith("hours:"):
            return _number(tag[6:])
    return None


def _badge_ref(cred: JsonObject, status: str, key: Sequence[LevelKey]) -> BadgeRef:
    ach = _achievement(cred) or {}
    levels = [lvl for _, lvl in _competency_levels(cred, key) if lvl is not None]
    issuer = cred.get("issuer")
    return BadgeRef(
        id=str(cred.get("id", "")), name=str(ach.get("name") or cred.get("name") or "Badge"),
        issued_on=_date((cred.get("credentialSubject") or {}).get("awardedDate") or cred.get("awardedDate")
                        or cred.get("validFrom") or cred.get("issuanceDate")),
        status=status, level=max(levels) if levels else None,
        evidence_count=sum(1 for e in _list(cred.get("evidence")) if isinstance(e, dict)),
        issuer_name=str(issuer.get("name", "")) if isinstance(issuer, dict) else "")


def _area(ach: JsonObject) -> str | None:
    found = {AREA_TAGS[t] for t in _list(ach.get("tag")) if isinstance(t, str) and t in AREA_TAGS}
    if len(found) > 1:
        raise ModelError(f"achievement {ach.get('id')!r} is tagged with more than one area: {sorted(found)}",
                         achievement=ach.get("id"))
    return found.pop() if found else None


def _competency_areas(ach: JsonObject) -> dict[str, str]:
    """``{targetUrl: area}`` from tags ``area:<academic|habits>:<targetUrl>`` (see the module rule)."""
    out = {}
    for tag in _list(ach.get("tag")):
        if isinstance(tag, str) and tag.count(":") >= 2:
            prefix, kind, url = tag.split(":", 2)
            if prefix == "area" and kind in ("academic", "habits") and url:
                out[url] = kind
    return out


def _subject_name(ach: JsonObject) -> str:
    for tag in _list(ach.get("tag")):
        if isinstance(tag, str) and tag.startswith("subject:") and tag[8:].strip():
            return tag[8:].strip()
    return str(ach.get("fieldOfStudy") or "General")


def _achievement(cred: JsonObject) -> JsonObject | None:
    ach = (cred.get("credentialSubject") or {}).get("achievement")
    return ach if isinstance(ach, dict) else None


def _learner_name(subject: Mapping[str, Any], creds: list[JsonObject]) -> str:
    for ident in _list(subject.get("identifier")):
        if isinstance(ident, dict) and ident.get("identityType") == "name" and not ident.get("hashed"):
            return str(ident.get("identityHash"))
    for cred in creds:
        name = (cred.get("credentialSubject") or {}).get("name")
        if isinstance(name, str):
            return name
    return str(subject.get("id") or "")


def _address_lines(address: Any) -> tuple[str, ...]:
    if not isinstance(address, dict):
        return ()
    locality = " ".join(str(address[k]) for k in ("addressLocality", "addressRegion", "postalCode") if address.get(k))
    lines = [address.get("streetAddress"), locality, address.get("addressCountry")]
    return tuple(str(x) for x in lines if x)


def _credit(credit_map: Mapping[str, str], *keys: str) -> str | None:
    return next((credit_map[k] for k in keys if k and k in credit_map), None)


def _expired(cred: JsonObject, now: datetime) -> bool:
    until = _datetime(cred.get("validUntil") or cred.get("expirationDate"))
    return until is not None and until <= now


def _dedupe(items: Iterable[JsonObject], *, key: Callable[[JsonObject], Hashable]) -> list[JsonObject]:
    seen: set[Hashable] = set()
    out: list[JsonObject] = []
    for item in items:
        k = key(item)
        if k not in seen:
            seen.add(k)
            out.append(item)
    return out


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _number(value: Any) -> float | None:
    try:
        n = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return n if n >= 0 else None


def _datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _date(value: Any) -> date | None:
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    parsed = _datetime(value)
    return parsed.date() if parsed else None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
