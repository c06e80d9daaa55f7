"""badges.transcript: the CLR bundle and the grouped view, over hand-built badges."""
from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta

import pytest

from badges.errors import ModelError, SchemaError
from badges.transcript import (
    CLR_CONTEXTS,
    build_clr,
    competency_node_id,
    transcript_view,
)
from tests.badges import transcript_data as data
from tests.support import NOW

try:
    from badges.signing import DidKeyResolver, sign, verify_proof
except ImportError:  # pragma: no cover - the engine's signing module lands separately
    sign = None

needs_signing = pytest.mark.skipif(sign is None, reason="badges.signing.sign is not available yet")


def _counted(creds: dict[str, dict]) -> list[dict]:
    return [c for k, c in creds.items() if data.STATUSES_BY_KEY[k] == "active"]


def _clr(creds=None, **kw) -> dict:
    creds = data.unsigned_badges() if creds is None else creds
    args = dict(learner=data.learner(), issuer=data.issuer_profile(), clr_id=data.CLR_ID, issued_at=NOW)
    args.update(kw)
    return build_clr(list(creds.values()) if isinstance(creds, dict) else creds, **args)


# ------------------------------------------------------------------------------------ build_clr

def test_clr_shape_contexts_and_schema():
    clr = _clr()
    assert clr["@context"][:3] == ["https://www.w3.org/ns/credentials/v2",
                                   "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
                                   "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert clr["@context"] == list(CLR_CONTEXTS)
    assert clr["type"] == ["VerifiableCredential", "ClrCredential"]
    assert clr["issuer"]["name"] == "Riverside Community School"
    assert clr["validFrom"] == "2026-01-15T10:00:00Z"
    subject = clr["credentialSubject"]
    assert subject["type"] == ["ClrSubject"] and subject["id"] == data.LEARNER_ID
    assert {"type": "IdentityObject", "identityHash": data.LEARNER_NAME, "identityType": "name",
            "hashed": False} in subject["identifier"]
    assert clr["credentialSchema"][0]["id"].endswith("clr_v2p0_clrcredential_schema.json")
    assert "partial" not in clr and _clr(partial=True)["partial"] is True
    from badges.schema import problems

    assert problems(clr, "clr") == []


def test_every_term_is_defined_so_nothing_goes_unsigned():
    from badges.jsonld import check_terms

    check_terms(_clr())  # raises UndefinedTerm / RelativeIri otherwise
    broken = _clr()
    broken["credentialSubject"]["transcriptColour"] = "blue"
    with pytest.raises(Exception, match="transcriptColour"):
        check_terms(broken)


def test_bundled_badges_are_unchanged_deep_copies():
    creds = data.unsigned_badges()
    stored = data.stored(creds)
    parsed = [json.loads(text) for text in stored.values()]
    clr = build_clr(parsed, learner=data.learner(), issuer=data.issuer_profile(), clr_id=data.CLR_ID, issued_at=NOW)
    bundled = clr["credentialSubject"]["verifiableCredential"]
    assert bundled == parsed
    assert [json.dumps(b, ensure_ascii=False) for b in bundled] == list(stored.values())
    bundled[0]["name"] = "changed"
    assert parsed[0]["name"] != "changed"  # a copy, not the caller's object
    # stored text is accepted as well, parsed exactly once
    clr2 = build_clr(list(stored.values()), learner=data.learner(), issuer=data.issuer_profile(),
                     clr_id=data.CLR_ID, issued_at=NOW)
    assert clr2["credentialSubject"]["verifiableCredential"] == parsed


def test_competency_nodes_and_associations():
    clr = _clr()
    nodes = {a["id"]: a for a in clr["credentialSubject"]["achievement"]}
    math1 = competency_node_id(f"{data.BASE}/competencies/MATH.1")
    assert nodes[math1]["achievementType"] == "Competency"
    assert nodes[math1]["humanCode"] == "MATH.1"
    assert nodes[math1]["tag"] == ["area:academic", "subject:Mathematics"]
    assert len(nodes) == 6  # MATH.1 once, although two badges show it
    links = clr["credentialSubject"]["association"]
    assert {"type": "Association", "associationType": "isChildOf",
            "sourceId": f"{data.BASE}/achievements/math-linear-2", "targetId": math1} in links
    assert all(link["targetId"] in nodes for link in links)
    # caller-supplied nodes/links are kept and win on id
    program = {"id": "urn:uuid:11111111-2222-4333-8444-555555555555", "type": ["Achievement"],
               "name": "Graduate profile", "description": "All competencies.", "criteria": {"narrative": "All."},
               "achievementType": "LearningProgram"}
    extra = {"type": "Association", "associationType": "isPartOf", "sourceId": math1, "targetId": program["id"]}
    clr = _clr(achievements=[program], associations=[extra])
    assert clr["credentialSubject"]["achievement"][0] == program
    assert clr["credentialSubject"]["association"][0] == extra


def test_bad_association_fails_the_clr_schema():
    bad = {"type": "Association", "associationType": "isFriendOf", "sourceId": "urn:a:b", "targetId": "urn:c:d"}
    with pytest.raises(SchemaError) as info:
        _clr(associations=[bad])
    assert any("associationType" in p for p in info.value.details["problems"])


@pytest.mark.parametrize("mutate, match", [
    (lambda creds, kw: creds.clear(), "at least one credential"),
    (lambda creds, kw: kw.update(learner={"name": "Nobody"}), "id or at least one identifier"),
    (lambda creds, kw: creds.__setitem__("x", {"type": ["Thing"]}), "not a verifiable credential"),
    (lambda creds, kw: creds.__setitem__("x", "eyJhbGciOiJFZERTQSJ9.e30.sig"), "not JSON"),
    (lambda creds, kw: creds["eng-argument"]["credentialSubject"].__setitem__("id", "did:example:someone-else"),
     "is about 'did:example:someone-else'"),
])
def test_bad_input_is_a_clear_model_error(mutate, match):
    creds = data.unsigned_badges()
    kw: dict = {}
    mutate(creds, kw)
    with pytest.raises(ModelError, match=match):
        _clr(creds, **kw)


def test_caller_mistakes_are_value_errors():
    with pytest.raises(ValueError, match="time zone"):
        _clr(issued_at=datetime(2026, 1, 15, 10, 0))
    with pytest.raises(ValueError, match="absolute URI"):
        _clr(clr_id="transcript-1")


def test_learner_by_identifier_only():
    ident = {"type": "IdentityObject", "identityHash": "sha256$" + "ab" * 32, "identityType": "emailAddress",
             "hashed": True, "salt": "s"}
    creds = data.unsigned_badges()
    for c in creds.values():
        del c["credentialSubject"]["id"]
        c["credentialSubject"]["identifier"] = [ident]
    clr = _clr(creds, learner={"identifier": [ident], "name": "Ada"})
    assert "id" not in clr["credentialSubject"]
    assert clr["credentialSubject"]["identifier"][0] == ident


@needs_signing
def test_signed_clr_and_every_nested_proof_verify():
    creds = data.signed_badges()
    clr = build_clr(_counted(creds), learner=data.learner(), issuer=data.issuer_profile(), clr_id=data.CLR_ID,
                    issued_at=NOW)
    signed = sign(clr, signer=data.signer(), created=NOW)
    resolver = DidKeyResolver()
    assert verify_proof(signed, resolver=resolver, now=NOW).verified
    for nested in signed["credentialSubject"]["verifiableCredential"]:
        assert verify_proof(nested, resolver=resolver, now=NOW).verified
    # bad twin: a nested badge edited after bundling breaks its own proof and the CLR's
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["verifiableCredential"][0]["credentialSubject"]["result"][0]["achievedLevel"] = \
        tampered["credentialSubject"]["verifiableCredential"][0]["credentialSubject"]["result"][0][
            "achievedLevel"].replace("/levels/3", "/levels/4")
    assert not verify_proof(tampered["credentialSubject"]["verifiableCredential"][0], resolver=resolver,
                            now=NOW).verified
    assert not verify_proof(tampered, resolver=resolver, now=NOW).verified


# ------------------------------------------------------------------------------ transcript_view

def _view(creds=None, statuses=None, **kw):
    creds = data.unsigned_badges() if creds is None else creds
    clr = _clr(creds)
    return transcript_view(clr, scale=data.SCALE, statuses=statuses or data.statuses(creds), **kw)


def _all_rows(view):
    return [r for g in view.academic for r in g.competencies] + list(view.habits)


def test_view_groups_by_area_and_subject_never_mixed():
    view = _view(now=NOW)
    assert [g.name for g in view.academic] == ["English", "Mathematics"]
    academic_codes = {r.code for g in view.academic for r in g.competencies}
    assert academic_codes == {"ENG.2", "MATH.1"}  # MATH.2 only has a revoked badge
    assert {r.code for r in view.habits} == {"HOW.1", "HOW.2"}
    assert [e.name for e in view.elo] == ["Water Quality Internship"]
    assert view.other == ()
    assert view.school_name == "Riverside Community School"
    assert view.school_address == ("1 River Road", "Riverside CA 90001", "USA")
    assert view.learner_name == data.LEARNER_NAME
    assert view.issued_on == NOW.date()


def test_highest_level_with_the_schools_words_date_badges_and_evidence():
    view = _view(now=NOW)
    math = next(g for g in view.academic if g.name == "Mathematics").competencies[0]
    assert math.level.value == 4 and math.level_label == "4 · Distinguished"
    assert math.reached_on == (NOW - timedelta(days=90)).date()
    assert [b.name for b in math.badges] == ["Linear Equations II"]
    assert math.badge_count == 2 and math.evidence_count == 5  # 2 + 3 artifacts behind it
    english = next(g for g in view.academic if g.name == "English").competencies[0]
    assert english.level_label == "2 · Developing"
    collab = next(r for r in view.habits if r.code == "HOW.1")
    assert collab.level_label == "3 · Proficient"
    assert [k.label for k in view.level_key] == ["1 · Emerging", "2 · Developing", "3 · Proficient",
                                                 "4 · Distinguished"]


def test_unaligned_criteria_count_at_their_lowest_level():
    creds = {"only": data.unsigned_badges()["math-linear-1"]}  # criteria rated 3 and 4
    view = _view(creds, statuses={creds["only"]["id"]: "active"})
    assert view.academic[0].competencies[0].level.value == 3


def test_aligned_result_description_rates_only_its_competency():
    cred = data.badge("two", name="Two Skills", area="academic", subject="Science",
                      competencies=[("SCI.1", "Observe"), ("SCI.2", "Explain")], ratings=[2])
    rd = cred["credentialSubject"]["achievement"]["resultDescription"][0]
    rd["alignment"] = [cred["credentialSubject"]["achievement"]["alignment"][1]]
    cred["id"] = f"{data.BASE}/badges/two"
    view = _view({"two": cred}, statuses={cred["id"]: "active"})
    rows = {r.code: r for r in view.academic[0].competencies}
    assert rows["SCI.2"].level.value == 2
    assert rows["SCI.1"].level is None and rows["SCI.1"].level_label == "Demonstrated"


def test_extended_learning_details_come_from_the_credential():
    elo = _view(now=NOW).elo[0]
    assert elo.partner == "River Valley Water Lab" and elo.partner_url == "https://riverlab.example"
    assert elo.hours == 40 and elo.hours_label == "40 hours"
    assert elo.mentor == "Dr. Grace Hopper" and "weekly sampling" in elo.attestation
    assert str(elo.start) == "2025-06-02" and str(elo.end) == "2025-08-15"
    assert elo.level_label == "3 · Proficient" and elo.competencies == ("Designs a field investigation",)
    # bad twin: without the hours result and mentor evidence, nothing is invented
    creds = data.unsigned_badges()
    bare = creds["elo-river-lab"]
    bare["credentialSubject"]["result"] = bare["credentialSubject"]["result"][:1]
    bare["evidence"] = bare["evidence"][:1]
    del bare["credentialSubject"]["source"]
    elo = _view(creds).elo[0]
    assert (elo.hours, elo.mentor, elo.attestation, elo.partner) == (None, None, None, None)
    # the tag fallback for hours
    bare["credentialSubject"]["achievement"]["tag"].append("hours:12.5")
    assert _view(creds).elo[0].hours_label == "12.5 hours"


def test_only_valid_badges_count():
    creds = data.unsigned_badges()
    statuses = data.statuses(creds)
    view = _view(creds, statuses)
    assert view.left_out == 1  # the revoked quadratic badge was bundled here on purpose
    names = {b.name for b in view.badges}
    assert "Quadratic Functions" not in names
    assert all(r.code != "MATH.2" for r in _all_rows(view))
    # suspended is left out too, and the competency it alone showed disappears
    statuses[creds["eng-argument"]["id"]] = "suspended"
    view = _view(creds, statuses)
    assert [g.name for g in view.academic] == ["Mathematics"] and view.left_out == 2
    # bad twin: the same badge active is counted
    statuses[creds["math-quadratic"]["id"]] = "active"
    view = _view(creds, statuses)
    assert any(r.code == "MATH.2" for r in _all_rows(view))


def test_expired_badges_are_marked_not_dropped():
    creds = data.unsigned_badges()
    view = _view(creds, now=NOW)
    time_mgmt = next(r for r in view.habits if r.code == "HOW.2")
    assert time_mgmt.expired and time_mgmt.badges[0].status == "expired"
    assert view.expired_count == 1
    # without a clock the issuer's own "expired" status marks it; with neither it is active
    assert not next(r for r in _view(creds).habits if r.code == "HOW.2").expired
    statuses = data.statuses(creds)
    statuses[creds["how-time"]["id"]] = "expired"
    assert next(r for r in _view(creds, statuses).habits if r.code == "HOW.2").expired


def test_missing_or_unknown_status_is_a_caller_error():
    creds = data.unsigned_badges()
    statuses = data.statuses(creds)
    del statuses[creds["how-collab"]["id"]]
    with pytest.raises(ValueError, match="no status"):
        _view(creds, statuses)
    statuses[creds["how-collab"]["id"]] = "deleted"
    with pytest.raises(ValueError, match="unknown status"):
        _view(creds, statuses)


def test_badge_without_area_goes_apart_and_two_areas_is_an_error():
    creds = data.unsigned_badges()
    creds["how-collab"]["credentialSubject"]["achievement"]["tag"] = []
    view = _view(creds)
    assert [b.name for b in view.other] == ["Collaboration in Teams"]
    assert all(r.code != "HOW.1" for r in _all_rows(view))
    creds["how-collab"]["credentialSubject"]["achievement"]["tag"] = ["area:habits", "area:academic"]
    with pytest.raises(ModelError, match="more than one area"):
        _view(creds)


def test_credit_equivalents_where_mapped():
    creds = data.unsigned_badges()
    creds["eng-argument"]["credentialSubject"]["creditsEarned"] = 0.5
    view = _view(creds, credit_map={"MATH.1": "0.5 Carnegie unit (Algebra I)"})
    rows = {r.code: r for r in _all_rows(view)}
    assert rows["MATH.1"].credit == "0.5 Carnegie unit (Algebra I)"
    assert rows["ENG.2"].credit == "0.5 credits"
    assert rows["HOW.1"].credit is None


def test_level_found_by_name_when_points_are_absent():
    creds = {"eng": data.unsigned_badges()["eng-argument"]}
    for lvl in creds["eng"]["credentialSubject"]["achievement"]["resultDescription"][0]["rubricCriterionLevel"]:
        del lvl["points"], lvl["level"]
    view = _view(creds, statuses={creds["eng"]["id"]: "active"})
    assert view.academic[0].competencies[0].level_label == "2 · Developing"


def test_engine_scale_objects_are_accepted():
    from badges.rubrics import DEFAULT_SCALE

    view = transcript_view(
        _clr(), scale=DEFAULT_SCALE, statuses=data.statuses(data.unsigned_badges()))
    assert view.level_key[3].label == "4 · Exceeds"
    with pytest.raises(ValueError, match="no levels"):
        transcript_view(_clr(), scale=(), statuses=data.statuses(data.unsigned_badges()))
