"""No orphaned PDF worker after ``kill -9`` of the process that started it (issue 11): cohort
transcripts render in a process pool whose workers watch their parent and exit when it is gone;
a worker without the watch (the bad twin) renders on."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

PARENT = """
import sys, time
from concurrent.futures import ProcessPoolExecutor
import multiprocessing
from issuer.transcripts.clr import watch_parent

def init(watch):
    if watch:
        watch_parent(0.1)

def pid():
    import os
    return os.getpid()

def busy():
    time.sleep(120)  # a long render

if __name__ == "__main__":
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"), initializer=init,
                               initargs=(sys.argv[1] == "watch",))
    print(pool.submit(pid).result(), flush=True)
    pool.submit(busy)
    time.sleep(120)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def _worker_after_parent_killed(tmp_path, mode: str, wait: float) -> tuple[int, bool]:
    script = tmp_path / "parent.py"
    script.write_text(PARENT, encoding="utf-8")
    parent = subprocess.Popen([sys.executable, str(script), mode], stdout=subprocess.PIPE, text=True,
                              env=dict(os.environ, PYTHONPATH=os.getcwd()))
    worker = int(parent.stdout.readline())
    time.sleep(0.3)  # the worker is in its long task
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait(timeout=30)
    parent.stdout.close()
    deadline = time.monotonic() + wait
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    return worker, _alive(worker)


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc")
def test_a_pdf_worker_exits_when_its_parent_is_killed(tmp_path):
    worker, alive = _worker_after_parent_killed(tmp_path, "watch", 10)
    assert not alive, f"worker {worker} outlived its parent"


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc")
def test_without_the_watch_a_worker_outlives_its_parent(tmp_path):
    worker, alive = _worker_after_parent_killed(tmp_path, "none", 2)
    try:
        assert alive  # what the watch prevents: an orphan rendering on
    finally:
        if alive:
            os.kill(worker, signal.SIGKILL)
