"""kill -9 during a bulk award (issue 10): the batches committed before the kill are whole badges
(award, status index and signed credential together), nothing is issued twice, the job row left
running is marked failed at the next start-up, and running the same file again issues the rest."""
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


async def test_kill_during_a_bulk_award_leaves_whole_badges_and_a_rerun_finishes(seed, platform, db_url, tmp_path):
    from issuer.db import repo_learning
    from issuer.db.tables import BulkJob
    from issuer.services import bulk
    from issuer.services.accounts import Principal, Role

    async with in_process_client() as client:
        a = await setup_achievement(client, seed)
    school = seed.schools["north"]
    emails = await _students(seed, ROWS)
    csv_path = tmp_path / "term.csv"
    data = "email,achievement,plan,analysis\n" + "".join(f"{e},{a['id']},3,3\n" for e in emails)
    csv_path.write_text(data, encoding="utf-8")

    env = dict(os.environ, DATABASE_URL=db_url, BADGES_DATA_DIR=str(tmp_path), BADGES_KEK=TEST_KEK.hex(),
               BADGES_BASE_URL=BASE_URL, PYTHONPATH=os.getcwd())
    proc = subprocess.Popen([sys.executable, "-c", "from badges.cli import main; raise SystemExit(main())",
                             "award", str(csv_path), "--school", "north"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            job = await BulkJob.select().where(BulkJob.school == school["id"]).first()
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
        proc.stderr.close()

    job = await BulkJob.select().where(BulkJob.school == school["id"]).first()
    assert job["status"] == "running" and 20 <= job["processed"] < ROWS, job
    awards, credentials, entries, learners = await _counts(school["id"])
    # exactly what the job row says was committed: whole badges, one per student, nothing partial
    assert awards == credentials == entries == learners == job["issued"] == job["processed"], (
        awards, credentials, entries, learners, job)

    # the next start-up marks the orphan; the same file again issues the rest, exactly once
    assert await bulk.mark_interrupted(platform.clock.now()) == [job["id"]]
    assert (await repo_learning.get_bulk_job(job["uuid"]))["status"] == "failed"
    teacher = seed.users[("north", "teacher", 0)]
    who = Principal(role=Role.TEACHER, id=teacher["id"], school_id=school["id"], district_id=seed.district["id"])
    again, plan = await bulk.start(who, data.encode(), clock=platform.clock, background=False)
    assert len(plan.skipped) == job["processed"] and again["issued"] == ROWS - job["processed"], again
    awards, credentials, entries, learners = await _counts(school["id"])
    assert awards == credentials == entries == learners == ROWS
