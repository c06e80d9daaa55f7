"""Rubrics: scale, thresholds, scoring and their OB 3.0 ResultDescription / Result form."""
from __future__ import annotations

import pytest

from badges import rubrics
from badges.errors import RubricError
from badges.model import Result, ResultDescription
from badges.rubrics import DEFAULT_SCALE, Criterion, Level, Rubric

BASE = "https://school.example/achievements/42"
RUBRIC = Rubric(
    id="inquiry-rubric", name="Scientific inquiry rubric",
    criteria=(
        Criterion("evidence", "Evidence", 3),
        Criterion("analysis", "Analysis", 3, description="Interprets data"),
        Criterion("communication", "Communication", 2),
    ),
    total_required=9,
)
GOOD = {"evidence": 3, "analysis": 4, "communication": 2}


def test_default_scale():
    assert [(lv.value, lv.name) for lv in DEFAULT_SCALE] == [
        (1, "Beginning"), (2, "Developing"), (3, "Proficient"), (4, "Exceeds")]
    assert RUBRIC.total_range == (3, 12)


def test_score_meets_and_misses():
    s = rubrics.score(RUBRIC, GOOD)
    assert s.meets and s.total == 9 and s.meets_total
    assert [c.level.label for c in s.criteria] == ["3 Proficient", "4 Exceeds", "2 Developing"]
    low = rubrics.score(RUBRIC, {**GOOD, "evidence": 2})
    assert not low.meets
    assert [c.meets for c in low.criteria] == [False, True, True]
    # Every criterion at its threshold but the total short of the required value.
    strict = Rubric(id="r", name="r", criteria=RUBRIC.criteria, total_required=10)
    s = rubrics.score(strict, {"evidence": 3, "analysis": 3, "communication": 2})
    assert all(c.meets for c in s.criteria) and s.meets_total is False and not s.meets


@pytest.mark.parametrize("ratings, match", [
    ({**GOOD, "creativity": 3}, "no criterion 'creativity'"),
    ({"evidence": 3, "analysis": 3}, "no rating for 'communication'"),
    ({**GOOD, "analysis": 5}, "level 5 is outside the scale"),
    ({**GOOD, "analysis": 0}, "outside the scale"),
    ({**GOOD, "analysis": "3"}, "outside the scale"),
])
def test_bad_ratings(ratings, match):
    with pytest.raises(RubricError, match=match):
        rubrics.score(RUBRIC, ratings)


@pytest.mark.parametrize("build, match", [
    (lambda: Criterion("x", "X", 5), "required level 5 is not on its scale"),
    (lambda: Criterion("x", "X", 2, levels=(Level(2, "b"), Level(1, "a"))), "ordered low to high"),
    (lambda: Criterion("x", "X", 1, levels=(Level(1, "a"), Level(1, "b"))), "ordered low to high"),
    (lambda: Criterion("x", "X", 1, levels=()), "no levels"),
    (lambda: Criterion("a b", "X", 1), "path segment"),
    (lambda: Criterion("total", "Total", 1), "reserved"),
    (lambda: Criterion("x", "", 1), "needs a name"),
    (lambda: Rubric(id="r", name="r", criteria=()), "no criteria"),
    (lambda: Rubric(id="r", name="r", criteria=(Criterion("a", "A", 1), Criterion("a", "B", 1))), "repeat"),
    (lambda: Rubric(id="r", name="r", criteria=(Criterion("a", "A", 1),), total_required=5), "outside 1..4"),
])
def test_inconsistent_rubrics(build, match):
    with pytest.raises(RubricError, match=match):
        build()


def test_result_descriptions():
    rds = rubrics.to_result_descriptions(RUBRIC, base_id=BASE)
    assert len(rds) == 4
    first = rds[0]
    assert first["id"] == f"{BASE}/rubric/evidence"
    assert first["type"] == ["ResultDescription"]
    assert first["resultType"] == "RubricCriterionLevel"
    levels = first["rubricCriterionLevel"]
    assert [lv["id"] for lv in levels] == [f"{BASE}/rubric/evidence/levels/{n}" for n in (1, 2, 3, 4)]
    assert [(lv["name"], lv["level"], lv["points"]) for lv in levels] == [
        ("Beginning", "1", "1"), ("Developing", "2", "2"), ("Proficient", "3", "3"), ("Exceeds", "4", "4")]
    assert first["requiredLevel"] == f"{BASE}/rubric/evidence/levels/3"
    assert rds[2]["requiredLevel"] == f"{BASE}/rubric/communication/levels/2"
    total = rds[3]
    assert total == {"id": f"{BASE}/rubric/total", "type": ["ResultDescription"], "name": "Total",
                     "resultType": "RubricScore", "valueMin": "3", "valueMax": "12", "requiredValue": "9"}
    for rd in rds:  # each is a valid model object
        assert ResultDescription.from_jsonld(rd).to_jsonld() == rd
    # deterministic: same rubric, same documents
    assert rubrics.to_result_descriptions(RUBRIC, base_id=BASE + "/") == rds


def test_no_total_no_score_description():
    r = Rubric(id="r", name="r", criteria=(Criterion("a", "A", 2),))
    assert [rd["resultType"] for rd in rubrics.to_result_descriptions(r, base_id=BASE)] == ["RubricCriterionLevel"]
    assert len(rubrics.to_results(r, {"a": 2}, base_id=BASE)) == 1


def test_results():
    results = rubrics.to_results(RUBRIC, GOOD, base_id=BASE)
    assert results[0] == {"type": ["Result"], "resultDescription": f"{BASE}/rubric/evidence",
                          "achievedLevel": f"{BASE}/rubric/evidence/levels/3"}
    assert results[1]["achievedLevel"] == f"{BASE}/rubric/analysis/levels/4"
    assert results[3] == {"type": ["Result"], "resultDescription": f"{BASE}/rubric/total", "value": "9"}
    for r in results:
        Result.from_jsonld(r)
    with pytest.raises(RubricError):
        rubrics.to_results(RUBRIC, {**GOOD, "evidence": 7}, base_id=BASE)


def test_base_id_must_be_absolute():
    with pytest.raises(RubricError, match="absolute URI"):
        rubrics.to_result_descriptions(RUBRIC, base_id="achievements/42")


def test_custom_scale():
    scale = (Level(0, "Not yet"), Level(1, "Met", "Meets the standard"), Level(2, "Exceeded"))
    r = Rubric(id="r", name="r", criteria=(Criterion("lab", "Lab safety", 1, levels=scale),))
    rd = rubrics.to_result_descriptions(r, base_id=BASE)[0]
    assert rd["rubricCriterionLevel"][1]["description"] == "Meets the standard"
    assert rd["requiredLevel"].endswith("/levels/1")
    assert not rubrics.score(r, {"lab": 0}).meets


def test_storage_round_trip():
    stored = rubrics.rubric_to_dict(RUBRIC)
    assert stored["criteria"][1]["description"] == "Interprets data"
    assert rubrics.rubric_from_dict(stored) == RUBRIC
    # levels left out → default scale
    minimal = {"id": "r", "name": "r", "criteria": [{"id": "a", "name": "A", "requiredLevel": 3, "levels": []}]}
    assert rubrics.rubric_from_dict(minimal).criteria[0].levels == DEFAULT_SCALE


@pytest.mark.parametrize("stored", [
    {"id": "r", "name": "r"},
    {"id": "r", "name": "r", "criteria": [{"id": "a", "name": "A"}]},
    {"id": "r", "name": "r", "criteria": [{"id": "a", "name": "A", "requiredLevel": 3,
                                           "levels": [{"value": "x", "name": "X"}]}]},
    {"id": "r", "name": "r", "criteria": "abc"},
    {"id": "r", "name": "r", "criteria": [{"id": None, "name": "A", "requiredLevel": 3}]},
    {"id": "r", "name": "r", "criteria": [{"id": "a", "name": 5, "requiredLevel": 3}]},
    {"id": "r", "name": "r", "totalRequired": "9", "criteria": [{"id": "a", "name": "A", "requiredLevel": 3}]},
])
def test_malformed_storage(stored):
    with pytest.raises(RubricError):
        rubrics.rubric_from_dict(stored)
