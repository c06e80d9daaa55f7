"""The OB 3.0 REST API's server time (issue 14), in process on the embedded default (SQLite).

    .venv/bin/python bench/bench_ob_api.py [--badges 200] [--runs 30]

Seeds the demo school (``badges demo``'s seed) in a temporary folder, registers a client, has
the demo student allow it (the consent form, posted with the student's session) and trades the
code for a token, as a client does. Then, through the real app (``issuer.app.create_app``) over
``httpx.ASGITransport``, request to last byte:

* ``upsert``: ``POST /ims/ob/v3p0/credentials`` of ``--badges`` distinct badges from elsewhere
  (did:key-signed OB 3.0 JSON, ~3 KB each): each is verified by the mounted verifier and kept;
* ``list page``: ``GET /credentials?limit=100&offset=0`` (the student's school badges and the
  posted ones, spliced from the stored bytes), and the last page;
* ``list 20``: the default page size;
* ``profile``: ``GET /profile``;
* ``verify baseline``: ``POST /credentials/verify`` of badges like those (signed by the same key,
  never seen before, so no cached verdict), the work an upsert must do at least: the upsert's
  overhead beyond verification reads as a ratio.
Each figure after two warm-ups; median and p95 in ms.
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import re
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BASE = "http://127.0.0.1:8000"
APP = "https://bench.example"
SCOPES = " ".join(f"https://purl.imsglobal.org/spec/ob/v3p0/scope/{s}" for s in
                  ("credential.readonly", "credential.upsert", "profile.readonly"))


def elsewhere(n: int, signer) -> bytes:
    from badges.signing import sign
    from tests.support import NOW
    from tests.vectors.build import badge

    issuer = {"id": signer.public_key.did_key, "type": ["Profile"], "name": "Bench Academy", "url": APP}
    doc = badge(issuer=issuer, name=f"Bench badge {n}", slug=f"bench-{n}", rubric=False)
    doc.pop("credentialStatus", None)
    doc["id"] = f"urn:uuid:00000000-0000-4000-8000-{n:012d}"
    return json.dumps(sign(doc, signer=signer, created=NOW)).encode()


def timed(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"median {statistics.median(ordered):7.1f} ms   p95 {p95:7.1f} ms   (n={len(ordered)})"


async def main(badges: int, runs: int) -> None:
    import httpx

    from badges.signing import Ed25519Signer
    from issuer.accounts import service as accounts
    from issuer.app import create_app
    from issuer.cli.learning import seed_demo
    from issuer.settings import Settings

    data = Path(tempfile.mkdtemp(prefix="bench-ob-api-"))
    settings = Settings(base_url=BASE, data_dir=data)
    out = await seed_demo(settings)
    app = create_app(settings)
    ctx = app.state["ctx"]
    student = next(username for role, username, _ in out["logins"] if role == "student")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as c:
        from issuer.accounts import directory

        user = await directory.get_user_by_username(student)
        session = await accounts.create_session(ctx, user.id)
        r = await c.post("/oauth/register", json={
            "client_name": "Bench", "client_uri": APP, "logo_uri": APP + "/l.png", "tos_uri": APP + "/t",
            "policy_uri": APP + "/p", "software_id": "bench", "software_version": "1", "redirect_uris": [APP + "/cb"],
            "scope": SCOPES, "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_basic"})
        client = r.json()
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        c.cookies.set("badges_session", session)
        page = await c.get("/oauth/authorize", headers={"accept": "text/html"}, params={
            "response_type": "code", "client_id": client["client_id"], "redirect_uri": APP + "/cb", "scope": SCOPES,
            "state": "s", "code_challenge": challenge, "code_challenge_method": "S256"})
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
        r = await c.post("/oauth/authorize", data={**fields, "decision": "allow"})
        code = parse_qs(urlsplit(r.headers["location"]).query)["code"][0]
        c.cookies.clear()
        started = time.perf_counter()
        r = await c.post("/oauth/token", auth=(client["client_id"], client["client_secret"]), data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": APP + "/cb", "code_verifier": verifier})
        print(f"token exchange (one)    {(time.perf_counter() - started) * 1000:7.1f} ms")
        bearer = {"authorization": f"Bearer {r.json()['access_token']}"}

        signer = Ed25519Signer.from_seed(bytes(range(7, 39)))
        bodies = [elsewhere(n, signer) for n in range(badges + 2)]
        upserts = []
        for n, body in enumerate(bodies):
            started = time.perf_counter()
            r = await c.post("/ims/ob/v3p0/credentials", content=body,
                             headers={**bearer, "content-type": "application/json"})
            assert r.status_code == 201, r.text
            if n >= 2:
                upserts.append((time.perf_counter() - started) * 1000)
        verifies = []
        fresh = [elsewhere(10_000 + n, signer) for n in range(runs + 2)]  # never seen: no cached verdict
        for n in range(runs + 2):
            started = time.perf_counter()
            r = await c.post("/credentials/verify", json={"verifiableCredential": json.loads(fresh[n]),
                                                         "options": {}})
            assert r.status_code == 200, r.text
            if n >= 2:
                verifies.append((time.perf_counter() - started) * 1000)

        async def sample(path: str, **params) -> list[float]:
            found = []
            for n in range(runs + 2):
                started = time.perf_counter()
                r = await c.get(path, params=params, headers=bearer)
                assert r.status_code == 200, r.text
                if n >= 2:
                    found.append((time.perf_counter() - started) * 1000)
            return found

        total = int((await c.get("/ims/ob/v3p0/credentials", headers=bearer)).headers["x-total-count"])
        print(f"credentials held        {total}")
        print(f"upsert                  {timed(upserts)}")
        print(f"verify baseline         {timed(verifies)}")
        print(f"  upsert / verify       × {statistics.median(upserts) / statistics.median(verifies):.2f}")
        print(f"list page (100, first)  {timed(await sample('/ims/ob/v3p0/credentials', limit=100, offset=0))}")
        last = max(0, (total - 1) // 100 * 100)
        print(f"list page (100, last)   {timed(await sample('/ims/ob/v3p0/credentials', limit=100, offset=last))}")
        print(f"list 20                 {timed(await sample('/ims/ob/v3p0/credentials'))}")
        print(f"profile                 {timed(await sample('/ims/ob/v3p0/profile'))}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--badges", type=int, default=200, help="badges from elsewhere to post (at most 200)")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    asyncio.run(main(min(args.badges, 198), args.runs))
