"""The transcript use cases over the database: badge statuses from our records, what goes on the
transcript, an expired badge (kept, marked; a warning in the CLR's nested check, still failing on
its own), live verification for the share page (the app's mounted verifier), the ``badges
transcript`` CLI."""
from __future__ import annotations

import copy
import json
from datetime import timedelta

import pytest

from tests.support import NOW
from tests.web import transcript_support as ts

pytest.importorskip("weasyprint")
pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]


# The transcript tests' replacements for two fixtures of tests/conftest.py: the https base URL, and
# the full app with its verifier bridged to itself (tests/web/transcript_support.py).
@pytest.fixture
def platform_settings(tmp_path, db_url):
    return ts.make_settings(tmp_path, db_url)


@pytest.fixture
async def client(seed, platform, platform_settings, db):
    async with ts.bridged_client(platform, platform_settings, db) as c:
        yield c


@pytest.fixture
async def world(client, seed):
    return await ts.seed_student(client, seed)


async def add_expired_badge(seed, template_uuid: str):
    """A genuine badge of the school whose validity ended yesterday (our awards never expire)."""
    from badges.signing import sign
    from issuer.credentials import repo as credentials_repo
    from issuer.credentials.status import dumps
    from issuer.schools.identity import signer_for

    row = await credentials_repo.get_credential(template_uuid)
    doc = json.loads(row.document)
    for key in ("proof", "credentialStatus"):
        doc.pop(key, None)
    doc["id"] = f"{ts.BASE}/credentials/0b7e6a40-0000-4000-8000-00000000e0e0"
    doc["name"] = doc["credentialSubject"]["achievement"]["name"] = "Old Habit"
    doc["validFrom"] = "2025-01-01T00:00:00Z"
    doc["awardedDate"] = "2025-01-01T00:00:00Z"
    doc["validUntil"] = (NOW - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    school = seed.schools["north"].id
    signed = sign(doc, signer=await signer_for(seed.ctx, school), created=NOW - timedelta(days=400))
    import uuid

    return await credentials_repo.insert_issued_credential(
        school_id=school, credential_id=doc["id"], document=dumps(signed), issued_at=NOW - timedelta(days=400),
        learner_id=seed.users[("north", "student", 0)]["id"], uuid=uuid.UUID(doc["id"].rsplit("/", 1)[-1]))


async def test_statuses_come_from_our_records_and_decide_what_is_on_the_transcript(client, seed, world, platform):
    from issuer.credentials import repo as credentials_repo
    from issuer.transcripts import service as cases
    from issuer.transcripts.repo import transcript
    from issuer.transcripts.source import DbTranscriptSource

    await ts.revoke(seed, world.quadratic)
    # our awards carry only a revocation entry, so suspension is set on the record itself here
    collab_id = (await credentials_repo.get_credential(world.collab)).id
    await credentials_repo.mark_suspended(collab_id, suspended=True, reason="under review")
    expired = await add_expired_badge(seed, world.collab)
    learner = await ts.learner(seed)
    stored = await DbTranscriptSource(now=platform.clock.now()).transcript_credentials(learner.id)
    by_name = {json.loads(s.document)["name"]: s.status for s in stored}
    assert by_name == {"Linear Equations": "active", "Quadratic Modelling": "revoked", "Team Player": "suspended",
                       "Workplace Learning": "active", "Old Habit": "expired"}

    row, result = await cases.generate_for(platform, learner)
    assert (await transcript(row.uuid)).document == result.clr_json == row.document
    bundled = result.clr["credentialSubject"]["verifiableCredential"]
    assert sorted(b["name"] for b in bundled) == ["Linear Equations", "Old Habit", "Workplace Learning"]
    elo = next(b for b in bundled if b["name"] == "Workplace Learning")["credentialSubject"]
    assert elo["source"]["name"] == "River Lab"
    assert (elo["activityStartDate"], elo["activityEndDate"]) == ("2025-09-01T00:00:00Z", "2025-12-01T00:00:00Z")
    html = await cases.render_html(platform, row)
    assert "EXPIRED" in html and "Old Habit" in html and "Team Player" not in html and "Quadratic" not in html
    # reinstated: the next transcript has it again (the bad twin of "suspended is left out")
    await credentials_repo.mark_suspended(collab_id, suspended=False, reason="")
    _, again = await cases.generate_for(platform, learner)
    assert "Team Player" in {b["name"] for b in again.clr["credentialSubject"]["verifiableCredential"]}
    assert expired.credential_id in again.statuses


async def test_expired_nested_badge_is_a_warning_in_the_clr_and_fails_alone(client, seed, world, platform):
    from badges.verification import CheckId
    from issuer.transcripts import service as cases
    from issuer.transcripts import shares

    expired = await add_expired_badge(seed, world.collab)
    row, result = await cases.generate_for(platform, await ts.learner(seed))
    # the share page's check: the verifier the app mounts (its context's ``verify``)
    report = await shares.verify_stored(client.ctx, result.clr_json)
    assert report.verified, [(c.id, c.message) for c in report.failures]
    nested = report.check(CheckId.NESTED)
    assert nested.outcome == "warn" and nested.problem_type.endswith("/nested-expired") and "Old Habit" in nested.message
    alone = [n for n in report.nested if not n.verified]
    assert len(alone) == 1 and [c.id for c in alone[0].failures] == [CheckId.VALIDITY]
    assert shares.badge_statuses(report)[expired.credential_id].startswith("expired")
    # on its own the expired badge still fails its validity check
    solo = await shares.verify_stored(client.ctx, expired.document)
    assert not solo.verified and [c.id for c in solo.failures] == [CheckId.VALIDITY]
    # bad twins: expired AND tampered is a failure of the CLR, not a warning
    doc = copy.deepcopy(result.clr)
    for badge in doc["credentialSubject"]["verifiableCredential"]:
        if badge["id"] == expired.credential_id:
            badge["validUntil"] = "2099-01-01T00:00:00Z"
    del doc["proof"]
    from badges.signing import sign
    from issuer.schools.identity import signer_for

    resigned = json.dumps(sign(doc, signer=await signer_for(platform, seed.schools["north"].id), created=NOW))
    report = await shares.verify_stored(client.ctx, resigned)
    assert not report.verified and report.failed(CheckId.NESTED)


async def test_cli_transcript_for_one_student_and_for_all(client, seed, world, platform, platform_settings, db,
                                                          tmp_path, monkeypatch, capsys):
    if db.engine_type != "sqlite":
        pytest.skip("the CLI opens its own connection to the database file")
    import anyio.to_thread

    from badges.cli import main
    from issuer.db.engine import configure as configure_db
    from tests.support import TEST_KEK

    monkeypatch.setenv("DATABASE_URL", platform_settings.database_url)
    monkeypatch.setenv("BADGES_DATA_DIR", str(platform_settings.data_dir))
    monkeypatch.setenv("BADGES_KEK", TEST_KEK.hex())
    monkeypatch.setenv("BADGES_BASE_URL", ts.BASE)
    email = seed.users[("north", "student", 0)]["email"]
    out = tmp_path / "out"
    try:
        code = await anyio.to_thread.run_sync(main, ["transcript", email, "--out", str(out)])
        assert code == 0, capsys.readouterr().err
        pdf = (out / f"{email}.pdf").read_bytes()
        clr_json = (out / f"{email}.clr.json").read_text(encoding="utf-8")
        from verifier.inputs_pdf import extract_credential

        assert extract_credential(pdf) == clr_json
        assert "Linear Equations" in ts.pdf_text(pdf)
        code = await anyio.to_thread.run_sync(main, ["transcript", "nobody@example.org", "--out", str(out)])
        assert code == 2 and "no student" in capsys.readouterr().err
        code = await anyio.to_thread.run_sync(main, ["transcript", "--out", str(out)])
        assert code == 2
        capsys.readouterr()
        code = await anyio.to_thread.run_sync(main, ["transcript", "--all", "--school", "north", "--workers", "1",
                                                     "--out", str(out / "all")])
        captured = capsys.readouterr()
        assert code == 0, captured.err
        assert "[north] 1/1" in captured.err and "no valid badges yet" in captured.err
        assert "[north] 1 transcript(s) of 2 student(s)" in captured.out
        assert sorted(p.name for p in (out / "all").iterdir()) == [f"{email}.clr.json", f"{email}.pdf"]
    finally:
        configure_db(db)
    # the CLI's transcripts are stored: their QR codes resolve
    listed = (await client.get("/api/transcripts", headers=ts.bearer(seed.token["student"]))).json()
    assert len(listed) == 2
    for t in listed:
        assert (await client.get(f"/transcripts/{t['id']}.json")).status_code == 200


async def test_the_schools_own_words_for_its_levels(client, seed, world, platform):
    from issuer.transcripts import service as cases

    teacher, student = ts.bearer(seed.token["teacher"]), ts.bearer(seed.token["student"])
    words = [(1, "Emerging", "Just starting."), (2, "Approaching", "Nearly there."), (3, "Meeting", "On target."),
             (4, "Mastering", "Teaches others.")]
    levels = [{"value": v, "name": n, "description": d} for v, n, d in words]
    rubric = {"name": "Rubric", "criteria": [{"id": "plan", "name": "Planning", "requiredLevel": 3,
                                              "levels": levels}]}
    r = await client.post("/api/achievements", headers=teacher, json={
        "name": "Statistics", "description": "Reads data.", "rubric": rubric, "area": "academic",
        "subject": "Statistics"})
    assert r.status_code == 201, r.text
    # this school's other badges use the default words: two scales disagree → the plain default key
    await ts.earn(client, student, teacher, r.json()["id"], {"plan": 4})
    row, result = await cases.generate_for(platform, await ts.learner(seed))
    assert cases.scale_for(result.clr["credentialSubject"]["verifiableCredential"]) == cases.SCALE
    # a record whose badges share the school's own words shows those words and their meaning
    bundled = [b for b in result.clr["credentialSubject"]["verifiableCredential"] if b["name"] == "Statistics"]
    assert [(lv.value, lv.name, lv.description) for lv in cases.scale_for(bundled)] == words
    html = (await client.get(f"/transcripts/{row.uuid}", headers=student)).text
    assert "4 · Exceeds" in html and "Goes beyond the standard" in html
