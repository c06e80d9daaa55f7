"""kill -9 during a bulk award (issues 10, 11): the batches committed before the kill are whole
badges (award, status index and signed credential together); once the killed process's lease on
the job row has run out, another process (``badges worker``) resumes the job and finishes it,
issuing nothing twice; a live job is never taken over."""
from __future__ import annotations

import asyncio

import pytest

from tests.issuer.bulk_kill_support import (
    LEASE,
    ROWS,
    exactly_once,
    job_counts,
    job_env,
    kill_mid_run,
    kill_test_setup,
    run_badges,
)

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]


async def test_kill_9_during_a_bulk_award_then_a_worker_resumes_it_exactly_once(seed, platform, db_url, tmp_path):
    """``badges award`` killed with SIGKILL part-way; its lease runs out and ``badges worker``
    (another process) resumes the job from the row: every student has exactly one badge."""
    school, _ = await kill_test_setup(seed, tmp_path)
    env = job_env(db_url, tmp_path)
    job = await kill_mid_run(run_badges("award", str(tmp_path / "term.csv"), "--school", "north", env=env),
                              school.id)
    assert job["status"] == "running" and 20 <= job["processed"] < ROWS, job
    assert job["lease_owner"], job  # the dead process's lease, still unexpired for a moment
    awards, credentials, entries, learners = await job_counts(school.id)
    # exactly what the job row says was committed: whole badges, one per student, nothing partial
    assert awards == credentials == entries == learners == job["issued"] == job["processed"], (
        awards, credentials, entries, learners, job)

    await asyncio.sleep(LEASE + 0.5)  # the lease of the killed process runs out
    worker = run_badges("worker", "--once", env=env)
    out, err = worker.communicate(timeout=120)
    assert worker.returncode == 0, err.decode()
    assert out.decode().strip() == "ran 1 job(s)", (out, err)

    from issuer.credentials import repo as credentials_repo

    done = await credentials_repo.get_bulk_job(job["uuid"])
    assert done.status == "done" and done.errors == [], done
    assert done.processed == done.total == done.issued == ROWS, done
    assert done.lease_owner == "" and done.lease_until is None, done
    await exactly_once(school.id, ROWS)


async def test_a_live_job_is_not_taken_over_and_a_rerun_of_a_finished_file_issues_nothing(seed, platform, db_url,
                                                                                         tmp_path):
    """Bad twin of the resume: while the job's lease is alive, a worker leaves it alone; after
    it finished, ``badges award`` with the same file skips every row."""
    from issuer.credentials import repo as credentials_repo
    from issuer.jobs import JobRunner

    school, data = await kill_test_setup(seed, tmp_path)
    env = job_env(db_url, tmp_path)
    job = await kill_mid_run(run_badges("award", str(tmp_path / "term.csv"), "--school", "north", env=env),
                              school.id)
    before = job["processed"]
    # within the lease, nobody takes the job: a worker finds nothing to run
    assert await JobRunner(lease_seconds=LEASE).claimable() == []
    assert not await JobRunner(lease_seconds=LEASE).run(platform, "bulk", job["id"])
    assert (await credentials_repo.get_bulk_job(job["uuid"])).processed == before
    await asyncio.sleep(LEASE + 0.5)
    assert await JobRunner(lease_seconds=LEASE).claimable() == [("bulk", job["id"])]
    assert await JobRunner(lease_seconds=LEASE).run(platform, "bulk", job["id"])
    await exactly_once(school.id, ROWS)
    again = run_badges("award", str(tmp_path / "term.csv"), "--school", "north", env=env)
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err.decode()
    assert "issued 0 badge(s)" in out.decode() and err.decode().count("already awarded") == ROWS, (out, err)
    await exactly_once(school.id, ROWS)
