"""Revoke, suspend and reinstate for EVERY kind of badge (rubric flow, bulk award, VC-API issue,
extended learning) through the admin API, on SQLite and PostgreSQL: valid → suspended →
reinstated → revoked, each step checked by the platform's own verifier, with the bad twins
(409 for a transition the state does not allow, 400 without a reason, 403 for a student; the
school's teachers may act, issue 13).
The reason is audit-logged with the actor and never published (badge page, status list, a
student's own view)."""
from __future__ import annotations

import httpx
import pytest

from badges import schema
from tests.web.status_support import KINDS, bearer, issue_every_kind

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]

BASE = "http://127.0.0.1:8000"
SUSPEND_WHY = "Under review: possible copying from a classmate"
REVOKE_WHY = "Confirmed: the lab report was not the student's own work"


@pytest.fixture
async def client(seed, platform_settings, platform, db):
    from issuer.app import create_app

    app = create_app(platform_settings, clock=platform.clock, engine=db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as c:
        yield c


@pytest.fixture
async def badges(client, seed):
    return await issue_every_kind(client, seed)


async def _status_check(client, doc: dict) -> dict:
    r = await client.post("/credentials/verify", json={"verifiableCredential": doc})
    body = r.json()
    check = next(c for c in body["results"] if c["id"] == "status")
    assert (r.status_code == 200) is body["verified"] and body["verified"] is (check["outcome"] == "pass"), body
    return check


async def _page(client, kind: str, uuid: str) -> str | None:
    """The public badge page: awarded badges have one; a VC-API credential is only served as
    JSON (None here, and its page is a 404)."""
    r = await client.get(f"/badges/{uuid}")
    if kind == "vcapi":
        assert r.status_code == 404
        return None
    assert r.status_code == 200, r.text
    return r.text


# (CredentialOut leaves out defaults: no "suspended" key means False, no "revokedReason" means "")


async def _act(client, seed, uuid: str, action: str, reason: str | None, role: str = "school_admin"):
    body = {} if reason is None else {"reason": reason}
    return await client.post(f"/admin/credentials/{uuid}/{action}", json=body, headers=bearer(seed, role))


async def test_every_badge_has_one_two_bit_entry_that_both_ob_schemas_accept(badges):
    for kind in KINDS:
        doc = badges[kind]["doc"]
        entry = doc["credentialStatus"]
        assert isinstance(entry, dict), kind
        assert (entry["type"], entry["statusPurpose"], entry["statusSize"]) == ("BitstringStatusListEntry", "message", 2)
        assert entry["statusListCredential"] == f"{BASE}/status/north/message/1"
        assert schema.problems(doc, "achievement") == [] and schema.problems(doc, "achievement", strict=True) == [], kind
    indexes = {badges[k]["doc"]["credentialStatus"]["statusListIndex"] for k in KINDS}
    assert len(indexes) == len(KINDS)


async def test_valid_suspended_reinstated_revoked_for_every_kind(client, seed, badges):
    for kind in KINDS:
        uuid, doc = badges[kind]["uuid"], badges[kind]["doc"]
        assert (await _status_check(client, doc))["outcome"] == "pass", kind

        # bad twins on a valid badge: nothing to reinstate; a suspension needs a reason; a student may not
        assert (await _act(client, seed, uuid, "reinstate", "")).status_code == 409
        for reason in (None, "   "):
            r = await _act(client, seed, uuid, "suspend", reason)
            assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json"), r.text
        assert (await _act(client, seed, uuid, "suspend", SUSPEND_WHY, role="student")).status_code == 403
        assert (await _status_check(client, doc))["outcome"] == "pass", kind

        r = await _act(client, seed, uuid, "suspend", SUSPEND_WHY)
        assert r.status_code == 200 and r.json().get("suspended") is True, r.text
        check = await _status_check(client, doc)
        assert check["outcome"] == "fail" and check["problemType"].endswith("/suspended"), (kind, check)
        assert (await _act(client, seed, uuid, "suspend", "again")).status_code == 409
        if (page := await _page(client, kind, uuid)) is not None:
            assert "currently suspended" in page and "copying" not in page

        r = await _act(client, seed, uuid, "reinstate", "Cleared after review")
        assert r.status_code == 200 and r.json().get("suspended", False) is False, r.text
        assert (await _status_check(client, doc))["outcome"] == "pass", kind
        if (page := await _page(client, kind, uuid)) is not None:
            assert "suspended" not in page

        r = await _act(client, seed, uuid, "revoke", REVOKE_WHY)
        assert r.status_code == 200 and r.json()["revokedReason"] == REVOKE_WHY, r.text
        check = await _status_check(client, doc)
        assert check["outcome"] == "fail" and check["problemType"].endswith("/revoked"), (kind, check)
        for action in ("revoke", "suspend", "reinstate"):  # revocation is final
            r = await _act(client, seed, uuid, action, "once more")
            assert r.status_code == 409 and "permanent" in r.json()["detail"], (kind, action, r.text)
        assert (await _status_check(client, doc))["problemType"].endswith("/revoked")
        if (page := await _page(client, kind, uuid)) is not None:
            assert "has been revoked by its issuer." in page and "not the student" not in page.lower()
            assert "currently suspended" not in page


async def test_suspending_one_badge_leaves_the_others_valid(client, seed, badges):
    assert (await _act(client, seed, badges["bulk"]["uuid"], "suspend", SUSPEND_WHY)).status_code == 200
    assert (await _act(client, seed, badges["elo"]["uuid"], "revoke", REVOKE_WHY)).status_code == 200
    outcomes = {k: (await _status_check(client, badges[k]["doc"])).get("problemType", "pass") for k in KINDS}
    assert outcomes["rubric"] == outcomes["vcapi"] == "pass"
    assert outcomes["bulk"].endswith("/suspended") and outcomes["elo"].endswith("/revoked")


async def test_reasons_are_audited_with_the_actor_and_never_published(client, seed, badges):
    rubric = badges["rubric"]
    admin = seed.users[("north", "school_admin", 0)]
    for action, reason in (("suspend", SUSPEND_WHY), ("reinstate", "Cleared after review"), ("revoke", REVOKE_WHY)):
        assert (await _act(client, seed, rubric["uuid"], action, reason)).status_code == 200
    events = (await client.get("/admin/audit", headers=bearer(seed, "school_admin"))).json()
    mine = [e for e in events if e["subject"] == rubric["doc"]["id"]
            and e["action"] in ("credential.suspend", "credential.reinstate", "credential.revoke")]
    assert [(e["action"], e["details"]["reason"], e["actorId"]) for e in reversed(mine)] == [
        ("credential.suspend", SUSPEND_WHY, admin["id"]), ("credential.reinstate", "Cleared after review", admin["id"]),
        ("credential.revoke", REVOKE_WHY, admin["id"])]
    served = await client.get("/status/north/message/1")
    assert served.status_code == 200 and "copying" not in served.text and "own work" not in served.text
    # the student whose badge it is sees that it was revoked, not why; the school admin sees why
    mine_view = (await client.get(f"/admin/credentials/{rubric['uuid']}", headers=bearer(seed, "student"))).json()
    assert mine_view["revokedAt"] and mine_view.get("revokedReason", "") == ""
    staff_view = (await client.get(f"/admin/credentials/{rubric['uuid']}", headers=bearer(seed, "school_admin"))).json()
    assert staff_view["revokedReason"] == REVOKE_WHY


async def _legacy_badge(seed, purposes: tuple[str, ...]) -> dict:
    """A credential in an older form: one-bit revocation (awards) or revocation + suspension
    entries (VC-API), stored as it was signed then."""
    import json

    from badges.signing import sign
    from issuer.credentials import repo as credentials_repo
    from issuer.credentials import status
    from issuer.db.engine import write_transaction
    from issuer.schools import identity
    from tests.support import NOW

    north = seed.schools["north"].id
    async with write_transaction():
        allocated = [await status.allocate_entry(seed.ctx, north, purpose=p) for p in purposes]
        entries = [a[0] for a in allocated]
        doc = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
               "id": f"urn:uuid:00000000-0000-4000-8000-{len(purposes):012d}", "validFrom": "2026-01-01T00:00:00Z",
               "issuer": await identity.issuer_did(seed.ctx, north), "credentialSubject": {"id": "did:example:learner"},
               "credentialStatus": entries[0] if len(entries) == 1 else entries}
        signed = sign(doc, signer=await identity.signer_for(seed.ctx, north), created=NOW)
        row = await credentials_repo.insert_issued_credential(
            school_id=north, credential_id=doc["id"], document=status.dumps(signed), issued_at=NOW,
            status_list_id=allocated[0][1], status_index=allocated[0][2], status_purpose=purposes[0])
    return {"uuid": str(row.uuid), "doc": json.loads(row.document)}


async def test_older_badges_keep_verifying_and_changing(client, seed):
    revocation_only = await _legacy_badge(seed, ("revocation",))
    pair = await _legacy_badge(seed, ("revocation", "suspension"))
    for badge in (revocation_only, pair):
        assert (await _status_check(client, badge["doc"]))["outcome"] == "pass"

    # revocation only: suspending is refused with a sentence saying why (and nothing changes)
    r = await _act(client, seed, revocation_only["uuid"], "suspend", SUSPEND_WHY)
    assert r.status_code == 409 and "without a suspension status entry" in r.json()["detail"], r.text
    assert (await _status_check(client, revocation_only["doc"]))["outcome"] == "pass"
    assert (await _act(client, seed, revocation_only["uuid"], "revoke", REVOKE_WHY)).status_code == 200
    assert (await _status_check(client, revocation_only["doc"]))["problemType"].endswith("/revoked")

    # revocation + suspension entries (old VC-API form): suspend and reinstate still work
    assert (await _act(client, seed, pair["uuid"], "suspend", SUSPEND_WHY)).status_code == 200
    assert (await _status_check(client, pair["doc"]))["problemType"].endswith("/suspended")
    assert (await _act(client, seed, pair["uuid"], "reinstate", "cleared")).status_code == 200
    assert (await _status_check(client, pair["doc"]))["outcome"] == "pass"
    assert (await _act(client, seed, pair["uuid"], "revoke", REVOKE_WHY)).status_code == 200
    assert (await _status_check(client, pair["doc"]))["problemType"].endswith("/revoked")
    assert (await _act(client, seed, pair["uuid"], "suspend", SUSPEND_WHY)).status_code == 409
