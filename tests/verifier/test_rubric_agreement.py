"""One rubric reader (``badges.rubric_reader``): the issuer's recheck, the report's rubric check, the
verifier page and the transcript read a badge's rubric the same way, on a table of cases.

And a mismatch is information, not a verdict: a validly signed badge whose results do not meet
its own rubric (a letter-grade list written highest first) still verifies, with a warning; a
badge with no rubric at all skips the check.
"""
from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from badges import award
from badges.rubric_reader import read_credential
from badges.rubrics import DEFAULT_SCALE
from badges.transcript import transcript_view
from badges.verification import verify_credential
from badges.verification_checks import check_rubric
from tests.support import NOW
from verifier.fetch import OfflineBundle, resolver_chain
from verifier.view import badge_view, report_view

ACH = "https://school.example/achievements/7"
CHECKED = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)


def levels(crit: str, names=("Beginning", "Developing", "Proficient", "Exceeds")) -> list[dict]:
    return [{"id": f"{ACH}/{crit}/levels/{n}", "type": ["RubricCriterionLevel"], "name": name, "level": str(n),
             "points": str(n)} for n, name in enumerate(names, 1)]


def level_rd(crit: str, required: int, name: str = "Inquiry") -> dict:
    return {"id": f"{ACH}/{crit}", "type": ["ResultDescription"], "name": name, "resultType": "RubricCriterionLevel",
            "rubricCriterionLevel": levels(crit), "requiredLevel": f"{ACH}/{crit}/levels/{required}"}


def level_result(crit: str, achieved: int, *, linked: bool = True) -> dict:
    result = {"type": ["Result"], "achievedLevel": f"{ACH}/{crit}/levels/{achieved}"}
    if linked:
        result["resultDescription"] = f"{ACH}/{crit}"
    return result


def grade_rd(allowed: list[str]) -> dict:
    return {"id": f"{ACH}/grade", "type": ["ResultDescription"], "name": "Final grade", "resultType": "LetterGrade",
            "allowedValue": allowed, "requiredValue": "C"}


def value_result(rd: str, value: str) -> dict:
    return {"type": ["Result"], "resultDescription": f"{ACH}/{rd}", "value": value}


PERCENT_RD = {"id": f"{ACH}/score", "type": ["ResultDescription"], "name": "Exam score", "resultType": "Percent",
              "valueMin": "0", "valueMax": "100", "requiredValue": "70"}
LOW_TO_HIGH = ["F", "D", "C", "B", "A"]
HIGH_TO_LOW = ["A", "B", "C", "D", "F"]

# name → (resultDescriptions, results, expected met per judged criterion, expected verdict)
CASES = {
    "numeric levels met": ([level_rd("q", 3)], [level_result("q", 4)], [True], "met"),
    "numeric levels below": ([level_rd("q", 3)], [level_result("q", 2)], [False], "not-met"),
    "rubric level by id only": ([level_rd("q", 3)], [level_result("q", 3, linked=False)], [True], "met"),
    "rubric level by id only, below": ([level_rd("q", 3)], [level_result("q", 1, linked=False)], [False], "not-met"),
    "letter grades low to high": ([grade_rd(LOW_TO_HIGH)], [value_result("grade", "A")], [True], "met"),
    "letter grades high to low": ([grade_rd(HIGH_TO_LOW)], [value_result("grade", "A")], [False], "not-met"),
    "percent met": ([PERCENT_RD], [value_result("score", "85")], [True], "met"),
    "percent below": ([PERCENT_RD], [value_result("score", "60")], [False], "not-met"),
    "missing result": ([level_rd("q", 3), level_rd("r", 2, "Reasoning")], [level_result("q", 3)], [True, None],
                       "unknown"),
    "no rubric": ([], [], [], "none"),
}
CHECK_OUTCOME = {"met": "pass", "not-met": "warn", "unknown": "warn", "none": "skip"}


def credential(world, descriptions: list[dict], results: list[dict]) -> dict:
    """The World's badge with this rubric and these results, signed by its issuer."""
    doc = world.unsigned_badge()
    subject = doc["credentialSubject"]
    subject["achievement"]["resultDescription"] = copy.deepcopy(descriptions)
    subject["result"] = copy.deepcopy(results)
    if not descriptions:
        del subject["achievement"]["resultDescription"]
    if not results:
        del subject["result"]
    return world.sign(doc)


def verify(world, doc):
    keys = OfflineBundle(documents=world.did_documents.values())
    return verify_credential(doc, now=NOW, resolver=resolver_chain(bundle=keys, fetcher=None),
                             fetch_document=lambda url: world.status_lists[url])


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_four_readers_agree(world, name):
    descriptions, results, expected, verdict = CASES[name]
    doc = credential(world, descriptions, results)
    reading = read_credential(doc)
    assert [c.met for c in reading.judged] == expected and reading.verdict == verdict

    # 1. the issuer's recheck (awarded only when every criterion is known to be met)
    decision = award.recheck(doc)
    assert [r.met for r in decision.reasons] == expected
    assert decision.awarded is (verdict in ("met", "none"))

    # 2. the verification report's rubric check: information, never a failure
    check = check_rubric(doc)
    assert check.outcome == CHECK_OUTCOME[verdict]
    assert [c["met"] for c in check.details.get("criteria", [])] == expected
    report = verify(world, doc)
    assert report.verified is True, [c.to_dict() for c in report.checks if c.outcome == "fail"]
    assert report.check("rubric").outcome == CHECK_OUTCOME[verdict]

    # 3. the verifier page shows the same "met" per criterion
    assert [row.met for row in badge_view(report, CHECKED).rubric] == expected

    # 4. the transcript reaches the level the reader says was achieved (level criteria)
    view = transcript_view(world.clr([doc]), scale=DEFAULT_SCALE, statuses={doc["id"]: "active"}, now=NOW)
    reached = [int(c.achieved_level["points"]) for c in reading.criteria if c.achieved_level is not None]
    assert [b.level for b in view.badges] == [min(reached) if reached else None]


def test_letter_grades_highest_first_is_a_plain_warning_and_still_verified(world):
    """The reported case: allowedValue A..F (highest first), required C, result A."""
    doc = credential(world, [grade_rd(HIGH_TO_LOW)], [value_result("grade", "A")])
    report = verify(world, doc)
    check = report.check("rubric")
    assert report.verified is True and check.outcome == "warn"
    assert "do not appear to meet the rubric's required level" in check.message
    assert "the issuer may list grades highest first" in check.message
    page = report_view(report, checked_at=CHECKED)
    assert page.verified and page.headline.endswith("is genuine and valid")
    # good twin: the same grade on a list written low to high passes the check
    good = verify(world, credential(world, [grade_rd(LOW_TO_HIGH)], [value_result("grade", "A")]))
    assert good.verified and good.check("rubric").outcome == "pass"


def test_a_badge_without_a_rubric_skips_the_check_and_a_tampered_one_still_fails(world):
    doc = credential(world, [], [])
    report = verify(world, doc)
    assert report.verified and report.check("rubric").outcome == "skip"
    assert "no rubric" in report.check("rubric").message
    tampered = copy.deepcopy(doc)
    tampered["credentialSubject"]["achievement"]["name"] = "Something else"
    assert not verify(world, tampered).verified  # the rubric leniency never touches the signature


def test_an_unreadable_rubric_is_a_warning_not_a_failure(world):
    doc = credential(world, [dict(level_rd("q", 3), requiredLevel=["https://school.example/a", "https://school.example/b"])], [level_result("q", 3)])
    report = verify(world, doc)
    # the schema check fails such a badge (requiredLevel must be one IRI); the rubric check only warns
    assert [c.id.value for c in report.failures] == ["schema"]
    assert report.check("rubric").outcome == "warn"
    assert "could not be read" in report.check("rubric").message
    # the issuer, though, never signs what it cannot read
    from badges.errors import RubricError
    with pytest.raises(RubricError):
        award.recheck(doc)
