"""badges.transcript, external learning (issue 14): other issuers' badges the learner chose ride in
the CLR unchanged, grouped under one node, and are never read as the school's, even when they claim
the school's area tags and competencies. Bad twins: a compact JWS, a VC 1.1 credential, one without
an achievement id, one sharing a school badge's id; a signed CLR whose external badge was altered."""
from __future__ import annotations

import copy
import json
from datetime import timedelta

import pytest

from badges.errors import ModelError, ResolutionError
from badges.signing import ChainResolver, DidKeyResolver, Ed25519Signer, sign
from badges.transcript import (
    EXTERNAL_LEARNING_ID,
    ExternalCheck,
    build_clr,
    competency_node_id,
    external_ids,
    transcript_view,
)
from tests.badges import transcript_data as data
from tests.support import NOW

ELSEWHERE = Ed25519Signer.from_seed(bytes(range(101, 133)))  # an issuer that is not the school


def external_badge(name: str = "Lifeguard Certificate", key: str = "lifeguard") -> dict:
    """Signed by another issuer, and hostile on purpose: it claims the school's academic area and
    the school's MATH.1 competency at the top level."""
    doc = data.badge(key, name=name, area="academic", subject="Mathematics",
                     competencies=[("MATH.1", "Solve linear equations")], ratings=[4],
                     issued=NOW - timedelta(days=50))
    doc["issuer"] = {"id": ELSEWHERE.public_key.did_key, "type": ["Profile"], "name": "Riverside Pools",
                     "url": "https://pools.elsewhere.example"}
    doc["id"] = f"urn:uuid:7b0c4a2e-0000-4000-8000-{len(key):012d}"
    doc["credentialSubject"]["achievement"]["id"] = f"https://pools.elsewhere.example/achievements/{key}"
    return sign(doc, signer=ELSEWHERE, created=NOW - timedelta(days=49))


def school_only() -> dict[str, dict]:
    return {k: v for k, v in data.signed_badges().items() if data.STATUSES_BY_KEY[k] == "active"}


def clr(external: list, **kw) -> dict:
    creds = school_only()
    return build_clr(list(creds.values()), learner=data.learner(), issuer=data.issuer_profile(),
                     clr_id=data.CLR_ID, issued_at=NOW, external=external, **kw)


def view(document: dict, checks=None):
    statuses = {c["id"]: "active" for c in school_only().values()}
    return transcript_view(document, scale=data.SCALE, statuses=statuses, now=NOW, external_checks=checks)


def test_external_badges_ride_unchanged_after_the_schools_under_one_grouping_node():
    outside = external_badge()
    document = clr([outside])
    bundled = document["credentialSubject"]["verifiableCredential"]
    assert bundled[-1] == outside and bundled[-1] is not outside  # the exact JSON, a copy
    assert bundled[-1]["issuer"]["name"] == "Riverside Pools"  # keeps its own issuer
    assert external_ids(document) == {outside["id"]}
    nodes = {a["id"]: a for a in document["credentialSubject"]["achievement"]}
    group = nodes[EXTERNAL_LEARNING_ID]
    assert group["achievementType"] == "ext:ExternalLearning" and "issued by others" in group["name"]
    links = document["credentialSubject"]["association"]
    ach_id = outside["credentialSubject"]["achievement"]["id"]
    assert [a for a in links if a["sourceId"] == ach_id] == [
        {"type": "Association", "associationType": "isPartOf", "sourceId": ach_id, "targetId": EXTERNAL_LEARNING_ID}]
    # nothing of the school's structure comes from it: its claim on MATH.1 made no link
    assert all(a["targetId"] != competency_node_id(f"{data.BASE}/competencies/MATH.1") or a["sourceId"] != ach_id
               for a in links)
    from badges.schema import problems

    assert problems(document, "clr") == []


def test_default_is_none_and_the_record_is_as_before():
    before = clr([])
    assert external_ids(before) == set()
    assert EXTERNAL_LEARNING_ID not in {a["id"] for a in before["credentialSubject"]["achievement"]}
    creds = school_only()
    plain = build_clr(list(creds.values()), learner=data.learner(), issuer=data.issuer_profile(),
                      clr_id=data.CLR_ID, issued_at=NOW)
    assert before == plain


def test_the_view_lists_them_apart_and_the_schools_counts_do_not_move():
    outside = external_badge()
    plain, with_external = view(clr([])), view(clr([outside]), {outside["id"]: ExternalCheck(True)})
    assert with_external.academic == plain.academic and with_external.habits == plain.habits
    assert with_external.elo == plain.elo and with_external.other == plain.other == ()
    assert with_external.badges == plain.badges and len(plain.badges) == 6
    math = next(g for g in with_external.academic if g.name == "Mathematics")
    assert all("Lifeguard" not in b.name for row in math.competencies for b in row.badges)
    (row,) = with_external.external
    assert (row.name, row.issuer_name, row.issuer_id) == ("Lifeguard Certificate", "Riverside Pools",
                                                          ELSEWHERE.public_key.did_key)
    assert row.issued_on == (NOW - timedelta(days=50)).date() and row.verified is True
    # not checked at this showing (no verifier): None, never a silent "verified"
    assert view(clr([outside])).external[0].verified is None
    failing = view(clr([outside]), {outside["id"]: ExternalCheck(False, "It has been revoked.")}).external[0]
    assert failing.verified is False and failing.check.message == "It has been revoked."


def _no_fetch(url: str) -> dict:
    raise ResolutionError(f"offline: {url}")


def test_signed_record_verifies_with_the_external_badge_nested_and_fails_when_it_is_altered():
    from badges.verification import CheckId, verify_credential

    signed = sign(clr([external_badge()]), signer=data.signer(), created=NOW)
    report = verify_credential(json.dumps(signed), now=NOW, resolver=ChainResolver(DidKeyResolver()),
                               fetch_document=_no_fetch)
    assert report.verified, [(c.id, c.message) for c in report.failures]
    # "warn": one of the school's badges is genuine but expired (kept, marked); the external one verified
    assert report.check(CheckId.NESTED).outcome in ("pass", "warn") and len(report.nested) == 7
    assert report.nested[-1].verified and report.nested[-1].credential.get("issuerName") == "Riverside Pools"
    # bad twin: the external badge altered inside the record (its own proof and the record's fail)
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["verifiableCredential"][-1]["credentialSubject"]["achievement"]["name"] = "Surgeon"
    bad = verify_credential(json.dumps(tampered), now=NOW, resolver=ChainResolver(DidKeyResolver()),
                               fetch_document=_no_fetch)
    assert not bad.verified and bad.check(CheckId.NESTED).outcome == "fail"


@pytest.mark.parametrize("mutate, words", [
    (lambda d: "eyJhbGciOiJFZERTQSJ9.e30.c2ln", "compact JWS"),
    (lambda d: {**d, "@context": ["https://www.w3.org/2018/credentials/v1", *d["@context"][1:]]}, "VC 2.0"),
    (lambda d: {**d, "credentialSubject": {**d["credentialSubject"],
                                           "achievement": {k: v for k, v in d["credentialSubject"]["achievement"]
                                                           .items() if k != "id"}}}, "achievement id"),
    (lambda d: {**d, "id": next(iter(school_only().values()))["id"]}, "shares an id"),
])
def test_what_a_clr_cannot_carry_is_refused(mutate, words):
    with pytest.raises(ModelError, match=words):
        clr([mutate(external_badge())])
