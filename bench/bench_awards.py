"""Awards per second over HTTP, from a teacher's review to a stored signed badge, and award
latency with 10k / 1M badges already stored.

    .venv/bin/python bench/bench_awards.py [--db sqlite|postgres|both] [--awards 300]
        [--concurrency 16] [--prefill 10000,1000000] [--latency-n 30]
        [--server process|inproc] [--workers N]
        [--pg postgresql://postgres@127.0.0.1:5432/test] [--profile FILE]

Each award is one ``POST /api/submissions/<id>/reviews`` (bearer token): auth, ratings → rubric
→ decision → Award row → status index → build → sign (eddsa-rdfc-2022) → IssuedCredential, in
one transaction. PostgreSQL runs in a database the bench creates (``badges_bench_<hex>``) and
drops afterwards.

``--server process`` (default) measures the deployment: the real app
(``issuer.app:create_app``, configured from the environment as ``badges serve`` is) under
uvicorn in its own process(es) on loopback: ``--workers`` stateless app processes on
PostgreSQL (default 2, the documented scale-out), exactly one on SQLite (one writer); uvloop +
httptools as ``badges serve`` runs. Access log off. The load generator is this process: a minimal
keep-alive HTTP/1.1 client (one connection per concurrent request), so little of the 2 cores goes to
the client. CPU per award is given for the server processes (user+sys, from /proc) and for the client.
``--server inproc`` is the older set-up: the test app (``tests/web/learning_app.make_app``)
in this process behind httpx's ASGITransport, its CPU counted together with the client's.

Throughput: ``--awards`` reviews at ``--concurrency``.

Latency: ``--latency-n`` awards one at a time (p50, p90) with 0, then each ``--prefill`` count
of badges stored, each measured right after the bulk load and again after ``ANALYZE``. The
pre-fill is synthetic but touches every index an award does: per badge an Award (unique
learner+achievement), a StatusEntry (unique list+index) and an IssuedCredential (unique uuid,
credential_id, award, list+index), for a second school (1000 learners, one achievement per
1000 badges, full 131,072-entry status lists). It is bulk-loaded with COPY (PostgreSQL) or
executemany in one transaction (SQLite): 1M badges take ~60-80 s. Stored documents are a short
placeholder rather than ~6 KB of signed JSON, which would only grow the heap / TOAST.

``--profile FILE`` (inproc only) writes a cProfile of the throughput phase to ``FILE.<db>``.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

RUBRIC = {"name": "Bench", "criteria": [{"id": "a", "name": "A", "requiredLevel": 3},
                                        {"id": "b", "name": "B", "requiredLevel": 3}]}


async def setup(db_url: str, data_dir: Path, n_students: int):
    from issuer.access import Principal, Role
    from issuer.accounts import repo as accounts_repo
    from issuer.accounts import service as accounts
    from issuer.catalog import achievements, frameworks
    from issuer.catalog.schemas import AchievementIn, CompetencyIn, FrameworkIn
    from issuer.context import build_context
    from issuer.db.engine import create_tables, engine_for_url
    from issuer.schools import repo as schools_repo
    from issuer.settings import Settings

    engine = engine_for_url(db_url)
    if engine.engine_type == "postgres":
        await engine.run_ddl("DROP SCHEMA IF EXISTS public CASCADE")
        await engine.run_ddl("CREATE SCHEMA public")
        await engine.start_connection_pool(min_size=4, max_size=20)
    settings = Settings(base_url="http://127.0.0.1:8000", data_dir=data_dir, database_url=db_url,
                        key_encryption_key=bytes(range(32)))
    rt = build_context(settings, engine=engine)
    await create_tables(engine)
    now = rt.clock.now()
    district = await schools_repo.insert_district(slug="d", name="Bench District", url="", email="", at=now)
    school = await schools_repo.insert_school(district_id=district.id, slug="s", name="Bench School", at=now)
    teacher = await accounts_repo.insert_user(district_id=district.id, school_id=school.id, role="teacher",
                                              username="t", email="t@example.org", display_name="T",
                                              password_hash="", at=now)
    token = await accounts.create_api_token(rt, school_id=school.id, district_id=district.id, role="teacher",
                                            user_id=teacher.id, name="bench")
    tp = Principal(role=Role.TEACHER, id=teacher.id, school_id=school.id, district_id=district.id)
    fw = await frameworks.create_framework(rt, tp, FrameworkIn(
        kind="academic", name="F", competencies=[CompetencyIn(code="C1", name="Competency one")]))
    ach = await achievements.create_achievement(rt, tp, AchievementIn(
        name="Bench badge", description="d", rubric=RUBRIC, alignments=[fw.competencies[0].id]))
    return {"engine": engine, "db_url": db_url, "school": school, "district": district, "token": token,
            "achievement": ach, "rt": rt}


async def make_submissions(ctx, n: int, tag: str) -> list[str]:
    from issuer.access import Principal, Role
    from issuer.accounts import repo as accounts_repo
    from issuer.evidence import service as evidence

    out = []
    now = ctx["rt"].clock.now()
    for i in range(n):
        u = await accounts_repo.insert_user(district_id=ctx["district"].id, school_id=ctx["school"].id,
                                            role="student", username=f"{tag}-{i}", email=f"{tag}-{i}@example.org",
                                            display_name=f"S{i}", password_hash="", at=now)
        p = Principal(role=Role.STUDENT, id=u.id, school_id=ctx["school"].id, district_id=ctx["district"].id)
        sub = await evidence.submit(ctx["rt"], p, achievement_uuid=str(ctx["achievement"].uuid), narrative="work",
                                    urls=["https://example.org/w"], files=[])
        out.append(str(sub.uuid))
    return out


class RawResponse:
    def __init__(self, status_code: int, body: bytes) -> None:
        self.status_code, self.content = status_code, body

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.content)


class RawClient:
    """Keep-alive HTTP/1.1 POSTs of JSON over loopback, one connection per concurrent request:
    a load generator that spends far less CPU per request than httpx."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def post(self, path: str, *, headers: dict, json: dict) -> RawResponse:
        body = _json_bytes(json)
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        request = (f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{head}"
                   f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
        reused = bool(self.idle)
        conn = self.idle.pop() if reused else await asyncio.open_connection(self.host, self.port)
        reader, writer = conn
        writer.write(request)
        try:
            status_line = await reader.readline()
        except ConnectionError:
            status_line = b""
        if not status_line:  # the server closed an idle keep-alive connection before reading
            writer.close()
            if not reused:
                raise ConnectionError("the server closed the connection")
            return await self.post(path, headers=headers, json=json)
        status = int(status_line.split()[1])
        length, close = 0, False
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection" and value.strip().lower() == "close":
                close = True
        payload = await reader.readexactly(length)
        if close:
            writer.close()
        else:
            self.idle.append(conn)
        return RawResponse(status, payload)

    async def aclose(self) -> None:
        for _, writer in self.idle:
            writer.close()
        self.idle.clear()


def _json_bytes(value) -> bytes:
    return json.dumps(value).encode()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _proc_stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # gone
        return None
    return text[text.rindex(")") + 2:].split()  # fields from 3 (state) on; the name may hold spaces


def _tree_cpu(root: int) -> float:
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _proc_stat(int(entry.name))) is not None:
            stats[int(entry.name)] = fields
    wanted, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, fields in stats.items():
            if int(fields[1]) == parent and pid not in wanted:
                wanted.add(pid)
                frontier.append(pid)
    ticks = sum(int(stats[pid][11]) + int(stats[pid][12]) for pid in wanted if pid in stats)  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


class Server:
    """``issuer.app:create_app`` under uvicorn in its own process(es), configured from the
    environment like ``badges serve``."""

    def __init__(self, ctx, workers: int) -> None:
        self.ctx, self.workers, self.port = ctx, workers, _free_port()

    async def __aenter__(self):
        settings = self.ctx["rt"].settings
        env = dict(os.environ, DATABASE_URL=self.ctx["db_url"], BADGES_DATA_DIR=str(settings.data_dir),
                   BADGES_BASE_URL=settings.base_url, BADGES_KEK=settings.key_encryption_key.hex(),
                   BADGES_SECRET_KEY=bytes(range(32, 64)).hex(),
                   PYTHONPATH=str(Path(__file__).resolve().parent.parent))
        self.proc = subprocess.Popen(  # noqa: ASYNC220 - started once, before measuring
            [sys.executable, "-m", "uvicorn", "--factory", "issuer.app:create_app", "--host", "127.0.0.1",
             "--port", str(self.port), "--workers", str(self.workers), "--loop", "uvloop", "--http", "httptools",
             "--no-access-log", "--log-level", "warning"],
            env=env)
        for _ in range(600):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                break
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError("the server exited at start") from None
                await asyncio.sleep(0.1)
        else:
            raise RuntimeError("the server did not start")
        await asyncio.sleep(1.0)  # every worker up
        return self

    def cpu(self) -> float:
        """User + system CPU seconds of the server and its worker processes (/proc)."""
        return _tree_cpu(self.proc.pid)

    async def __aexit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


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


SYN_USERS = 1000  # synthetic learners; awards are (learner, achievement) pairs, unique like real ones
LIST_SIZE = 131072
PREFILL_TABLES = {
    "app_user": ["id", "district", "school", "role", "username", "email", "display_name", "password_hash",
                 "active", "created_at"],
    "achievement": ["id", "uuid", "school", "name", "description", "criteria", "achievement_type", "area",
                    "subject", "image_sha256", "image_type", "alignments", "rubric", "prerequisites",
                    "second_rater", "created_at", "archived"],
    "status_list": ["id", "school", "purpose", "list_no", "size", "encoded_list", "document", "updated_at"],
    "award": ["id", "uuid", "school", "learner", "achievement", "ratings", "source", "created_at"],
    "status_entry": ["id", "status_list", "status_index", "created_at"],
    "issued_credential": ["id", "uuid", "school", "learner", "achievement", "award", "credential_id", "document",
                          "status_list", "status_index", "status_purpose", "revoked_reason", "suspended",
                          "suspended_reason", "issued_at"],
}


class BulkWriter:
    """COPY (PostgreSQL) or executemany in one transaction (SQLite), straight into the tables."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.pg = ctx["engine"].engine_type == "postgres"

    async def __aenter__(self):
        if self.pg:
            import asyncpg

            self.conn = await asyncpg.connect(self.ctx["db_url"])
        else:
            import sqlite3

            self.conn = sqlite3.connect(self.ctx["db_url"].removeprefix("sqlite:///"), timeout=60)
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("BEGIN IMMEDIATE")
        return self

    async def __aexit__(self, *exc):
        if self.pg:
            for table in PREFILL_TABLES:  # explicit ids: move the serial sequences past them
                await self.conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                        f"(SELECT COALESCE(MAX(id), 1) FROM \"{table}\"))")
            await self.conn.close()
        else:
            self.conn.execute("COMMIT")
            self.conn.close()

    async def max_id(self, table: str) -> int:
        sql = f'SELECT COALESCE(MAX(id), 0) FROM "{table}"'
        if self.pg:
            return await self.conn.fetchval(sql)
        return self.conn.execute(sql).fetchone()[0]

    async def write(self, table: str, rows: list[tuple]) -> None:
        if not rows:
            return
        cols = PREFILL_TABLES[table]
        if self.pg:
            await self.conn.copy_records_to_table(table, records=rows, columns=cols)
        else:
            def lite(v):
                if isinstance(v, uuid.UUID):
                    return str(v)
                if isinstance(v, datetime):
                    return v.isoformat()
                return v
            marks = ", ".join("?" * len(cols))
            self.conn.executemany(f'INSERT INTO "{table}" ({", ".join(cols)}) VALUES ({marks})',
                                  ([lite(v) for v in r] for r in rows))


async def prefill(ctx, total: int) -> None:
    """Synthetic stored badges, so every index an award touches is large: per badge an Award
    (unique learner+achievement), a StatusEntry (unique list+index) and an IssuedCredential
    (unique uuid, credential_id, award, list+index), for a second school with 1000 learners and
    one achievement per 1000 badges. Bulk-loaded (COPY / one SQLite transaction); documents are
    a short placeholder, not 6 KB of signed JSON (that would only grow the heap/TOAST)."""
    have = ctx.setdefault("prefilled", 0)
    if total <= have:
        return
    now = datetime.now(UTC)
    if "syn_school" not in ctx:  # through the app's engine, before the bulk writer takes the lock
        from issuer.schools import repo as schools_repo

        ctx["syn_school"] = await schools_repo.insert_school(district_id=ctx["district"].id, slug="prefill",
                                                              name="Prefill School", at=now)
    async with BulkWriter(ctx) as bulk:
        syn = ctx.get("syn")
        if syn is None:
            school = ctx["syn_school"]
            first = await bulk.max_id("app_user") + 1
            await bulk.write("app_user", [
                (first + i, ctx["district"].id, school.id, "student", f"syn-{i}", f"syn-{i}@example.org",
                 f"Syn {i}", "", True, now) for i in range(SYN_USERS)])
            syn = ctx["syn"] = {"school": school.id, "users": list(range(first, first + SYN_USERS)),
                                "achievements": [], "lists": []}
        ids = {t: await bulk.max_id(t) + 1 for t in ("award", "status_entry", "issued_credential")}
        need_ach = -(-total // SYN_USERS) - len(syn["achievements"])
        if need_ach > 0:
            first = await bulk.max_id("achievement") + 1
            await bulk.write("achievement", [
                (first + i, uuid.uuid4(), syn["school"], f"Synthetic {first + i}", "d", "c", "Badge", "academic",
                 "", "", "", "[]", '{"name": "R", "criteria": []}', "[]", False, now, False)
                for i in range(need_ach)])
            syn["achievements"] += list(range(first, first + need_ach))
        need_lists = -(-total // LIST_SIZE) - len(syn["lists"])
        if need_lists > 0:
            first = await bulk.max_id("status_list") + 1
            base = len(syn["lists"])
            await bulk.write("status_list", [
                (first + i, syn["school"], "revocation", base + i + 1, LIST_SIZE, "", "", now)
                for i in range(need_lists)])
            syn["lists"] += list(range(first, first + need_lists))
        batch = 50_000
        for start in range(have, total, batch):
            stop = min(total, start + batch)
            awards, entries, creds = [], [], []
            for g in range(start, stop):
                k = g - have
                learner, ach = syn["users"][g % SYN_USERS], syn["achievements"][g // SYN_USERS]
                lst, index = syn["lists"][g // LIST_SIZE], g % LIST_SIZE
                awards.append((ids["award"] + k, uuid.uuid4(), syn["school"], learner, ach, "{}", "bulk", now))
                entries.append((ids["status_entry"] + k, lst, index, now))
                creds.append((ids["issued_credential"] + k, uuid.uuid4(), syn["school"], learner, ach,
                              ids["award"] + k, f"urn:uuid:{uuid.uuid4()}", '{"synthetic":true}', lst, index,
                              "revocation", "", False, "", now))
            await bulk.write("award", awards)
            await bulk.write("status_entry", entries)
            await bulk.write("issued_credential", creds)
    ctx["prefilled"] = total


async def analyze(ctx) -> None:
    engine = ctx["engine"]
    await engine.run_ddl("ANALYZE")


async def run_db(name: str, db_url: str, args) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ctx = await setup(db_url, Path(tmp), args.awards)
        if args.server == "inproc":
            import httpx

            from tests.web.learning_app import make_app

            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=make_app(ctx["rt"])),
                                         base_url="http://127.0.0.1:8000") as client:
                await measure(name, ctx, client, None, args)
        else:
            workers = args.workers or (2 if ctx["engine"].engine_type == "postgres" else 1)
            if ctx["engine"].engine_type == "sqlite" and workers != 1:
                raise SystemExit("SQLite has one writer: one server process")
            async with Server(ctx, workers) as server:
                client = RawClient("127.0.0.1", server.port)
                try:
                    await measure(f"{name}, {workers} worker{'s' * (workers > 1)}", ctx, client, server, args)
                finally:
                    await client.aclose()
        if ctx["engine"].engine_type == "postgres":
            await ctx["engine"].close_connection_pool()


async def measure(name: str, ctx, client, server, args) -> None:
    warm = await make_submissions(ctx, 10 * max(1, args.workers or 2), "warm")
    await review_all(client, ctx["token"], warm, 4)
    subs = await make_submissions(ctx, args.awards, "run")
    prof = None
    if args.profile and server is None:
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
    t0, cpu0 = time.perf_counter(), time.process_time()
    scpu0 = server.cpu() if server else 0.0
    lat = await review_all(client, ctx["token"], subs, args.concurrency)
    dt, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    scpu = (server.cpu() - scpu0) if server else 0.0
    if prof is not None:
        prof.disable()
        prof.dump_stats(f"{args.profile}.{name}")
    n = args.awards
    where = (f"CPU per award: server {scpu / n * 1000:.2f} ms, load generator {cpu / n * 1000:.2f} ms" if server
             else f"CPU of this process (app + client) {cpu / n * 1000:.2f} ms/award")
    print(f"[{name}] {n} awards in {dt:.2f}s = {n / dt:.1f} awards/s (concurrency {args.concurrency}); "
          f"latency p50 {statistics.median(lat) * 1000:.1f} ms; {where}", flush=True)
    base = None
    for size in [0] + [int(x) for x in args.prefill.split(",") if x]:
        t1 = time.perf_counter()
        await prefill(ctx, size)
        fill = time.perf_counter() - t1
        for when in ("as loaded", "after ANALYZE"):
            if when != "as loaded":
                t1 = time.perf_counter()
                await analyze(ctx)
                fill = time.perf_counter() - t1
            subs = await make_submissions(ctx, args.latency_n, f"lat{size}{when[:2]}")
            lat = await review_all(client, ctx["token"], subs, 1)
            p50 = statistics.median(lat) * 1000
            p90 = sorted(lat)[int(len(lat) * 0.9)] * 1000
            base = base or p50
            print(f"[{name}] award latency with {size:>9,} badges stored ({when}): p50 {p50:.1f} ms, "
                  f"p90 {p90:.1f} ms (x{p50 / base:.2f} vs empty; "
                  f"{'pre-fill' if when == 'as loaded' else 'ANALYZE'} took {fill:.1f}s)", flush=True)


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="sqlite", choices=["sqlite", "postgres", "both"])
    ap.add_argument("--awards", type=int, default=300)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--prefill", default="10000,1000000")
    ap.add_argument("--latency-n", type=int, default=30)
    ap.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    ap.add_argument("--profile", default="", help="cProfile the throughput phase into FILE.<db> (inproc)")
    ap.add_argument("--server", default="process", choices=["process", "inproc"])
    ap.add_argument("--workers", type=int, default=0, help="server processes (default: PG 2, SQLite 1)")
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
