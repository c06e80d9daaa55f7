"""A student's optional self-assessment against an achievement's rubric: a level per criterion
(any may be left out) and a comment. It travels with a submission's version, is shown back to the
student and to the teacher who rates the work, and never counts towards the award."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from issuer.errors import InvalidInput

__all__ = ["LEVEL_FIELD", "MAX_COMMENT", "SelfAssessment", "level_field", "parse_self_assessment"]

MAX_COMMENT = 5000
# The form's field of a criterion's level: ``self_level_<criterion id>`` (the comment is ``self_comment``).
LEVEL_FIELD = "self_level_"


class SelfAssessment(msgspec.Struct, frozen=True, kw_only=True):
    ratings: dict[str, int]
    comment: str

    @property
    def empty(self) -> bool:
        return not self.ratings and not self.comment


def level_field(criterion_id: str) -> str:
    return LEVEL_FIELD + criterion_id


def parse_self_assessment(rubric: Mapping[str, Any], levels: Mapping[str, object] | None,
                          comment: object = None) -> SelfAssessment:
    """``levels``: criterion id → the level chosen, as sent (form text or a JSON number); an empty
    value is "not assessed". A criterion the rubric does not have, or a level off its scale, is
    an ``InvalidInput`` naming the form field, so the page can link its error summary there."""
    criteria = {str(c.get("id")): c for c in rubric.get("criteria") or [] if isinstance(c, Mapping)}
    ratings: dict[str, int] = {}
    for criterion_id, raw in (levels or {}).items():
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        criterion = criteria.get(str(criterion_id))
        if criterion is None:
            raise InvalidInput(f"the rubric has no criterion {str(criterion_id)[:64]!r}",
                               field="self-assessment", criterion=str(criterion_id)[:64])
        scale = [int(lv["value"]) for lv in criterion.get("levels") or [] if isinstance(lv, Mapping)]
        try:
            if isinstance(raw, bool) or not isinstance(raw, (int, str)):
                raise ValueError
            value = int(raw)
        except (TypeError, ValueError):
            value = None
        if value is None or value not in scale:
            raise InvalidInput(f"{criterion.get('name') or criterion_id}: choose one of the rubric's levels",
                               field=level_field(str(criterion_id)), criterion=str(criterion_id))
        ratings[str(criterion_id)] = value
    text = str(comment or "").strip()
    if len(text) > MAX_COMMENT:
        raise InvalidInput(f"the self-assessment comment is longer than {MAX_COMMENT} characters",
                           field="self_comment")
    return SelfAssessment(ratings=ratings, comment=text)
