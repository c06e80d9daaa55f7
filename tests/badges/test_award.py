"""Award decisions: before signing (decide) and from a credential alone (recheck)."""
from __future__ import annotations

import copy

import pytest

from badges import award, rubrics
from badges.errors import RubricError
from badges.rubrics import Criterion, Rubric

BASE = "https://school.example/achievements/42"
RUBRIC = Rubric(id="r", name="Inquiry rubric", criteria=(
    Criterion("evidence", "Evidence", 3), Criterion("analysis", "Analysis", 3),
    Criterion("communication", "Communication", 2)), total_required=9)
GOOD = {"evidence": 3, "analysis": 4, "communication": 2}


def credential_for(ratings, rubric=RUBRIC):
    """Just the parts recheck reads (the full issued credential is tested in test_issuance)."""
    return {"credentialSubject": {
        "type": ["AchievementSubject"],
        "achievement": {"id": BASE, "resultDescription": rubrics.to_result_descriptions(rubric, base_id=BASE)},
        "result": rubrics.to_results(rubric, ratings, base_id=BASE)}}


def test_decide_awarded_with_plain_language_reasons():
    d = award.decide(RUBRIC, GOOD)
    assert d.awarded and d.total == 9 and d.unmet == ()
    assert [r.reason for r in d.reasons] == [
        "Evidence: 3 Proficient, meets the required 3 Proficient",
        "Analysis: 4 Exceeds, meets the required 3 Proficient",
        "Communication: 2 Developing, meets the required 2 Developing",
        "Total: 9 of 12, meets the required 9",
    ]


def test_decide_rating_below_threshold():
    d = award.decide(RUBRIC, {**GOOD, "evidence": 2})
    assert not d.awarded
    assert [r.id for r in d.unmet] == ["evidence", "total"]
    assert d.reasons[0].reason == "Evidence: 2 Developing, below the required 3 Proficient"
    assert d.reasons[-1].reason == "Total: 8 of 12, below the required 9"


def test_decide_total_alone_can_block():
    r = Rubric(id="r", name="r", criteria=RUBRIC.criteria, total_required=10)
    d = award.decide(r, {"evidence": 3, "analysis": 3, "communication": 2})
    assert not d.awarded and [x.id for x in d.unmet] == ["total"]


@pytest.mark.parametrize("ratings", [{**GOOD, "creativity": 4}, {"evidence": 3}, {**GOOD, "analysis": 9}])
def test_decide_rejects_bad_ratings(ratings):
    with pytest.raises(RubricError):
        award.decide(RUBRIC, ratings)


@pytest.mark.parametrize("ratings", [GOOD, {**GOOD, "evidence": 2}, {"evidence": 4, "analysis": 4,
                                                                      "communication": 1}])
def test_recheck_agrees_with_decide(ratings):
    decided, rechecked = award.decide(RUBRIC, ratings), award.recheck(credential_for(ratings))
    assert rechecked.awarded == decided.awarded
    assert [r.reason for r in rechecked.reasons] == [r.reason for r in decided.reasons]
    assert [r.met for r in rechecked.reasons] == [r.met for r in decided.reasons]
    assert rechecked.total == decided.total


def test_recheck_results_that_do_not_meet_the_rubric_inside():
    # Issued with good ratings, then a result swapped for a lower level of the same criterion.
    cred = credential_for(GOOD)
    cred["credentialSubject"]["result"][0]["achievedLevel"] = f"{BASE}/rubric/evidence/levels/1"
    d = award.recheck(cred)
    assert not d.awarded
    assert d.unmet[0].reason == "Evidence: 1 Beginning, below the required 3 Proficient"


def test_recheck_missing_result_fails():
    cred = credential_for(GOOD)
    del cred["credentialSubject"]["result"][1]
    d = award.recheck(cred)
    assert not d.awarded and d.unmet[0].reason == "Analysis: no result, 3 Proficient is required"


def test_recheck_total_out_of_range_or_not_a_number():
    cred = credential_for(GOOD)
    cred["credentialSubject"]["result"][-1]["value"] = "99"
    assert award.recheck(cred).unmet[0].reason == "Total: 99 (outside 3..12), below the required 9"
    cred["credentialSubject"]["result"][-1]["value"] = "lots"
    assert not award.recheck(cred).awarded


def test_recheck_result_linking_an_unknown_description():
    cred = credential_for(GOOD)
    cred["credentialSubject"]["result"].append({"type": ["Result"], "resultDescription": "urn:x:other",
                                                "value": "4"})
    d = award.recheck(cred)
    assert not d.awarded and d.unmet[0].id == "urn:x:other"
    assert d.unmet[0].reason == "A result links to urn:x:other, which this achievement does not describe"


def test_recheck_level_order_comes_from_the_list():
    # Reverse the level list: the same achieved level is now "above" the threshold.
    cred = credential_for({**GOOD, "evidence": 2})
    rd = cred["credentialSubject"]["achievement"]["resultDescription"][0]
    assert not award.recheck(copy.deepcopy(cred)).awarded
    rd["rubricCriterionLevel"].reverse()
    cred["credentialSubject"]["achievement"]["resultDescription"].pop()  # drop the total
    cred["credentialSubject"]["result"].pop()
    assert award.recheck(cred).awarded


def test_recheck_on_the_1edtech_complete_example(load_json):
    d = award.recheck(load_json("examples/ob3-complete-rubric-signed.json"))
    assert d.awarded
    assert [r.reason for r in d.reasons] == [
        "Final Project Grade: A, meets the required C",  # allowedValue order D < C < B < A
        "Final Project Grade: Mastery, meets the required Mastery",
    ]


def test_recheck_complete_example_bad_twin(load_json):
    doc = load_json("examples/ob3-complete-rubric-signed.json")
    doc["credentialSubject"]["result"][0]["value"] = "D"
    d = award.recheck(doc)
    assert not d.awarded and d.unmet[0].reason == "Final Project Grade: D, below the required C"


def test_recheck_no_rubric_is_vacuous(load_json):
    d = award.recheck(load_json("examples/ob3-implguide-signed.json"))
    assert d.awarded and d.reasons == ()


@pytest.mark.parametrize("doc", [[], {}, {"credentialSubject": {"type": ["AchievementSubject"]}},
                                 {"credentialSubject": [{}, {}]}])
def test_recheck_malformed(doc):
    with pytest.raises(RubricError):
        award.recheck(doc)


def test_recheck_contradictory_results_are_judged_cautiously():
    cred = credential_for(GOOD)
    extra = dict(cred["credentialSubject"]["result"][0], achievedLevel=f"{BASE}/rubric/evidence/levels/2")
    cred["credentialSubject"]["result"].append(extra)
    d = award.recheck(cred)
    assert not d.awarded and d.unmet[0].reason == "Evidence: 2 Developing, below the required 3 Proficient"
    cred = credential_for(GOOD)
    cred["credentialSubject"]["result"].append(dict(cred["credentialSubject"]["result"][-1], value="12"))
    # Two different totals cannot be compared at all: unknown (met None), and so not awarded.
    d = award.recheck(cred)
    assert not d.awarded and d.unmet[0].met is None
    assert d.unmet[0].reason == "Total: 2 different values, cannot be compared with the required 9"


@pytest.mark.parametrize("path, value", [
    (("result", 0, "achievedLevel"), ["a", "b"]),
    (("achievement", "resultDescription", 0, "requiredLevel"), {"id": "x"}),
    (("achievement", "resultDescription", 0, "rubricCriterionLevel", 0, "id"), ["x"]),
])
def test_recheck_odd_json_types_are_rubric_errors(path, value):
    cred = credential_for(GOOD)
    target = cred["credentialSubject"]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(RubricError, match="malformed"):
        award.recheck(cred)
