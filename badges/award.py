"""The award decision: does the evidence, as rated, meet the rubric?

``decide`` is the issuer's rule before signing. ``recheck`` re-derives the same decision
from a credential alone: the rubric travels inside the signed Achievement
(``resultDescription``) and the ratings in ``credentialSubject.result``, so any verifier
can confirm that what was issued met its own threshold. The spec defines the data, not
the decision: for each ResultDescription with a ``requiredLevel``, the achieved level must
sit at or above it in the ordered ``rubricCriterionLevel`` list; with a ``requiredValue``,
the value must reach it (by position in ``allowedValue`` when given, numerically otherwise).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from badges.errors import RubricError
from badges.rubrics import Rubric, score


@dataclass(frozen=True)
class CriterionDecision:
    id: str
    name: str
    met: bool
    achieved: str | None
    required: str
    reason: str


@dataclass(frozen=True)
class AwardDecision:
    awarded: bool
    reasons: tuple[CriterionDecision, ...]
    total: int | float | None = None

    @property
    def unmet(self) -> tuple[CriterionDecision, ...]:
        return tuple(r for r in self.reasons if not r.met)


def _reason(name: str, achieved: str | None, required: str, met: bool) -> str:
    if achieved is None:
        return f"{name}: no result, {required} is required"
    verdict = "meets" if met else "below"
    return f"{name}: {achieved}, {verdict} the required {required}"


def _decision(id_: str, name: str, achieved: str | None, required: str, met: bool) -> CriterionDecision:
    return CriterionDecision(id_, name, met, achieved, required, _reason(name, achieved, required, met))


def _number(value: Any) -> int | float:
    number = float(value)
    return int(number) if number.is_integer() else number


def _total_text(total: int | float, maximum: Any) -> str:
    return f"{total} of {maximum}" if maximum is not None else f"{total}"


def decide(rubric: Rubric, ratings: Mapping[str, int]) -> AwardDecision:
    """One reason per criterion (and one for the total); awarded only if every one is met."""
    scored = score(rubric, ratings)
    reasons = [_decision(s.criterion.id, s.criterion.name, s.level.label, s.criterion.required.label, s.meets)
               for s in scored.criteria]
    if scored.total_required is not None:
        reasons.append(_decision("total", "Total", _total_text(scored.total, scored.total_max),
                                 str(scored.total_required), bool(scored.meets_total)))
    return AwardDecision(all(r.met for r in reasons), tuple(reasons), scored.total)


# ---- recheck: from a credential's own data -------------------------------------------------

def _level_label(level: Mapping[str, Any]) -> str:
    name = str(level.get("name", level.get("id")))
    tag = level.get("level")
    return f"{tag} {name}" if isinstance(tag, str) and tag.isdigit() else name


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _credential_parts(credential: Any) -> tuple[list[dict], list[dict]]:
    if not isinstance(credential, Mapping):
        raise RubricError("credential must be a JSON object")
    subjects = _as_list(credential.get("credentialSubject"))
    if len(subjects) != 1 or not isinstance(subjects[0], Mapping):
        raise RubricError("credential must have exactly one credentialSubject object")
    achievement = subjects[0].get("achievement")
    if not isinstance(achievement, Mapping):
        raise RubricError("credentialSubject has no achievement object")
    descriptions = [d for d in _as_list(achievement.get("resultDescription")) if isinstance(d, Mapping)]
    results = [r for r in _as_list(subjects[0].get("result")) if isinstance(r, Mapping)]
    return descriptions, results


def _check_level(rd: Mapping[str, Any], results: list[dict]) -> CriterionDecision:
    levels = [lv for lv in _as_list(rd.get("rubricCriterionLevel")) if isinstance(lv, Mapping)]
    order = {lv.get("id"): i for i, lv in enumerate(levels)}
    name = str(rd.get("name", rd.get("id")))
    required_id = rd["requiredLevel"]
    if required_id not in order:
        return _decision(str(rd.get("id")), name, None, f"level {required_id} (not in its own level list)", False)
    required = _level_label(levels[order[required_id]])
    own = [r for r in results if r.get("resultDescription") == rd.get("id") and r.get("achievedLevel") in order]
    # Some issuers (the 1EdTech "complete" sample among them) link the result to another
    # description but name one of this description's level ids: the level id is unambiguous.
    linked = own or [r for r in results if r.get("achievedLevel") in order]
    if not linked:
        return _decision(str(rd.get("id")), name, None, required, False)
    # Two results for one criterion are contradictory; judge by the lower, as a cautious verifier.
    worst = min(order[r["achievedLevel"]] for r in linked)
    return _decision(str(rd.get("id")), name, _level_label(levels[worst]), required, worst >= order[required_id])


def _check_value(rd: Mapping[str, Any], results: list[dict]) -> tuple[CriterionDecision, int | float | None]:
    name = str(rd.get("name", rd.get("id")))
    required = str(rd["requiredValue"])
    values = [r.get("value") for r in results if r.get("resultDescription") == rd.get("id") and "value" in r]
    if not values:
        return _decision(str(rd.get("id")), name, None, required, False), None
    allowed = _as_list(rd.get("allowedValue"))
    if len(set(map(str, values))) > 1:
        return _decision(str(rd.get("id")), name, f"{len(values)} different values", required, False), None
    value = values[0]
    if allowed:
        if value not in allowed or required not in allowed:
            return _decision(str(rd.get("id")), name, f"{value} (not an allowed value)", required, False), None
        return _decision(str(rd.get("id")), name, str(value), required,
                         allowed.index(value) >= allowed.index(required)), None
    try:
        number, needed = _number(value), _number(required)
        low = _number(rd["valueMin"]) if "valueMin" in rd else None
        high = _number(rd["valueMax"]) if "valueMax" in rd else None
    except (TypeError, ValueError):
        return _decision(str(rd.get("id")), name, f"{value} (not a number)", required, False), None
    in_range = (low is None or number >= low) and (high is None or number <= high)
    shown = _total_text(number, rd.get("valueMax")) if in_range else f"{number} (outside {low}..{high})"
    return _decision(str(rd.get("id")), name, shown, required, in_range and number >= needed), number


def recheck(credential: Mapping[str, Any]) -> AwardDecision:
    """Re-derive the award decision from a (signed) credential alone. Descriptions without a
    requirement (e.g. a Status) decide nothing; with none at all the decision is vacuously
    awarded and ``reasons`` is empty, which a verifier should report as "no rubric".
    Raises RubricError (only) for a credential too malformed to judge."""
    try:
        return _recheck(credential)
    except (TypeError, KeyError, ValueError, AttributeError) as exc:
        # e.g. an id that is a list or object: the data cannot be a rubric outcome
        raise RubricError(f"the credential's rubric data is malformed: {exc!r}") from None


def _recheck(credential: Mapping[str, Any]) -> AwardDecision:
    descriptions, results = _credential_parts(credential)
    known = {d.get("id") for d in descriptions}
    reasons: list[CriterionDecision] = []
    total: int | float | None = None
    for rd in descriptions:
        if "requiredLevel" in rd:
            reasons.append(_check_level(rd, results))
        if "requiredValue" in rd:
            decision, number = _check_value(rd, results)
            reasons.append(decision)
            if rd.get("resultType") in ("RubricScore", "RawScore", "ScaledScore", "Percent"):
                total = number
    for r in results:
        link = r.get("resultDescription")
        if link is not None and link not in known:
            reasons.append(CriterionDecision(
                id=str(link), name="Result", met=False,
                achieved=str(r.get("achievedLevel") or r.get("value") or r.get("status")),
                required="a resultDescription of this achievement",
                reason=f"A result links to {link}, which this achievement does not describe"))
    return AwardDecision(all(r.met for r in reasons), tuple(reasons), total)


__all__ = ["AwardDecision", "CriterionDecision", "decide", "recheck"]
