"""The learning half's service-level helpers shared by the issuer tests (the fixture ``people`` is in
this directory's conftest; ``platform``, the context every use case takes first, in tests/conftest.py)."""
from __future__ import annotations

from issuer.access import Principal, Role

RUBRIC = {"name": "Lab report", "criteria": [
    {"id": "analysis", "name": "Analysis", "requiredLevel": 3},
    {"id": "communication", "name": "Communication", "requiredLevel": 3}]}


def principal(user: dict, role: str) -> Principal:
    return Principal(role=Role(role), id=user["id"], school_id=user["school"], district_id=user["district"],
                     learner_id=user["id"] if role == "student" else None)


async def make_achievement(people, platform, **kw):
    """An academic framework with one competency and an achievement aligned to it (``kw``: more
    ``AchievementIn`` fields); ``platform`` is the context."""
    from issuer.catalog import achievements, frameworks
    from issuer.catalog.schemas import AchievementIn, CompetencyIn, FrameworkIn

    fw = await frameworks.create_framework(platform, people["teacher"], FrameworkIn(
        kind="academic", name="Science", competencies=[CompetencyIn(code="SCI.1", name="Plan investigations")]))
    return await achievements.create_achievement(platform, people["teacher"], AchievementIn(
        name="Lab Scientist", description="Plans and reports an investigation",
        rubric=kw.pop("rubric", RUBRIC), alignments=[fw.competencies[0].id], **kw))
