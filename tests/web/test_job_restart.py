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
