"""Property-based check of the whole HTTP surface: no request, valid or not, gets a 5xx.

Schemathesis generates requests from the app's own OpenAPI document (``/schema/openapi.json``),
positive and negative, for every operation, with an admin's bearer token and anonymously, and sends
them through the ASGI app in-process. Budget: a few examples per operation, derandomized, so the
run is deterministic and takes well under a minute on two cores.
"""
from __future__ import annotations

import asyncio

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.support import BASE_URL, NOW, TEST_KEK

schemathesis = pytest.importorskip("schemathesis")
from schemathesis import GenerationMode  # noqa: E402

pytestmark = [pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore::ResourceWarning"),
              pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")]

# per operation; PostgreSQL round trips cost more, and its run is there for the column types
EXAMPLES_PER_OPERATION = {"sqlite": 20, "postgres": 10}


async def _seed(settings_, clock):
    """A district, one school, its school admin with a bearer token (on a fresh SQLite file)."""
    from issuer.accounts import repo as accounts_repo
    from issuer.accounts import service as accounts
    from issuer.context import build_context
    from issuer.db.engine import create_tables, engine_for_url
    from issuer.schools import repo as schools_repo

    engine = engine_for_url(settings_.database_url)  # no pool: the ASGI client runs the app on its own loop
    if engine.engine_type == "postgres":
        await engine.run_ddl("DROP SCHEMA IF EXISTS public CASCADE")
        await engine.run_ddl("CREATE SCHEMA public")
    ctx = build_context(settings_, clock=clock, engine=engine)
    await create_tables()
    at = clock.now()
    district = await schools_repo.insert_district(slug="district", name="Riverside Unified", url="https://riverside.example",
                                          email="office@riverside.example", at=at)
    school = await schools_repo.insert_school(district_id=district.id, slug="north", name="North High School",
                                      url="https://north.example", email="office@north.example",
                                      address={"addressCountry": "US"}, at=at)
    admin = await accounts_repo.insert_user(district_id=district.id, school_id=school.id, role="school_admin",
                                   username="north-admin", email="admin@north.example",
                                   display_name="North Admin", password_hash="", at=at)
    token = await accounts.create_api_token(ctx, school_id=school.id, district_id=district.id,
                                            role="school_admin", user_id=admin.id, name="fuzz")
    return engine, token


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def api(request, tmp_path):
    """The schema loaded from the app; PostgreSQL too, whose column types refuse what SQLite stores."""
    from issuer.app import create_app
    from issuer.clock import FixedClock
    from issuer.settings import Settings

    url = (f"sqlite:///{tmp_path / 'fuzz.sqlite3'}" if request.param == "sqlite"
           else request.getfixturevalue("pg_database"))
    cfg = Settings(base_url=BASE_URL, data_dir=tmp_path, database_url=url, key_encryption_key=TEST_KEK)
    clock = FixedClock(NOW)
    engine, token = asyncio.run(_seed(cfg, clock))
    app = create_app(cfg, clock=clock, engine=engine)
    return schemathesis.openapi.from_asgi("/schema/openapi.json", app), token, EXAMPLES_PER_OPERATION[request.param]


def test_no_request_gets_a_server_error(api):
    schema, token, examples = api
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30  # the whole surface, not an empty or partial document
    errors: list[str] = []

    for operation in operations:
        cases = st.one_of(operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
                          operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))

        @settings(max_examples=examples, derandomize=True, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
        @given(case=cases, authenticated=st.booleans())
        def probe(case, authenticated):
            headers = {"Authorization": f"Bearer {token}"} if authenticated else {}
            response = case.call(headers=headers)
            if response.status_code >= 500:
                errors.append(f"{response.status_code} {case.method} {case.formatted_path} "
                              f"{'admin' if authenticated else 'anonymous'}: {case.as_curl_command()}")

        probe()
    assert not errors, "server errors:\n" + "\n".join(errors[:20])
