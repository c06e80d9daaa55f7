"""Awards per second over HTTP, from a teacher's review to a stored signed badge, and award
latency with 10k / 1M badges already stored.

    .venv/bin/python bench/bench_awards.py [--db sqlite|postgres|both] [--awards 300]
        [--concurrency 16] [--prefill 10000,1000000] [--pg postgresql://postgres@127.0.0.1:5432/test]

Each award is one ``POST /api/submissions/<id>/reviews`` (bearer token) through the real ASGI
app in-process (httpx ASGITransport, no sockets): auth, ratings → rubric → decision → Award
row → status index → build → sign (eddsa-rdfc-2022) → IssuedCredential, in one transaction.
Pre-fill rows are synthetic IssuedCredential rows bulk-inserted straight into the table.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

RUBRIC = {"name": "Bench", "criteria": [{"id": "a", "name": "A", "requiredLevel": 3},
                                        {"id": "b", "name": "B", "requiredLevel": 3}]}


async def setup(db_url: str, data_dir: Path, n_students: int):
    from issuer import runtime
    from issuer.db import repo_platform
    from issuer.db.repo import create_tables, engine_for_url
    from issuer.services import accounts, achievements, evidence, frameworks
    from issuer.services.accounts import Principal, Role
    from issuer.settings import Settings
    from issuer.storage import FileStore

    engine = engine_for_url(db_url)
    if engine.engine_type == "postgres":
        await engine.run_ddl("DROP SCHEMA IF EXISTS public CASCADE")
        await engine.run_ddl("CREATE SCHEMA public")
        await engine.start_connection_pool(min_size=4, max_size=20)
    settings = Settings(base_url="http://127.0.0.1:8000", data_dir=data_dir, database_url=db_url,
                        key_encryption_key=bytes(range(32)))
    rt = runtime.configure(settings, engine=engine)
    await create_tables(engine)
    now = rt.clock.now()
    district = await repo_platform.insert_district(slug="d", name="Bench District", url="", email="", at=now)
    school = await repo_platform.insert_school(district_id=district["id"], slug="s", name="Bench School", at=now)
    teacher = await repo_platform.insert_user(district_id=district["id"], school_id=school["id"], role="teacher",
                                              username="t", email="t@example.org", display_name="T",
                                              password_hash="", at=now)
    token = await accounts.create_api_token(school_id=school["id"], district_id=district["id"], role="teacher",
                                            user_id=teacher["id"], name="bench")
    tp = Principal(role=Role.TEACHER, id=teacher["id"], school_id=school["id"], district_id=district["id"])
    fw = await frameworks.create_framework(tp, kind="academic", name="F", clock=rt.clock,
                                           competencies=[{"code": "C1", "name": "Competency one"}])
    ach = await achievements.create_achievement(tp, name="Bench badge", description="d", rubric=RUBRIC,
                                                alignments=[fw["competencies"][0]["id"]], clock=rt.clock)
    store = FileStore(settings.upload_dir)
    return {"engine": engine, "school": school, "district": district, "token": token, "achievement": ach,
            "store": store, "rt": rt}


async def make_submissions(ctx, n: int, tag: str) -> list[str]:
    from issuer.db import repo_platform
    from issuer.services import evidence
    from issuer.services.accounts import Principal, Role

    out = []
    now = ctx["rt"].clock.now()
    for i in range(n):
        u = await repo_platform.insert_user(district_id=ctx["district"]["id"], school_id=ctx["school"]["id"],
                                            role="student", username=f"{tag}-{i}", email=f"{tag}-{i}@example.org",
                                            display_name=f"S{i}", password_hash="", at=now)
        p = Principal(role=Role.STUDENT, id=u["id"], school_id=ctx["school"]["id"], district_id=ctx["district"]["id"])
        sub = await evidence.submit(p, achievement_uuid=str(ctx["achievement"]["uuid"]), narrative="work",
                                    urls=["https://example.org/w"], files=[], store=ctx["store"],
                                    clock=ctx["rt"].clock)
        out.append(str(sub["uuid"]))
    return out


async def review_all(client, token: str, subs: list[str], concurrency: int) -> list[float]:
    sem = asyncio.Semaphore(concurrency)
    lat: list[float] = []

    async def one(s):
        async with sem:
            t0 = time.perf_counter()
            r = await client.post(f"/api/submissions/{s}/reviews", headers={"Authorization": f"Bearer {token}"},
                                  json={"ratings": {"a": 3, "b": 4}})
            lat.append(time.perf_counter() - t0)
            if r.status_code != 200 or r.json().get("status") != "awarded":
                raise RuntimeError(f"review failed: {r.status_code} {r.text[:300]}")

    await asyncio.gather(*(one(s) for s in subs))
    return lat


async def prefill(ctx, total: int) -> None:
    """Synthetic stored badges (direct bulk insert), so lookups and unique indexes are large."""
    from issuer.db.tables import IssuedCredential

    have = await IssuedCredential.count()
    now = datetime.now(timezone.utc)
    doc = '{"synthetic":true}'
    school = ctx["school"]["id"]
    batch = 2000  # PostgreSQL allows at most 32767 bind parameters per statement
    while have < total:
        n = min(batch, total - have)
        rows = [IssuedCredential(uuid=uuid.uuid4(), school=school, credential_id=f"urn:uuid:{uuid.uuid4()}",
                                 document=doc, status_purpose="revocation", issued_at=now) for _ in range(n)]
        await IssuedCredential.insert(*rows)
        have += n


async def run_db(name: str, db_url: str, args) -> None:
    import httpx

    from tests.web.learning_app import make_app

    with tempfile.TemporaryDirectory() as tmp:
        ctx = await setup(db_url, Path(tmp), args.awards)
        app = make_app()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8000") as c:
            warm = await make_submissions(ctx, 10, "warm")
            await review_all(c, ctx["token"], warm, 4)
            subs = await make_submissions(ctx, args.awards, "run")
            prof = None
            if args.profile:
                import cProfile

                prof = cProfile.Profile()
                prof.enable()
            t0, cpu0 = time.perf_counter(), time.process_time()
            lat = await review_all(c, ctx["token"], subs, args.concurrency)
            dt, cpu = time.perf_counter() - t0, time.process_time() - cpu0
            if prof is not None:
                prof.disable()
                prof.dump_stats(f"{args.profile}.{name}")
            print(f"[{name}] {args.awards} awards in {dt:.2f}s = {args.awards / dt:.1f} awards/s "
                  f"(concurrency {args.concurrency}); latency p50 {statistics.median(lat) * 1000:.1f} ms; "
                  f"CPU of this process {cpu / args.awards * 1000:.2f} ms/award")
            base = None
            for size in [0] + [int(x) for x in args.prefill.split(",") if x]:
                t1 = time.perf_counter()
                await prefill(ctx, size)
                fill = time.perf_counter() - t1
                subs = await make_submissions(ctx, args.latency_n, f"lat{size}")
                lat = await review_all(c, ctx["token"], subs, 1)
                p50 = statistics.median(lat) * 1000
                base = base or p50
                print(f"[{name}] award latency with {size:>9,} badges stored: p50 {p50:.1f} ms "
                      f"(x{p50 / base:.2f} vs empty; pre-fill took {fill:.1f}s)")
        if ctx["engine"].engine_type == "postgres":
            await ctx["engine"].close_connection_pool()


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="sqlite", choices=["sqlite", "postgres", "both"])
    ap.add_argument("--awards", type=int, default=300)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--prefill", default="10000,1000000")
    ap.add_argument("--latency-n", type=int, default=30)
    ap.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    ap.add_argument("--profile", default="", help="cProfile the throughput phase into FILE.<db>")
    args = ap.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one INFO line per request otherwise
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            await run_db("sqlite", f"sqlite:///{tmp}/bench.sqlite3", args)
    if args.db in ("postgres", "both"):
        import asyncpg

        name = f"badges_bench_{secrets.token_hex(4)}"
        conn = await asyncpg.connect(args.pg)
        await conn.execute(f'CREATE DATABASE "{name}"')
        await conn.close()
        try:
            await run_db("postgres", args.pg.rsplit("/", 1)[0] + "/" + name, args)
        finally:
            conn = await asyncpg.connect(args.pg)
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
