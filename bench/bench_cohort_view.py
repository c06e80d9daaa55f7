"""The cohort view's server time for a whole school: 1,000 students × 40 competencies (issue 13:
under 300 ms).

    .venv/bin/python bench/bench_cohort_view.py [--db sqlite|postgres|both] [--students 1000]
        [--competencies 40] [--runs 30] [--pg postgresql://postgres@127.0.0.1:5432/test]

Seeds a temporary database (SQLite in a temp folder; PostgreSQL in a database the bench creates
and drops): a school with three frameworks (academic, habits of work, extended learning) sharing
``--competencies`` competencies, ten achievements each aligned to a tenth of them, and for every
student a valid badge of most achievements (bulk-inserted award and credential rows: the view
reads levels, not signatures), a few of them revoked or suspended (which must not count).

Then, in this process, for the school admin (who sees the whole school):
* ``read model``: ``issuer.evidence.cohort_view.cohort_view`` over every student (no paging);
* ``page``: ``GET /teacher/cohort`` through the real app (``issuer.app.create_app``) in process,
  request to last byte: the read model over every student, the counts and the "stuck" lists for
  all of them, and the grid's first page of rows rendered;
* ``full grid``: the same page rendered with every row (``PER_PAGE`` raised past the school);
* ``csv``: ``GET /teacher/cohort.csv``, every student × every competency.
Each is run ``--runs`` times after two warm-ups; the median and p95 are printed in ms.
"""
from __future__ import annotations

import argparse
import asyncio
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

LEVELS = (1, 2, 3, 4)


def _rubric(required: int) -> dict:
    return {"name": "Bench", "criteria": [{"id": "a", "name": "A", "requiredLevel": required},
                                          {"id": "b", "name": "B", "requiredLevel": required}]}


async def seed(db_url: str, data_dir: Path, students: int, competencies: int):
    from issuer.access import Principal, Role
    from issuer.accounts import repo as accounts_repo
    from issuer.catalog import achievements, frameworks
    from issuer.catalog.schemas import AchievementIn, CompetencyIn, FrameworkIn
    from issuer.context import build_context
    from issuer.db.engine import create_tables, engine_for_url
    from issuer.db.tables import Award, IssuedCredential, User
    from issuer.schools import repo as schools_repo
    from issuer.settings import Settings

    engine = engine_for_url(db_url)
    if engine.engine_type == "postgres":
        await engine.run_ddl("DROP SCHEMA IF EXISTS public CASCADE")
        await engine.run_ddl("CREATE SCHEMA public")
        await engine.start_connection_pool(min_size=2, max_size=10)
    settings = Settings(base_url="http://127.0.0.1:8000", data_dir=data_dir, database_url=db_url,
                        key_encryption_key=bytes(range(32)))
    ctx = build_context(settings, engine=engine)
    await create_tables(engine)
    now = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
    district = await schools_repo.insert_district(slug="d", name="Bench District", url="", email="", at=now)
    school = await schools_repo.insert_school(district_id=district.id, slug="s", name="Bench School", at=now)
    admin = await accounts_repo.insert_user(district_id=district.id, school_id=school.id, role="school_admin",
                                            username="admin", email="", display_name="Admin", password_hash="",
                                            at=now)
    p = Principal(role=Role.SCHOOL_ADMIN, id=admin.id, school_id=school.id, district_id=district.id)
    # three frameworks (the three areas) sharing the competencies
    split = [competencies - 2 * (competencies // 4), competencies // 4, competencies // 4]
    comp_ids: list[int] = []
    n = 0
    for kind, count in zip(("academic", "habits", "elo"), split, strict=True):
        if count <= 0:
            continue
        fw = await frameworks.create_framework(ctx, p, FrameworkIn(kind=kind, name=f"{kind.title()} framework",
                                               competencies=[CompetencyIn(code=f"C{n + i + 1}",
                                                                          name=f"Competency {n + i + 1}")
                                                             for i in range(count)]))
        n += count
        comp_ids += [c.id for c in fw.competencies]
    groups = 10
    per = max(1, -(-len(comp_ids) // groups))
    made = []
    for g in range(groups):
        aligned = comp_ids[g * per:(g + 1) * per]
        if not aligned:
            break
        made.append(await achievements.create_achievement(ctx, p, AchievementIn(
            name=f"Badge {g + 1}", description="d", rubric=_rubric(3), alignments=aligned)))
    # the students, in bulk
    rng = secrets.SystemRandom()
    await User.insert(*[User(district=district.id, school=school.id, role="student", username=f"s{i:05d}",
                             email="", display_name=f"Student {i:05d}", password_hash="", active=True,
                             created_at=now) for i in range(students)])
    ids = [r["id"] for r in await User.select(User.id).where(User.role == "student").order_by(User.id)]
    # most students hold a badge of most achievements; a few are revoked or suspended
    awards, creds = [], []
    for learner in ids:
        for a in made:
            if rng.random() < 0.2:
                continue
            level = rng.choice(LEVELS)
            award_uuid = uuid.uuid4()
            awards.append(Award(uuid=award_uuid, school=school.id, learner=learner, achievement=a.id,
                                ratings={"a": level, "b": min(4, level + 1)}, source="bulk", created_at=now,
                                opportunity=1))
    for start in range(0, len(awards), 1000):
        await Award.insert(*awards[start:start + 1000])
    rows = await Award.select(Award.id, Award.learner, Award.achievement).order_by(Award.id)
    for r in rows:
        roll = rng.random()
        creds.append(IssuedCredential(uuid=uuid.uuid4(), school=school.id, learner=r["learner"],
                                      achievement=r["achievement"], award=r["id"],
                                      credential_id=f"urn:uuid:{uuid.uuid4()}", document="{}",
                                      revoked_at=now if roll < 0.02 else None, suspended=0.02 <= roll < 0.04,
                                      issued_at=now))
    for start in range(0, len(creds), 1000):
        await IssuedCredential.insert(*creds[start:start + 1000])
    return engine, settings, ctx, p, len(comp_ids), len(creds)


def _figures(name: str, times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{name:<11} median {statistics.median(ordered):7.1f} ms   p95 {p95:7.1f} ms   (n={len(ordered)})"


async def _time(fn, runs: int) -> list[float]:
    for _ in range(2):
        await fn()
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        await fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


async def bench(db_url: str, students: int, competencies: int, runs: int) -> None:
    import httpx

    from issuer.accounts import service as accounts
    from issuer.app import create_app
    from issuer.evidence import cohort_view

    with tempfile.TemporaryDirectory() as tmp:
        url = db_url or f"sqlite:///{tmp}/bench.sqlite3"
        t0 = time.perf_counter()
        engine, settings, ctx, principal, n_comp, n_badges = await seed(url, Path(tmp), students, competencies)
        print(f"seeded {students} students × {n_comp} competencies, {n_badges} badges "
              f"({engine.engine_type}) in {time.perf_counter() - t0:.1f} s", flush=True)
        query = cohort_view.CohortQuery()

        async def read_model():
            view = await cohort_view.cohort_view(ctx, principal, query, paginate=False)
            assert view.total == students and len(view.competencies) == n_comp

        print(_figures("read model", await _time(read_model, runs)), flush=True)
        app = create_app(settings, engine=engine)
        cookie = await accounts.create_session(ctx, principal.id)
        # in this loop (the PostgreSQL pool belongs to it), as the web tests drive the app
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
            client.cookies.set("badges_session", cookie)

            async def get(path: str, needle: str):
                r = await client.get(path)
                assert r.status_code == 200 and needle in r.text, (r.status_code, r.text[:500])

            print(_figures("page", await _time(lambda: get("/teacher/cohort", "cohort-grid"), runs)), flush=True)
            per_page = cohort_view.PER_PAGE
            cohort_view.PER_PAGE = students + 1  # bench only: every row on one page
            try:
                print(_figures("full grid", await _time(lambda: get("/teacher/cohort", "cohort-grid"), runs)),
                      flush=True)
            finally:
                cohort_view.PER_PAGE = per_page
            print(_figures("csv", await _time(lambda: get("/teacher/cohort.csv", "student,username"), runs)),
                  flush=True)
        if engine.engine_type == "postgres":
            await engine.close_connection_pool()


async def _with_pg_database(pg: str, students: int, competencies: int, runs: int) -> None:
    import asyncpg

    name = f"badges_bench_{secrets.token_hex(4)}"
    conn = await asyncpg.connect(pg)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    try:
        await bench(pg.rsplit("/", 1)[0] + "/" + name, students, competencies, runs)
    finally:
        conn = await asyncpg.connect(pg)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sqlite", choices=["sqlite", "postgres", "both"])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--competencies", type=int, default=40)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    if args.db in ("sqlite", "both"):
        asyncio.run(bench("", args.students, args.competencies, args.runs))
    if args.db in ("postgres", "both"):
        asyncio.run(_with_pg_database(args.pg, args.students, args.competencies, args.runs))


if __name__ == "__main__":
    main()
