"""Competency frameworks from CSV and CASE 1.0, and their OB 3.0 alignments."""
from __future__ import annotations

import copy
import json

import pytest

from badges import competencies as comp
from badges.errors import ModelError
from badges.model import Alignment

CSV = "\ufeff" + """framework,code,name,kind,description,url
Lincoln Graduate Profile,SCI.1,Scientific inquiry,academic,"Plans and carries out investigations, analyses data",https://lincoln.example/fw/sci-1
Lincoln Graduate Profile,HOW.C,Collaboration,Habits of Work,Works productively in a team,https://lincoln.example/fw/how-c
Lincoln Graduate Profile,HOW.P,Persistence,habits,Keeps going after setbacks,https://lincoln.example/fw/how-p

Lincoln Graduate Profile,ELO.1,Hospital internship,Extended Learning,120 hours at a community partner,https://lincoln.example/fw/elo-1
"""

CASE = {
    "CFDocument": {
        "identifier": "c6a5b1a2-1111-4c3e-9d55-0a1b2c3d4e5f",
        "uri": "https://case.example/ims/case/v1p0/CFDocuments/c6a5b1a2-1111-4c3e-9d55-0a1b2c3d4e5f",
        "creator": "State Department of Education",
        "title": "State Science Standards",
        "version": "2024",
        "officialSourceURL": "https://state.example/standards/science",
        "lastChangeDateTime": "2024-06-01T00:00:00+00:00",
    },
    "CFItems": [
        {
            "identifier": "0b6f1a10-2222-4c3e-9d55-0a1b2c3d4e5f",
            "uri": "https://case.example/ims/case/v1p0/CFItems/0b6f1a10-2222-4c3e-9d55-0a1b2c3d4e5f",
            "fullStatement": "Plan and conduct an investigation to provide evidence of cause and effect.",
            "abbreviatedStatement": "Investigations",
            "humanCodingScheme": "SCI.HS.1",
            "CFItemType": "Standard",
            "lastChangeDateTime": "2024-06-01T00:00:00+00:00",
        },
        {
            "identifier": "0b6f1a10-3333-4c3e-9d55-0a1b2c3d4e5f",
            "uri": "https://case.example/ims/case/v1p0/CFItems/0b6f1a10-3333-4c3e-9d55-0a1b2c3d4e5f",
            "fullStatement": "Communicates scientific ideas clearly to different audiences.",
            "humanCodingScheme": "HOW.COMM",
            "CFItemTypeURI": {"title": "Habit of Work", "identifier": "x",
                              "uri": "https://case.example/ims/case/v1p0/CFItemTypes/x"},
            "lastChangeDateTime": "2024-06-01T00:00:00+00:00",
        },
        {
            "identifier": "0b6f1a10-4444-4c3e-9d55-0a1b2c3d4e5f",
            "uri": "https://case.example/ims/case/v1p0/CFItems/0b6f1a10-4444-4c3e-9d55-0a1b2c3d4e5f",
            "fullStatement": "Completes a field study with a community science partner.",
            "CFItemType": "ELO",
            "lastChangeDateTime": "2024-06-01T00:00:00+00:00",
        },
    ],
    "CFAssociations": [],
}


def test_parse_csv():
    fw = comp.parse_csv(CSV)
    assert fw.name == "Lincoln Graduate Profile" and fw.source == "csv"
    assert [c.code for c in fw.competencies] == ["SCI.1", "HOW.C", "HOW.P", "ELO.1"]
    assert [c.kind for c in fw.competencies] == ["academic", "habits", "habits", "elo"]
    sci = fw.by_code("SCI.1")
    assert sci.description == "Plans and carries out investigations, analyses data"
    assert sci.url == sci.id == "https://lincoln.example/fw/sci-1" and not sci.from_case
    assert [c.code for c in fw.of_kind("habits")] == ["HOW.C", "HOW.P"]


def test_parse_csv_defaults_for_missing_columns():
    text = "code,name,url\nR.1,Close reading,https://lincoln.example/fw/r-1\n"
    fw = comp.parse_csv(text, kind="academic", name="Reading")
    assert fw.name == "Reading" and fw.competencies[0].kind == "academic"
    with pytest.raises(ModelError, match="missing column"):
        comp.parse_csv(text)


@pytest.mark.parametrize("text, match", [
    ("framework,code,name,kind,url\n", "no rows"),
    ("framework,code,name,url\nF,A,B,https://x.example/a\n", "missing column.*kind"),
    ("framework,code,name,kind,url\nF,A,B,sports,https://x.example/a\n", "line 2: kind 'sports'"),
    ("framework,code,name,kind,url\nF,A,B,academic,https://x.example/a\nF,A,C,academic,https://x.example/c\n",
     "line 3: code 'A' appears twice"),
    ("framework,code,name,kind,url\nF,A,B,academic,/fw/a\n", "line 2: url '/fw/a'"),
    ("framework,code,name,kind,url\nF,A,,academic,https://x.example/a\n", "line 2: name is empty"),
    ("framework,code,name,kind,url\nF,A,B,academic,https://x.example/a\nG,C,D,academic,https://x.example/c\n",
     "line 3: framework 'G' differs"),
    ("framework,code,name,kind,url\nF,A,B,academic,https://x.example/a,extra\n", "line 2: more cells"),
])
def test_parse_csv_bad_twins(text, match):
    with pytest.raises(ModelError, match=match):
        comp.parse_csv(text)


def test_parse_case():
    fw = comp.parse_case(CASE)
    assert fw.source == "case" and fw.name == "State Science Standards" and fw.version == "2024"
    assert fw.id == CASE["CFDocument"]["uri"] and fw.url == "https://state.example/standards/science"
    inv, comm, elo = fw.competencies
    assert (inv.code, inv.name, inv.kind) == ("SCI.HS.1", "Investigations", "academic")
    assert inv.description.startswith("Plan and conduct") and inv.from_case
    assert (comm.kind, comm.name) == ("habits", comm.description)  # no abbreviatedStatement → fullStatement
    assert elo.kind == "elo" and elo.code == "0b6f1a10-4444-4c3e-9d55-0a1b2c3d4e5f"  # no humanCodingScheme
    assert comp.parse_case(json.dumps(CASE)) == fw  # JSON text is accepted too


def test_parse_case_kind_hint():
    fw = comp.parse_case(CASE, kind="elo")
    assert [c.kind for c in fw.competencies] == ["elo", "habits", "elo"]  # explicit item types win
    with pytest.raises(ModelError, match="kind 'sport'"):
        comp.parse_case(CASE, kind="sport")


def _broken(path, value=...):
    pkg = copy.deepcopy(CASE)
    target = pkg
    for key in path[:-1]:
        target = target[key]
    if value is ...:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return pkg


@pytest.mark.parametrize("pkg, match", [
    (_broken(["CFDocument"]), "no CFDocument"),
    (_broken(["CFDocument", "title"]), "CFDocument: title is missing"),
    (_broken(["CFDocument", "uri"], "case/doc"), "CFDocument: uri"),
    (_broken(["CFItems"], []), "no CFItems"),
    (_broken(["CFItems", 1, "uri"]), r"CFItems\[1\]: uri is missing"),
    (_broken(["CFItems", 2, "uri"], "CFItems/4444"), r"CFItems\[2\]: uri 'CFItems/4444'"),
    (_broken(["CFItems", 0, "fullStatement"], ""), r"CFItems\[0\]: fullStatement is missing"),
    (_broken(["CFItems", 0, "humanCodingScheme"], 12), r"CFItems\[0\]: humanCodingScheme must be a string"),
    (_broken(["CFItems", 1], "oops"), r"CFItems\[1\] is not an object"),
    (_broken(["CFItems", 2, "identifier"], "0b6f1a10-2222-4c3e-9d55-0a1b2c3d4e5f"), r"CFItems\[2\]: identifier .* twice"),
    ("{not json", "not JSON"),
    ([1, 2], "JSON object"),
])
def test_parse_case_bad_twins(pkg, match):
    with pytest.raises(ModelError, match=match):
        comp.parse_case(pkg)


def test_alignments():
    case_item = comp.parse_case(CASE).competencies[0]
    a = comp.to_alignment(case_item)
    assert a == {"type": ["Alignment"], "targetName": "Investigations", "targetUrl": case_item.url,
                 "targetCode": "SCI.HS.1", "targetDescription": case_item.description,
                 "targetFramework": "State Science Standards", "targetType": "CFItem"}
    own = comp.to_alignment(comp.parse_csv(CSV).by_code("HOW.C"))
    assert own["targetType"] == "ceasn:Competency" and own["targetFramework"] == "Lincoln Graduate Profile"
    for doc in (a, own):
        assert Alignment.from_jsonld(doc).to_jsonld() == doc


@pytest.mark.parametrize("kw, match", [
    ({"kind": "sports"}, "kind"),
    ({"url": "fw/1"}, "url"),
    ({"name": " "}, "name"),
])
def test_competency_bad_twins(kw, match):
    base = dict(id="7", code="A.1", name="A", kind="academic", framework="F", url="https://x.example/a")
    comp.Competency(**base)  # a database key is a fine id
    with pytest.raises(ModelError, match=match):
        comp.Competency(**{**base, **kw})


# --- the hierarchy (issue 13): CASE isChildOf and the CSV parent column -----------------------------
from pathlib import Path  # noqa: E402

STATE = json.loads((Path(__file__).parent.parent / "data" / "frameworks" / "state-science.case.json").read_text())
HABITS_CSV = (Path(__file__).parent.parent / "data" / "frameworks" / "lincoln-habits.csv").read_text()


def _shape(reading):
    tree = comp.build_tree(reading.entries, code=lambda e: e.code, parent=lambda e: e.parent,
                           position=lambda e: e.position)

    def walk(branch):
        return (branch.node.code, [walk(c) for c in branch.children]) if branch.children else branch.node.code
    return [walk(b) for b in tree]


def test_case_keeps_the_hierarchy_and_the_sequence():
    reading = comp.read_case(STATE)
    assert reading.ok and reading.identifier == STATE["CFDocument"]["identifier"]
    assert _shape(reading) == [
        ("HS-PS", [("HS-PS1", ["HS-PS1-1", "HS-PS1-2"]), ("HS-PS2", ["HS-PS2-1"])]),
        ("HS-LS", [("HS-LS1", ["HS-LS1-2", "HS-LS1-1"])]),  # sequenceNumber, not the file's order
    ]
    fw = comp.parse_case(STATE)
    assert [c.code for c in fw.children("HS-LS1")] == ["HS-LS1-2", "HS-LS1-1"]
    assert fw.by_code("HS-PS2-1").name == "Newton's second law"  # abbreviatedStatement
    assert fw.by_code("HS-PS1-1").name.startswith("Use the periodic table")  # else fullStatement
    assert {c.kind for c in fw.competencies} == {"academic"}  # Domain / Cluster name none of ours
    assert comp.parse_case({"CFPackage": STATE}) == fw  # a wrapped package reads the same


def test_case_without_sequence_numbers_keeps_the_file_order():
    pkg = copy.deepcopy(STATE)
    for a in pkg["CFAssociations"]:
        a.pop("sequenceNumber", None)
    order = [i["humanCodingScheme"] for i in pkg["CFItems"]]
    kids = [c.code for c in comp.parse_case(pkg).children("HS-LS1")]
    assert kids == sorted(kids, key=order.index)


def _assoc(pkg, child_code):
    ident = next(i["identifier"] for i in pkg["CFItems"] if i["humanCodingScheme"] == child_code)
    return next(a for a in pkg["CFAssociations"]
                if a["associationType"] == "isChildOf" and a["originNodeURI"]["identifier"] == ident)


def _ident(pkg, code):
    return next(i["identifier"] for i in pkg["CFItems"] if i["humanCodingScheme"] == code)


def test_case_cycle_is_an_error_naming_the_item():
    pkg = copy.deepcopy(STATE)  # HS-PS under its own grandchild
    _assoc(pkg, "HS-PS")["destinationNodeURI"] = {"identifier": _ident(pkg, "HS-PS1"), "uri": "x", "title": "t"}
    reading = comp.read_case(pkg)
    assert not reading.ok
    [problem] = reading.problems
    assert problem.item in {_ident(pkg, "HS-PS"), _ident(pkg, "HS-PS1")} and "circle" in problem.message
    assert "HS-PS → HS-PS1 → HS-PS" in problem.message or "HS-PS1 → HS-PS → HS-PS1" in problem.message
    with pytest.raises(ModelError, match="circle"):
        comp.parse_case(pkg)


def test_case_unknown_parent_is_an_error_naming_the_item():
    pkg = copy.deepcopy(STATE)
    _assoc(pkg, "HS-PS2-1")["destinationNodeURI"] = {"identifier": "nowhere", "uri": "https://x.example/nowhere"}
    [problem] = comp.read_case(pkg).problems
    assert problem.item == _ident(pkg, "HS-PS2-1") and "'nowhere'" in problem.message
    assert "neither the CFDocument nor one of the CFItems" in problem.message


def test_case_unknown_child_and_two_parents_are_errors():
    pkg = copy.deepcopy(STATE)
    _assoc(pkg, "HS-PS2-1")["originNodeURI"] = {"identifier": "ghost", "uri": "https://x.example/ghost"}
    [problem] = comp.read_case(pkg).problems
    assert problem.list_name == "CFAssociations" and "'ghost'" in problem.message
    pkg = copy.deepcopy(STATE)
    extra = copy.deepcopy(_assoc(pkg, "HS-PS2-1"))
    extra["destinationNodeURI"] = {"identifier": _ident(pkg, "HS-LS1")}
    pkg["CFAssociations"].append(extra)
    [problem] = comp.read_case(pkg).problems
    assert problem.item == _ident(pkg, "HS-PS2-1") and "two parents" in problem.message
    pkg["CFAssociations"][-1] = copy.deepcopy(_assoc(pkg, "HS-PS2-1"))  # the same parent twice is fine
    assert comp.read_case(pkg).ok


def test_case_collects_every_item_problem():
    pkg = copy.deepcopy(STATE)
    pkg["CFItems"][0].pop("fullStatement")
    pkg["CFItems"][3]["uri"] = "not a uri"
    pkg["CFItems"][5]["humanCodingScheme"] = pkg["CFItems"][4]["humanCodingScheme"]
    reading = comp.read_case(pkg)
    assert [p.index for p in reading.problems][:3] == [0, 3, 5]
    assert reading.problems[0].item == pkg["CFItems"][0]["identifier"]
    assert "also the code of item" in reading.problems[2].message


@pytest.mark.parametrize("pkg, match", [
    ({"title": "not a package"}, "no CFDocument object: is this a CASE CFPackage"),
    ("[1, 2", "not JSON"),
    ({**STATE, "CFAssociations": {"a": 1}}, "CFAssociations must be a list"),
])
def test_read_case_bad_twins(pkg, match):
    reading = comp.read_case(pkg)
    assert not reading.ok and match in reading.problems[0].message


def test_csv_parent_column_builds_a_tree():
    reading = comp.read_csv(HABITS_CSV, kind="habits", name="Lincoln habits", require_url=False)
    assert reading.ok and reading.name == "Lincoln habits"
    assert _shape(reading) == [("HOW", [("HOW.C", ["HOW.C.1", "HOW.C.2"]), ("HOW.P", ["HOW.P.1"])])]
    assert {e.url for e in reading.entries} == {""}  # a school's own: URLs are given where it is stored
    assert reading.entries[2].line == 4
    with pytest.raises(ModelError, match="missing column.*url"):
        comp.parse_csv(HABITS_CSV, kind="habits", name="x")  # parse_csv keeps requiring URLs


@pytest.mark.parametrize("text, line, match", [
    ("code,name,parent\nA,Alpha,\nB,Beta,Z\n", 3, "parent 'Z' is not the code"),
    ("code,name,parent\nA,Alpha,B\nB,Beta,A\n", 2, "circle: A → B → A"),
    ("code,name,parent\nA,Alpha,A\n", 2, "its own parent"),
    ("code,name,url\nA,Alpha,ftp:/x y\n", 2, "not an absolute URL"),
])
def test_csv_tree_bad_twins(text, line, match):
    reading = comp.read_csv(text, kind="academic", name="F", require_url=False)
    assert not reading.ok
    assert reading.problems[0].line == line and match in reading.problems[0].message


def test_csv_collects_every_line_problem():
    text = "code,name,kind\nA,Alpha,academic\n,Nameless,academic\nC,Gamma,sports\nA,Again,academic\n"
    reading = comp.read_csv(text, name="F", require_url=False)
    assert [(p.line, p.field) for p in reading.problems] == [(3, "code"), (4, "kind"), (5, "code")]
    assert [e.code for e in reading.entries] == ["A"]


def test_build_tree_keeps_strays_and_cycles_at_the_top():
    rows = [("A", None, 1), ("B", "A", 1), ("C", "D", 1), ("D", "C", 1), ("E", "gone", 1)]
    tree = comp.build_tree(rows, code=lambda r: r[0], parent=lambda r: r[1], position=lambda r: r[2])
    assert [b.node[0] for b in tree] == ["A", "E", "C"] and tree[0].size == 2 and tree[2].size == 2
