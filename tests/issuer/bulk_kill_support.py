"""The bulk-award kill tests' helpers (a ``badges`` child process killed mid-run, then the counts that prove every
badge was issued exactly once): shared by the bulk-kill and worker-queue tests."""
from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.support import BASE_URL, TEST_KEK
from tests.web.learning_app import in_process_client
from tests.web.support import add_students, setup_achievement

ROWS = 200
LEASE = 2  # seconds: the killed process's lease runs out quickly


async def job_counts(school_id: int) -> tuple[int, int, int, int]:
    from issuer.db.tables import Award, IssuedCredential, StatusEntry

    awards = await Award.count().where(Award.school == school_id)
    credentials = await IssuedCredential.select(IssuedCredential.learner, IssuedCredential.award,
                                                IssuedCredential.status_list, IssuedCredential.status_index).where(
        IssuedCredential.school == school_id)
    entries = await StatusEntry.count()
    learners = len({c["learner"] for c in credentials})
    assert all(c["award"] is not None and c["status_index"] is not None for c in credentials)
    return awards, len(credentials), entries, learners


def job_env(db_url: str, tmp_path) -> dict:
    return dict(os.environ, DATABASE_URL=db_url, BADGES_DATA_DIR=str(tmp_path), BADGES_KEK=TEST_KEK.hex(),
                BADGES_BASE_URL=BASE_URL, PYTHONPATH=os.getcwd(), BADGES_JOB_LEASE_SECONDS=str(LEASE))


def run_badges(*args: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "from badges.cli import main; raise SystemExit(main())", *args],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


async def kill_mid_run(proc: subprocess.Popen, school_id: int) -> dict:
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


async def exactly_once(school_id: int, rows: int) -> None:
    from issuer.db.tables import IssuedCredential

    awards, credentials, entries, learners = await job_counts(school_id)
    assert awards == credentials == entries == learners == rows, (awards, credentials, entries, learners)
    issued = await IssuedCredential.select(IssuedCredential.learner, IssuedCredential.status_list,
                                           IssuedCredential.status_index).where(IssuedCredential.school == school_id)
    assert len({c["learner"] for c in issued}) == len(issued) == rows  # one badge per student
    assert len({(c["status_list"], c["status_index"]) for c in issued}) == rows  # status indexes unique


async def kill_test_setup(seed, tmp_path) -> tuple[dict, str]:
    async with in_process_client(seed.ctx) as client:
        a = await setup_achievement(client, seed)
    emails = await add_students(seed, ROWS)
    data = "email,achievement,plan,analysis\n" + "".join(f"{e},{a['id']},3,3\n" for e in emails)
    (tmp_path / "term.csv").write_text(data, encoding="utf-8")
    return seed.schools["north"], data
