"""Errors of the learning half (frameworks, achievements, evidence, reviews, awards).

Each carries ``status_code`` and ``problem_type`` so the one error map in ``issuer.web.errors``
can turn it into RFC 9457 problem details without knowing the class::

    LearningError                  400
    ├── InvalidInput               400/422  a field, file or CSV row that cannot be used
    │   ├── FileTooLarge           413
    │   └── UnsupportedMediaType   415
    ├── NotFound                   404      unknown id, or one the caller may not see
    ├── Forbidden                  403      a role that may not do this
    ├── Conflict                   409      a state that does not allow this step
    └── LinkExpired                410      a mentor link used, expired or unknown
"""
from __future__ import annotations

from issuer.errors import IssuerError


class LearningError(IssuerError):
    """The learning half's errors (see the tree above)."""


class InvalidInput(LearningError):
    status_code = 422
    problem_type = "invalid-input"
    title = "Invalid input"


class FileTooLarge(InvalidInput):
    status_code = 413
    problem_type = "file-too-large"
    title = "File too large"


class UnsupportedMediaType(InvalidInput):
    status_code = 415
    problem_type = "unsupported-media-type"
    title = "Unsupported media type"


class NotFound(LearningError):
    status_code = 404
    problem_type = "not-found"
    title = "Not found"


class Forbidden(LearningError):
    status_code = 403
    problem_type = "forbidden"
    title = "Forbidden"


class Conflict(LearningError):
    status_code = 409
    problem_type = "conflict"
    title = "Conflict"


class LinkExpired(LearningError):
    status_code = 410
    problem_type = "link-expired"
    title = "Link expired or already used"
