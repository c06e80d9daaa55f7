"""Bounded field types for the HTTP DTOs and path/query parameters.

Every free-text field has a maximum length (most mirror the ``Varchar`` length of the column it
lands in: PostgreSQL refuses a longer value with an error, SQLite would store a megabyte), and
every integer that reaches the database fits its column (``Serial``/``Integer`` are int4 on
PostgreSQL; a bigger Python int overflows the driver). Out-of-range values fail msgspec
validation, which the error map answers with a 400 problem.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar.params import Parameter

INT4_MAX = 2**31 - 1

# database row ids (Serial: int4 on PostgreSQL)
Id = Annotated[int, msgspec.Meta(ge=1, le=INT4_MAX)]
# the same bounds for path and query parameters (Litestar validates and documents them)
PathId = Annotated[int, Parameter(ge=0, le=INT4_MAX)]
Limit = Annotated[int, Parameter(ge=1, le=INT4_MAX)]
Offset = Annotated[int, Parameter(ge=0, le=INT4_MAX)]
# a rubric level or a day count: small by nature
SmallInt = Annotated[int, msgspec.Meta(ge=-1000, le=100_000)]
# a token's lifetime in seconds (the service caps it further)
ExpirySeconds = Annotated[int, msgspec.Meta(ge=1, le=INT4_MAX)]
Hours = Annotated[float, msgspec.Meta(ge=0, le=100_000)]

# free text, by what it holds (lengths match issuer/db/tables.py where a Varchar backs them)
Slug = Annotated[str, msgspec.Meta(max_length=64)]
Code = Annotated[str, msgspec.Meta(max_length=128)]
Name = Annotated[str, msgspec.Meta(max_length=255)]
Username = Annotated[str, msgspec.Meta(max_length=150)]
Email = Annotated[str, msgspec.Meta(max_length=320)]
Url = Annotated[str, msgspec.Meta(max_length=1024)]
Password = Annotated[str, msgspec.Meta(max_length=1024)]
Keyword = Annotated[str, msgspec.Meta(max_length=64)]  # enum-like values (kind, type, purpose, status)
Reason = Annotated[str, msgspec.Meta(max_length=1024)]
Text = Annotated[str, msgspec.Meta(max_length=20_000)]  # descriptions, criteria, feedback, statements
Ref = Annotated[str, msgspec.Meta(max_length=320)]  # a uuid, an email or a slug naming a record

AccountRole = Literal["district_admin", "school_admin", "teacher", "student"]

MAX_JSON_DEPTH = 32
MAX_LIST = 1000


def check_depth(value: Any, *, limit: int = MAX_JSON_DEPTH, what: str = "value",
                max_string: int | None = None, max_items: int | None = None) -> None:
    """Raise ValueError when free-form JSON ``value`` nests deeper than ``limit`` (iterative: no
    recursion), or, when given, holds a string longer than ``max_string`` or an array/object with
    more than ``max_items`` members.

    Deep documents pass JSON decoding but make later recursive code (JSON-LD, schema checks,
    rubric parsing) hit Python's recursion limit; refused here they are a 400, not a 500."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if max_string is not None and len(item) > max_string:
                raise ValueError(f"{what} holds a text longer than {max_string} characters")
            continue
        if isinstance(item, dict):
            children = [*item.keys(), *item.values()] if max_string is not None else list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            raise ValueError(f"{what} is nested more than {limit} levels deep")
        if max_items is not None and len(item) > max_items:
            raise ValueError(f"{what} has a list or object with more than {max_items} members")
        stack.extend((child, depth + 1) for child in children)


def _too_long(value: Any, limit: int) -> bool:
    return isinstance(value, str) and len(value) > limit


def check_rubric(rubric: dict[str, Any]) -> None:
    """Bounds on a rubric as sent (its shape is checked by the service): criterion ids as long as
    a ``Code``, names as a ``Name``, every other text as a ``Text``."""
    check_depth(rubric, limit=8, what="rubric", max_string=20_000, max_items=MAX_LIST)
    if _too_long(rubric.get("id"), 128) or _too_long(rubric.get("name"), 255):
        raise ValueError("rubric id is longer than 128 or its name longer than 255 characters")
    criteria = rubric.get("criteria")
    for criterion in criteria if isinstance(criteria, list) else []:
        if not isinstance(criterion, dict):
            continue
        if _too_long(criterion.get("id"), 128):
            raise ValueError("a rubric criterion id is longer than 128 characters")
        if _too_long(criterion.get("name"), 255):
            raise ValueError("a rubric criterion name is longer than 255 characters")
        levels = criterion.get("levels")
        for level in levels if isinstance(levels, list) else []:
            if isinstance(level, dict) and _too_long(level.get("name"), 255):
                raise ValueError("a rubric level name is longer than 255 characters")


JSON_BODY_LIMIT = 1024 * 1024  # JSON API bodies; uploads keep the app-wide cap (settings.max_upload_bytes)
ISSUE_BODY_LIMIT = 4_000_000  # a VC-API credential may embed a data: image (the verifier allows the same)


__all__ = ["AccountRole", "Code", "Email", "Hours", "INT4_MAX", "Id", "Keyword", "Limit", "MAX_JSON_DEPTH",
           "MAX_LIST", "Name", "Offset", "Password", "PathId", "Reason", "Ref", "SmallInt", "Slug", "Text", "Url",
           "Username", "check_depth", "check_rubric", "ISSUE_BODY_LIMIT", "JSON_BODY_LIMIT"]
