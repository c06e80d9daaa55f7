"""Every `badges` service command ends a failure with one plain stderr line (issuer.cli.command),
never a traceback: above all when the database cannot be reached (issue 10)."""
from __future__ import annotations

import pytest

from badges.cli import main

UNREACHABLE = "postgresql://postgres:secret@127.0.0.1:1/badges"
KEK = "00" * 32


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("BADGES_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("BADGES_KEK", KEK)
    monkeypatch.delenv("BADGES_BASE_URL", raising=False)
    (tmp_path / "a.csv").write_text("email,achievement\nx@example.org,Investigator\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("argv", [
    ["award", "a.csv"], ["token", "create"], ["init"], ["demo"], ["transcript", "--all"],
    ["transcript", "someone"], ["revoke", "x", "--reason", "y"], ["keys", "rotate"], ["serve", "--port", "8241"],
])
def test_unreachable_database_is_one_line(env, monkeypatch, capsys, argv):
    monkeypatch.setenv("DATABASE_URL", UNREACHABLE)
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err and "Warning" not in err, err
    assert err.startswith("badges: error: cannot reach the database postgresql://postgres:***@127.0.0.1:1/badges")
    assert "secret" not in err  # the password never reaches the terminal


def test_database_without_tables_says_run_init(env, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{env / 'empty.sqlite3'}")
    assert main(["token", "create"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "run `badges init` first" in err, err


def test_reachable_database_the_same_commands_work(env, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{env / 'ok.sqlite3'}")
    assert main(["init"]) == 0, capsys.readouterr().err
    capsys.readouterr()
    assert main(["token", "create"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("bdg_") and "issuer: did:web:" in out, out
    assert main(["award", "missing.csv"]) == 2  # a missing file is one line too, naming the file
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "missing.csv" in err, err


def test_a_bug_is_not_hidden(monkeypatch):
    """Only known errors become a line; anything else keeps its traceback (it is a bug)."""
    from issuer.cli import command

    @command
    def broken(args) -> int:
        raise ZeroDivisionError("bug")

    with pytest.raises(ZeroDivisionError):
        broken(None)


def test_every_issuer_plugin_module_ships_and_registers(monkeypatch):
    """No ghost plugin: every listed module exists and adds its commands; a missing one is a
    loud error (a broken install), never silently skipped."""
    import argparse

    from issuer import cli as issuer_cli

    def commands() -> set[str]:
        parser = argparse.ArgumentParser()
        issuer_cli.register(parser.add_subparsers())
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        return set(sub.choices)

    assert {"init", "serve", "token", "user", "award", "demo", "transcript", "revoke"} <= commands()
    monkeypatch.setattr(issuer_cli, "PLUGIN_MODULES", [*issuer_cli.PLUGIN_MODULES, "issuer.cli_no_such_module"])
    with pytest.raises(ModuleNotFoundError, match="cli_no_such_module"):
        commands()
