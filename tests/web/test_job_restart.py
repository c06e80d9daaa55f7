"""Jobs a stopped process left are resumed when an app starts (issue 11; until then they were
marked failed, issue 10): the app's runner takes a job whose lease has run out and finishes it
from its row, issuing nothing twice; a job another live process holds is left alone until its
lease ends; a job queued before plans were stored cannot be resumed and fails with the reason."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from tests.support import BASE_URL

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]
STUDENTS = 30


async def _half_done_job(seed, platform, monkeypatch) -> dict:
    """A bulk job that a process left part-way, as after a kill -9: status running, some batches
    committed, and the dead process's lease on the row (made to have run out by the caller)."""
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
    job, _ = await bulk.start(ctx, who, data.encode())  # queued, not run
    assert job.status == "queued" and job.total == STUDENTS

    monkeypatch.setattr(bulk, "BATCH_ROWS", 5)
    real, batches = bulk.awarding.in_write_transaction, []

    async def dies_at_the_third_batch(fn):
        batches.append(fn)
        if len(batches) == 3:
            raise asyncio.CancelledError  # the process is gone: nothing more is written
        return await real(fn)

    monkeypatch.setattr(bulk.awarding, "in_write_transaction", dies_at_the_third_batch)
    monkeypatch.setattr(dying, "release", _never_released)
    with pytest.raises(asyncio.CancelledError):
        await dying.run(ctx, "bulk", job.id)
    monkeypatch.setattr(bulk.awarding, "in_write_transaction", real)
    left = await credentials_repo.get_bulk_job(job.uuid)
    assert left.status == "running" and 0 < left.processed == left.issued < STUDENTS, left
    assert left.lease_owner == "dead-host:1:0", left
    return left


async def _never_released(kind, job_id) -> None:  # a killed process gives nothing back
    return None


async def _set_lease(job_id: int, owner: str, until) -> None:
    from issuer.db.tables import BulkJob

    await BulkJob.update({BulkJob.lease_owner: owner, BulkJob.lease_until: until}).where(BulkJob.id == job_id)


async def _one_badge_each(school_id: int) -> None:
    from issuer.db.tables import Award, IssuedCredential

    rows = await IssuedCredential.select(IssuedCredential.learner, IssuedCredential.status_index).where(
        IssuedCredential.school == school_id)
    assert len(rows) == len({r["learner"] for r in rows}) == len({r["status_index"] for r in rows}) == STUDENTS
    assert await Award.count().where(Award.school == school_id) == STUDENTS


async def _poll(client, url: str, headers: dict, until, timeout: float = 60) -> dict:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        r = await client.get(url, headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        if until(body) or loop.time() > deadline:
            return body
        await asyncio.sleep(0.2)


async def test_app_start_resumes_a_job_a_killed_process_left(seed, platform, platform_settings, monkeypatch):
    from litestar.testing import AsyncTestClient

    from issuer.app import create_app
    from issuer.db.engine import engine_for_url
    from issuer.jobs import wall_now

    job = await _half_done_job(seed, platform, monkeypatch)
    await _set_lease(job.id, job.lease_owner, wall_now() - timedelta(seconds=1))  # its lease ran out
    app = create_app(platform_settings, clock=platform.clock, engine=engine_for_url(platform_settings.database_url))
    async with AsyncTestClient(app=app, base_url=BASE_URL) as client:
        t = {"Authorization": f"Bearer {seed.token['teacher']}"}
        body = await _poll(client, f"/api/awards/bulk/{job.uuid}", t, lambda b: b["status"] != "running")
    assert body["status"] == "done" and body["errors"] == [], body
    assert body["processed"] == body["issued"] == body["total"] == STUDENTS, body
    await _one_badge_each(seed.schools["north"].id)


async def test_a_job_a_live_process_holds_is_left_alone_until_its_lease_ends(seed, platform, platform_settings,
                                                                            monkeypatch):
    from litestar.testing import AsyncTestClient

    from issuer.app import create_app
    from issuer.credentials import repo as credentials_repo
    from issuer.db.engine import engine_for_url
    from issuer.jobs import wall_now

    job = await _half_done_job(seed, platform, monkeypatch)
    await _set_lease(job.id, "live-host:2:0", wall_now() + timedelta(seconds=60))  # another process, alive
    app = create_app(platform_settings, clock=platform.clock, engine=engine_for_url(platform_settings.database_url))
    async with AsyncTestClient(app=app, base_url=BASE_URL) as client:
        t = {"Authorization": f"Bearer {seed.token['teacher']}"}
        await asyncio.sleep(2.5)  # the app's runner has looked at the queue at least twice
        held = await credentials_repo.get_bulk_job(job.uuid)
        assert held.status == "running" and held.lease_owner == "live-host:2:0", held
        assert held.processed == job.processed, held
        # the other process stops heartbeating: its lease runs out, and this app finishes the job
        await _set_lease(job.id, "live-host:2:0", wall_now() - timedelta(seconds=1))
        body = await _poll(client, f"/api/awards/bulk/{job.uuid}", t, lambda b: b["status"] != "running")
    assert body["status"] == "done" and body["issued"] == STUDENTS, body
    await _one_badge_each(seed.schools["north"].id)


async def test_a_job_queued_before_plans_were_stored_fails_with_the_reason(seed, platform, platform_settings):
    from litestar.testing import AsyncTestClient

    from issuer.app import create_app
    from issuer.credentials import repo as credentials_repo
    from issuer.db.engine import engine_for_url
    from issuer.transcripts import repo as repo_transcripts

    school, now = seed.schools["north"].id, platform.clock.now()
    old = await credentials_repo.insert_bulk_job(school=school, status="running", total=10, created_at=now)
    done = await credentials_repo.insert_bulk_job(school=school, status="done", total=10, created_at=now)
    cohort = await repo_transcripts.insert_job(school=school, status="running", total=3, created_at=now)
    app = create_app(platform_settings, clock=platform.clock, engine=engine_for_url(platform_settings.database_url))
    async with AsyncTestClient(app=app, base_url=BASE_URL) as client:
        t = {"Authorization": f"Bearer {seed.token['teacher']}"}
        body = await _poll(client, f"/api/awards/bulk/{old.uuid}", t, lambda b: b["status"] != "running")
        assert body["status"] == "failed" and "interrupted by a restart" in body["errors"][0]["errors"][0], body
        c = await _poll(client, f"/api/transcript-jobs/{cohort.uuid}", t, lambda b: b["status"] != "running")
        assert c["status"] == "failed" and "interrupted by a restart" in c["errors"][0]["error"], c
    assert (await credentials_repo.get_bulk_job(done.uuid)).status == "done"
