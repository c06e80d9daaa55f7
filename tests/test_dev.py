"""``python3 dev.py test``: import contracts, ruff and mypy run before pytest, and the first that
fails stops the run with a message naming it (no installs: ``setup`` and the commands are faked)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def dev(monkeypatch):
    sys.path.insert(0, str(ROOT))
    try:
        import dev
    finally:
        sys.path.remove(str(ROOT))
    monkeypatch.setattr(dev, "setup", lambda: None)  # no installs from a test
    return dev


def _fake_calls(monkeypatch, dev, fail_on: str | None):
    calls: list[list[str]] = []

    def call(cmd, **kw):
        assert kw == {"cwd": dev.ROOT}
        calls.append(cmd)
        return 1 if fail_on is not None and fail_on in cmd else 0

    monkeypatch.setattr(dev.subprocess, "call", call)
    return calls


def test_test_command_runs_contracts_ruff_mypy_then_pytest(monkeypatch, dev):
    calls = _fake_calls(monkeypatch, dev, fail_on=None)
    assert dev.main(["test", "-k", "verify"]) == 0
    py = str(dev.PY)
    assert calls == [
        [str(dev.BIN / "lint-imports")],
        [py, "-m", "ruff", "check", "."],
        [py, "-m", "mypy"],
        [py, "-m", "pytest", "-k", "verify"],
    ]


@pytest.mark.parametrize(("tool", "name"), [("ruff", "lint (ruff check)"), ("mypy", "types (mypy)")])
def test_a_failing_check_stops_the_run_and_says_which(monkeypatch, capsys, dev, tool, name):
    calls = _fake_calls(monkeypatch, dev, fail_on=tool)
    assert dev.main(["test"]) == 1
    assert not any("pytest" in cmd for cmd in calls)  # the tests never started
    assert calls[-1][2] == tool
    assert f"dev.py test: {name} failed (exit 1); the tests were not run." in capsys.readouterr().err

