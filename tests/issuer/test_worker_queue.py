"""Scale-out on PostgreSQL (issue 11): an app with ``BADGES_JOBS=worker`` only queues a bulk award
(Procrastinate), its job page says it waits for a worker; a ``badges worker`` process takes it,
is killed with SIGKILL part-way, and a second worker resumes the job once the lease has run out:
every student ends with exactly one badge, and the job row is done with the right counts."""
from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time

import pytest

from tests.issuer.bulk_kill_support import LEASE, ROWS, exactly_once, job_env, kill_mid_run, kill_test_setup
from tests.support import BASE_URL

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]


def _worker(env: dict, poll: float = 0.5) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "from badges.cli import main; raise SystemExit(main())",
                             "worker", "--poll", str(poll)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


async def test_app_queues_and_workers_run_resume_after_kill_9(seed, platform, platform_settings, db_url, db,
                                                             tmp_path):
    if db.engine_type != "postgres":
        pytest.skip("the worker queue is PostgreSQL's (SQLite runs jobs inline)")
    import psycopg
    from litestar.testing import AsyncTestClient

    from issuer.app import create_app
    from issuer.db.engine import engine_for_url

    school, data = await kill_test_setup(seed, tmp_path)
    settings = platform_settings.replace(jobs="worker", job_lease_seconds=LEASE)
    app = create_app(settings, clock=platform.clock, engine=engine_for_url(settings.database_url))
    t = {"Authorization": f"Bearer {seed.token['teacher']}"}
    env = job_env(db_url, tmp_path)
    workers: list[subprocess.Popen] = []
    try:
        async with AsyncTestClient(app=app, base_url=BASE_URL) as client:
            r = await client.post("/api/awards/bulk", headers=t, files={"file": ("a.csv", data.encode(), "text/csv")})
            assert r.status_code == 202, r.text
            path = r.headers["location"]
            await asyncio.sleep(0.5)
            assert (await client.get(path, headers=t)).json()["status"] == "queued"  # nobody runs it here
            page = await client.get(path, headers={**t, "Accept": "text/html"})
            assert "Waiting for a worker" in page.text, page.text
            async with await psycopg.AsyncConnection.connect(db_url) as conn:
                queued = await (await conn.execute(
                    "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'badges.run_job' AND status = 'todo'"
                )).fetchone()
            assert queued == (1,)

            workers.append(_worker(env))
            job = await kill_mid_run(workers[0], school.id)
            assert job["status"] == "running" and 20 <= job["processed"] < ROWS, job

            workers.append(_worker(env))  # a second worker: resumes it once the dead lease runs out
            deadline = time.monotonic() + 120
            while (body := (await client.get(path, headers=t)).json())["status"] in ("queued", "running"):
                assert workers[1].poll() is None, workers[1].stderr.read().decode()
                assert time.monotonic() < deadline, body
                await asyncio.sleep(0.2)
            assert body["status"] == "done" and body["errors"] == [], body
            assert body["processed"] == body["issued"] == body["total"] == ROWS, body
            await exactly_once(school.id, ROWS)

            # a queue message the killed worker left "doing" (when its queue task, not its first
            # sweep, took the job) goes back to the queue; the live worker runs it, finds the job finished, and
            # issues nothing: no message stays in progress
            from issuer import jobs_queue

            queue = jobs_queue.queue_app(db_url)
            async with queue.open_async():
                await jobs_queue.retry_stalled(queue, seconds_since_heartbeat=0)
            deadline = time.monotonic() + 60
            while True:
                async with await psycopg.AsyncConnection.connect(db_url) as conn:
                    left = await (await conn.execute(
                        "SELECT status, count(*) FROM procrastinate_jobs GROUP BY status")).fetchall()
                if set(dict(left)) == {"succeeded"}:
                    break
                assert time.monotonic() < deadline, left
                await asyncio.sleep(0.2)
            assert (await client.get(path, headers=t)).json() == body
        await exactly_once(school.id, ROWS)
        workers[1].send_signal(signal.SIGTERM)  # stops cleanly
        assert workers[1].wait(timeout=30) == 0, workers[1].stderr.read().decode()
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
                w.wait(timeout=30)
            for stream in (w.stdout, w.stderr):
                if stream and not stream.closed:
                    stream.close()
