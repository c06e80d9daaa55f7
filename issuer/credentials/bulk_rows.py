"""What the bulk-award job queries of ``issuer.credentials.repo`` return (``BulkJob`` rows).

Beside ``rows.py`` (the awards and credentials) because the job is its own aggregate, run by
``issuer.jobs``; built with ``issuer.db.query.row_of``.
"""
from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from issuer.jobs import JobActor


class PlannedAward(msgspec.Struct, frozen=True, kw_only=True):
    """One validated row of the CSV file, in issuing order: enough to issue it after a restart."""

    line: int
    learner: int
    achievement: int
    ratings: dict[str, int]


class BulkError(msgspec.Struct, frozen=True, kw_only=True):
    """Why a job failed, by CSV line (None: not one line's fault)."""

    line: int | None = None
    errors: list[str] = []


class BulkJobRow(msgspec.Struct, frozen=True, kw_only=True):
    """A bulk award: who started it, its progress (committed with each batch) and its lease. Its
    plan (``PlannedAward`` rows) is read apart, by the run that issues it."""

    id: int
    uuid: UUID
    school: int
    created_by: int | None
    status: str  # queued | running | done | failed
    total: int
    processed: int
    issued: int
    errors: list[BulkError]
    created_at: datetime
    finished_at: datetime | None
    actor: JobActor
    lease_owner: str
    lease_until: datetime | None
