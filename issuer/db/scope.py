"""The rows a listing may return, as an explicit value every list query requires.

A scope is built from the caller (``issuer.access.scope_of``) and handed
to the repo, which turns it into the WHERE clause. There is no "everything" scope and no
optional filter: a missing school or learner id is a ``TypeError`` when the scope is built,
so a principal without an id (a token with no user, say) can never widen a query to all
schools (issue 10, item 1).

``SchoolScope``   staff: the rows of these schools (an empty set matches nothing); with
                  ``learner_ids``, only those learners' rows (a teacher of a school that has
                  classes: the students of their classes, ``issuer.access.visible_learners``)
``LearnerScope``  a student: their own rows, in their school
"""
from __future__ import annotations

from dataclasses import dataclass

from piccolo.custom_types import Combinable
from piccolo.table import Table


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True)
class SchoolScope:
    school_ids: frozenset[int]
    learner_ids: frozenset[int] | None = None  # None: every learner of those schools

    def __post_init__(self) -> None:
        if not isinstance(self.school_ids, frozenset) or not all(_is_id(i) for i in self.school_ids):
            raise TypeError("a school scope needs a frozenset of school ids")
        if self.learner_ids is not None and (not isinstance(self.learner_ids, frozenset)
                                             or not all(_is_id(i) for i in self.learner_ids)):
            raise TypeError("a school scope's learners are a frozenset of user ids")

    def admits(self, *, school_id: int | None, learner_id: int | None = None) -> bool:
        """Whether a row of ``school_id`` (and, for a learner's record, ``learner_id``) is in scope;
        a record of no learner (an achievement, a framework) needs only its school."""
        if school_id not in self.school_ids:
            return False
        return self.learner_ids is None or learner_id is None or learner_id in self.learner_ids


@dataclass(frozen=True, slots=True)
class LearnerScope:
    school_id: int
    learner_id: int

    def __post_init__(self) -> None:
        if not (_is_id(self.school_id) and _is_id(self.learner_id)):
            raise TypeError("a learner scope needs a school id and a learner id")

    def admits(self, *, school_id: int | None, learner_id: int | None = None) -> bool:
        return school_id == self.school_id and learner_id == self.learner_id


Scope = SchoolScope | LearnerScope


def where(scope: Scope, table: type[Table], *, school: str = "school", learner: str = "learner") -> Combinable:
    """The Piccolo WHERE clause that keeps ``table``'s rows inside ``scope``."""
    if isinstance(scope, SchoolScope):
        clause: Combinable = getattr(table, school).is_in(sorted(scope.school_ids) or [-1])
        if scope.learner_ids is not None:
            clause = clause & getattr(table, learner).is_in(sorted(scope.learner_ids) or [-1])
        return clause
    if isinstance(scope, LearnerScope):
        clause = (getattr(table, school) == scope.school_id) & (getattr(table, learner) == scope.learner_id)
        return clause
    raise TypeError(f"not a scope: {scope!r}")
