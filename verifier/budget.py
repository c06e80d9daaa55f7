"""Run blocking work in a worker thread under a wall-clock budget that really stops it.

RDF canonicalization stops itself (``badges.jsonld.processor.MAX_N_DEGREE_STEPS`` raises
``CanonicalizationLimit``); this wall clock is the backstop for any other slow step. Abandoning
the thread would free the request but not the CPU, so on timeout the worker is interrupted with
``BudgetExceeded`` (``PyThreadState_SetAsyncExc``), which CPython delivers at the next bytecode
boundary of that thread. It derives from BaseException so that the pipeline's ``except Exception``
guards cannot swallow it.
"""
from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

import anyio
import anyio.to_thread

__all__ = ["BudgetExceeded", "run_with_budget"]

T = TypeVar("T")


class BudgetExceeded(BaseException):
    """The work did not finish within its time budget."""


class _Job(Generic[T]):
    def __init__(self, fn: Callable[[], T]) -> None:
        self._fn = fn
        self._lock = threading.Lock()
        self._thread_id: int | None = None
        self._running = False
        self.interrupted = False

    def run(self) -> T | BudgetExceeded:
        try:
            try:
                with self._lock:
                    if self.interrupted:
                        return BudgetExceeded()
                    self._thread_id = threading.get_ident()
                    self._running = True
                return self._fn()
            finally:
                with self._lock:
                    self._running = False
                    if self.interrupted and self._thread_id is not None:
                        # Clear an interrupt that was scheduled but not yet delivered.
                        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self._thread_id), None)
        except BudgetExceeded as exc:
            return exc

    def interrupt(self) -> None:
        with self._lock:
            self.interrupted = True
            if self._running and self._thread_id is not None:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self._thread_id),
                                                           ctypes.py_object(BudgetExceeded))


async def run_with_budget(fn: Callable[[], T], *, budget: float,
                          limiter: anyio.CapacityLimiter | None = None) -> T:
    """``fn()`` in a worker thread; raises ``BudgetExceeded`` after ``budget`` seconds (waiting
    for a free worker counts against the budget too)."""
    job: _Job[T] = _Job(fn)
    with anyio.move_on_after(budget) as scope:
        result = await anyio.to_thread.run_sync(job.run, abandon_on_cancel=True, limiter=limiter)
    if scope.cancelled_caught:
        job.interrupt()
        raise BudgetExceeded(f"did not finish within {budget:g} s")
    if isinstance(result, BudgetExceeded):
        raise result
    return result
