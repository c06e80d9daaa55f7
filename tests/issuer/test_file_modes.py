"""The data directory is private: directories 0700, files 0600, whatever the umask (issue 10).

Each test runs under the common umask 022, which made the SQLite file 0644 and the data and
upload directories 0755 before."""
from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from issuer.db.engine import engine_for_url
from issuer.settings import Settings, private_dir
from issuer.storage import FileStore
from tests.issuer.cli_support import cli


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(autouse=True)
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_plain_sqlite_and_mkdir_would_be_world_readable(tmp_path):
    # The bad twin: what the defaults give without our helpers.
    (tmp_path / "a" / "b").mkdir(parents=True)
    sqlite3.connect(tmp_path / "a" / "plain.sqlite3").close()
    assert mode(tmp_path / "a") == 0o755 and mode(tmp_path / "a" / "plain.sqlite3") == 0o644


def test_init_makes_the_data_dir_database_and_kek_private(tmp_path, monkeypatch, capsys):
    data = tmp_path / "deep" / "var"
    monkeypatch.setenv("BADGES_DATA_DIR", str(data))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("BADGES_KEK", raising=False)
    assert cli("init") == 0
    capsys.readouterr()
    assert mode(tmp_path / "deep") == 0o700 and mode(data) == 0o700
    assert mode(data / "badges.sqlite3") == 0o600 and mode(data / "kek") == 0o600
    for name in os.listdir(data):  # -wal / -shm if SQLite left them, the base_url file
        if name.startswith("badges.sqlite3"):
            assert mode(data / name) == 0o600, name


def test_sqlite_wal_and_shm_files_are_private(tmp_path):
    path = tmp_path / "db" / "badges.sqlite3"
    engine_for_url(f"sqlite:///{path}")
    assert mode(path.parent) == 0o700 and mode(path) == 0o600
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("CREATE TABLE t (x)")
        connection.execute("INSERT INTO t VALUES (1)")
        connection.commit()
        wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
        assert wal.exists() and shm.exists()
        assert mode(wal) == 0o600 and mode(shm) == 0o600
    finally:
        connection.close()


def test_existing_world_readable_data_is_narrowed(tmp_path):
    from issuer.context import build_context

    data = tmp_path / "var"
    data.mkdir(mode=0o755)
    db = data / "badges.sqlite3"
    sqlite3.connect(db).close()
    assert mode(data) == 0o755 and mode(db) == 0o644
    build_context(Settings(data_dir=data, key_encryption_key=bytes(range(32))))
    assert mode(data) == 0o700 and mode(db) == 0o600


def test_a_shared_parent_of_the_database_is_left_alone(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    engine_for_url(f"sqlite:///{shared / 'x.sqlite3'}")
    assert mode(shared) == 0o755 and mode(shared / "x.sqlite3") == 0o600


def test_evidence_files_and_their_directories_are_private(tmp_path):
    root = tmp_path / "var" / "uploads"
    stored = FileStore(root).put(b"my essay\n", filename="essay.txt")
    path = FileStore(root).path_for(stored.sha256)
    assert mode(tmp_path / "var") == 0o700 and mode(root) == 0o700 and mode(path.parent) == 0o700
    assert mode(path) == 0o600


def test_private_dir_narrows_an_existing_directory_and_creates_missing_levels(tmp_path):
    existing = tmp_path / "old"
    existing.mkdir(mode=0o755)
    assert mode(private_dir(existing)) == 0o700
    created = private_dir(tmp_path / "x" / "y" / "z")
    assert [mode(p) for p in (tmp_path / "x", tmp_path / "x" / "y", created)] == [0o700] * 3


def _write_from_another_process(path) -> str:
    import subprocess
    import sys

    code = ("import sqlite3, sys\n"
            "c = sqlite3.connect(sys.argv[1], timeout=0)\n"
            "try:\n"
            "    c.execute('insert into t values (2)'); c.commit(); print('written')\n"
            "except sqlite3.OperationalError as e:\n"
            "    print(e)\n")
    return subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True,
                          timeout=60).stdout.strip()


def test_narrowing_an_open_sqlite_file_keeps_the_locks_of_its_connections(tmp_path):
    """Closing any descriptor of a file drops every POSIX lock the process holds on it, SQLite's
    included: ``private_file`` (called by ``engine_for_url``) on a database this process has
    open must not open it, or another process writes under a reader (seen as another app
    process reading a stale job row). A reader's lock here makes the other writer wait."""
    import sqlite3

    from issuer.settings import private_file

    path = tmp_path / "db.sqlite3"
    setup = sqlite3.connect(path)
    setup.execute("create table t (x int)")
    setup.commit()
    setup.close()
    os.chmod(path, 0o644)
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("begin")
    assert reader.execute("select count(*) from t").fetchone() == (0,)  # holds a SHARED lock
    try:
        private_file(path)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600  # still narrowed
        assert _write_from_another_process(path) == "database is locked"  # the reader's lock held
        reader.execute("commit")
        assert _write_from_another_process(path) == "written"  # good twin: no reader, it writes
    finally:
        reader.close()
