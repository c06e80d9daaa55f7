"""Jobs left running by a process that stopped (a crash, kill -9) are marked failed, with the
reason, when the app starts (issue 10); finished jobs and jobs this process runs are left alone."""
from __future__ import annotations

import pytest

from tests.platform_fixtures import *  # noqa: F401,F403
from tests.platform_fixtures import BASE_URL

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]


async def _jobs(seed, platform):
    from issuer.db import repo_learning, repo_transcripts

    school, now = seed.schools["north"]["id"], platform.clock.now()
    bulk_jobs = {status: await repo_learning.insert_bulk_job(school=school, status=status, total=10, created_at=now)
                 for status in ("queued", "running", "done", "failed")}
    await repo_learning.update_bulk_job(bulk_jobs["running"]["id"], processed=4, issued=4)
    cohort_jobs = {status: await repo_transcripts.insert_job(school=school, status=status, total=3, created_at=now)
                   for status in ("running", "done")}
    return bulk_jobs, cohort_jobs


async def test_app_start_fails_jobs_a_stopped_process_left_running(seed, platform, platform_settings):
    from litestar.testing import AsyncTestClient

    from issuer.db import repo_learning, repo_transcripts
    from issuer.db.repo import engine_for_url
    from issuer.web.app import create_app

    bulk_jobs, cohort_jobs = await _jobs(seed, platform)
    platform.clock.advance(minutes=5)
    app = create_app(platform_settings, clock=platform.clock, engine=engine_for_url(platform_settings.database_url))
    async with AsyncTestClient(app=app, base_url=BASE_URL) as client:
        t = {"Authorization": f"Bearer {seed.token['teacher']}"}
        for status in ("queued", "running"):
            job = (await client.get(f"/api/awards/bulk/{bulk_jobs[status]['uuid']}", headers=t)).json()
            assert job["status"] == "failed", job
            assert "interrupted by a restart" in job["errors"][0]["errors"][0], job
            assert job["finishedAt"] is not None
        # what the interrupted job had committed stays visible
        assert (await repo_learning.get_bulk_job(bulk_jobs["running"]["uuid"]))["processed"] == 4
        # finished jobs keep their outcome
        assert (await repo_learning.get_bulk_job(bulk_jobs["done"]["uuid"]))["status"] == "done"
        assert (await repo_learning.get_bulk_job(bulk_jobs["failed"]["uuid"]))["errors"] == []
        cohort = await repo_transcripts.job(cohort_jobs["running"]["uuid"])
        assert cohort["status"] == "failed" and "interrupted by a restart" in cohort["errors"][0]["error"], cohort
        assert (await repo_transcripts.job(cohort_jobs["done"]["uuid"]))["status"] == "done"


async def test_jobs_this_process_runs_are_not_failed(seed, platform):
    from issuer.db import repo_learning, repo_transcripts
    from issuer.services import bulk, transcript_cases

    bulk_jobs, cohort_jobs = await _jobs(seed, platform)
    bulk._RUNNING.add(bulk_jobs["running"]["id"])
    transcript_cases._RUNNING.add(cohort_jobs["running"]["id"])
    try:
        assert await bulk.mark_interrupted(platform.clock.now()) == [bulk_jobs["queued"]["id"]]
        assert await transcript_cases.mark_interrupted(platform.clock.now()) == []
    finally:
        bulk._RUNNING.discard(bulk_jobs["running"]["id"])
        transcript_cases._RUNNING.discard(cohort_jobs["running"]["id"])
    assert (await repo_learning.get_bulk_job(bulk_jobs["running"]["uuid"]))["status"] == "running"
    assert (await repo_transcripts.job(cohort_jobs["running"]["uuid"]))["status"] == "running"



async def test_a_live_job_marked_by_another_process_start_up_recovers(seed, platform, monkeypatch):
    """Several processes (PostgreSQL, or the CLI beside the server): another process's start-up
    cannot tell a live job from an orphan; the live job says it is running again at its next
    batch and ends done, without the restart's error."""
    import asyncio

    from issuer.db import repo_learning
    from issuer.services import bulk
    from tests.web.learning_app import in_process_client
    from tests.web.test_bulk_latency import _students
    from tests.web.test_e2e_learning import bearer, setup_achievement

    monkeypatch.setattr(bulk, "BATCH_ROWS", 1)
    # Hold the job before its second batch, so the other process's start-up surely meets it live
    # (unheld, a fast run could finish all 30 rows first).
    gate, real, batches = asyncio.Event(), bulk.awarding.in_write_transaction, []

    async def held(fn):
        batches.append(fn)
        if len(batches) == 2:
            await gate.wait()
        return await real(fn)

    monkeypatch.setattr(bulk.awarding, "in_write_transaction", held)
    async with in_process_client() as client:
        a = await setup_achievement(client, seed)
        emails = await _students(seed, 30)
        data = "email,achievement,plan,analysis\n" + "".join(f"{e},{a['id']},3,3\n" for e in emails)
        r = await client.post("/api/awards/bulk", headers=bearer(seed, "teacher"),
                              files={"file": ("a.csv", data.encode(), "text/csv")})
        assert r.status_code == 202, r.text
        j_uuid = r.json()["id"]
        while (await repo_learning.get_bulk_job(j_uuid))["processed"] < 1:
            await asyncio.sleep(0)
        # another process starts up: it knows nothing of this process's jobs
        marked = await repo_learning.fail_unfinished_bulk_jobs(errors=[{"line": None, "errors": ["x"]}],
                                                               at=platform.clock.now())
        assert len(marked) == 1
        gate.set()
        statuses = set()
        while (job := await repo_learning.get_bulk_job(j_uuid))["status"] != "done":
            statuses.add(job["status"])
            await asyncio.sleep(0)
    assert "running" in statuses, statuses
    assert job["issued"] == 30 and job["errors"] == [] and job["processed"] == 30, job
