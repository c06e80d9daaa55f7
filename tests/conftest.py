"""Fixtures shared by the whole test tree (constants and helpers are in ``tests/support.py``).

``reference``, ``load_json``, ``now``
    The reference data (vectors, examples), fresh JSON copies of it and the fixed clock's ``NOW``.

The database and platform fixtures of the issuer, web and interop tests (both halves):

``db``
    A fresh, empty database per test with every table of ``APP_CONFIG`` created (through
    ``issuer.db.engine.create_tables``: Piccolo's ``create_db_tables`` emits ``ALTER TABLE … ADD
    CONSTRAINT`` for composite ``Unique`` constraints, which SQLite rejects) and every table
    class bound to its engine. Parametrized:
    ``sqlite`` (a file in ``tmp_path``) always; ``postgres`` when PostgreSQL answers at
    ``TEST_DATABASE_URL`` (default ``postgresql://postgres@127.0.0.1:5432/test``). Each pytest
    process creates a private database ``badges_test_<random>`` (connecting to ``test``) and
    drops it at exit, so parallel runs (xdist, several helpers) never collide; each test starts
    from an empty ``public`` schema. Unreachable PostgreSQL → those params skip. Run only one
    backend with ``-k sqlite`` / ``-k postgres`` (the param ids), or ``-m postgres``.
``platform``
    The ``IssuerContext`` (``issuer.context.build_context``) on ``db``: ``Settings`` (base URL ``http://127.0.0.1:8000``,
    data dir ``tmp_path``, a fixed KEK), a ``FixedClock`` at ``NOW``. Returns the context
    (``platform.clock.advance(minutes=5)`` moves time).
``seed``
    A district with two schools (``north``, ``south``) and, per school, a school admin, a teacher
    and two students, plus a district admin (``seed.users[(slug, role, n)]``: the ``UserRow`` as a
    dict; ``seed.district``, ``seed.schools[slug]``: the ``DistrictRow`` / ``SchoolRow``);
    ``seed.token[role]`` (school ``north``) and ``seed.session[role]`` give a bearer token /
    session cookie value per role; ``seed.ctx`` is ``platform`` (the context helpers pass to use cases).
``client``
    A Litestar ``AsyncTestClient`` on ``create_app(platform_settings, clock=…, engine=…)`` (an
    engine without pool: the test client runs the app on another event loop).
``anyio_backend``
    ``"asyncio"``.

A directory's own fixtures are in its ``conftest.py``; a module that defines one of these names (``client``,
``platform_settings``, ``db_url``...) overrides it for its tests. Constants and plain helpers are in support
modules (``tests/support.py``...), imported by name; ``tests/test_layout.py`` keeps it that way.
"""
from __future__ import annotations

import asyncio
import copy
import json
import os
import secrets
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.support import BASE_URL, NOW, PG_ADMIN_URL, REFERENCE, TEST_KEK, pg_reachable, with_database


@pytest.fixture(scope="session")
def reference() -> Path:
    if not REFERENCE.is_dir():
        pytest.skip(f"reference data not found at {REFERENCE}")
    return REFERENCE


@pytest.fixture
def load_json(reference):
    """Fresh (deep-copied) JSON fixtures, so a test can never corrupt another's."""
    cache: dict[str, object] = {}

    def load(rel: str):
        if rel not in cache:
            cache[rel] = json.loads((reference / rel).read_text(encoding="utf-8"))
        return copy.deepcopy(cache[rel])

    return load


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture(scope="session")
def pg_database():
    """URL of this process's private PostgreSQL database (created here, dropped at the end)."""
    if not pg_reachable():
        # CI sets REQUIRE_POSTGRES: there an unreachable server is a failure, not a quiet skip.
        if os.environ.get("REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL required (REQUIRE_POSTGRES) but not reachable at {PG_ADMIN_URL}")
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}")
    import asyncpg

    name = f"badges_test_{secrets.token_hex(6)}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(PG_ADMIN_URL)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield with_database(PG_ADMIN_URL, name)
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite3'}"
    return request.getfixturevalue("pg_database")


@pytest.fixture
async def db(db_url):
    from issuer.db.engine import configure, create_tables, engine_for_url

    engine = engine_for_url(db_url)
    if engine.engine_type == "postgres":
        await engine.run_ddl("DROP SCHEMA IF EXISTS public CASCADE")
        await engine.run_ddl("CREATE SCHEMA public")
        await engine.start_connection_pool(min_size=1, max_size=20)
    configure(engine)
    await create_tables()
    try:
        yield engine
    finally:
        if engine.engine_type == "postgres":
            await engine.close_connection_pool()


@pytest.fixture
def platform_settings(tmp_path, db_url):
    from issuer.settings import Settings

    return Settings(base_url=BASE_URL, data_dir=tmp_path, database_url=db_url, key_encryption_key=TEST_KEK)


@pytest.fixture
def platform(db, platform_settings):
    from issuer.clock import FixedClock
    from issuer.context import build_context

    return build_context(platform_settings, clock=FixedClock(NOW), engine=db)


@pytest.fixture
async def seed(platform):
    import msgspec

    from issuer.accounts import repo as accounts_repo
    from issuer.accounts import service as accounts
    from issuer.schools import repo as schools_repo

    at = platform.clock.now()
    district = await schools_repo.insert_district(slug="district", name="Riverside Unified", url="https://riverside.example",
                                          email="office@riverside.example", at=at)
    ns = SimpleNamespace(district=district, schools={}, users={}, token={}, session={}, ctx=platform)
    for slug, name in (("north", "North High School"), ("south", "South High School")):
        school = await schools_repo.insert_school(district_id=district.id, slug=slug, name=name,
                                          url=f"https://{slug}.riverside.example", email=f"office@{slug}.example",
                                          address={"addressLocality": "Riverside", "addressCountry": "US"}, at=at)
        ns.schools[slug] = school
        for role in ("school_admin", "teacher", "student", "student"):
            n = sum(1 for k in ns.users if k[0] == slug and k[1] == role)
            key = (slug, role, n)
            user = await accounts_repo.insert_user(district_id=district.id, school_id=school.id, role=role,
                                          username=f"{slug}-{role}-{n}", email=f"{slug}-{role}-{n}@example.org",
                                          display_name=f"{slug.title()} {role} {n}", password_hash="", at=at)
            ns.users[key] = msgspec.structs.asdict(user)  # a dict: the tests of every domain read it so
    admin = await accounts_repo.insert_user(district_id=district.id, school_id=None, role="district_admin",
                                   username="district-admin", email="admin@riverside.example",
                                   display_name="District Admin", password_hash="", at=at)
    ns.users[(None, "district_admin", 0)] = admin = msgspec.structs.asdict(admin)
    north = ns.schools["north"].id
    for role, user in (("district_admin", admin), ("school_admin", ns.users[("north", "school_admin", 0)]),
                       ("teacher", ns.users[("north", "teacher", 0)]),
                       ("student", ns.users[("north", "student", 0)])):
        ns.token[role] = await accounts.create_api_token(
            platform, school_id=user["school"], district_id=district.id, role=role, user_id=user["id"], name=role)
        ns.session[role] = await accounts.create_session(platform, user["id"])
    ns.school_token = await accounts.create_api_token(platform, school_id=north, district_id=district.id, name="vc-api")
    return ns


@pytest.fixture
async def client(platform, platform_settings, db):
    """An ``AsyncTestClient`` on ``create_app`` bound to the test database and clock.

    The test client runs the app on its own event loop (a portal thread), so the app gets an
    engine of its own without a connection pool (asyncpg pools belong to one loop); test code
    shares that engine from then on, which works from any loop.
    """
    from litestar.testing import AsyncTestClient

    from issuer.app import create_app
    from issuer.db.engine import engine_for_url

    app = create_app(platform_settings, clock=platform.clock, engine=engine_for_url(platform_settings.database_url))
    async with AsyncTestClient(app=app, base_url=BASE_URL) as test_client:
        yield test_client
