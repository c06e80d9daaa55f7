"""Multiple opportunities, prerequisite holds, blind second rating and areas kept apart
(service level; each with its good case and its bad twin)."""
from __future__ import annotations

import asyncio
import json

import pytest

from tests.issuer.learning_support import RUBRIC, make_achievement

pytestmark = pytest.mark.anyio
HIGH = {"analysis": 4, "communication": 4}
MET = {"analysis": 3, "communication": 3}


async def submit(people, platform, a, who="student", text="work"):
    from issuer.evidence import service as evidence

    return await evidence.submit(platform, people[who], achievement_uuid=str(a.uuid), narrative=text, urls=[],
                                 files=[])


async def rate(people, platform, sub, ratings, who="teacher"):
    """The review's outcome as its JSON body (camelCase keys)."""
    import msgspec

    from issuer.evidence import review
    from issuer.evidence.schemas import ReviewIn

    return msgspec.to_builtins(await review.record_review(platform, people[who], str(sub.uuid),
                                                          ReviewIn(ratings=ratings)))


async def credentials(learner_id):
    from issuer.db.tables import IssuedCredential

    return await IssuedCredential.select().where(IssuedCredential.learner == learner_id).order_by(IssuedCredential.id)


def transcript_levels(docs: list[dict]) -> dict[str, int | None]:
    from badges import transcript
    from badges.rubrics import DEFAULT_SCALE

    clr = transcript.build_clr(docs, learner={"name": "S", "identifier": docs[0]["credentialSubject"]["identifier"]},
                               issuer={"id": docs[0]["issuer"]["id"], "type": ["Profile"], "name": "North"},
                               clr_id="urn:uuid:0e6b3c1e-0000-4000-8000-000000000001",
                               issued_at=__import__("tests.support", fromlist=["NOW"]).NOW)
    view = transcript.transcript_view(clr, scale=DEFAULT_SCALE, statuses={d["id"]: "active" for d in docs})
    return {row.name: row.level.value if row.level else None for g in view.academic for row in g.competencies}


async def test_higher_level_later_earns_a_new_badge_and_the_transcript_shows_it(people, platform):
    a = await make_achievement(people, platform)
    first = await rate(people, platform, await submit(people, platform, a), MET)
    assert first["status"] == "awarded" and first["issued"]
    again = await submit(people, platform, a, text="a stronger investigation")  # was a 409
    second = await rate(people, platform, again, HIGH)
    assert second["status"] == "awarded" and second["issued"] is True
    assert second["credential"]["uuid"] != first["credential"]["uuid"]
    rows = await credentials(people["student"].id)
    assert len(rows) == 2 and all(r["revoked_at"] is None for r in rows)  # the first badge stays valid
    docs = [json.loads(r["document"]) for r in rows]
    assert [d["credentialSubject"]["result"][0]["achievedLevel"].rsplit("/", 1)[-1] for d in docs] == ["3", "4"]
    assert transcript_levels(docs) == {"Plan investigations": 4}


async def test_same_or_lower_level_issues_nothing_and_says_so(people, platform):
    from issuer.evidence import repo as evidence_repo

    a = await make_achievement(people, platform)
    first = await rate(people, platform, await submit(people, platform, a), HIGH)
    for ratings in (HIGH, MET):
        sub = await submit(people, platform, a)
        out = await rate(people, platform, sub, ratings)
        assert out["status"] == "already_held" and out["issued"] is False and out["credential"] is None
        assert out["heldCredential"]["uuid"] == first["credential"]["uuid"]
        assert "no new badge" in out["message"]
        assert (await evidence_repo.get_submission(sub.uuid)).status == "already_held"
    assert len(await credentials(people["student"].id)) == 1


async def test_a_revoked_badge_is_not_held(people, platform, seed):
    from issuer.credentials import repo as credentials_repo
    from issuer.credentials import status

    a = await make_achievement(people, platform)
    first = await rate(people, platform, await submit(people, platform, a), MET)
    row = await credentials_repo.get_credential(first["credential"]["uuid"])
    await status.revoke(platform, row.id, reason="not their own", actor_id=people["admin"].id)
    out = await rate(people, platform, await submit(people, platform, a), MET)
    assert out["status"] == "awarded" and out["issued"] is True


async def elo_submission(people, platform, a):
    from datetime import date

    from issuer.evidence import elos

    elo = await elos.propose(platform, people["student"], achievement_uuid=str(a.uuid), partner_org="River Lab",
                             mentor_name="Dr. Rivera", mentor_email="rivera@riverlab.example", goals="Sampling",
                             competencies=[], hours=40, start_date=date(2025, 9, 1), end_date=date(2025, 12, 1))
    out = await elos.decide_plan(platform, people["teacher"], str(elo.uuid), approve=True)
    token = out.mentor_link.rsplit("/", 1)[-1]
    attested = await elos.attest(platform, token, statement="Careful work", hours=38, confirm=True)
    return attested.submission


async def test_elo_toward_a_held_badge(people, platform):
    a = await make_achievement(people, platform)
    first = await rate(people, platform, await submit(people, platform, a), MET)
    # bad twin: the ELO shows the same level: recorded as already held, not shown as "awarded"
    same = await rate(people, platform, await elo_submission(people, platform, a), MET)
    assert same["status"] == "already_held" and same["credential"] is None
    assert same["heldCredential"]["uuid"] == first["credential"]["uuid"]
    # good case: the ELO shows a higher level: a new badge with the partner and the new results
    higher = await rate(people, platform, await elo_submission(people, platform, a), HIGH)
    assert higher["status"] == "awarded" and higher["issued"] is True
    assert higher["credential"]["uuid"] != first["credential"]["uuid"]
    docs = [json.loads(r["document"]) for r in await credentials(people["student"].id)]
    assert len(docs) == 2 and docs[1]["credentialSubject"]["source"]["name"] == "River Lab"


async def test_concurrent_reviews_of_one_redemonstration_issue_once(people, platform):
    from issuer.db.tables import Award

    a = await make_achievement(people, platform)
    await rate(people, platform, await submit(people, platform, a), MET)
    sub = await submit(people, platform, a)
    results = await asyncio.gather(rate(people, platform, sub, HIGH, "teacher"),
                                   rate(people, platform, sub, HIGH, "admin"))
    assert sorted(r["issued"] for r in results) == [False, True]
    assert len({r["credential"]["uuid"] for r in results}) == 1
    assert len(await credentials(people["student"].id)) == 2 and await Award.count() == 2


async def test_concurrent_higher_demonstrations_take_turns(people, platform):
    """Two different pieces of work at the same higher level, reviewed at once: the first is
    recognised, the second is then not higher than what is held (no duplicate, no 500)."""
    from issuer.db.tables import Award

    a = await make_achievement(people, platform)
    await rate(people, platform, await submit(people, platform, a), MET)
    one, two = await submit(people, platform, a), await submit(people, platform, a)
    results = await asyncio.gather(rate(people, platform, one, HIGH, "teacher"),
                                   rate(people, platform, two, HIGH, "admin"))
    assert sorted(r["status"] for r in results) == ["already_held", "awarded"]
    rows = await Award.select(Award.opportunity).order_by(Award.opportunity)
    assert [r["opportunity"] for r in rows] == [1, 2]


# --- prerequisites -----------------------------------------------------------------------------

async def test_work_held_for_a_prerequisite_is_released_when_it_is_earned(people, platform):
    from issuer.catalog import achievements
    from issuer.catalog.schemas import AchievementIn
    from issuer.evidence import service as evidence

    basic = await make_achievement(people, platform)
    other = await make_achievement(people, platform)
    advanced = await achievements.create_achievement(platform, people["teacher"], AchievementIn(
        name="Advanced", description="Needs the basics", rubric=RUBRIC,
        prerequisites=[str(basic.uuid), str(other.uuid)]))
    held = await submit(people, platform, advanced)
    out = await rate(people, platform, held, MET)
    assert out["status"] == "prerequisites" and out["credential"] is None

    def queued():
        return evidence.review_queue(platform, people["teacher"])

    assert held.uuid not in {s.uuid for s in await queued()}
    # bad twin: one of two prerequisites earned: still held
    await rate(people, platform, await submit(people, platform, basic), MET)
    assert held.uuid not in {s.uuid for s in await queued()}
    # good case: the last prerequisite earned: back in the queue, and the same teacher may rate it
    await rate(people, platform, await submit(people, platform, other), MET)
    assert held.uuid in {s.uuid for s in await queued()}
    again = await rate(people, platform, held, MET)
    assert again["status"] == "awarded" and again["issued"] is True


# --- blind second rating -----------------------------------------------------------------------

async def test_second_rater_does_not_see_the_first_rating_until_both_rated(people, platform):
    from issuer.evidence import service as evidence

    a = await make_achievement(people, platform, second_rater=True)
    sub = await submit(people, platform, a)
    first = await rate(people, platform, sub, MET, "teacher")
    assert first["status"] == "needs_second"
    seen = await evidence.get_submission(platform, people["admin"], str(sub.uuid))
    assert seen.reviews == [] and seen.blind is True
    own = await evidence.get_submission(platform, people["teacher"], str(sub.uuid))
    assert len(own.reviews) == 1 and own.blind is False  # the first rater sees their own
    await rate(people, platform, sub, MET, "admin")
    both = await evidence.get_submission(platform, people["admin"], str(sub.uuid))
    assert len(both.reviews) == 2 and both.blind is False


# --- areas -------------------------------------------------------------------------------------

async def test_academic_achievement_cannot_align_habits_of_work(people, platform):
    from issuer.catalog import achievements, frameworks
    from issuer.catalog.schemas import AchievementIn, CompetencyIn, FrameworkIn
    from issuer.errors import InvalidInput

    acad = await frameworks.create_framework(platform, people["teacher"], FrameworkIn(
        kind="academic", name="Math", competencies=[CompetencyIn(code="M.1", name="Linear equations")]))
    habits = await frameworks.create_framework(platform, people["teacher"], FrameworkIn(
        kind="habits", name="Habits", competencies=[CompetencyIn(code="H.1", name="Collaboration")]))
    ids = [acad.competencies[0].id, habits.competencies[0].id]

    async def create(area, alignments):
        return await achievements.create_achievement(platform, people["teacher"], AchievementIn(
            name="X", description="X", rubric=RUBRIC, alignments=alignments, area=area))

    for area in ("academic", "habits", None):
        with pytest.raises(InvalidInput) as err:
            await create(area, ids)
        assert err.value.status_code == 422 and "cannot align" in err.value.message
    assert (await create("academic", ids[:1])).area == "academic"
    assert (await create("habits", ids[1:])).area == "habits"
    assert (await create("elo", ids)).area == "elo"  # extended learning may evidence both


async def test_transcript_lists_a_legacy_habits_alignment_under_habits(people, platform):
    """A badge class made before academic and habits were kept apart (its alignments are
    edited in below, as such a row would be stored): its badges name the habits competency
    with an ``area:habits:<url>`` tag and the transcript lists it under habits of work."""
    import copy

    from badges import transcript
    from badges.rubrics import DEFAULT_SCALE
    from issuer.catalog import frameworks
    from issuer.catalog import repo as catalog_repo
    from issuer.catalog.schemas import CompetencyIn, FrameworkIn

    a = await make_achievement(people, platform)
    habits = await frameworks.create_framework(platform, people["teacher"], FrameworkIn(
        kind="habits", name="Habits", competencies=[CompetencyIn(code="H.1", name="Collaboration")]))
    await catalog_repo.update_achievement(a.id, alignments=a.alignments + [habits.competencies[0].id])
    a = await catalog_repo.get_achievement(a.uuid)
    await rate(people, platform, await submit(people, platform, a), MET)
    doc = json.loads((await credentials(people["student"].id))[0]["document"])
    tags = doc["credentialSubject"]["achievement"]["tag"]
    assert "area:academic" in tags and any(t.startswith("area:habits:http") for t in tags)

    def view(badge):
        clr = transcript.build_clr([badge], learner={"name": "S", "identifier": badge["credentialSubject"]["identifier"]},
                                   issuer={"id": badge["issuer"]["id"], "type": ["Profile"], "name": "North"},
                                   clr_id="urn:uuid:0e6b3c1e-0000-4000-8000-000000000002", issued_at=platform.clock.now())
        v = transcript.transcript_view(clr, scale=DEFAULT_SCALE, statuses={badge["id"]: "active"})
        return ([r.name for g in v.academic for r in g.competencies], [r.name for r in v.habits])

    assert view(doc) == (["Plan investigations"], ["Collaboration"])
    # bad twin: without the marker (a badge issued before it existed) the badge's area decides
    unmarked = copy.deepcopy(doc)
    unmarked["credentialSubject"]["achievement"]["tag"] = [t for t in tags if t.count(":") < 2]
    assert view(unmarked) == (["Collaboration", "Plan investigations"], [])
