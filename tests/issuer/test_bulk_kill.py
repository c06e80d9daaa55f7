"""kill -9 during a bulk award (issues 10, 11): the batches committed before the kill are whole
badges (award, status index and signed credential together); once the killed process's lease on
the job row has run out, another process (``badges worker``) resumes the job and finishes it,
issuing nothing twice; a live job is never taken over."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.platform_fixtures import BASE_URL, TEST_KEK
from tests.web.learning_app import in_process_client
from tests.web.test_bulk_latency import _students
from tests.web.test_e2e_learning import setup_achievement

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]

ROWS = 200
LEASE = 2  # seconds: the killed process's lease runs out quickly


async def _counts(school_id: int) -> tuple[int, int, int, int]:
    from issuer.db.tables import Award, IssuedCredential, StatusEntry

    awards = await Award.count().where(Award.school == school_id)
    credentials = await IssuedCredential.select(IssuedCredential.learner, IssuedCredential.award,
                                                IssuedCredential.status_list, IssuedCredential.status_index).where(
        IssuedCredential.school == school_id)
    entries = await StatusEntry.count()
    learners = len({c["learner"] for c in credentials})
    assert all(c["award"] is not None and c["status_index"] is not None for c in credentials)
    return awards, len(credentials), entries, learners


def _env(db_url: str, tmp_path) -> dict:
    return dict(os.environ, DATABASE_URL=db_url, BADGES_DATA_DIR=str(tmp_path), BADGES_KEK=TEST_KEK.hex(),
                BADGES_BASE_URL=BASE_URL, PYTHONPATH=os.getcwd(), BADGES_JOB_LEASE_SECONDS=str(LEASE))


def _badges(*args: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "from badges.cli import main; raise SystemExit(main())", *args],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


async def _kill_mid_run(proc: subprocess.Popen, school_id: int) -> dict:
    """SIGKILL the child once its job has committed some batches (and has rows left)."""
    from issuer.db.tables import BulkJob

    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            job = await BulkJob.select().where(BulkJob.school == school_id).first()
            if job is not None and job["processed"] >= 20:
                break
            assert proc.poll() is None, proc.stderr.read().decode()
            await asyncio.sleep(0.02)
        else:
            pytest.fail("the bulk award made no progress")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()
    return await BulkJob.select().where(BulkJob.school == school_id).first().output(load_json=True)


async def _exactly_once(school_id: int, rows: int) -> None:
    from issuer.db.tables import IssuedCredential

    awards, credentials, entries, learners = await _counts(school_id)
    assert awards == credentials == entries == learners == rows, (awards, credentials, entries, learners)
    issued = await IssuedCredential.select(IssuedCredential.learner, IssuedCredential.status_list,
                                           IssuedCredential.status_index).where(IssuedCredential.school == school_id)
    assert len({c["learner"] for c in issued}) == len(issued) == rows  # one badge per student
    assert len({(c["status_list"], c["status_index"]) for c in issued}) == rows  # status indexes unique


async def _kill_test_setup(seed, tmp_path) -> tuple[dict, str]:
    async with in_process_client() as client:
        a = await setup_achievement(client, seed)
    emails = await _students(seed, ROWS)
    data = "email,achievement,plan,analysis\n" + "".join(f"{e},{a['id']},3,3\n" for e in emails)
    (tmp_path / "term.csv").write_text(data, encoding="utf-8")
    return seed.schools["north"], data


async def test_kill_9_during_a_bulk_award_then_a_worker_resumes_it_exactly_once(seed, platform, db_url, tmp_path):
    """``badges award`` killed with SIGKILL part-way; its lease runs out and ``badges worker``
    (another process) resumes the job from the row: every student has exactly one badge."""
    school, _ = await _kill_test_setup(seed, tmp_path)
    env = _env(db_url, tmp_path)
    job = await _kill_mid_run(_badges("award", str(tmp_path / "term.csv"), "--school", "north", env=env),
                              school["id"])
    assert job["status"] == "running" and 20 <= job["processed"] < ROWS, job
    assert job["lease_owner"], job  # the dead process's lease, still unexpired for a moment
    awards, credentials, entries, learners = await _counts(school["id"])
    # exactly what the job row says was committed: whole badges, one per student, nothing partial
    assert awards == credentials == entries == learners == job["issued"] == job["processed"], (
        awards, credentials, entries, learners, job)

    await asyncio.sleep(LEASE + 0.5)  # the lease of the killed process runs out
    worker = _badges("worker", "--once", env=env)
    out, err = worker.communicate(timeout=120)
    assert worker.returncode == 0, err.decode()
    assert out.decode().strip() == "ran 1 job(s)", (out, err)

    from issuer.db import repo_learning

    done = await repo_learning.get_bulk_job(job["uuid"])
    assert done["status"] == "done" and done["errors"] == [], done
    assert done["processed"] == done["total"] == done["issued"] == ROWS, done
    assert done["lease_owner"] == "" and done["lease_until"] is None, done
    await _exactly_once(school["id"], ROWS)


async def test_a_live_job_is_not_taken_over_and_a_rerun_of_a_finished_file_issues_nothing(seed, platform, db_url,
                                                                                         tmp_path):
    """Bad twin of the resume: while the job's lease is alive, a worker leaves it alone; after
    it finished, ``badges award`` with the same file skips every row."""
    from issuer.db import repo_learning
    from issuer.jobs import JobRunner

    school, data = await _kill_test_setup(seed, tmp_path)
    env = _env(db_url, tmp_path)
    job = await _kill_mid_run(_badges("award", str(tmp_path / "term.csv"), "--school", "north", env=env),
                              school["id"])
    before = job["processed"]
    # within the lease, nobody takes the job: a worker finds nothing to run
    assert await JobRunner(lease_seconds=LEASE).claimable() == []
    assert not await JobRunner(lease_seconds=LEASE).run("bulk", job["id"])
    assert (await repo_learning.get_bulk_job(job["uuid"]))["processed"] == before
    await asyncio.sleep(LEASE + 0.5)
    assert await JobRunner(lease_seconds=LEASE).claimable() == [("bulk", job["id"])]
    assert await JobRunner(lease_seconds=LEASE, clock=platform.clock).run("bulk", job["id"])
    await _exactly_once(school["id"], ROWS)
    again = _badges("award", str(tmp_path / "term.csv"), "--school", "north", env=env)
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err.decode()
    assert "issued 0 badge(s)" in out.decode() and err.decode().count("already awarded") == ROWS, (out, err)
    await _exactly_once(school["id"], ROWS)
