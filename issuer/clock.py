"""The only place the service reads the time; everything else takes a Clock."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        # Whole seconds: credentials carry xsd:dateTimeStamp values people read.
        return datetime.now(UTC).replace(microsecond=0)


class FixedClock:
    """A settable clock for tests (`advance` moves it forward)."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._at = at

    def now(self) -> datetime:
        return self._at

    def advance(self, delta: timedelta | None = None, **kw: float) -> datetime:
        self._at = self._at + (delta or timedelta(**kw))
        return self._at

    def set(self, at: datetime) -> None:
        self._at = at
