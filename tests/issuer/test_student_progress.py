"""The student's read models (issue 12, ``issuer.evidence.progress``) and the self-assessment
(``issuer.evidence.self_assessment``), called as use cases with the context first."""
from __future__ import annotations

import pytest

from issuer.errors import Forbidden, InvalidInput
from issuer.evidence.self_assessment import parse_self_assessment
from tests.issuer.learning_support import make_achievement

# the database tests run on SQLite only (the read models have no PostgreSQL-specific SQL)
ON_DB = [pytest.mark.anyio, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]


def on_db(test):
    for mark in reversed(ON_DB):
        test = mark(test)
    return test

RUBRIC = {"name": "Lab report", "criteria": [
    {"id": "analysis", "name": "Analysis", "requiredLevel": 3, "levels": [
        {"value": 1, "name": "Emerging", "description": "Restates the data."},
        {"value": 2, "name": "Approaching", "description": "Reads one trend."},
        {"value": 3, "name": "Meets", "description": "Explains trends and error."}]},
    {"id": "communication", "name": "Communication", "requiredLevel": 2}]}


async def earn(platform, people, achievement, ratings, who="student"):
    from issuer.evidence import review, service
    from issuer.evidence.schemas import ReviewIn

    sub = await service.submit(platform, people[who], achievement_uuid=str(achievement.uuid), narrative="work",
                               urls=[], files=[])
    return sub, await review.record_review(platform, people["teacher"], str(sub.uuid), ReviewIn(ratings=ratings))


# ---- the self-assessment -------------------------------------------------------------------------

def test_a_self_assessment_keeps_the_levels_given_and_skips_the_blank_ones():
    out = parse_self_assessment(RUBRIC, {"analysis": "3", "communication": ""}, "  my comment ")
    assert out.ratings == {"analysis": 3} and out.comment == "my comment" and not out.empty
    assert parse_self_assessment(RUBRIC, None, None).empty


@pytest.mark.parametrize(("levels", "comment", "field"), [
    ({"analysis": "4"}, "", "self_level_analysis"),  # off this criterion's scale
    ({"analysis": "three"}, "", "self_level_analysis"),
    ({"analysis": True}, "", "self_level_analysis"),
    ({"speed": "2"}, "", "self-assessment"),  # not a criterion of the rubric
    ({}, "x" * 5001, "self_comment"),
])
def test_a_bad_self_assessment_names_its_field(levels, comment, field):
    with pytest.raises(InvalidInput) as caught:
        parse_self_assessment(RUBRIC, levels, comment)
    assert caught.value.details["field"] == field


# ---- the backpack --------------------------------------------------------------------------------

@on_db
async def test_the_backpack_groups_cards_by_area_with_the_level_reached(platform, people):
    from issuer.evidence import progress

    lab = await make_achievement(people, platform, rubric=RUBRIC, subject="Science")
    assert (await progress.backpack(platform, people["student"])).count == 0
    _, out = await earn(platform, people, lab, {"analysis": 3, "communication": 4})
    assert out.status == "awarded"
    pack = await progress.backpack(platform, people["student"])
    assert pack.count == 1 and [(g.area, g.subject) for g in pack.groups] == [("academic", "Science")]
    card = pack.groups[0].cards[0]
    assert (card.name, card.level, card.status, card.school) == ("Lab Scientist", 3, None, "North High School")
    assert [lv.name for lv in card.scale] == ["Emerging", "Approaching", "Meets"]  # the rubric's own words
    assert card.image is None and card.url == f"/badges/{card.uuid}"
    # another student's backpack is their own (empty); staff have none
    assert (await progress.backpack(platform, people["student2"])).count == 0
    with pytest.raises(Forbidden):
        await progress.backpack(platform, people["teacher"])


def test_the_default_scale_is_left_to_the_page_to_word():
    from issuer.evidence.progress import criteria_for_grid, levels_of, scale_of

    assert scale_of(levels_of({"levels": []})) is None
    grid = criteria_for_grid(RUBRIC)
    assert grid[0]["levels"][2] == {"value": 3, "name": "Meets", "description": "Explains trends and error."}
    assert grid[1]["levels"] == [] and grid[1]["requiredLevel"] == 2


# ---- progress ------------------------------------------------------------------------------------

@on_db
async def test_progress_reads_the_rating_in_the_rubrics_words_and_the_map_follows_the_award(platform, people):
    from issuer.evidence import progress, service

    lab = await make_achievement(people, platform, rubric=RUBRIC)
    sub, out = await earn(platform, people, lab, {"analysis": 2, "communication": 2})
    assert out.status == "revise"
    p = await progress.progress(platform, people["student"])
    [item] = p.in_progress
    assert item.status == "revise" and item.rated_version == 1 and item.met == 1
    analysis = item.criteria[0]
    assert (analysis.required.name, analysis.achieved.name, analysis.met) == ("Meets", "Approaching", False)
    assert analysis.achieved.description == "Reads one trend." and analysis.required.description
    [group] = p.map
    [row] = group.competencies
    assert (row.reached, row.required, row.evidence_url) == (None, 2, None)  # the lowest required level
    assert p.open == [] and p.waiting == []  # the only achievement is in progress

    await service.revise(platform, people["student"], str(sub.uuid), narrative="better", urls=[], files=[],
                         self_ratings={"analysis": "3"}, self_comment="I explained the error")
    from issuer.evidence import review
    from issuer.evidence.schemas import ReviewIn

    out = await review.record_review(platform, people["teacher"], str(sub.uuid),
                                     ReviewIn(ratings={"analysis": 3, "communication": 4}))
    assert out.status == "awarded"
    p = await progress.progress(platform, people["student"])
    assert p.in_progress == []
    [row] = p.map[0].competencies
    assert row.reached == 3 and row.evidence_url == f"/badges/{out.credential.uuid}"
    assert p.map[0].met == 1 and p.map[0].rated == 1
    # the other student's map is untouched
    other = await progress.progress(platform, people["student2"])
    assert other.map[0].competencies[0].reached is None and [n.name for n in other.open] == ["Lab Scientist"]


@on_db
async def test_what_is_next_names_the_missing_prerequisite(platform, people):
    from issuer.catalog import achievements
    from issuer.catalog.schemas import AchievementIn
    from issuer.evidence import progress

    lab = await make_achievement(people, platform, rubric=RUBRIC)
    advanced = await achievements.create_achievement(platform, people["teacher"], AchievementIn(
        name="Advanced Lab", description="More", rubric=RUBRIC, prerequisites=[str(lab.uuid)]))
    p = await progress.progress(platform, people["student"])
    assert [n.name for n in p.open] == ["Lab Scientist"]
    assert [(n.name, n.missing) for n in p.waiting] == [("Advanced Lab", ["Lab Scientist"])]
    await earn(platform, people, lab, {"analysis": 3, "communication": 2})
    p = await progress.progress(platform, people["student"])
    assert [n.uuid for n in p.open] == [advanced.uuid] and p.waiting == []


@on_db
async def test_feedback_of_a_submission_is_in_the_rubrics_words(platform, people):
    from issuer.evidence import progress, service

    lab = await make_achievement(people, platform, rubric=RUBRIC)
    sub = await service.submit(platform, people["student"], achievement_uuid=str(lab.uuid), narrative="work", urls=[],
                               files=[], self_ratings={"communication": 3}, self_comment="proud of it")
    from issuer.evidence import review
    from issuer.evidence.schemas import ReviewIn

    await review.record_review(platform, people["teacher"], str(sub.uuid),
                               ReviewIn(ratings={"analysis": 1, "communication": 3}, feedback="Read the data"))
    detail = await service.get_submission(platform, people["student"], str(sub.uuid))
    words = progress.feedback_of(detail)
    assert words.achieved == {"analysis": 1, "communication": 3}
    [r] = words.reviews
    assert [(c.name, c.level.name if c.level else None, c.met) for c in r.criteria] == [
        ("Analysis", "Emerging", False), ("Communication", "Proficient", True)]
    assert r.criteria[0].level.description == "Restates the data." and r.feedback == "Read the data"
    own = words.self_assessments[1]
    assert [(c.name, c.value) for c in own.criteria] == [("Communication", 3)] and own.comment == "proud of it"
