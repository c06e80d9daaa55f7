"""Two app processes report the same progress for one job (issue 11): the job's figures live in
its database row, not in the memory of the process running it. This process's app runs a bulk
award (held part-way); a ``badges serve`` child process on the same database answers the job URL
(JSON and the progress page) with the same figures, and the same end; it never takes over the
job, whose lease this process keeps alive."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

import httpx
import pytest

from tests.support import BASE_URL, TEST_KEK, free_port

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]
# A range, not one port: a server left behind by a killed run must not answer for this test's.
PORTS = range(8313, 8413)
STUDENTS = 30


def _serve(db_url: str, tmp_path, port: int) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=db_url, BADGES_DATA_DIR=str(tmp_path), BADGES_KEK=TEST_KEK.hex(),
               BADGES_BASE_URL=BASE_URL, PYTHONPATH=os.getcwd())
    return subprocess.Popen([sys.executable, "-c", "from badges.cli import main; raise SystemExit(main())",
                             "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


async def _wait_up(proc: subprocess.Popen, other: httpx.AsyncClient) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode()
        try:
            if (await other.get("/verify")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    pytest.fail("badges serve did not start")


async def test_two_app_processes_read_the_same_figures_for_one_job(seed, platform, platform_settings, db_url,
                                                                  tmp_path, monkeypatch):
    from litestar.testing import AsyncTestClient

    from issuer.app import create_app
    from issuer.credentials import bulk
    from issuer.db.engine import engine_for_url
    from tests.web.learning_app import in_process_client
    from tests.web.support import add_students, setup_achievement

    async with in_process_client(seed.ctx) as c:
        a = await setup_achievement(c, seed)
    emails = await add_students(seed, STUDENTS)
    data = "email,achievement,plan,analysis\n" + "".join(f"{e},{a['id']},3,3\n" for e in emails)

    monkeypatch.setattr(bulk, "BATCH_ROWS", 4)
    gate, real, batches = asyncio.Event(), bulk.awarding.in_write_transaction, []

    async def held(fn):  # this process's job stops before its third batch until the gate opens
        batches.append(fn)
        if len(batches) == 3:
            await gate.wait()
        return await real(fn)

    monkeypatch.setattr(bulk.awarding, "in_write_transaction", held)
    t = {"Authorization": f"Bearer {seed.token['teacher']}"}
    port = free_port(PORTS)
    proc = _serve(db_url, tmp_path, port)
    app = create_app(platform_settings, clock=platform.clock, engine=engine_for_url(platform_settings.database_url))
    try:
        async with AsyncTestClient(app=app, base_url=BASE_URL) as mine, \
                httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as other:
            await _wait_up(proc, other)
            r = await mine.post("/api/awards/bulk", headers=t, files={"file": ("a.csv", data.encode(), "text/csv")})
            assert r.status_code == 202, r.text
            path = r.headers["location"]
            assert r.json()["url"] == BASE_URL + path
            while len(batches) < 3:
                await asyncio.sleep(0.01)
            here, there = (await mine.get(path, headers=t)).json(), (await other.get(path, headers=t)).json()
            assert here["status"] == there["status"] == "running", (here, there)
            assert 0 < here["processed"] == there["processed"] < STUDENTS, (here, there)
            assert here == there
            page = await other.get(path, headers={**t, "Accept": "text/html"})
            assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
            assert f"{there['processed']} of {STUDENTS} rows done" in page.text
            assert '<meta http-equiv="refresh"' in page.text and "<script" not in page.text

            gate.set()
            deadline = time.monotonic() + 60
            while (there := (await other.get(path, headers=t)).json())["status"] == "running":
                assert time.monotonic() < deadline, there
                await asyncio.sleep(0.1)
            here = (await mine.get(path, headers=t)).json()
            assert here == there and there["status"] == "done" and there["issued"] == STUDENTS, there
            page = await other.get(path, headers={**t, "Accept": "text/html"})
            assert "Finished" in page.text and 'http-equiv="refresh"' not in page.text
            # another school's teacher cannot read the job from the other process either
            from issuer.accounts import service as accounts

            south = seed.users[("south", "teacher", 0)]
            token = await accounts.create_api_token(platform, school_id=south["school"], district_id=seed.district.id,
                                                    role="teacher", user_id=south["id"], name="south")
            assert (await other.get(path, headers={"Authorization": f"Bearer {token}"})).status_code == 404
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        proc.stderr.close()
