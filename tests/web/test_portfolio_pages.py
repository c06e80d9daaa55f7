"""The student's portfolio, transcript and My data pages over HTTP, on the full app (issue 12):
reached from the navigation with the signed-in layout, forms with CSRF that keep what was typed
after an error, a portfolio share link a visitor opens without an account (404 unknown, 410
withdrawn), transcript downloads as files, and the My data archive read back. Bad twins: another
student's pieces and transcripts, no CSRF token, the wrong role, no account."""
from __future__ import annotations

import io
import json
import re
import zipfile
from urllib.parse import urlsplit

import pytest

from tests.web.support import bearer, setup_achievement

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]
HTML = {"accept": "text/html"}


@pytest.fixture
async def client(asgi_client):
    return asgi_client


async def earn(client, seed, student="student", narrative="How I planned the experiment"):
    """A badge for north's student from a submission with a narrative, a link and a file: its uuid."""
    a = await setup_achievement(client, seed)
    r = await client.post("/api/submissions", headers=bearer(seed, student),
                          data={"achievement": a["id"], "narrative": narrative, "urls": "https://example.org/lab"},
                          files={"files": ("results.txt", b"trial,time\n1,3.2\n", "text/plain")})
    assert r.status_code == 201, r.text
    r = await client.post(f"/api/submissions/{r.json()['id']}/reviews", headers=bearer(seed, "teacher"),
                          json={"ratings": {"plan": 3, "analysis": 4}})
    assert r.status_code == 200 and r.json()["status"] == "awarded", r.text
    return r.json()["credential"]["uuid"]


def sign_in_as(client, seed, role="student"):
    client.cookies.clear()
    client.cookies.set("badges_session", seed.session[role])


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def signed_in_layout(html: str, current: str) -> None:
    """The page shows who is signed in, Sign out, and its own menu entry as the current page."""
    assert "Sign out" in html and ">Sign in<" not in html
    assert re.search(rf'<a href="{current}" aria-current="(page|true)">', html), current


async def test_a_student_builds_shares_and_withdraws_a_portfolio(client, seed):
    badge = await earn(client, seed)
    sign_in_as(client, seed)
    page = await client.get("/student/portfolio")
    assert page.status_code == 200
    signed_in_layout(page.text, "/student/portfolio")
    assert 'href="/student/data"' in page.text and 'href="/student/transcripts"' in page.text  # the menu
    csrf = csrf_of(page.text)
    sources = re.findall(r'name="pieces" value="([^"]+)"', page.text)
    assert f"badge:{badge}" in sources and len(sources) == 4  # the badge, the narrative, the link, the file
    assert (await client.post("/student/portfolio/pieces", data={"pieces": sources})).status_code == 403  # no CSRF
    r = await client.post("/student/portfolio/pieces", data={"csrf_token": csrf, "pieces": sources})
    assert r.status_code == 303 and r.headers["location"].startswith("/student/portfolio?done=added")

    # the title: too long is refused with the summary, and what was typed is kept
    long = "A" * 201
    r = await client.post("/student/portfolio", data={"csrf_token": csrf, "title": long, "reflection": "Kept text"})
    assert r.status_code == 422 and 'class="error-summary"' in r.text and 'href="#title"' in r.text
    assert f'value="{long}"' in r.text and ">Kept text</textarea>" in r.text
    r = await client.post("/student/portfolio", data={"csrf_token": csrf, "title": "My lab year",
                                                      "reflection": "I learnt to plan before I measure."})
    assert r.status_code == 303
    page = await client.get("/student/portfolio?done=saved")
    assert "Your portfolio is saved." in page.text and 'value="My lab year"' in page.text
    items = dict(re.findall(r'id="piece-(\d+)".*?<p class="piece-kind">(\w+)', page.text, re.S))
    by_kind = {kind: int(item) for item, kind in items.items()}
    assert set(by_kind) == {"Badge", "Narrative", "Link", "File"}
    for kind in ("Badge", "File"):
        r = await client.post(f"/student/portfolio/pieces/{by_kind[kind]}",
                              data={"csrf_token": csrf, "reflection": f"Why: {kind}", "public": "yes"})
        assert r.status_code == 303
    r = await client.post("/student/portfolio/shares", data={"csrf_token": csrf, "label": "State University"})
    assert r.status_code == 201 and "Share link made" in r.text
    url = re.search(r'id="share-url" type="text" readonly value="([^"]+)"', r.text).group(1)
    assert url.startswith("http://127.0.0.1:8000/portfolio/") and "State University" in r.text

    client.cookies.clear()  # a visitor with the link, no account
    shared = await client.get(urlsplit(url).path)
    assert shared.status_code == 200
    assert shared.headers["cache-control"] == "no-store" and shared.headers["referrer-policy"] == "no-referrer"
    assert "My lab year" in shared.text and "I learnt to plan before I measure." in shared.text
    assert f'href="/badges/{badge}"' in shared.text and "Why: Badge" in shared.text and "Why: File" in shared.text
    assert "How I planned the experiment" not in shared.text  # the narrative is private
    assert "https://example.org/lab" not in shared.text  # so is the link
    file_url = re.search(r'href="(/portfolio/[^"]+/files/\d+)"', shared.text).group(1)
    download = await client.get(file_url)
    assert download.status_code == 200 and download.content == b"trial,time\n1,3.2\n"
    assert download.headers["content-disposition"].startswith("attachment")
    private = file_url.rsplit("/", 1)[0] + f"/{by_kind['Narrative']}"
    assert (await client.get(private)).status_code == 404
    unknown = await client.get("/portfolio/" + "x" * 43)
    assert unknown.status_code == 404 and "No portfolio at this link" in unknown.text

    sign_in_as(client, seed)
    page = await client.get("/student/portfolio")
    share_id = re.search(r"/student/portfolio/shares/(\d+)/revoke", page.text).group(1)
    r = await client.post(f"/student/portfolio/shares/{share_id}/revoke", data={"csrf_token": csrf})
    assert r.status_code == 303
    page = await client.get("/student/portfolio?done=withdrawn")
    assert "Withdrawn" in page.text and "it no longer opens your portfolio" in page.text
    client.cookies.clear()
    gone = await client.get(urlsplit(url).path)
    assert gone.status_code == 410 and "This portfolio is no longer shared" in gone.text
    assert (await client.get(file_url)).status_code == 410


async def test_another_student_and_staff_cannot_touch_a_portfolio(client, seed):
    badge = await earn(client, seed)
    sign_in_as(client, seed)
    csrf = csrf_of((await client.get("/student/portfolio")).text)
    await client.post("/student/portfolio/pieces", data={"csrf_token": csrf, "pieces": [f"badge:{badge}"]})
    item = re.search(r'id="piece-(\d+)"', (await client.get("/student/portfolio")).text).group(1)

    from issuer.accounts import service as accounts

    other = await accounts.create_session(seed.ctx, seed.users[("north", "student", 1)]["id"])
    client.cookies.clear()
    client.cookies.set("badges_session", other)
    page = await client.get("/student/portfolio")
    assert page.status_code == 200 and badge not in page.text  # nothing of the first student's
    csrf = csrf_of(page.text)
    r = await client.post("/student/portfolio/pieces", data={"csrf_token": csrf, "pieces": [f"badge:{badge}"]})
    assert r.status_code == 422 and "That is not one of your badges or pieces of evidence" in r.text
    r = await client.post(f"/student/portfolio/pieces/{item}", data={"csrf_token": csrf, "public": "yes"},
                          headers=HTML)
    assert r.status_code == 404
    r = await client.post(f"/student/portfolio/pieces/{item}/remove", data={"csrf_token": csrf}, headers=HTML)
    assert r.status_code == 404
    r = await client.post("/student/portfolio/pieces", data={"csrf_token": csrf})
    assert r.status_code == 422 and "Choose at least one piece to add" in r.text

    sign_in_as(client, seed, "teacher")
    assert (await client.get("/student/portfolio")).status_code == 403
    assert (await client.get("/student/data/archive.zip")).status_code == 403
    client.cookies.clear()
    anonymous = await client.get("/student/portfolio", headers=HTML)
    assert anonymous.status_code in (302, 303) and anonymous.headers["location"].startswith("/login")


async def test_the_transcript_page_from_the_navigation(client, seed):
    await earn(client, seed)
    sign_in_as(client, seed)
    page = await client.get("/student/transcripts")
    assert page.status_code == 200 and "No transcript yet" in page.text
    signed_in_layout(page.text, "/student/transcripts")
    csrf = csrf_of(page.text)
    r = await client.post("/student/transcripts", data={"csrf_token": csrf})
    assert r.status_code == 303 and r.headers["location"].startswith("/transcripts/")
    t_uuid = r.headers["location"].rsplit("/", 1)[1]
    view = await client.get(r.headers["location"])
    assert view.status_code == 200 and "Investigator" in view.text
    signed_in_layout(view.text, "/student/transcripts")  # it showed "Sign in" to a signed-in student

    page = await client.get("/student/transcripts")
    assert "Latest transcript" in page.text
    r = await client.get(f"/transcripts/{t_uuid}.json?download=1")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vc+ld+json")
    assert r.headers["content-disposition"] == f'attachment; filename="transcript-{t_uuid}.clr.json"'
    assert json.loads(r.content)["type"] == ["VerifiableCredential", "ClrCredential"]
    assert "content-disposition" not in (await client.get(f"/transcripts/{t_uuid}.json")).headers
    r = await client.get(f"/transcripts/{t_uuid}.pdf?download=1")
    assert r.headers["content-disposition"] == f'attachment; filename="transcript-{t_uuid}.pdf"'
    assert r.content.startswith(b"%PDF-")
    assert f'/transcripts/{t_uuid}.json?download=1" download' in page.text
    assert f'/transcripts/{t_uuid}.pdf?download=1" download' in page.text

    # a share link: a bad expiry is refused with the summary and the input kept; then made and withdrawn
    r = await client.post(f"/student/transcripts/{t_uuid}/shares",
                          data={"csrf_token": csrf, "label": "City College", "days": "400"})
    assert r.status_code == 422 and f'href="#days-{t_uuid}"' in r.text
    assert 'value="City College"' in r.text and 'value="400"' in r.text
    r = await client.post(f"/student/transcripts/{t_uuid}/shares",
                          data={"csrf_token": csrf, "label": "City College", "days": "14"})
    assert r.status_code == 201 and "works for 14 days" in r.text
    assert re.search(r'id="share-url" type="text" readonly value="http://127\.0\.0\.1:8000/share/[^"]+"', r.text)
    page = await client.get("/student/transcripts")
    row = re.search(r"<tr>\s*<td[^>]*>City College</td>.*?</tr>", page.text, re.S).group(0)
    assert "Active" in row and "Expires" in page.text
    share_id = re.search(rf"/student/transcripts/{t_uuid}/shares/(\d+)/revoke", page.text).group(1)
    r = await client.post(f"/student/transcripts/{t_uuid}/shares/{share_id}/revoke", data={"csrf_token": csrf})
    assert r.status_code == 303 and r.headers["location"] == "/student/transcripts?done=withdrawn"
    row = re.search(r"<tr>\s*<td[^>]*>City College</td>.*?</tr>", (await client.get(r.headers["location"])).text,
                    re.S).group(0)
    assert "Withdrawn" in row and "/revoke" not in row

    # bad twins: another student cannot share or see this transcript
    from issuer.accounts import service as accounts

    other = await accounts.create_session(seed.ctx, seed.users[("north", "student", 1)]["id"])
    client.cookies.clear()
    client.cookies.set("badges_session", other)
    csrf = csrf_of((await client.get("/student/transcripts")).text)
    r = await client.post(f"/student/transcripts/{t_uuid}/shares", data={"csrf_token": csrf, "days": "7"},
                          headers=HTML)
    assert r.status_code == 404
    assert (await client.get(f"/transcripts/{t_uuid}", headers=HTML)).status_code == 404
    r = await client.post("/student/transcripts", data={"csrf_token": csrf})
    assert r.status_code == 409 and 'class="error-summary"' in r.text and "no valid badges yet" in r.text


async def test_my_data_downloads_everything_as_one_archive(client, seed):
    badge = await earn(client, seed)
    await client.post("/api/transcripts", headers=bearer(seed, "student"), json={})
    sign_in_as(client, seed)
    page = await client.get("/student/data")
    assert page.status_code == 200
    signed_in_layout(page.text, "/student/data")
    assert 'href="/student/data/archive.zip"' in page.text and "1 badge," in page.text
    r = await client.get("/student/data/archive.zip")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert r.headers["content-disposition"].startswith('attachment; filename="my-data-north-student-0-')
    stored = (await client.get(f"/credentials/{badge}")).content
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        names = z.namelist()
        assert z.read(next(n for n in names if n.endswith(f"{badge}.json"))) == stored
        clr = next(n for n in names if n.endswith(".clr.json"))
        t_uuid = clr.rsplit("transcript-", 1)[1].removesuffix(".clr.json")
        assert z.read(clr) == (await client.get(f"/transcripts/{t_uuid}.json")).content
        assert z.read(clr.replace(".clr.json", ".pdf")).startswith(b"%PDF-")
        manifest = json.loads(z.read("manifest.json"))
        assert {f["kind"] for f in manifest["files"]} >= {"badge", "baked-badge", "transcript", "transcript-pdf",
                                                          "narrative", "links", "evidence-file"}
