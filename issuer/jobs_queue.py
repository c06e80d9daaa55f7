"""The PostgreSQL job queue for ``BADGES_JOBS=worker``: Procrastinate.

Why Procrastinate (3.x, procrastinate-org, regular releases): its queue is PostgreSQL and only
PostgreSQL (tables, LISTEN/NOTIFY, ``SELECT … FOR UPDATE SKIP LOCKED``), which is exactly the
database a scale-out deployment already runs, so no Redis and nothing else to operate; it is
async-first (``defer_async``, ``run_worker_async``), and it needs no web-framework plugin, so
the app defers from a handler and ``badges worker`` runs it with the CLI's own settings. SAQ
(through ``litestar-saq``) was the other candidate: its PostgreSQL queue is one backend of a
Redis-first design, and its Litestar plugin would own the worker's life cycle.

The queue only says *which* job to run next and wakes a worker at once. What makes a job
survive is the job row and its lease (``issuer.jobs``): a queued message runs
``JobRunner.run``, which claims the row and resumes from its progress; a message lost (a crash
between the job's insert and the defer) or a worker killed mid-job is covered by every worker's
sweep, which takes any unfinished row whose lease has run out.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import procrastinate
import psycopg

from issuer.jobs import KINDS, Kind

# A worker's runner, bound to its context: (kind, job id) -> whether this process ran it.
Run = Callable[[Kind, int], Awaitable[bool]]
log = logging.getLogger(__name__)
QUEUE = "badges"
TASK = "badges.run_job"
_SCHEMA_LOCK = 0x6261646765  # pg_advisory_lock key: one process applies the queue's schema


def queue_app(database_url: str, run: Run | None = None) -> procrastinate.App:
    """The Procrastinate app; ``run`` (a worker's ``JobRunner.run`` with its context) runs the
    jobs it is handed."""
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=database_url))

    @app.task(name=TASK, queue=QUEUE)
    async def run_job(kind: str, job_id: int) -> None:
        if run is None:
            raise RuntimeError("this process only queues jobs; run them with `badges worker`")
        if kind not in KINDS:
            raise ValueError(f"unknown job kind {kind!r}")
        await run(kind, job_id)

    return app


async def ensure_schema(database_url: str, app: procrastinate.App) -> None:
    """Create the queue's tables once (first app or worker on a new database). Procrastinate
    ships its schema as SQL; two processes starting together take turns on an advisory lock."""
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        await conn.execute("SELECT pg_advisory_lock(%s)", (_SCHEMA_LOCK,))
        try:
            row = await (await conn.execute("SELECT to_regclass('procrastinate_jobs')")).fetchone()
            if row is None or row[0] is None:
                await conn.execute(app.schema_manager.get_schema())
        finally:
            await conn.execute("SELECT pg_advisory_unlock(%s)", (_SCHEMA_LOCK,))


async def retry_stalled(app: procrastinate.App, *, seconds_since_heartbeat: float = 30) -> int:
    """Messages a killed worker left ``doing`` go back to the queue (Procrastinate's recipe for
    stalled jobs), so its tables hold no job in progress forever; the job row itself is resumed
    by the sweeps already, so a retried message usually finds it finished and does nothing."""
    stalled = list(await app.job_manager.get_stalled_jobs(queue=QUEUE, task_name=TASK,
                                                          seconds_since_heartbeat=seconds_since_heartbeat))
    for job in stalled:
        await app.job_manager.retry_job(job)
    return len(stalled)


async def tend(app: procrastinate.App, *, every: float = 60) -> None:
    """A worker's housekeeping loop: ``retry_stalled`` now and then."""
    while True:
        try:
            await retry_stalled(app)
        except Exception:  # the database went away for a moment: try again later
            log.warning("retrying stalled queue jobs failed", exc_info=True)
        await asyncio.sleep(every)


def dispatcher(app: procrastinate.App) -> Callable[[str, int], Awaitable[None]]:
    """The app's ``JobRunner.dispatch``: queue the job for a worker."""
    task = app.tasks[TASK]

    async def dispatch(kind: str, job_id: int) -> None:
        await task.defer_async(kind=kind, job_id=job_id)

    return dispatch
