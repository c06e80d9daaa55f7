"""Endorsements at the service level (issuer.endorsements): the school, a teacher and a partner
organisation endorse; each signs as itself, the document is stored as signed and is schema-valid;
new badges of an endorsed achievement embed the endorsements. Each good case has its bad twin."""
from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from badges import schema
from badges.signing import DidKeyResolver, verify_proof
from tests.issuer.learning_support import make_achievement

pytestmark = pytest.mark.anyio
MET = {"analysis": 3, "communication": 3}


async def mentor_token(people, platform, a, partner="River Lab"):
    from issuer.evidence import elos

    elo = await elos.propose(platform, people["student"], achievement_uuid=str(a.uuid), partner_org=partner,
                             mentor_name="Dr. Rivera", mentor_email="rivera@riverlab.example", goals="Sampling",
                             competencies=[], hours=40, start_date=date(2025, 9, 1), end_date=date(2025, 12, 1))
    out = await elos.decide_plan(platform, people["teacher"], str(elo.uuid), approve=True)
    return out.mentor_link.rsplit("/", 1)[-1]


async def award(people, platform, a):
    import msgspec

    from issuer.credentials import repo as credentials_repo
    from issuer.evidence import review
    from issuer.evidence import service as evidence
    from issuer.evidence.schemas import ReviewIn

    sub = await evidence.submit(platform, people["student"], achievement_uuid=str(a.uuid), narrative="work",
                                urls=[], files=[])
    out = msgspec.to_builtins(await review.record_review(platform, people["teacher"], str(sub.uuid),
                                                         ReviewIn(ratings=MET)))
    assert out["status"] == "awarded", out
    return await credentials_repo.get_credential(out["credential"]["uuid"])


async def test_school_teacher_and_partner_each_sign_as_themselves(people, platform):
    from issuer.endorsements import service

    a = await make_achievement(people, platform)
    ref = f"achievement:{a.uuid}"
    by_school = await service.endorse(platform, people["admin"], ref=ref, comment="  Rigorous and fair.  ")
    by_teacher = await service.endorse(platform, people["teacher"], ref=ref, comment="I assess it every term.")
    token = await mentor_token(people, platform, a)
    by_partner = await service.endorse_as_partner(platform, token, achievement=str(a.uuid),
                                                  comment="Our lab relies on these skills.")
    docs = [json.loads(r.document) for r in (by_school, by_teacher, by_partner)]
    subject = f"{platform.settings.base_url}/achievements/{a.uuid}"
    for row, doc in zip((by_school, by_teacher, by_partner), docs, strict=True):
        assert doc["type"] == ["VerifiableCredential", "EndorsementCredential"]
        assert doc["credentialSubject"] == {"id": subject, "type": ["EndorsementSubject"],
                                            "endorsementComment": row.comment}
        assert doc["id"] == f"{platform.settings.base_url}/endorsements/{row.uuid}"
        schema.validate(doc, "endorsement")
        assert doc["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
    assert docs[0]["issuer"]["id"] == "did:web:127.0.0.1%3A8000:issuers:north"
    assert docs[0]["issuer"]["name"] == "North High School" and by_school.comment == "Rigorous and fair."
    assert docs[1]["issuer"]["id"].startswith("did:key:z6Mk")
    assert docs[1]["issuer"]["name"].endswith(", teacher at North High School")
    assert docs[2]["issuer"]["id"].startswith("did:key:z6Mk") and docs[2]["issuer"]["name"] == "River Lab"
    for doc in docs[1:]:  # the platform-held keys verify as the endorser's did:key
        assert verify_proof(doc, resolver=DidKeyResolver(), now=platform.clock.now()).verified
    tampered = dict(docs[2], credentialSubject={**docs[2]["credentialSubject"], "endorsementComment": "Meh."})
    assert not verify_proof(tampered, resolver=DidKeyResolver(), now=platform.clock.now()).verified
    # stored byte for byte as signed
    assert (await service.stored(str(by_partner.uuid))).document == by_partner.document
    listed = await service.for_subjects(platform, [subject])
    assert [v.endorser_kind for v in listed] == ["school", "teacher", "partner"]


async def test_one_endorsement_per_endorser_and_thing(people, platform):
    from issuer.endorsements import service
    from issuer.errors import Conflict

    a = await make_achievement(people, platform)
    ref = f"achievement:{a.uuid}"
    first = await service.endorse(platform, people["admin"], ref=ref, comment="Good.")
    with pytest.raises(Conflict):
        await service.endorse(platform, people["admin"], ref=ref, comment="Again.")
    token = await mentor_token(people, platform, a, partner="River  Lab")
    await service.endorse_as_partner(platform, token, achievement=str(a.uuid), comment="Yes.")
    token2 = await mentor_token(people, platform, a, partner="river lab")  # the same organisation
    with pytest.raises(Conflict):
        await service.endorse_as_partner(platform, token2, achievement=str(a.uuid), comment="Yes again.")
    await service.withdraw(platform, people["admin"], str(first.uuid))
    assert await service.for_subjects(platform, [f"{platform.settings.base_url}/achievements/{a.uuid}"])
    again = await service.endorse(platform, people["admin"], ref=ref, comment="Still good.")
    assert again.uuid != first.uuid


async def test_refusals(people, platform):
    from issuer.endorsements import service
    from issuer.errors import BadRequest, Forbidden, LinkExpired, NotFound

    a = await make_achievement(people, platform)
    ref = f"achievement:{a.uuid}"
    with pytest.raises(Forbidden):
        await service.endorse(platform, people["student"], ref=ref, comment="Mine!")
    with pytest.raises(NotFound):  # another school's achievement is not visible
        await service.endorse(platform, people["south_teacher"], ref=ref, comment="Nice.")
    with pytest.raises(NotFound):
        await service.endorse(platform, people["admin"], ref="achievement:00000000-0000-4000-8000-000000000000",
                              comment="Nice.")
    with pytest.raises(BadRequest):
        await service.endorse(platform, people["admin"], ref=ref, comment="   ")
    with pytest.raises(BadRequest):
        await service.endorse(platform, people["admin"], ref=ref, comment="x" * 2001)
    with pytest.raises(BadRequest):  # a school does not endorse itself
        await service.endorse(platform, people["admin"], ref="issuer:school:north", comment="We are great.")
    from issuer.catalog import achievements
    from issuer.catalog.schemas import AchievementIn
    from tests.issuer.learning_support import RUBRIC

    other = await achievements.create_achievement(platform, people["teacher"], AchievementIn(
        name="Field Notes", description="Keeps field notes", rubric=RUBRIC, alignments=[]))
    token = await mentor_token(people, platform, a)
    with pytest.raises(NotFound):  # this link is about another ELO's achievement
        await service.endorse_as_partner(platform, token, achievement=str(other.uuid), comment="Yes.")
    with pytest.raises(LinkExpired):
        await service.endorse_as_partner(platform, "x" * 43, achievement=str(a.uuid), comment="Yes.")
    later = platform.replace(clock=type(platform.clock)(platform.clock.now() + timedelta(days=31)))
    with pytest.raises(LinkExpired):  # expired
        await service.endorse_as_partner(later, token, achievement=str(a.uuid), comment="Yes.")
    assert await service.for_subjects(platform, [f"{platform.settings.base_url}/achievements/{a.uuid}"]) == []


async def test_new_badges_embed_the_endorsements_and_old_ones_stay(people, platform):
    from issuer.endorsements import service

    a = await make_achievement(people, platform)
    before = await award(people, platform, a)
    assert "endorsement" not in json.loads(before.document)["credentialSubject"]["achievement"]
    e = await service.endorse(platform, people["admin"], ref=f"achievement:{a.uuid}", comment="Rigorous.")
    student2 = {**people, "student": people["student2"]}
    after = await award(student2, platform, a)
    embedded = json.loads(after.document)["credentialSubject"]["achievement"]["endorsement"]
    assert embedded == [json.loads(e.document)]
    assert json.loads(before.document) == json.loads((await _reread(before.uuid)).document)


async def _reread(c_uuid):
    from issuer.credentials import repo as credentials_repo

    return await credentials_repo.get_credential(str(c_uuid))


async def test_each_endorsement_is_revocable_on_a_list_of_its_issuer(people, platform):
    """The school's endorsement takes an entry of the school's revocation list, a teacher's one of
    the teacher's own list (signed by the teacher's key, same issuer id); withdrawing sets exactly
    that bit. Bad twins: an index a list never handed out is refused and flips nothing; an
    endorsement made before status entries existed is withdrawn without touching any list."""
    from badges.status import BitstringStatusList
    from issuer.credentials import repo as credentials_repo
    from issuer.credentials import status as credential_status
    from issuer.db.tables import Endorsement
    from issuer.endorsements import repo, service
    from issuer.endorsements import status as endorser_status
    from issuer.errors import Conflict

    a = await make_achievement(people, platform)
    b = await make_achievement(people, platform)
    school = await service.endorse(platform, people["admin"], ref=f"achievement:{a.uuid}", comment="Rigorous.")
    first = await service.endorse(platform, people["teacher"], ref=f"achievement:{a.uuid}", comment="I teach it.")
    second = await service.endorse(platform, people["teacher"], ref=f"achievement:{b.uuid}", comment="This too.")
    assert school.status_list is not None and school.status_index is not None
    assert (first.status_list, first.status_index, second.status_index) == (None, 0, 1)
    teacher = await repo.endorser_by_id(first.endorser)
    listed = json.loads(teacher.status_document)
    assert listed["issuer"]["id"] == json.loads(first.document)["issuer"]["id"]
    assert verify_proof(listed, resolver=DidKeyResolver(), now=platform.clock.now()).verified
    assert await endorser_status.list_document(str(teacher.uuid)) == teacher.status_document

    # bad twins: indexes never handed out, on either kind of list: refused, nothing re-signed
    with pytest.raises(Conflict):
        await endorser_status.revoke(platform, teacher.id, 2)
    other = next(i for i in (0, 1, 2) if i != school.status_index)
    lst = await credentials_repo.status_list_by_id(school.status_list)
    with pytest.raises(Conflict):
        await credential_status.revoke_entry(platform, list_id=school.status_list, index=other)
    assert (await credentials_repo.status_list_by_id(school.status_list)).document == lst.document
    assert (await repo.endorser_by_id(teacher.id)).status_document == teacher.status_document

    for row in (school, first):
        await service.withdraw(platform, people["admin"], str(row.uuid))
    bits = BitstringStatusList.decode((await credentials_repo.status_list_by_id(school.status_list)).encoded_list)
    assert bits.get(school.status_index)
    bits = BitstringStatusList.decode((await repo.endorser_by_id(teacher.id)).status_encoded)
    assert bits.get(0) and not bits.get(1)  # the sibling's bit stays clear

    # an endorsement from before status entries: withdrawn, no list touched, its page says copies verify
    old = await service.endorse(platform, people["admin"], ref=f"achievement:{b.uuid}", comment="Old one.")
    await Endorsement.update({Endorsement.status_list: None, Endorsement.status_index: None}).where(
        Endorsement.id == old.id)
    before = (await credentials_repo.status_list_by_id(school.status_list)).document
    gone = await service.withdraw(platform, people["admin"], str(old.uuid))
    assert gone.withdrawn_at is not None and not service.view_of(platform, gone).revocable
    assert (await credentials_repo.status_list_by_id(school.status_list)).document == before
