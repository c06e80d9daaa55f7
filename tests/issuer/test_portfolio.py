"""The student's portfolio and My data, at the service level (issuer.portfolio): pieces chosen
from the student's own badges and evidence, reflections, public switches, revocable share links,
and the archive read back. Each good case has its bad twin (another student's piece, a withdrawn
or unknown link, another student's data)."""
from __future__ import annotations

import io
import json
import zipfile

import pytest

from tests.issuer.learning_support import make_achievement

pytestmark = pytest.mark.anyio


async def _earned(people, platform, who="student", narrative="My lab report"):
    """A badge for ``who`` from a submission with a narrative, a link and a file; (submission, badge uuid)."""
    from issuer.evidence import review
    from issuer.evidence import service as evidence
    from issuer.evidence.schemas import ReviewIn

    a = await make_achievement(people, platform)
    sub = await evidence.submit(platform, people[who], achievement_uuid=str(a.uuid), narrative=narrative,
                                urls=["https://example.org/report"], files=[("graph.txt", b"time,temp\n1,20\n")])
    out = await review.record_review(platform, people["teacher"], str(sub.uuid),
                                     ReviewIn(ratings={"analysis": 3, "communication": 4}, feedback="Good"))
    assert out.status == "awarded"
    return sub, str(out.credential.uuid)


async def test_a_student_chooses_pieces_reflects_and_shares_only_the_public_ones(people, platform):
    from issuer.portfolio import service, shares

    student = people["student"]
    sub, badge = await _earned(people, platform)
    view = await service.view(platform, student)
    assert view.portfolio is None and view.chosen == [] and view.shares == []
    assert [p.source for p in view.badges] == [f"badge:{badge}"]
    kinds = sorted(p.kind for p in view.evidence)
    assert kinds == ["file", "link", "narrative"]

    chosen = [f"badge:{badge}", *(p.source for p in view.evidence)]
    assert await service.add_pieces(platform, student, chosen) == chosen
    assert await service.add_pieces(platform, student, chosen[:1]) == []  # already in: nothing twice
    await service.save(platform, student, title="  My science year ", reflection="I learnt to plan.")
    view = await service.view(platform, student)
    assert view.portfolio.title == "My science year" and view.portfolio.reflection == "I learnt to plan."
    assert [c.item.source for c in view.chosen] == chosen and view.badges == [] and view.evidence == []
    by_kind = {c.piece.kind: c.item for c in view.chosen}
    await service.update_piece(platform, student, by_kind["badge"].id, reflection="My first badge", public=True)
    await service.update_piece(platform, student, by_kind["file"].id, reflection="The data", public=True)
    before = [c.piece.kind for c in view.chosen]
    await service.move_piece(platform, student, by_kind["file"].id, "up")
    after = [c.piece.kind for c in (await service.view(platform, student)).chosen]
    assert after.index("file") == before.index("file") - 1 and sorted(after) == sorted(before)

    share, token = await shares.create_share(platform, student, label="State University")
    assert len(token) >= 40 and share.label == "State University" and share.revoked_at is None
    shown = await shares.public_view(platform, token)
    assert shown.title == "My science year" and shown.learner_name == "North student 0"
    assert shown.school_name == "North High School"
    assert sorted(c.piece.kind for c in shown.pieces) == ["badge", "file"]  # only the public ones
    assert {c.item.reflection for c in shown.pieces} == {"My first badge", "The data"}
    data, meta = await shares.public_file(platform, token, by_kind["file"].id)
    assert data == b"time,temp\n1,20\n" and meta.name == "graph.txt"

    # bad twins: a private piece's file, a piece that is no file, an unknown link, a withdrawn link
    from issuer.errors import LinkExpired, NotFound

    await service.update_piece(platform, student, by_kind["file"].id, reflection="", public=False)
    with pytest.raises(NotFound):
        await shares.public_file(platform, token, by_kind["file"].id)
    with pytest.raises(NotFound):
        await shares.public_file(platform, token, by_kind["badge"].id)
    with pytest.raises(NotFound):
        await shares.public_view(platform, "x" * 43)
    await shares.revoke_share(platform, student, share.id)
    with pytest.raises(LinkExpired):
        await shares.public_view(platform, token)
    with pytest.raises(LinkExpired):
        await shares.public_file(platform, token, by_kind["badge"].id)


async def test_a_revoked_badge_leaves_the_public_page_by_itself(people, platform, seed):
    from issuer.credentials import repo as credentials_repo
    from issuer.credentials import status
    from issuer.portfolio import service, shares

    student = people["student"]
    _, badge = await _earned(people, platform)
    await service.add_pieces(platform, student, [f"badge:{badge}"])
    item = (await service.view(platform, student)).chosen[0].item
    await service.update_piece(platform, student, item.id, reflection="", public=True)
    _, token = await shares.create_share(platform, student)
    assert len((await shares.public_view(platform, token)).pieces) == 1
    row = await credentials_repo.get_credential(badge)
    await status.revoke(platform, row.id, reason="test", actor_id=seed.users[("north", "school_admin", 0)]["id"])
    assert (await shares.public_view(platform, token)).pieces == []
    chosen = (await service.view(platform, student)).chosen
    assert len(chosen) == 1 and chosen[0].piece is None  # the owner still sees it, as gone


async def test_another_students_pieces_and_portfolio_are_out_of_reach(people, platform):
    from issuer.errors import Forbidden, InvalidInput, NotFound
    from issuer.portfolio import service, shares

    sub, badge = await _earned(people, platform)  # the first student's
    other = people["student2"]
    with pytest.raises(InvalidInput) as refused:
        await service.add_pieces(platform, other, [f"badge:{badge}"])
    assert refused.value.details["field"] == "pieces"
    with pytest.raises(InvalidInput):
        await service.add_pieces(platform, other, [f"narrative:{sub.uuid}:1"])
    with pytest.raises(InvalidInput):
        await service.add_pieces(platform, other, [])
    await service.add_pieces(platform, people["student"], [f"badge:{badge}"])
    mine = (await service.view(platform, people["student"])).chosen[0].item
    share, _ = await shares.create_share(platform, people["student"])
    with pytest.raises(NotFound):
        await service.update_piece(platform, other, mine.id, reflection="hijack", public=True)
    with pytest.raises(NotFound):
        await service.remove_piece(platform, other, mine.id)
    with pytest.raises(NotFound):
        await shares.revoke_share(platform, other, share.id)
    with pytest.raises(Forbidden):  # staff have no portfolio page here
        await service.view(platform, people["teacher"])
    with pytest.raises(InvalidInput) as long:
        await service.save(platform, people["student"], title="x" * 201, reflection="")
    assert long.value.details["field"] == "title"
    with pytest.raises(InvalidInput):
        await service.move_piece(platform, people["student"], mine.id, "sideways")


async def test_my_data_archive_holds_the_signed_bytes_and_nothing_of_another_student(people, platform):
    from issuer.credentials import repo as credentials_repo
    from issuer.portfolio import archive, service

    sub, badge = await _earned(people, platform)
    await _earned(people, platform, who="student2", narrative="Someone else's secret work")
    await service.add_pieces(platform, people["student"], [f"badge:{badge}"])
    data, name = await archive.build(platform, people["student"])
    assert name.startswith("my-data-north-student-0-") and name.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        names = z.namelist()
        assert names[:2] == ["README.txt", "manifest.json"]
        badge_json = next(n for n in names if n.startswith("badges/") and n.endswith(f"{badge}.json"))
        stored = await credentials_repo.get_credential(badge)
        assert z.read(badge_json) == stored.document.encode("utf-8")  # byte for byte as signed
        png = z.read(badge_json.replace(".json", ".png"))
        from badges import bake

        assert png.startswith(b"\x89PNG") and bake.unbake_png(png) == stored.document
        narrative = next(n for n in names if n.endswith("/v1/narrative.txt"))
        assert z.read(narrative) == b"My lab report"
        assert any(n.endswith("/v1/files/graph.txt") for n in names)
        assert z.read(next(n for n in names if n.endswith("/v1/links.txt"))) == b"https://example.org/report\n"
        portfolio = json.loads(z.read("portfolio/portfolio.json"))
        assert [p["kind"] for p in portfolio["pieces"]] == ["badge"]
        manifest = json.loads(z.read("manifest.json"))
        assert {f["path"] for f in manifest["files"]} == set(names) - {"README.txt", "manifest.json"}
        assert manifest["student"]["name"] == "North student 0"
        assert [b["status"] for b in manifest["badges"]] == ["active"]
        assert "There is no transcript yet" in z.read("README.txt").decode()
        everything = b"".join(z.read(n) for n in names)
    assert b"Someone else's secret work" not in everything  # the other student's evidence never appears
    other, _ = await archive.build(platform, people["student2"])
    with zipfile.ZipFile(io.BytesIO(other)) as z:
        assert not any(badge in n for n in z.namelist())
        assert b"My lab report" not in b"".join(z.read(n) for n in z.namelist())


async def test_my_data_is_for_students_only(people, platform):
    from issuer.errors import Forbidden
    from issuer.portfolio import archive

    with pytest.raises(Forbidden):
        await archive.build(platform, people["teacher"])
