"""Every kind of badge the service issues (rubric flow, bulk award, VC-API issue, ELO), valid,
suspended, reinstated and revoked, checked by the reference verifiers' OWN status code: Digital
Bazaar's @digitalbazaar/vc-bitstring-status-list (through @digitalbazaar/vc) and the DCC's
@digitalcredentials/verifier-core (what the Learner Credential Wallet and VerifierPlus run). The
DID document and each state's status list credential are what the service served; the JS side
gets them through its document loader (DCC: a stand-in for fetch), never from the network. The
DCC verifier also validates each badge against the 1EdTech OB 3.0 JSON schema (our copies).

Neither library reads ``statusSize``: both read the single bit at ``statusListIndex``, which the
issuer keeps equal to "not valid" (badges.status.set_message_state). Bad twins: a tampered badge
(signature fails) and a badge whose status list is not served (status cannot be confirmed).

Needs Node and `npm ci --prefix tests/interop`; skipped otherwise.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.interop.support import (
    BASE,
    SERVICE_MARKS,
    requires_node,
    run_script,
)
from tests.web.status_support import KINDS, bearer, issue_every_kind

STATES = ("issued", "suspended", "reinstated", "revoked")
FLAGGED = {"issued": False, "suspended": True, "reinstated": False, "revoked": True}

pytestmark = [*SERVICE_MARKS, *requires_node("@digitalcredentials/verifier-core")]


@pytest.fixture(scope="module")
def anyio_backend():
    return "asyncio"


def run_node(cases: list[dict], tmp_path: Path) -> dict:
    return run_script("status.mjs", "cases", cases, tmp_path, answer="results", timeout=600)


@pytest.fixture
async def js(seed, platform, platform_settings, db, tmp_path) -> dict:
    from issuer.app import create_app

    app = create_app(platform_settings, clock=platform.clock, engine=db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        badges = await issue_every_kind(client, seed)
        did = badges["rubric"]["doc"]["issuer"]["id"]
        did_document = (await client.get("/issuers/north/did.json")).json()
        list_url = badges["rubric"]["doc"]["credentialStatus"]["statusListCredential"]
        assert {b["doc"]["credentialStatus"]["statusListCredential"] for b in badges.values()} == {list_url}

        async def served_list() -> dict:
            r = await client.get(urlsplit(list_url).path)
            assert r.status_code == 200, r.text
            return json.loads(r.content)

        lists = {"issued": await served_list()}
        for state, action, reason in (("suspended", "suspend", "under review"),
                                      ("reinstated", "reinstate", "cleared"),
                                      ("revoked", "revoke", "not the student's own work")):
            for kind in KINDS:
                r = await client.post(f"/admin/credentials/{badges[kind]['uuid']}/{action}", json={"reason": reason},
                                      headers=bearer(seed, "school_admin"))
                assert r.status_code == 200, r.text
            platform.clock.advance(minutes=1)
            lists[state] = await served_list()

    cases = [{"name": f"{kind} {state}", "credential": badges[kind]["doc"],
              "documents": {did: did_document, list_url: lists[state]}} for kind in KINDS for state in STATES]
    tampered = copy.deepcopy(badges["rubric"]["doc"])
    tampered["credentialSubject"]["achievement"]["name"] = "Master Investigator"
    cases.append({"name": "tampered", "credential": tampered, "documents": {did: did_document,
                                                                            list_url: lists["issued"]}})
    cases.append({"name": "list not served", "credential": badges["bulk"]["doc"], "documents": {did: did_document}})
    return run_node(cases, tmp_path)


async def test_reference_verifiers_read_every_state_of_every_badge(js):
    """One issuance run (the JS side takes a while): every kind × every state, both verifiers."""
    for kind in KINDS:
        for state in STATES:
            db, dcc = js[f"{kind} {state}"]["db"], js[f"{kind} {state}"]["dcc"]
            # Digital Bazaar: vc-bitstring-status-list verifies the list and returns the bit it read;
            # deciding what a set bit means is left to the caller (vc's `verified` stays true)
            assert db["verified"] is True and db["statusVerified"] is True, (kind, state, db)
            assert db["status"] is FLAGGED[state], (kind, state, db)
            # DCC verifier-core: its log's status step is valid exactly when the badge is
            assert dcc["errors"] == [] and dcc["signature"] is True, (kind, state, dcc)
            assert dcc["status"]["id"] == "message_status" and dcc["status"]["error"] is None, (kind, state, dcc)
            assert dcc["status"]["valid"] is (not FLAGGED[state]), (kind, state, dcc)
            # the 1EdTech OB 3.0 JSON schema (the one the badge names, else the DCC's guess), via the DCC's ajv
            assert dcc["schema"] and all(s["valid"] for s in dcc["schema"]), (kind, dcc["schema"])
            assert all(s["schema"].endswith("/ob_v3p0_achievementcredential_schema.json") for s in dcc["schema"])

    tampered = js["tampered"]
    assert tampered["db"]["verified"] is False
    assert tampered["dcc"]["errors"] and tampered["dcc"].get("signature") is None
    missing = js["list not served"]
    assert missing["db"]["verified"] is False and missing["db"]["statusVerified"] is False, missing["db"]
    assert missing["dcc"]["status"]["valid"] is None and missing["dcc"]["status"]["error"], missing["dcc"]
