"""JSON bodies of the awards API (issued badges, bulk-award jobs), camelCase on the wire.

The catalog's bodies are in ``issuer.catalog.schemas``, evidence's in ``issuer.evidence.schemas``.
"""
from __future__ import annotations

from datetime import date, datetime, time
from typing import Any


def _iso(v: object) -> object:
    return v.isoformat() if isinstance(v, (datetime, date, time)) else v


def job_out(j: Any) -> dict:
    return {"id": str(j.uuid), "status": j.status, "total": j.total, "processed": j.processed,
            "issued": j.issued, "errors": j.errors, "createdAt": _iso(j.created_at),
            "finishedAt": _iso(j.finished_at)}
