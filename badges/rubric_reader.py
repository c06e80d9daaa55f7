"""One reading of the rubric a signed badge carries: its ``resultDescription``s against its ``result``s.

Every place that shows or judges a badge's rubric reads it here (the issuer's recheck before
signing, the verification report's rubric check, the verifier page, the transcript), so they can
never disagree about whether a criterion was met.

The rules (OB 3.0 defines the data, not the decision):

* ``requiredLevel``: the achieved level must sit at or above the required one in the
  ``rubricCriterionLevel`` list, which the spec says *should* be ordered low → high. The result
  is the one linked to the description whose ``achievedLevel`` is one of its levels, else any
  result naming one of its level ids (level ids are unambiguous; the 1EdTech "complete" sample
  links them that way). Two results for one criterion: judged by the lower, cautiously.
* ``requiredValue``: by position in ``allowedValue`` when given (again *should* be low → high),
  numerically otherwise (within ``valueMin``..``valueMax``).
* ``met`` is True / False when the recorded data can be compared, None when it cannot (no result,
  a required level that is not on the list, a value that is not a number or not allowed).

Whether the results meet the rubric is the issuer's own claim, not a question of authenticity:
the verifier reports a mismatch as a warning (lists are often written highest first).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from badges.errors import RubricError

__all__ = ["CriterionReading", "RubricReading", "Verdict", "read_credential", "read_rubric"]

Verdict = Literal["met", "not-met", "unknown", "none"]
SCORE_TYPES = ("RubricScore", "RawScore", "ScaledScore", "Percent")


@dataclass(frozen=True)
class CriterionReading:
    """One criterion (or one orphan result). ``required`` None: the description requires nothing."""

    id: str
    criterion: str
    required: str | None
    achieved: str | None
    met: bool | None
    reason: str
    kind: Literal["level", "value", "none", "orphan"]
    description: Mapping[str, Any] | None = None  # the ResultDescription as signed
    achieved_level: Mapping[str, Any] | None = None  # the RubricCriterionLevel reached (level criteria)
    number: int | float | None = None  # the numeric value read (value criteria)

    @property
    def judged(self) -> bool:
        return self.kind != "none"


@dataclass(frozen=True)
class RubricReading:
    criteria: tuple[CriterionReading, ...]
    total: int | float | None = None

    @property
    def judged(self) -> tuple[CriterionReading, ...]:
        return tuple(c for c in self.criteria if c.judged)

    @property
    def unmet(self) -> tuple[CriterionReading, ...]:
        return tuple(c for c in self.judged if c.met is not True)

    @property
    def verdict(self) -> Verdict:
        judged = self.judged
        if not judged:
            return "none"
        if any(c.met is False for c in judged):
            return "not-met"
        if any(c.met is None for c in judged):
            return "unknown"
        return "met"


# ---- reading ---------------------------------------------------------------------------------

def read_credential(credential: Any) -> RubricReading:
    """The reading of an OpenBadgeCredential's own rubric and results. Raises RubricError (only)
    when the credential is not shaped like one badge (no single subject, no achievement object)
    or its rubric data is too malformed to read."""
    if not isinstance(credential, Mapping):
        raise RubricError("credential must be a JSON object")
    subjects = _as_list(credential.get("credentialSubject"))
    if len(subjects) != 1 or not isinstance(subjects[0], Mapping):
        raise RubricError("credential must have exactly one credentialSubject object")
    achievement = subjects[0].get("achievement")
    if not isinstance(achievement, Mapping):
        raise RubricError("credentialSubject has no achievement object")
    return read_rubric(achievement, subjects[0].get("result"))


def read_rubric(achievement: Mapping[str, Any], results: Any) -> RubricReading:
    try:
        return _read(achievement, results)
    except (TypeError, KeyError, ValueError, AttributeError) as exc:
        # e.g. an id that is a list or an object: the data cannot be a rubric outcome
        raise RubricError(f"the credential's rubric data is malformed: {exc!r}") from None


def _read(achievement: Mapping[str, Any], raw_results: Any) -> RubricReading:
    descriptions = [d for d in _as_list(achievement.get("resultDescription")) if isinstance(d, Mapping)]
    results = [r for r in _as_list(raw_results) if isinstance(r, Mapping)]
    known = {d.get("id") for d in descriptions}
    out: list[CriterionReading] = []
    total: int | float | None = None
    for rd in descriptions:
        judged = False
        if "requiredLevel" in rd:
            out.append(_level(rd, results))
            judged = True
        if "requiredValue" in rd:
            reading = _value(rd, results)
            out.append(reading)
            judged = True
            if rd.get("resultType") in SCORE_TYPES:
                total = reading.number
        if not judged:
            out.append(_unjudged(rd, results))
    for r in results:
        link = r.get("resultDescription")
        if link is not None and link not in known:
            out.append(CriterionReading(
                id=str(link), criterion="Result", required="a resultDescription of this achievement",
                achieved=str(r.get("achievedLevel") or r.get("value") or r.get("status")), met=False,
                reason=f"A result links to {link}, which this achievement does not describe", kind="orphan"))
    return RubricReading(tuple(out), total)


def _level(rd: Mapping[str, Any], results: list[Mapping[str, Any]]) -> CriterionReading:
    levels = [lv for lv in _as_list(rd.get("rubricCriterionLevel")) if isinstance(lv, Mapping)]
    order = {lv.get("id"): i for i, lv in enumerate(levels)}
    name, rid = _name(rd), str(rd.get("id"))
    required_id = rd["requiredLevel"]
    if required_id not in order:
        required = f"level {required_id} (not in its own level list)"
        return _reading(rid, name, None, required, None, "level", rd)
    required = level_label(levels[order[required_id]])
    own = [r for r in results if r.get("resultDescription") == rd.get("id") and r.get("achievedLevel") in order]
    linked = own or [r for r in results if r.get("achievedLevel") in order]
    if not linked:
        return _reading(rid, name, None, required, None, "level", rd)
    worst = min(order[r["achievedLevel"]] for r in linked)
    return _reading(rid, name, level_label(levels[worst]), required, worst >= order[required_id], "level", rd,
                    achieved_level=levels[worst])


def _value(rd: Mapping[str, Any], results: list[Mapping[str, Any]]) -> CriterionReading:
    name, rid = _name(rd), str(rd.get("id"))
    required = str(rd["requiredValue"])
    values = [r.get("value") for r in results if r.get("resultDescription") == rd.get("id") and "value" in r]
    if not values:
        return _reading(rid, name, None, required, None, "value", rd)
    if len(set(map(str, values))) > 1:
        return _reading(rid, name, f"{len(values)} different values", required, None, "value", rd)
    value = values[0]
    allowed = _as_list(rd.get("allowedValue"))
    if allowed:
        if value not in allowed or required not in allowed:
            return _reading(rid, name, f"{value} (not an allowed value)", required, None, "value", rd)
        return _reading(rid, name, str(value), required, allowed.index(value) >= allowed.index(required), "value",
                        rd)
    try:
        number, needed = _number(value), _number(required)
        low = _number(rd["valueMin"]) if "valueMin" in rd else None
        high = _number(rd["valueMax"]) if "valueMax" in rd else None
    except (TypeError, ValueError):
        return _reading(rid, name, f"{value} (not a number)", required, None, "value", rd)
    in_range = (low is None or number >= low) and (high is None or number <= high)
    shown = total_text(number, rd.get("valueMax")) if in_range else f"{number} (outside {low}..{high})"
    return _reading(rid, name, shown, required, in_range and number >= needed, "value", rd, number=number)


def _unjudged(rd: Mapping[str, Any], results: list[Mapping[str, Any]]) -> CriterionReading:
    """A description that requires nothing (a Status, hours): shown, never judged."""
    levels = {lv.get("id"): lv for lv in _as_list(rd.get("rubricCriterionLevel")) if isinstance(lv, Mapping)}
    achieved: str | None = None
    level: Mapping[str, Any] | None = None
    for r in results:
        if r.get("resultDescription") != rd.get("id"):
            continue
        if r.get("achievedLevel") in levels:
            level = levels[r["achievedLevel"]]
            achieved = level_label(level)
        elif r.get("value") is not None:
            achieved = str(r["value"])
        elif r.get("status") is not None:
            achieved = str(r["status"])
        break
    reason = f"{_name(rd)}: {achieved}" if achieved else f"{_name(rd)}: no result"
    return CriterionReading(str(rd.get("id")), _name(rd), None, achieved, None, reason, "none", rd, level)


# ---- words -------------------------------------------------------------------------------------

def level_label(level: Mapping[str, Any]) -> str:
    """``3 Proficient`` when the level carries a numeric ``level`` tag, else its name."""
    name = str(level.get("name", level.get("id")))
    tag = level.get("level")
    return f"{tag} {name}" if isinstance(tag, str) and tag.isdigit() else name


def total_text(total: int | float, maximum: Any) -> str:
    return f"{total} of {maximum}" if maximum is not None else f"{total}"


def reason_text(name: str, achieved: str | None, required: str, met: bool | None) -> str:
    if achieved is None:
        return f"{name}: no result, {required} is required"
    if met is None:
        return f"{name}: {achieved}, cannot be compared with the required {required}"
    return f"{name}: {achieved}, {'meets' if met else 'below'} the required {required}"


def _reading(rid: str, name: str, achieved: str | None, required: str, met: bool | None, kind: Any,
             rd: Mapping[str, Any], *, achieved_level: Mapping[str, Any] | None = None,
             number: int | float | None = None) -> CriterionReading:
    return CriterionReading(rid, name, required, achieved, met, reason_text(name, achieved, required, met), kind,
                            rd, achieved_level, number)


def _name(rd: Mapping[str, Any]) -> str:
    name = rd.get("name")
    if isinstance(name, Mapping):  # a JSON-LD language map: any one language
        name = next((v for v in name.values() if isinstance(v, str)), None)
    return name if isinstance(name, str) and name.strip() else str(rd.get("id"))


def _number(value: Any) -> int | float:
    number = float(value)
    return int(number) if number.is_integer() else number


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
