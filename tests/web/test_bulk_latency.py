"""A bulk award no longer stalls the server (issue 10): the job commits in small batches and
hands the event loop back between them, so requests sent while it runs are answered quickly
and the job's progress figures advance as it goes."""
from __future__ import annotations

import asyncio
import os
import time

import pytest

from tests.web.learning_app import in_process_client
from tests.web.support import add_students, bearer, setup_achievement

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]

ROWS = int(os.environ.get("BULK_LATENCY_ROWS", "400"))  # bench/README: 3000 reproduces issue 10


@pytest.fixture
async def client(seed):
    async with in_process_client(seed.ctx) as c:
        yield c


async def test_requests_are_answered_while_a_bulk_award_runs(client, seed):
    a = await setup_achievement(client, seed)
    t = bearer(seed, "teacher")
    emails = await add_students(seed, ROWS)
    csv_text = "email,achievement,plan,analysis\n" + "".join(f"{e},{a['id']},3,3\n" for e in emails)

    # The school's first badge opens (and signs) its status list and warms the signing caches,
    # once per school and process: done before the measured job, as a running service has.
    warm = f"north-student-0@example.org,{a['id']},3,3\n"
    r = await client.post("/api/awards/bulk", headers=t,
                          files={"file": ("w.csv", (csv_text.splitlines()[0] + "\n" + warm).encode(), "text/csv")})
    assert r.status_code == 202, r.text
    from issuer.credentials import bulk
    assert (await bulk.wait(r.json()["id"])).issued == 1

    started = time.perf_counter()
    r = await client.post("/api/awards/bulk", headers=t, files={"file": ("a.csv", csv_text.encode(), "text/csv")})
    assert r.status_code == 202, r.text
    job_url = f"/api/awards/bulk/{r.json()['id']}"

    latencies: list[float] = []
    progress: list[int] = []
    status: dict = {}
    due = time.perf_counter()
    while True:
        # A page-like API read and the job's own progress, each timed from when it was due to
        # its answer: client and app share this event loop, so a job that keeps the loop delays
        # the sending (the 10 ms pause below overruns) as much as the answering.
        for path in ("/api/achievements", job_url):
            answer = await client.get(path, headers=t)
            latencies.append(time.perf_counter() - due)
            due = time.perf_counter()
            assert answer.status_code == 200, answer.text
        status = answer.json()
        progress.append(status["processed"])
        if status["status"] in ("done", "failed") or time.perf_counter() - started > 120:
            break
        due = time.perf_counter() + 0.01
        await asyncio.sleep(0.01)
    duration = time.perf_counter() - started
    print(f"bulk job of {ROWS} rows: {duration:.2f} s; {len(latencies)} requests, "
          f"max latency {max(latencies) * 1000:.0f} ms, median {sorted(latencies)[len(latencies) // 2] * 1000:.0f} ms; "
          f"{len({p for p in progress if 0 < p < ROWS})} progress figures seen while running")

    assert status["status"] == "done" and status["issued"] == ROWS and status["processed"] == ROWS, status
    # progress was visible while the job ran, and only ever went up
    running = sorted({p for p in progress if 0 < p < ROWS})
    assert len(running) >= 3, progress
    assert progress == sorted(progress), progress
    # every request was answered in a small fraction of the job's duration
    assert len(latencies) >= 8, latencies
    assert max(latencies) < max(0.5, duration / 5), (max(latencies), duration, [round(x * 1000) for x in latencies])
    # and nothing was issued twice or left out: one badge per student
    from issuer.db.tables import IssuedCredential

    learners = [r["learner"] for r in await IssuedCredential.select(IssuedCredential.learner)]
    assert len(learners) == ROWS + 1 and len(set(learners)) == ROWS + 1


async def test_a_job_stopped_part_way_keeps_its_batches_and_a_rerun_finishes_exactly_once(client, seed, platform,
                                                                                          monkeypatch):
    from issuer.access import Principal, Role
    from issuer.credentials import awarding, bulk
    from issuer.db.tables import IssuedCredential
    from issuer.errors import InvalidInput

    a = await setup_achievement(client, seed)
    emails = await add_students(seed, 60)
    data = ("email,achievement,plan,analysis\n" + "".join(f"{e},{a['id']},3,3\n" for e in emails)).encode()
    teacher = seed.users[("north", "teacher", 0)]
    who = Principal(role=Role.TEACHER, id=teacher["id"], school_id=teacher["school"], district_id=seed.district.id)
    monkeypatch.setattr(bulk, "BATCH_ROWS", 10)
    monkeypatch.setattr(bulk, "BATCH_SECONDS", 60.0)
    real, calls = awarding.issue_locked, []

    async def failing(ctx, **kw):
        calls.append(1)
        if len(calls) == 35:  # the 5th row of the 4th batch
            raise InvalidInput("the signing service broke")
        return await real(ctx, **kw)

    monkeypatch.setattr(awarding, "issue_locked", failing)
    ctx = platform  # its clock is fixed at NOW
    job, _ = await bulk.start(ctx, who, data, background=False)
    assert job.status == "failed" and job.processed == 30 and job.issued == 30, job
    [error] = job.errors
    assert error.line == 32 and "run the same file again" in error.errors[0], error
    assert await IssuedCredential.count() == 30  # three committed batches; the fourth rolled back whole

    monkeypatch.setattr(awarding, "issue_locked", real)
    job, plan = await bulk.start(ctx, who, data, background=False)
    assert len(plan.skipped) == 30 and job.status == "done" and job.issued == 30, job
    learners = [r["learner"] for r in await IssuedCredential.select(IssuedCredential.learner)]
    assert len(learners) == 60 and len(set(learners)) == 60
