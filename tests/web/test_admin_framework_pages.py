"""The administrator's framework pages over HTTP, on the full app (issue 13): the list by kind,
a framework made by hand and edited (competencies added, edited, moved, removed; one an
achievement aligns to is kept with a clear message), a CSV and a CASE package imported through a
preview that stores nothing until confirmed, a CASE document imported twice updating its
framework, and the CSV template. Bad twins: no CSRF token, a teacher (403), another school's
framework (404), a form with errors (input kept), a file with per-line problems, malformed JSON,
JSON that is not a CFPackage, a cycle, an oversized upload, a tampered or stale confirmation."""
from __future__ import annotations

import base64
import copy
import html
import json
import re
from pathlib import Path

import pytest

from tests.web.support import RUBRIC, bearer

pytestmark = [pytest.mark.anyio,
              pytest.mark.filterwarnings("ignore::litestar.exceptions.LitestarDeprecationWarning")]

DATA = Path(__file__).parent.parent / "data" / "frameworks"
CASE_TEXT = (DATA / "state-science.case.json").read_text()
CSV_TEXT = (DATA / "lincoln-habits.csv").read_text()


@pytest.fixture
async def client(asgi_client):
    return asgi_client


def sign_in_as(client, seed, role):
    client.cookies.clear()
    client.cookies.set("badges_session", seed.session[role])


def csrf_of(text: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', text).group(1)


def hidden(text: str, name: str) -> str:
    return html.unescape(re.search(rf'name="{name}" value="([^"]*)"', text).group(1))


async def preview(client, *, fmt, kind, content, name="", filename=None):
    csrf = csrf_of((await client.get("/admin/frameworks/import")).text)
    data = content.encode() if isinstance(content, str) else content
    return await client.post("/admin/frameworks/import", data={"csrf_token": csrf, "format": fmt, "kind": kind,
                                                               "name": name},
                             files={"file": (filename or f"f.{'json' if fmt == 'case' else 'csv'}", data)})


def confirm_form(text: str) -> dict[str, str]:
    return {k: hidden(text, k) for k in ("csrf_token", "format", "kind", "name", "issued", "signature", "content")}


async def import_file(client, **kw):
    r = await preview(client, **kw)
    assert r.status_code == 200, r.text
    done = await client.post("/admin/frameworks/import/confirm", data=confirm_form(r.text))
    assert done.status_code == 303
    return done.headers["location"]


async def api_frameworks(client, seed):
    return (await client.get("/api/frameworks/", headers=bearer(seed, "school_admin"))).json()


async def test_the_list_has_three_kinds_and_is_in_the_admin_menu(client, seed):
    sign_in_as(client, seed, "school_admin")
    r = await client.get("/admin/frameworks")
    assert r.status_code == 200 and re.search(r'<a href="/admin/frameworks" aria-current="page">', r.text)
    for heading in ("Academic", "Habits of work", "Extended learning"):
        assert f">{heading}</h2>" in r.text
    assert r.text.count("No framework of this kind yet.") == 3
    sign_in_as(client, seed, "teacher")
    assert (await client.get("/admin/frameworks")).status_code == 403


async def test_a_framework_made_by_hand_grows_a_tree(client, seed):
    sign_in_as(client, seed, "school_admin")
    csrf = csrf_of((await client.get("/admin/frameworks/new")).text)
    assert (await client.post("/admin/frameworks/new", data={"csrf_token": "", "name": "X", "kind": "habits"})
            ).status_code == 403
    r = await client.post("/admin/frameworks/new", data={"csrf_token": csrf, "name": "Lincoln Habits",
                                                         "kind": "habits", "version": "1"})
    assert r.status_code == 303 and r.headers["location"].endswith("?done=created")
    url = r.headers["location"].split("?")[0]
    page = await client.get(r.headers["location"])
    assert "The framework is made" in page.text and "No competencies yet" in page.text
    for code, name, parent in (("HOW", "Habits of work", ""), ("HOW.C", "Collaboration", "HOW"),
                               ("HOW.P", "Persistence", "HOW"), ("HOW.C.1", "Listens", "HOW.C")):
        r = await client.post(f"{url}/competencies", data={"csrf_token": csrf, "code": code, "name": name,
                                                            "description": f"About {name}", "parent": parent})
        assert r.status_code == 303 and "done=added" in r.headers["location"], r.text
    page = (await client.get(url)).text
    tree = page[page.index('class="competency-tree"'):]
    # nested lists: HOW holds HOW.C (which holds HOW.C.1) and HOW.P, in the order they were added
    assert tree.index("HOW.C</code>") < tree.index("HOW.C.1</code>") < tree.index("HOW.P</code>")
    assert re.search(r"HOW</code>.*?<ul class=\"competency-branch\">.*?HOW\.C</code>.*?"
                     r"<ul class=\"competency-branch\">.*?HOW\.C\.1</code>", tree, re.S)
    # the framework on the list, with its count
    listing = (await client.get("/admin/frameworks")).text
    assert "Lincoln Habits" in listing and "4 competencies" in listing
    # the API sees the parents
    [fw] = [f for f in await api_frameworks(client, seed) if f["name"] == "Lincoln Habits"]
    detail = (await client.get(f"/api/frameworks/{fw['id']}", headers=bearer(seed, "school_admin"))).json()
    assert {c["code"]: c["parent"] for c in detail["competencies"]} == {
        "HOW": None, "HOW.C": "HOW", "HOW.P": "HOW", "HOW.C.1": "HOW.C"}


async def _hand_made(client, seed):
    sign_in_as(client, seed, "school_admin")
    csrf = csrf_of((await client.get("/admin/frameworks/new")).text)
    r = await client.post("/admin/frameworks/new", data={"csrf_token": csrf, "name": "Own", "kind": "academic"})
    url = r.headers["location"].split("?")[0]
    for code, parent in (("A", ""), ("A.1", "A"), ("A.1.a", "A.1"), ("B", "")):
        await client.post(f"{url}/competencies", data={"csrf_token": csrf, "code": code, "name": f"Name {code}",
                                                        "parent": parent})
    fw_id = url.rsplit("/", 1)[1]
    detail = (await client.get(f"/api/frameworks/{fw_id}", headers=bearer(seed, "school_admin"))).json()
    return url, csrf, {c["code"]: c["id"] for c in detail["competencies"]}


async def test_bad_forms_list_their_problems_and_keep_the_input(client, seed):
    sign_in_as(client, seed, "school_admin")
    csrf = csrf_of((await client.get("/admin/frameworks/new")).text)
    r = await client.post("/admin/frameworks/new", data={"csrf_token": csrf, "name": "", "kind": "sport",
                                                         "version": "v9"})
    assert r.status_code == 422 and 'class="error-summary"' in r.text
    assert 'href="#name"' in r.text and 'href="#kind"' in r.text and 'value="v9"' in r.text
    url, csrf, ids = await _hand_made(client, seed)
    r = await client.post(f"{url}/competencies", data={"csrf_token": csrf, "code": "has space", "name": "",
                                                        "description": "Kept words", "parent": "nope"})
    assert r.status_code == 422
    for field in ("code", "name", "parent"):
        assert f'href="#{field}"' in r.text, field
    assert 'value="has space"' in r.text and "Kept words</textarea>" in r.text
    r = await client.post(f"{url}/competencies", data={"csrf_token": csrf, "code": "A", "name": "Again"})
    assert r.status_code == 422 and "already used" in r.text
    r = await client.post(url, data={"csrf_token": csrf, "name": " ", "version": "2"})
    assert r.status_code == 422 and 'href="#name"' in r.text and 'value="2"' in r.text


async def test_a_competency_is_edited_moved_and_removed(client, seed):
    url, csrf, ids = await _hand_made(client, seed)
    page = await client.get(f"{url}/competencies/{ids['A.1']}")
    assert page.status_code == 200 and 'value="A.1"' in page.text
    # moving A under its own grandchild is refused
    r = await client.post(f"{url}/competencies/{ids['A']}", data={"csrf_token": csrf, "code": "A", "name": "N",
                                                                  "parent": "A.1.a"})
    assert r.status_code == 422 and "own sub-competencies" in r.text and 'value="N"' in r.text
    # a new code: the children follow it
    r = await client.post(f"{url}/competencies/{ids['A.1']}", data={"csrf_token": csrf, "code": "A.one",
                                                                    "name": "Renamed", "parent": "B"})
    assert r.status_code == 303
    fw_id = url.rsplit("/", 1)[1]
    detail = (await client.get(f"/api/frameworks/{fw_id}", headers=bearer(seed, "school_admin"))).json()
    parents = {c["code"]: c["parent"] for c in detail["competencies"]}
    assert parents == {"A": None, "A.one": "B", "A.1.a": "A.one", "B": None}
    # a parent is not removed while others sit under it
    r = await client.post(f"{url}/competencies/{ids['A.1']}/remove", data={"csrf_token": csrf})
    assert r.status_code == 409 and "sit under it" in r.text
    r = await client.post(f"{url}/competencies/{ids['A.1.a']}/remove", data={"csrf_token": csrf})
    assert r.status_code == 303 and r.headers["location"].endswith("done=removed")


async def test_a_competency_an_achievement_aligns_to_is_not_removed(client, seed):
    url, csrf, ids = await _hand_made(client, seed)
    r = await client.post("/api/achievements/", headers=bearer(seed, "school_admin"), json={
        "name": "Aligned", "description": "d", "rubric": RUBRIC, "alignments": [ids["B"]], "area": "academic"})
    assert r.status_code == 201, r.text
    page = (await client.get(f"{url}/competencies/{ids['B']}")).text
    assert "cannot be removed" in page and "Aligned to an achievement" in (await client.get(url)).text
    r = await client.post(f"{url}/competencies/{ids['B']}/remove", data={"csrf_token": csrf})
    assert r.status_code == 409 and "an achievement aligns to it" in r.text


async def test_another_schools_framework_is_not_found(client, seed):
    url, csrf, ids = await _hand_made(client, seed)
    client.cookies.clear()
    from issuer.accounts import service as accounts
    south_admin = seed.users[("south", "school_admin", 0)]
    client.cookies.set("badges_session", await accounts.create_session(seed.ctx, south_admin["id"]))
    assert (await client.get(url)).status_code == 404
    csrf = csrf_of((await client.get("/admin/frameworks")).text)
    r = await client.post(f"{url}/competencies", data={"csrf_token": csrf, "code": "Z", "name": "Z"})
    assert r.status_code == 404


async def test_a_csv_is_previewed_then_imported(client, seed):
    sign_in_as(client, seed, "school_admin")
    r = await preview(client, fmt="csv", kind="habits", content=CSV_TEXT, name="Lincoln Habits of Work")
    assert r.status_code == 200 and "Check the framework" in r.text and "Import 6 competencies" in r.text
    assert "HOW.C.2</code>" in r.text and 'class="competency-branch"' in r.text
    assert not [f for f in await api_frameworks(client, seed)]  # nothing stored by the preview
    location = await import_file(client, fmt="csv", kind="habits", content=CSV_TEXT, name="Lincoln Habits of Work")
    assert location.endswith("done=imported")
    [fw] = await api_frameworks(client, seed)
    assert fw["kind"] == "habits" and fw["source"] == "csv" and fw["name"] == "Lincoln Habits of Work"
    page = (await client.get(location)).text
    assert "The framework is imported." in page and "HOW.P.1</code>" in page
    assert '<a href="/admin/frameworks" aria-current="true">' in page  # within Frameworks on the menu


async def test_csv_problems_are_shown_per_line_and_nothing_is_stored(client, seed):
    sign_in_as(client, seed, "school_admin")
    bad = "code,name,parent\nA,Alpha,\nA,Again,\nC,,A\nD,Delta,ZZ\nE,Echo,F\nF,Foxtrot,E\n"
    r = await preview(client, fmt="csv", kind="academic", content=bad, name="Bad")
    assert r.status_code == 422 and "problems to fix" in r.text and "Nothing has been stored" in r.text
    for line, words in ((3, "appears twice"), (4, "name is empty"), (5, "parent &#39;ZZ&#39;"), (6, "circle")):
        assert re.search(rf"Line {line}</td>\s*<td[^>]*>.*?{words}", r.text, re.S), (line, words)
    assert "/admin/frameworks/import/confirm" not in r.text
    r = await preview(client, fmt="csv", kind="elo", content="code,name\nA,Alpha\n")
    assert r.status_code == 422 and "names no framework" in r.text  # no framework column, no name given
    assert await api_frameworks(client, seed) == []


async def test_a_case_package_keeps_its_hierarchy(client, seed):
    sign_in_as(client, seed, "school_admin")
    r = await preview(client, fmt="case", kind="academic", content=CASE_TEXT)
    assert r.status_code == 200 and "State Science Standards (High School)" in r.text
    assert r.text.index("HS-LS1-2</code>") < r.text.index("HS-LS1-1</code>")  # sequenceNumber order
    location = await import_file(client, fmt="case", kind="academic", content=CASE_TEXT)
    fw_id = location.split("/")[-1].split("?")[0]
    detail = (await client.get(f"/api/frameworks/{fw_id}", headers=bearer(seed, "school_admin"))).json()
    by_code = {c["code"]: c for c in detail["competencies"]}
    assert detail["source"] == "case" and detail["version"] == "2024.1" and len(by_code) == 10
    assert by_code["HS-PS1-1"]["parent"] == "HS-PS1" and by_code["HS-PS1"]["parent"] == "HS-PS"
    assert by_code["HS-PS"]["parent"] is None and by_code["HS-LS1-2"]["position"] == 1
    assert by_code["HS-PS2-1"]["url"].startswith("https://case.state.example/")


async def test_reimporting_a_case_document_updates_its_framework(client, seed):
    sign_in_as(client, seed, "school_admin")
    location = await import_file(client, fmt="case", kind="academic", content=CASE_TEXT)
    fw_id = location.split("/")[-1].split("?")[0]
    first = (await client.get(f"/api/frameworks/{fw_id}", headers=bearer(seed, "school_admin"))).json()
    ids = {c["code"]: c["id"] for c in first["competencies"]}
    r = await client.post("/api/achievements/", headers=bearer(seed, "school_admin"), json={
        "name": "Chem", "description": "d", "rubric": RUBRIC, "alignments": [ids["HS-PS1-2"]], "area": "academic"})
    assert r.status_code == 201, r.text
    pkg = json.loads(CASE_TEXT)
    pkg["CFDocument"]["version"] = "2025"
    gone = {i["identifier"] for i in pkg["CFItems"] if i["humanCodingScheme"] in ("HS-PS1-2", "HS-PS2-1")}
    pkg["CFItems"] = [i for i in pkg["CFItems"] if i["identifier"] not in gone]
    pkg["CFAssociations"] = [a for a in pkg["CFAssociations"] if a["originNodeURI"]["identifier"] not in gone
                             and a["destinationNodeURI"].get("identifier") not in gone]
    renamed = next(i for i in pkg["CFItems"] if i["humanCodingScheme"] == "HS-LS1-1")
    renamed["abbreviatedStatement"] = "DNA and proteins"
    r = await preview(client, fmt="case", kind="academic", content=json.dumps(pkg))
    assert r.status_code == 200 and "This updates a framework you have" in r.text
    assert "0 new, 1 changed, 1 removed" in r.text and "HS-PS1-2" in r.text.split("because achievements")[1][:200]
    done = await client.post("/admin/frameworks/import/confirm", data=confirm_form(r.text))
    assert done.status_code == 303 and done.headers["location"].endswith("done=updated")
    assert len(await api_frameworks(client, seed)) == 1  # updated, not duplicated
    after = (await client.get(f"/api/frameworks/{fw_id}", headers=bearer(seed, "school_admin"))).json()
    by_code = {c["code"]: c for c in after["competencies"]}
    assert after["version"] == "2025" and "HS-PS2-1" not in by_code
    assert by_code["HS-PS1-2"]["id"] == ids["HS-PS1-2"]  # kept: an achievement aligns to it
    assert by_code["HS-LS1-1"]["name"] == "DNA and proteins" and by_code["HS-LS1-1"]["id"] == ids["HS-LS1-1"]
    # another kind for the same document is refused in the preview
    r = await preview(client, fmt="case", kind="habits", content=json.dumps(pkg))
    assert r.status_code == 422 and "already imported as the academic framework" in r.text


@pytest.mark.parametrize("content, status, words", [
    ("{not json", 422, "package is not JSON"),
    (json.dumps({"title": "a list of things", "items": []}), 422, "is this a CASE CFPackage"),
    ("", 422, "this one is empty"),
    (b"\xff\xfe\x00bad", 422, "UTF-8"),
])
async def test_case_bad_twins(client, seed, content, status, words):
    sign_in_as(client, seed, "school_admin")
    r = await preview(client, fmt="case", kind="academic", content=content)
    assert r.status_code == status and words in r.text and 'class="error-summary"' in r.text
    assert await api_frameworks(client, seed) == []


async def test_a_case_cycle_names_the_item(client, seed):
    sign_in_as(client, seed, "school_admin")
    pkg = json.loads(CASE_TEXT)
    ps = next(i for i in pkg["CFItems"] if i["humanCodingScheme"] == "HS-PS")
    ps1 = next(i for i in pkg["CFItems"] if i["humanCodingScheme"] == "HS-PS1")
    assoc = next(a for a in pkg["CFAssociations"] if a["originNodeURI"]["identifier"] == ps["identifier"]
                 and a["associationType"] == "isChildOf")
    assoc["destinationNodeURI"] = {"identifier": ps1["identifier"], "uri": ps1["uri"], "title": "HS-PS1"}
    r = await preview(client, fmt="case", kind="academic", content=json.dumps(pkg))
    assert r.status_code == 422 and "circle" in r.text
    assert ps["identifier"] in r.text or ps1["identifier"] in r.text
    assert "/admin/frameworks/import/confirm" not in r.text


async def test_an_oversized_upload_and_missing_choices_are_refused(client, seed):
    sign_in_as(client, seed, "school_admin")
    r = await preview(client, fmt="csv", kind="academic", content="code,name\n" + "A,B\n" * 300_000)
    assert r.status_code == 413 and "too large" in r.text
    r = await preview(client, fmt="", kind="", content=CSV_TEXT, name="Kept name")
    assert r.status_code == 422 and 'href="#format"' in r.text and 'value="Kept name"' in r.text
    csrf = csrf_of((await client.get("/admin/frameworks/import")).text)
    r = await client.post("/admin/frameworks/import", data={"csrf_token": csrf, "format": "csv", "kind": "habits"})
    assert r.status_code == 422 and "Choose the file" in r.text


async def test_a_tampered_or_stale_confirmation_stores_nothing(client, seed):
    sign_in_as(client, seed, "school_admin")
    r = await preview(client, fmt="csv", kind="habits", content=CSV_TEXT, name="Habits")
    form = confirm_form(r.text)
    text = base64.b64decode(form["content"]).decode().replace("Collaboration", "Something else")
    tampered = {**form, "content": base64.b64encode(text.encode()).decode()}
    r = await client.post("/admin/frameworks/import/confirm", data=tampered)
    assert r.status_code == 422 and "choose the file again" in r.text
    stale = {**form, "issued": str(int(form["issued"]) - 7200)}
    assert (await client.post("/admin/frameworks/import/confirm", data=stale)).status_code == 422
    garbled = {**form, "content": "not base64!"}
    assert (await client.post("/admin/frameworks/import/confirm", data=garbled)).status_code == 422
    other_kind = {**form, "kind": "elo"}
    assert (await client.post("/admin/frameworks/import/confirm", data=other_kind)).status_code == 422
    assert await api_frameworks(client, seed) == []


async def test_the_csv_template_downloads(client, seed):
    sign_in_as(client, seed, "school_admin")
    r = await client.get("/admin/frameworks/template.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    assert r.text.splitlines()[0] == "code,name,description,parent,url"
    # the template itself imports
    r = await preview(client, fmt="csv", kind="academic", content=r.text, name="From the template")
    assert r.status_code == 200 and "Import 3 competencies" in r.text


async def test_the_api_import_keeps_parents_too(client, seed):
    r = await client.post("/api/frameworks/import", headers=bearer(seed, "school_admin"),
                          data={"format": "case", "kind": "academic"},
                          files={"file": ("s.json", CASE_TEXT.encode())})
    assert r.status_code == 201, r.text
    [fw] = r.json()
    assert {c["code"]: c["parent"] for c in fw["competencies"]}["HS-LS1-1"] == "HS-LS1"
    bad = copy.deepcopy(json.loads(CASE_TEXT))
    bad["CFAssociations"][0]["destinationNodeURI"] = {"identifier": "nowhere"}
    r = await client.post("/api/frameworks/import", headers=bearer(seed, "school_admin"),
                          data={"format": "case", "kind": "academic"}, files={"file": ("s.json", json.dumps(bad))})
    assert r.status_code == 422 and "nowhere" in r.json()["detail"]
    # made by hand through the API: parents are checked too
    good = [{"code": "A", "name": "Alpha"}, {"code": "A.1", "name": "One", "parent": "A"}]
    r = await client.post("/api/frameworks/", headers=bearer(seed, "school_admin"),
                          json={"kind": "habits", "name": "API tree", "competencies": good})
    assert r.status_code == 201 and [c["parent"] for c in r.json()["competencies"]] == [None, "A"]
    for bad_list, words in (([{"code": "A", "name": "Alpha", "parent": "Z"}], "parent 'Z'"),
                            ([{"code": "A", "name": "a", "parent": "B"}, {"code": "B", "name": "b", "parent": "A"}],
                             "circle")):
        r = await client.post("/api/frameworks/", headers=bearer(seed, "school_admin"),
                              json={"kind": "habits", "name": "Bad tree", "competencies": bad_list})
        assert r.status_code == 422 and words in r.json()["detail"], r.text
