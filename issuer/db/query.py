"""Query helpers every repo uses: JSON-decoded rows, typed rows, inserts returning their key, and the
prebuilt INSERT of the hot write path.

Piccolo hands back dicts (JSON columns decoded); a repo turns each into its domain's row type
(a frozen ``msgspec.Struct`` in ``issuer/<domain>/rows.py``) with ``row_of`` / ``rows_of`` before
it returns, so nothing outside the repos sees a Table or an untyped dict.
"""
from __future__ import annotations

import uuid as uuidlib
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, TypeVar, overload

import msgspec
from piccolo.columns import JSON, JSONB
from piccolo.table import Table
from piccolo.utils.encoding import dump_json

from issuer.db.piccolo_app import APP_CONFIG

Row = dict[str, Any]

T = TypeVar("T", bound=msgspec.Struct)


@overload
def row_of(kind: type[T], value: None) -> None: ...
@overload
def row_of(kind: type[T], value: Mapping[str, Any]) -> T: ...
def row_of(kind: type[T], value: Mapping[str, Any] | None) -> T | None:
    """``value`` (a Piccolo row) as ``kind``; columns ``kind`` does not name are dropped.
    ``msgspec.convert`` checks every field's type, so a schema drift fails here, not downstream."""
    if value is None:
        return None
    return msgspec.convert(value, kind, from_attributes=False)


def rows_of(kind: type[T], values: Iterable[Mapping[str, Any]]) -> list[T]:
    return [msgspec.convert(v, kind) for v in values]


def as_uuid(value: object) -> uuidlib.UUID | None:
    if isinstance(value, uuidlib.UUID):
        return value
    try:
        return uuidlib.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


async def first_row(query: Any) -> Row | None:
    row: Row | None = await query.output(load_json=True).first()
    return row


async def all_rows(query: Any) -> list[Row]:
    rows: list[Row] = await query.output(load_json=True)
    return rows


async def insert_row(table: type[Table], **values: Any) -> int:
    rows = await table.insert(table(**values)).returning(table._meta.primary_key)
    key: int = rows[0][table._meta.primary_key._meta.name]
    return key


# Hot-path writes with prebuilt SQL: Piccolo spends more CPU building an INSERT/UPDATE than the
# database spends running it. Same statements and parameters as Piccolo's (the row object still
# fills defaults; JSON values are dumped with Piccolo's ``dump_json``); the primary key is left
# to the database as Piccolo does (null → rowid on SQLite, DEFAULT on PostgreSQL).
# tests/issuer/test_perf_writes.py compares both, parameters and stored rows.
# The statements are built once, at import, for every table of the app: a constant table rather
# than a process-wide memo (tests/issuer/test_module_state.py).
InsertColumn = tuple[Any, str, str, bool]  # (column, name, db column name, is JSON)


def _build_insert(table: type[Table], ignore_conflict: bool) -> tuple[str, tuple[InsertColumn, ...]]:
    pk = table._meta.primary_key
    columns = tuple(c for c in table._meta.columns if c is not pk)
    names = ",".join(f'"{c._meta.db_column_name}"' for c in columns)
    marks = ",".join("{}" for _ in columns)
    conflict = " ON CONFLICT DO NOTHING" if ignore_conflict else ""
    sql = (f'INSERT INTO "{table._meta.tablename}" ({names}) VALUES ({marks}){conflict} '
           f'RETURNING "{pk._meta.db_column_name}"')
    return sql, tuple((c, c._meta.name, c._meta.db_column_name, isinstance(c, (JSON, JSONB))) for c in columns)


_INSERTS: Mapping[tuple[type[Table], bool], tuple[str, tuple[InsertColumn, ...]]] = MappingProxyType({
    (table, ignore_conflict): _build_insert(table, ignore_conflict)
    for table in APP_CONFIG.table_classes for ignore_conflict in (False, True)})


def insert_sql(table: type[Table], ignore_conflict: bool) -> tuple[str, tuple[Any, ...]]:
    """The INSERT … RETURNING of ``table`` and the columns its placeholders stand for, in order."""
    sql, plan = _INSERTS[table, ignore_conflict]
    return sql, tuple(c for c, *_ in plan)


def insert_args(table: type[Table], values: Mapping[str, Any], ignore_conflict: bool = False) -> tuple[str, list[Any]]:
    """The INSERT and its parameters: the values ``table(**values)`` would hold (given by
    name or db column name, else the column default; a missing required value or an
    unknown name is Piccolo's ValueError), without building the row object."""
    from piccolo.columns.defaults.base import Default

    sql, plan = _INSERTS[table, ignore_conflict]
    pk = table._meta.primary_key
    given = dict(values)
    if pk._meta.name in given:  # Piccolo's row takes it, the INSERT leaves it to the database
        given.pop(pk._meta.name)
    elif pk._meta.db_column_name in given:
        given.pop(pk._meta.db_column_name)
    args = []
    for column, name, db_name, is_json in plan:
        value = given.pop(name, ...)
        if value is ...:
            value = given.pop(db_name, ...)
        if value is ...:
            value = column.get_default_value()
            if isinstance(value, Default):
                value = value.python()
            if value is None and not column._meta.null:
                raise ValueError(f"{name} wasn't provided")
        if is_json and not isinstance(value, str) and value is not None:
            value = dump_json(value)
        args.append(value)
    if given:
        raise ValueError(f"Unrecognized columns - {list(given)}")
    return sql, args


async def fast_insert(table: type[Table], values: Mapping[str, Any], *, ignore_conflict: bool = False) -> int | None:
    sql, args = insert_args(table, values, ignore_conflict)
    rows = await table.raw(sql, *args)
    key: int | None = rows[0][table._meta.primary_key._meta.db_column_name] if rows else None
    return key
