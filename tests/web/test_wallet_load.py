"""200 wallets answer 200 add-to-wallet requests at once, each twice (issue 14, "Load"): every
request issues exactly one bound badge, every second answer is refused, and no status index is
handed out twice. The wallets' DIDAuth presentations are signed here (eddsa-rdfc-2022, one
did:key per wallet); tests/interop/test_interop_wallet.py checks Digital Bazaar's."""
from __future__ import annotations

import asyncio
import hashlib
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from badges.jsonld import VC_V2
from badges.signing import Ed25519Signer, sign
from issuer.db.tables import IssuedCredential, WalletExchange
from tests.support import BASE_URL, NOW
from tests.web.award_support import award

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]

WALLETS = 200
HTML = {"accept": "text/html"}


@pytest.fixture
def client(asgi_client):
    return asgi_client


async def test_200_concurrent_wallet_exchanges_issue_200_bound_badges_each_once(client, seed):
    badge = await award(client, seed)
    client.cookies.set("badges_session", seed.session["student"])
    page = (await client.get(f"/badges/{badge['uuid']}", headers=HTML)).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    requests = []
    for _ in range(WALLETS):
        r = await client.post(f"/badges/{badge['uuid']}/wallet", data={"csrf_token": csrf}, headers=HTML)
        link = re.search(r'id="wallet-link" href="([^"]+)"', r.text).group(1).replace("&amp;", "&")
        fields = {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}
        requests.append((fields["vc_request_url"].removeprefix(BASE_URL), fields["challenge"]))
    client.cookies.clear()

    answers = []
    for n, (url, challenge) in enumerate(requests):
        wallet = Ed25519Signer.from_seed(hashlib.sha256(b"wallet %d" % n).digest())
        vp = sign({"@context": [VC_V2], "type": ["VerifiablePresentation"], "holder": wallet.public_key.did_key},
                  signer=wallet, created=NOW, proof_purpose="authentication", challenge=challenge)
        answers.append((url, json.dumps({"verifiablePresentation": vp}).encode(), wallet.public_key.did_key))
    before = await IssuedCredential.count()

    async def post(url: str, body: bytes):
        return await client.post(url, content=body, headers={"content-type": "application/json"})

    # every answer twice, all at once
    responses = await asyncio.gather(*(post(url, body) for url, body, _ in answers for _ in range(2)))
    by_request = [responses[2 * n:2 * n + 2] for n in range(WALLETS)]
    for (_, _, holder), pair in zip(answers, by_request, strict=True):
        codes = sorted(r.status_code for r in pair)
        assert codes == [200, 409], [r.text for r in pair]
        issued = next(r for r in pair if r.status_code == 200)
        [bound] = json.loads(issued.content)["verifiablePresentation"]["verifiableCredential"]  # VC-API's wrapping
        assert bound["credentialSubject"]["id"] == holder
    assert await IssuedCredential.count() == before + WALLETS
    copies = await IssuedCredential.select(IssuedCredential.holder, IssuedCredential.status_list,
                                           IssuedCredential.status_index).where(
        IssuedCredential.bound_from.is_not_null())
    assert len({c["holder"] for c in copies}) == WALLETS
    assert len({(c["status_list"], c["status_index"]) for c in copies}) == WALLETS
    assert await WalletExchange.count().where(WalletExchange.issued.is_not_null()) == WALLETS
