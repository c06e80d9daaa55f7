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

# database row ids and counts stored in Integer columns
Id = Annotated[int, msgspec.Meta(ge=1, le=INT4_MAX)]
Count = Annotated[int, msgspec.Meta(ge=0, le=INT4_MAX)]
# the same bounds for path and query parameters (Litestar validates and documents them)
PathId = Annotated[int, Parameter(ge=0, le=INT4_MAX)]
Limit = Annotated[int, Parameter(ge=1, le=INT4_MAX)]
Offset = Annotated[int, Parameter(ge=0, le=INT4_MAX)]
# a rubric level or a day count: small by nature
SmallInt = Annotated[int, msgspec.Meta(ge=-1000, le=100_000)]
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


def check_depth(value: Any, *, limit: int = MAX_JSON_DEPTH, what: str = "value") -> None:
    """Raise ValueError when ``value`` nests deeper than ``limit`` (iterative: no recursion).

    Deep documents pass JSON decoding but make later recursive code (JSON-LD, schema checks,
    rubric parsing) hit Python's recursion limit; refused here they are a 400, not a 500."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            raise ValueError(f"{what} is nested more than {limit} levels deep")
        stack.extend((child, depth + 1) for child in children)


__all__ = ["AccountRole", "Code", "Count", "Email", "Hours", "INT4_MAX", "Id", "Keyword", "Limit", "MAX_JSON_DEPTH",
           "MAX_LIST", "Name", "Offset", "Password", "PathId", "Reason", "Ref", "SmallInt", "Slug", "Text", "Url",
           "Username", "check_depth"]
