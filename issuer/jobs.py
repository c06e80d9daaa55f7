"""The one job runner: bulk awards and cohort transcripts, with their state in the database.

A job is a row (``BulkJob``, ``TranscriptJob``) holding everything a run needs (the validated
rows, the cohort's learners, who started it) and its progress, which every unit of work commits
together with its result; so any process reports the same figures, and a run that stops
anywhere can be resumed from the row alone.

Who runs a job is a *lease* on its row (``lease_owner``, ``lease_until``): a process takes a
queued job, or one whose lease has run out, with one conditional UPDATE, and keeps the lease
alive with a heartbeat while it works. A process killed with ``kill -9`` stops renewing; once its
lease has expired any other process (a restarted app, ``badges worker``) takes the job over and
resumes it, while a live job of another process is never taken. Leases use the wall clock, not
the service's (possibly fixed) clock: they measure whether a process is alive.

Work units are idempotent, so a resumed job issues nothing twice: a bulk award commits its
progress in the transaction of each batch and resumes at the first uncommitted row (and the
learner/achievement constraint makes a row issued twice impossible anyway); a cohort job stores
each transcript with its job id and resumes with the students that have none.

A job runs with the context of the process running it (``run(ctx, kind, job_id)``): its clock,
keys and settings, never those of the process that queued it.

Where jobs run (``Settings.jobs``): ``inline`` (the default, and the embedded SQLite one-process
set-up) runs them in the app's own event loop, and the app also resumes orphans; ``worker`` has
the app only queue them for ``badges worker`` processes (PostgreSQL, several app processes): on
PostgreSQL through Procrastinate (``issuer.jobs_queue``), and every worker also sweeps the job
tables for rows whose lease has run out.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, Protocol

import msgspec

from issuer.access import Principal, Role
from issuer.db.engine import write_transaction
from issuer.db.tables import BulkJob, TranscriptJob

if TYPE_CHECKING:  # the context holds a runner: imported for annotations only
    from issuer.context import IssuerContext
    from issuer.settings import Settings

Kind = Literal["bulk", "transcripts"]
KINDS: tuple[Kind, ...] = ("bulk", "transcripts")
TABLES: dict[Kind, type[BulkJob] | type[TranscriptJob]] = {"bulk": BulkJob, "transcripts": TranscriptJob}
UNFINISHED = ("queued", "running")
POLL_SECONDS = 1.0
CLOSE_GRACE_SECONDS = 2.0  # how long a stopping process lets its job tasks end on their own
log = logging.getLogger(__name__)


class LeaseLost(Exception):
    """Another process holds the job now (this one stalled past its lease): stop, roll back."""


class JobActor(msgspec.Struct, frozen=True, kw_only=True):
    """Who started a job, kept on its row (JSON) for the audit events of a resumed run. No role:
    the command line."""

    role: str | None = None
    id: int | None = None
    school_id: int | None = None
    district_id: int | None = None
    via: str = "cli"
    username: str = ""


class JobState(Protocol):
    """What every job row says about its run (``BulkJobRow``, ``TranscriptJobRow``)."""

    @property
    def status(self) -> str: ...

    @property
    def lease_owner(self) -> str: ...


def wall_now() -> datetime:
    return datetime.now(UTC)


def new_owner() -> str:
    return f"{socket.gethostname()[:64]}:{os.getpid()}:{secrets.token_hex(4)}"


# (context, runner, job id, **options): runs or resumes the job from its row.
Handler = Callable[..., Awaitable[None]]


def _handlers() -> dict[Kind, Handler]:
    # Imported when first needed: the use cases import this module for LeaseLost and the runner.
    from issuer.credentials import bulk
    from issuer.transcripts import cohort

    return {"bulk": bulk.run_job, "transcripts": cohort.run_job}


class JobRunner:
    """Claims, heartbeats and runs jobs. One per app or worker process (``owner`` names it)."""

    def __init__(self, *, lease_seconds: float = 30, owner: str | None = None,
                 wall: Callable[[], datetime] = wall_now, inline: bool = True,
                 dispatch: Callable[[Kind, int], Awaitable[None]] | None = None) -> None:
        self.lease = timedelta(seconds=lease_seconds)
        self.owner = owner or new_owner()
        self.wall = wall
        self.inline = inline  # False: ``submit`` only queues (a worker process will run it)
        # not inline: how a new job is handed to the workers (issuer.jobs_queue on PostgreSQL);
        # without it, the job waits for a worker's sweep of the table
        self.dispatch = dispatch
        self._tasks: set[asyncio.Future[Any]] = set()
        self._active: set[tuple[Kind, int]] = set()  # jobs this runner is running now

    @classmethod
    def from_settings(cls, settings: Settings, **kw: Any) -> JobRunner:
        kw.setdefault("inline", settings.jobs == "inline")
        return cls(lease_seconds=settings.job_lease_seconds, **kw)

    def __repr__(self) -> str:
        return f"JobRunner(owner={self.owner!r}, inline={self.inline})"

    # --- the lease --------------------------------------------------------------------------

    def lease_columns(self) -> dict[str, Any]:
        """The lease, renewed: written with every progress update."""
        return {"lease_owner": self.owner, "lease_until": self.wall() + self.lease}

    async def claim(self, kind: Kind, job_id: int) -> bool:
        """Take the job if it is unfinished and its lease is free or expired (one UPDATE, so two
        processes racing for it cannot both win)."""
        if (kind, job_id) in self._active:  # this process runs it already (the queue and a sweep met)
            return False
        table = TABLES[kind]
        now = self.wall()
        free = table.lease_until.is_null() | (table.lease_until < now)
        async with write_transaction():
            rows = await table.update({table.lease_owner: self.owner, table.lease_until: now + self.lease}).where(
                (table.id == job_id) & table.status.is_in(list(UNFINISHED)) & free).returning(table.id)
        return bool(rows)

    async def renew(self, kind: Kind, job_id: int) -> None:
        """Extend this runner's lease; LeaseLost when another process has taken the job."""
        table = TABLES[kind]
        async with write_transaction():
            rows = await table.update({getattr(table, k): v for k, v in self.lease_columns().items()}).where(
                (table.id == job_id) & (table.lease_owner == self.owner)).returning(table.id)
        if not rows:
            raise LeaseLost(f"{kind} job {job_id} was taken over by another process")

    async def release(self, kind: Kind, job_id: int) -> None:
        table = TABLES[kind]
        async with write_transaction():
            await table.update({table.lease_owner: "", table.lease_until: None}).where(
                (table.id == job_id) & (table.lease_owner == self.owner))

    async def _heartbeat(self, kind: Kind, job_id: int, work: asyncio.Future[None], lost: list[bool]) -> None:
        while True:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            try:
                await self.renew(kind, job_id)
            except LeaseLost:
                lost.append(True)
                work.cancel()  # the other process finishes it; ours must not write any more
                return
            except Exception:  # a database hiccup: the next beat tries again
                log.warning("job heartbeat failed", exc_info=True)

    # --- running ----------------------------------------------------------------------------

    async def run(self, ctx: IssuerContext, kind: Kind, job_id: int, **options: Any) -> bool:
        """Claim the job and run it to its end here, with ``ctx``; False when another process
        holds it. ``options`` go to the handler (the CLI's progress line, worker count)."""
        if not await self.claim(kind, job_id):
            return False
        self._active.add((kind, job_id))
        try:
            return await self._run_claimed(ctx, kind, job_id, options)
        finally:
            self._active.discard((kind, job_id))

    async def _run_claimed(self, ctx: IssuerContext, kind: Kind, job_id: int, options: dict[str, Any]) -> bool:
        work = asyncio.ensure_future(_handlers()[kind](ctx, self, job_id, **options))
        lost: list[bool] = []
        beat = asyncio.ensure_future(self._heartbeat(kind, job_id, work, lost))
        try:
            await work
        except LeaseLost:
            return True  # the job is another process's now: nothing of ours to release
        except asyncio.CancelledError:
            if lost:
                return True
            # this process is stopping: give the job back at once rather than when the lease ends
            with contextlib.suppress(Exception):
                await asyncio.shield(self.release(kind, job_id))
            raise
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat
        await self.release(kind, job_id)
        return True

    def submit(self, ctx: IssuerContext, kind: Kind, job_id: int) -> None:
        """A job just queued: run it in this process (inline), or leave it to a worker."""
        if self.inline:
            self._spawn(self.run(ctx, kind, job_id))
        elif self.dispatch is not None:
            self._spawn(self.dispatch(kind, job_id))  # lost: a worker's sweep still finds the row

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Future[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("job failed outside its handler", exc_info=task.exception())

    async def claimable(self) -> list[tuple[Kind, int]]:
        """Unfinished jobs nobody holds (queued, or left by a stopped process), oldest first."""
        now, out = self.wall(), []
        for kind in KINDS:
            table = TABLES[kind]
            rows = await table.select(table.id).where(
                table.status.is_in(list(UNFINISHED)) & (table.lease_until.is_null() | (table.lease_until < now))
            ).order_by(table.id)
            out += [(kind, r["id"]) for r in rows]
        return out

    async def sweep(self, ctx: IssuerContext) -> int:
        """Run every claimable job to its end, one after another; how many this process ran.
        This is what resumes a stalled job: a row left unfinished whose lease has run out."""
        ran = 0
        for kind, job_id in await self.claimable():
            ran += int(await self.run(ctx, kind, job_id))
        return ran

    async def serve(self, ctx: IssuerContext, stop: asyncio.Event | None = None, *,
                    poll: float = POLL_SECONDS) -> None:
        """The worker loop (``badges worker``, and an inline app's resumer): sweep, wait, again."""
        stop = stop or asyncio.Event()
        while not stop.is_set():
            try:
                await self.sweep(ctx)
            except Exception:  # the database went away for a moment: keep serving
                log.warning("job sweep failed", exc_info=True)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), poll)

    def start_background(self, ctx: IssuerContext, *, poll: float = POLL_SECONDS) -> asyncio.Event:
        """Resume orphans from now on in this process (an inline app); set the event to stop."""
        stop = asyncio.Event()
        self._spawn(self.serve(ctx, stop, poll=poll))
        return stop

    async def close(self, grace: float = CLOSE_GRACE_SECONDS) -> None:
        """Stop this process's job tasks. They get ``grace`` seconds first: the resumer loop ends
        after its current query once its stop event is set, and a short job finishes. Only what is
        still running then is cancelled (a job cut short is resumed by the next process): a task
        cancelled in the middle of a query can leave its database connection open."""
        if self._tasks and grace > 0:
            await asyncio.wait(list(self._tasks), timeout=grace)
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task


def actor_of(principal: Principal | None) -> JobActor:
    """Who started a job, as its row keeps it."""
    if principal is None:
        return JobActor()
    return JobActor(role=principal.role.value, id=principal.id, school_id=principal.school_id,
                    district_id=principal.district_id, via=principal.via, username=principal.username)


def principal_of(actor: JobActor) -> Principal | None:
    """The principal a resumed run acts as in the audit log (None: the command line)."""
    if not actor.role:
        return None
    return Principal(role=Role(actor.role), id=actor.id, school_id=actor.school_id, district_id=actor.district_id,
                     via=actor.via or "cli", username=actor.username)


def waiting_for_worker(job: JobState) -> bool:
    """A queued job no process has taken: with ``BADGES_JOBS=worker`` it waits for ``badges worker``."""
    return job.status == "queued" and not job.lease_owner
