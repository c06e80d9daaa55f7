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
