"""The benchmarks still run (they are scripts, outside the import graph the other tests walk, so a
renamed function would otherwise only show the next time someone measures). Tiny sizes: this
checks that each script works end to end and prints its figures, never how fast anything is."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    return done.stdout + done.stderr


def test_bench_awards_runs_in_process():
    out = _run("bench/bench_awards.py", "--db", "sqlite", "--awards", "6", "--concurrency", "2", "--prefill", "",
               "--latency-n", "2", "--server", "inproc")
    assert "awards/s" in out and "ms/award" in out, out[-2000:]


def test_bench_awards_refuses_an_unknown_database():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "bench/bench_awards.py", "--db", "oracle"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "oracle" in done.stderr


def test_bench_cohort_view_runs():
    out = _run("bench/bench_cohort_view.py", "--db", "sqlite", "--students", "12", "--competencies", "6",
               "--runs", "2")
    for figure in ("read model", "page", "full grid", "csv"):
        assert figure in out and "median" in out, out[-2000:]
