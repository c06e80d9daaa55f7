"""Piccolo's ``migrations`` command for a SQLite database.

SQLite cannot ``ALTER TABLE … ADD/DROP CONSTRAINT``; there a composite ``Unique`` constraint is
a unique index named ``<table>__<constraint>`` (``issuer.db.engine._portable_ddl``, which
``create_tables`` uses). This entry point runs ``piccolo.main`` with each migration statement
rewritten the same way, so a migration that adds or drops such a constraint also applies to
an existing SQLite database (``badges init`` calls it; PostgreSQL runs Piccolo unchanged).
"""
from __future__ import annotations

import re
import sys

_ADD = re.compile(r'^ALTER TABLE "(?P<table>[^"]+)" ADD CONSTRAINT "?(?P<name>[^" ]+)"? UNIQUE (?P<cols>\(.*\))$')
_DROP = re.compile(r'^ALTER TABLE "(?P<table>[^"]+)" DROP CONSTRAINT (IF EXISTS )?"?(?P<name>[^" ]+)"?$')


def sqlite_statement(sql: str) -> str | None:
    """The SQLite form of a constraint statement, or None when ``sql`` is not one."""
    sql = sql.strip().rstrip(";")
    if match := _ADD.match(sql):
        table, name, cols = match.group("table", "name", "cols")
        return f'CREATE UNIQUE INDEX IF NOT EXISTS "{table}__{name}" ON "{table}" {cols}'
    if match := _DROP.match(sql):
        return f'DROP INDEX IF EXISTS "{match.group("table")}__{match.group("name")}"'
    return None


def install() -> None:
    from piccolo.apps.migrations.auto.migration_manager import MigrationManager
    from piccolo.engine.finder import engine_finder

    original = MigrationManager._run_query

    async def run_query(self, query):  # noqa: ANN001 - Piccolo's own signature
        engine = engine_finder()
        ddl = getattr(query, "ddl", None)
        statements = [str(s) for s in ([ddl] if isinstance(ddl, str) else ddl or [])]
        if (self.preview or engine is None or engine.engine_type != "sqlite"
                or not any(sqlite_statement(s) for s in statements)):
            return await original(self, query)
        for sql in statements:  # the DDL query's statements in order, constraints as indexes
            await engine.run_ddl(sqlite_statement(sql) or sql)

    MigrationManager._run_query = run_query  # type: ignore[method-assign]  # Piccolo pinned in pyproject.toml


def main() -> None:
    install()
    from piccolo.main import main as piccolo_main

    sys.argv[0] = "piccolo"
    piccolo_main()


if __name__ == "__main__":
    main()
