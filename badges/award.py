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

from badges.rubric_reader import read_credential, reason_text, total_text
from badges.rubrics import Rubric, score


@dataclass(frozen=True)
class CriterionDecision:
    id: str
    name: str
    met: bool | None  # None: the credential's data cannot be compared (recheck only)
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
        return tuple(r for r in self.reasons if r.met is not True)


def _decision(id_: str, name: str, achieved: str | None, required: str, met: bool) -> CriterionDecision:
    return CriterionDecision(id_, name, met, achieved, required, reason_text(name, achieved, required, met))


def decide(rubric: Rubric, ratings: Mapping[str, int]) -> AwardDecision:
    """One reason per criterion (and one for the total); awarded only if every one is met."""
    scored = score(rubric, ratings)
    reasons = [_decision(s.criterion.id, s.criterion.name, s.level.label, s.criterion.required.label, s.meets)
               for s in scored.criteria]
    if scored.total_required is not None:
        reasons.append(_decision("total", "Total", total_text(scored.total, scored.total_max),
                                 str(scored.total_required), bool(scored.meets_total)))
    return AwardDecision(all(r.met for r in reasons), tuple(reasons), scored.total)


# ---- recheck: from a credential's own data -------------------------------------------------

def recheck(credential: Mapping[str, Any]) -> AwardDecision:
    """Re-derive the award decision from a (signed) credential alone, through the one rubric
    reader (``badges.rubric_reader``). Descriptions without a requirement (e.g. a Status) decide
    nothing; with none at all the decision is vacuously awarded and ``reasons`` is empty. A
    criterion that cannot be judged (``met`` None: no result, a level not on its list) is not
    awarded: the issuer signs only what it can show was met.
    Raises RubricError (only) for a credential too malformed to judge."""
    reading = read_credential(credential)
    reasons = tuple(CriterionDecision(c.id, c.criterion, c.met, c.achieved, c.required or "", c.reason)
                    for c in reading.judged)
    return AwardDecision(all(r.met is True for r in reasons), reasons, reading.total)


__all__ = ["AwardDecision", "CriterionDecision", "decide", "recheck"]
