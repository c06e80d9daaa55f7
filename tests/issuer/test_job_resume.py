"""What resumes a stalled job (``issuer.jobs.JobRunner.sweep``), on both databases: a job row left
``running`` by a process that stopped, whose lease has run out, is picked up by exactly one of two
runners racing for it and finished from its row, exactly once (no badge issued twice, no student's
transcript error counted twice); a job whose lease is still alive is left alone."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]
STUDENTS = 12


async def _set_lease(table, job_id: int, owner: str, until) -> None:
    await table.update({table.lease_owner: owner, table.lease_until: until}).where(table.id == job_id)


async def _stalled_bulk_job(seed, platform, monkeypatch):
    """A bulk award a process left part-way (as after a kill -9): status running, two batches
    committed with their progress, the dead process's lease still on the row."""
    from issuer.access import Principal, Role
    from issuer.credentials import bulk
    from issuer.credentials import repo as credentials_repo
    from issuer.jobs import JobRunner
    from tests.web.learning_app import in_process_client
    from tests.web.support import add_students, setup_achievement

    async with in_process_client(seed.ctx) as client:
        a = await setup_achievement(client, seed)
    emails = await add_students(seed, STUDENTS)
    data = "email,achievement,plan,analysis\n" + "".join(f"{e},{a['id']},3,3\n" for e in emails)
    teacher = seed.users[("north", "teacher", 0)]
    who = Principal(role=Role.TEACHER, id=teacher["id"], school_id=seed.schools["north"].id,
                    district_id=seed.district.id, via="token")
    dying = JobRunner(inline=False, owner="dead-host:1:0")
    ctx = platform.replace(jobs=dying)
    job, _ = await bulk.start(ctx, who, data.encode())  # queued: nobody runs it here

    monkeypatch.setattr(bulk, "BATCH_ROWS", 4)
    monkeypatch.setattr(bulk, "BATCH_SECONDS", 60.0)  # batches of exactly 4 rows
    real, batches = bulk.awarding.in_write_transaction, []

    async def dies_at_the_third_batch(fn):
        batches.append(fn)
        if len(batches) == 3:
            raise asyncio.CancelledError  # the process is gone: nothing more is written
        return await real(fn)

    async def never_released(kind, job_id) -> None:  # a killed process gives nothing back
        return None

    monkeypatch.setattr(bulk.awarding, "in_write_transaction", dies_at_the_third_batch)
    monkeypatch.setattr(dying, "release", never_released)
    with pytest.raises(asyncio.CancelledError):
        await dying.run(ctx, "bulk", job.id)
    monkeypatch.setattr(bulk.awarding, "in_write_transaction", real)
    left = await credentials_repo.get_bulk_job(job.uuid)
    assert left.status == "running" and left.processed == left.issued == 8 and left.lease_owner == "dead-host:1:0"
    return left


async def test_a_stalled_bulk_job_is_resumed_by_one_runner_and_finished_exactly_once(seed, platform, monkeypatch):
    from issuer.credentials import repo as credentials_repo
    from issuer.db.tables import Award, BulkJob, IssuedCredential
    from issuer.jobs import JobRunner, wall_now

    job = await _stalled_bulk_job(seed, platform, monkeypatch)
    # bad twin first: while the stopped process's lease has not run out, nobody takes the job
    await _set_lease(BulkJob, job.id, job.lease_owner, wall_now() + timedelta(seconds=60))
    assert await JobRunner().sweep(platform) == 0
    held = await credentials_repo.get_bulk_job(job.uuid)
    assert held.status == "running" and held.processed == job.processed and held.lease_owner == job.lease_owner

    await _set_lease(BulkJob, job.id, job.lease_owner, wall_now() - timedelta(seconds=1))  # it ran out
    one, two = JobRunner(owner="host-a:1:0"), JobRunner(owner="host-b:2:0")
    ran = await asyncio.gather(one.sweep(platform), two.sweep(platform))
    assert sorted(ran) == [0, 1], ran  # exactly one of the racing runners took it

    done = await credentials_repo.get_bulk_job(job.uuid)
    assert done.status == "done" and done.errors == [], done
    assert done.processed == done.issued == done.total == STUDENTS, done
    assert done.lease_owner == "" and done.lease_until is None, done  # given back when finished
    school = seed.schools["north"].id
    learners = [r["learner"] for r in await IssuedCredential.select(IssuedCredential.learner).where(
        IssuedCredential.school == school)]
    assert len(learners) == len(set(learners)) == STUDENTS  # the committed batches were not issued again
    assert await Award.count().where(Award.school == school) == STUDENTS
    assert await JobRunner().sweep(platform) == 0  # finished: nothing left to resume


async def test_a_stalled_cohort_job_is_resumed_by_one_runner_and_finished_exactly_once(seed, platform):
    from issuer.db.tables import Transcript, TranscriptJob
    from issuer.jobs import JobRunner, wall_now
    from issuer.transcripts import repo

    north = seed.schools["north"].id
    students = [seed.users[("north", "student", n)]["id"] for n in range(2)]
    job = await repo.insert_job(school=north, status="running", total=len(students), learners=students,
                                created_at=platform.clock.now())
    await _set_lease(TranscriptJob, job.id, "dead-host:1:0", wall_now() + timedelta(seconds=60))
    assert await JobRunner().sweep(platform) == 0  # its process may still be alive: left alone
    assert (await repo.job_by_id(job.id)).status == "running"

    await _set_lease(TranscriptJob, job.id, "dead-host:1:0", wall_now() - timedelta(seconds=1))
    ran = await asyncio.gather(JobRunner(owner="host-a:1:0").sweep(platform),
                               JobRunner(owner="host-b:2:0").sweep(platform))
    assert sorted(ran) == [0, 1], ran

    done = await repo.job_by_id(job.id)
    assert done.status == "done" and done.processed == done.total == 2 and done.succeeded == 0, done
    # neither student has a badge yet: each is reported once, and nothing was stored
    assert sorted(e.learner for e in done.errors) == sorted(students), done.errors
    assert {e.error for e in done.errors} == {"no valid badges yet"}
    assert await Transcript.count().where(Transcript.cohort_job == job.id) == 0
    assert done.lease_owner == "" and done.lease_until is None, done
    assert await JobRunner().sweep(platform) == 0
