"""The committed Piccolo migrations build the schema that tables.py describes."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import anyio
import pytest

from issuer.cli import MIGRATIONS_DIR, has_migrations
from issuer.db.piccolo_app import APP_CONFIG

ROOT = Path(__file__).resolve().parents[2]


def _piccolo(*args: str, database_url: str, data_dir: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, DATABASE_URL=database_url, BADGES_DATA_DIR=str(data_dir),
               PICCOLO_CONF="issuer.piccolo_conf", PYTHONWARNINGS="ignore")
    return subprocess.run([sys.executable, "-m", "piccolo.main", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_there_is_a_committed_migration():
    assert has_migrations(), f"no migration in {MIGRATIONS_DIR}"


def test_tables_have_not_drifted_from_the_migrations(tmp_path):
    """`migrations new --auto` finds nothing to do: every table change has its migration."""
    before = set(MIGRATIONS_DIR.glob("*.py"))
    result = _piccolo("migrations", "new", "issuer", "--auto", database_url=f"sqlite:///{tmp_path}/x.sqlite3",
                      data_dir=tmp_path)
    created = set(MIGRATIONS_DIR.glob("*.py")) - before
    for path in created:  # never leave a stray migration behind, whatever the outcome
        path.unlink()
    assert not created, f"tables.py changed without a migration:\n{result.stdout}\n{result.stderr}"
    assert "No changes detected" in result.stdout + result.stderr


def _columns(rows) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for table, column in rows:
        found.setdefault(table, set()).add(column)
    return found


def _expected() -> dict[str, set[str]]:
    return {t._meta.tablename: {c._meta.db_column_name for c in t._meta.columns} for t in APP_CONFIG.table_classes}


@pytest.mark.postgres
def test_migrations_apply_forwards_on_postgres(pg_database, tmp_path):
    import asyncpg

    url = pg_database.rsplit("/", 1)[0] + "/" + pg_database.rsplit("/", 1)[1] + "_mig"
    admin = pg_database

    async def run(sql: str, dsn: str = admin):
        conn = await asyncpg.connect(dsn)
        try:
            return await conn.fetch(sql)
        finally:
            await conn.close()

    name = url.rsplit("/", 1)[1]
    anyio.run(run, f'CREATE DATABASE "{name}"')
    try:
        result = _piccolo("migrations", "forwards", "issuer", database_url=url, data_dir=tmp_path)
        assert result.returncode == 0, result.stdout + result.stderr
        rows = anyio.run(run, "SELECT table_name, column_name FROM information_schema.columns "
                              "WHERE table_schema = 'public'", url)
        found = _columns((r["table_name"], r["column_name"]) for r in rows)
        for table, columns in _expected().items():
            assert columns <= found.get(table, set()), table
        again = _piccolo("migrations", "forwards", "issuer", database_url=url, data_dir=tmp_path)
        assert again.returncode == 0 and "already complete" in again.stdout + again.stderr
    finally:
        anyio.run(run, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _sqlite_schema(path: Path) -> dict:
    """Every table's columns (name, type, not null, primary key) and foreign keys, every index's
    columns: what a migrated database must share with one ``create_tables`` made."""
    import sqlite3

    with sqlite3.connect(path) as conn:
        found: dict = {}
        for kind, name in conn.execute("SELECT type, name FROM sqlite_master "
                                       "WHERE name NOT LIKE 'sqlite_%' AND name != 'migration'"):
            if kind == "table":
                found[name] = (sorted((r[1], r[2].upper(), r[3], r[5])
                                      for r in conn.execute(f'PRAGMA table_info("{name}")')),
                               sorted(r[2:7] for r in conn.execute(f'PRAGMA foreign_key_list("{name}")')))
            elif kind == "index":
                found[name] = sorted(r[2] for r in conn.execute(f'PRAGMA index_info("{name}")'))
    return found


def test_badges_init_on_sqlite_runs_the_real_migrations(tmp_path, monkeypatch):
    """`badges init` builds a fresh SQLite database by running the migrations (never
    ``create_tables`` plus a faked record), and gets the very schema tables.py describes."""
    from issuer import cli
    from issuer.db import engine as repo
    from issuer.settings import Settings

    def no_create_tables(*args, **kwargs):
        raise AssertionError("badges init created the tables directly")

    monkeypatch.setattr(repo, "create_tables", no_create_tables)
    monkeypatch.setenv("PYTHONWARNINGS", "ignore")
    settings = Settings(base_url="http://127.0.0.1:8000", data_dir=tmp_path / "new")
    cli.context_for(settings, create_kek=True)
    assert anyio.run(cli.migrate, settings) == []
    check = _piccolo("migrations", "check", database_url=settings.database_url, data_dir=tmp_path)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "False" not in check.stdout  # every migration is recorded as ran
    monkeypatch.undo()

    # the same schema as create_tables makes from tables.py (the fast path of the test fixtures)
    async def direct() -> None:
        engine = repo.engine_for_url(f"sqlite:///{tmp_path}/direct.sqlite3")
        try:
            await repo.create_tables(engine)
        finally:
            await engine.close_connection_pool()

    anyio.run(direct)
    migrated, made = _sqlite_schema(settings.data_dir / "badges.sqlite3"), _sqlite_schema(tmp_path / "direct.sqlite3")
    assert migrated == made and set(_expected()) <= set(migrated)

    # running it again on the now current database applies nothing and fails nothing
    assert anyio.run(cli.migrate, settings) == []


def test_badges_init_reports_a_failed_migration(tmp_path, monkeypatch):
    """The bad twin: a database the migrations cannot apply to fails init with a clear error."""
    import sqlite3

    from issuer import cli
    from issuer.settings import Settings, SettingsError

    settings = Settings(base_url="http://127.0.0.1:8000", data_dir=tmp_path / "clash")
    settings.data_dir.mkdir(mode=0o700)
    with sqlite3.connect(settings.data_dir / "badges.sqlite3") as conn:
        conn.execute('CREATE TABLE "school" (id INTEGER PRIMARY KEY)')  # not ours: the first migration clashes
    cli.context_for(settings, create_kek=True)
    with pytest.raises(SettingsError, match="migrations failed"):
        anyio.run(cli.migrate, settings)


def test_sqlite_runs_constraint_statements_as_unique_indexes():
    from issuer.db.sqlite_migrate import sqlite_statement

    assert sqlite_statement('ALTER TABLE "award" ADD CONSTRAINT "unique_submission" UNIQUE ("submission")') == (
        'CREATE UNIQUE INDEX IF NOT EXISTS "award__unique_submission" ON "award" ("submission")')
    assert sqlite_statement('ALTER TABLE "award" DROP CONSTRAINT "unique_learner_achievement"') == (
        'DROP INDEX IF EXISTS "award__unique_learner_achievement"')
    assert sqlite_statement('ALTER TABLE "award" ADD COLUMN "opportunity" INTEGER') is None  # the bad twin


def test_an_existing_sqlite_database_upgrades_migration_by_migration(tmp_path):
    """A database made by an earlier release (the first migration) takes the later ones, even
    those that add or drop composite unique constraints (SQLite: unique indexes)."""
    import sqlite3

    url = f"sqlite:///{tmp_path}/old.sqlite3"
    env = dict(os.environ, DATABASE_URL=url, BADGES_DATA_DIR=str(tmp_path), PICCOLO_CONF="issuer.piccolo_conf",
               PYTHONWARNINGS="ignore")
    ids = sorted(p.stem for p in MIGRATIONS_DIR.glob("issuer_*.py"))
    first = next(line.split('"')[1] for line in (MIGRATIONS_DIR / f"{ids[0]}.py").read_text().splitlines()
                 if line.startswith("ID = "))
    for target in (first, "all"):
        step = subprocess.run([sys.executable, "-m", "issuer.db.sqlite_migrate", "migrations", "forwards", "issuer",
                               f"--migration_id={target}"], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=300)
        assert step.returncode == 0 and "failed" not in step.stdout, step.stdout + step.stderr
    with sqlite3.connect(tmp_path / "old.sqlite3") as conn:
        indexes = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        rows = [(t, c[1]) for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
                for c in conn.execute(f'PRAGMA table_info("{t}")')]
    found = _columns(rows)
    for table, columns in _expected().items():
        assert columns <= found.get(table, set()), table
    expected = {f"{t._meta.tablename}__{c._meta.name}" for t in APP_CONFIG.table_classes
                for c in getattr(t._meta, "constraints", [])}
    assert expected and expected <= indexes, expected - indexes
    assert "award__unique_learner_achievement" not in indexes
