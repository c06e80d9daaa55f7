"""The design-system test's own app: every component on one page (``components.html.j2``), a
stand-in page at each navigation entry's URL (so the menu shows every entry), a real page
template or two with sample data, and an echo of what a form posted. It renders with the issuer's
own Jinja environment, stylesheet, security headers and language cookie; it is no production route.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from litestar import Litestar, Request, Response, get, post
from litestar.static_files import create_static_files_router

from issuer.access import Principal, Role
from issuer.render import i18n
from issuer.render.templating import TEMPLATES_DIR, app_environment
from issuer.web import navigation
from verifier.headers import security_headers

HERE = Path(__file__).resolve().parent
AXE = HERE.parents[1] / "interop" / "node_modules" / "axe-core" / "axe.min.js"

SCALE = [
    {"value": 1, "name": "Beginning", "description": "Starts with help; the idea is not yet secure."},
    {"value": 2, "name": "Developing", "description": "Works alone on familiar tasks, with gaps."},
    {"value": 3, "name": "Proficient", "description": "Secure and independent: the standard."},
    {"value": 4, "name": "Exceeds", "description": "Transfers the skill to new, harder problems."},
]


def _criterion(cid: str, name: str, required: int, description: str, cells: list[str]) -> dict[str, Any]:
    return {"id": cid, "name": name, "requiredLevel": required, "description": description,
            "levels": [{**level, "description": text} for level, text in zip(SCALE, cells, strict=True)]}


CRITERIA = [
    _criterion("representation", "Representation", 3, "Chooses and builds a suitable display of the data.", [
        "A display is attempted; axes or scale are missing.",
        "A suitable display with some errors of scale or labels.",
        "A clear, correctly scaled display with labelled axes.",
        "Compares displays and justifies the best one for the question."]),
    _criterion("interpretation", "Interpretation", 3, "Reads the trend and what it means.", [
        "Describes single points.",
        "Describes the trend in general terms.",
        "Describes trend, strength and outliers in context.",
        "Questions causation and the limits of the data."]),
    _criterion("communication", "Communication", 2, "Explains the findings to an audience.", [
        "Findings are listed without explanation.",
        "Explains the main finding clearly.",
        "A structured explanation with evidence.",
        "Persuasive, precise and adapted to the audience."]),
]

COMPETENCIES = [
    {"id": f"c{i}", "code": code, "name": name, "required": 3}
    for i, (code, name) in enumerate([
        ("ALG.1", "Equations and inequalities"), ("ALG.2", "Linear functions"), ("GEO.1", "Congruence"),
        ("STA.1", "Two-variable data"), ("STA.2", "Probability"), ("SCI.1", "Scientific inquiry"),
        ("SCI.2", "Energy"), ("HOW.1", "Collaboration"), ("HOW.2", "Persistence"), ("ELO.1", "Workplace learning"),
    ], start=1)
]

STUDENTS = ["Maya Johnson", "Liam Nguyen", "Zoe Patel", "Omar Haddad", "Ana García", "Kenji Watanabe",
            "Fatima Bello", "Noah Schmidt"]

LONG_DID = "did:web:lincoln.riverside.example:issuers:lincoln-high-school-science-and-mathematics-department"
LONG_SHA = "3f2a9c0d8e7b6a5f4e3d2c1b0a99887766554433221100ffeeddccbbaa998877"
LONG_URL = ("https://lincoln.riverside.example/badges/7d3c1c2e-5b8f-4c4e-9a1e-3f0b6a2d9e41/evidence/"
            "3f2a9c0d8e7b6a5f4e3d2c1b0a99887766554433221100ffeeddccbbaa998877?download=1")


def demo() -> dict[str, Any]:
    """The sample data the components page shows."""
    students = [{"name": name, "url": "/components",
                 "levels": {c["id"]: level for j, c in enumerate(COMPETENCIES)
                            if (level := (i * 3 + j * 7) % 5)}}
                for i, name in enumerate(STUDENTS)]
    return {
        "scale": SCALE,
        "badges": [
            {"name": "Data Storyteller", "url": "/components", "area": "academic", "subject": "Mathematics",
             "school": "Lincoln High School", "date": "2026-01-14", "level": 3},
            {"name": "Collaborator", "url": "/components", "area": "habits", "school": "Lincoln High School",
             "date": "2025-11-03", "level": 4},
            {"name": "Workplace Learning", "url": "/components", "area": "extended", "school": "Lincoln High School",
             "date": "2025-12-01", "level": 3},
            {"name": "Equation Reasoning", "url": "/components", "area": "academic", "subject": "Mathematics",
             "school": "Lincoln High School", "date": "2025-10-20", "level": 3, "status": "revoked",
             "image": "/static/favicon.svg"},
        ],
        "statuses": ["submitted", "revise", "needs_second", "moderation", "awarded", "revoked", "suspended",
                     "expired", "proposed", "queued", "running", "done", "failed"],
        "criteria": CRITERIA,
        "achieved": {"representation": 4, "interpretation": 3, "communication": 2},
        "map": [
            {"title": "Academic · Mathematics", "competencies": [
                {"code": "ALG.1", "name": "Equations and inequalities", "reached": 4, "required": 3,
                 "evidence_url": "/components"},
                {"code": "STA.1", "name": "Two-variable data", "reached": 2, "required": 3,
                 "evidence_url": "/components"},
                {"code": "STA.2", "name": "Probability", "reached": None, "required": 3}]},
            {"title": "Habits of work", "competencies": [
                {"code": "HOW.1", "name": "Collaboration", "reached": 3, "required": 3, "evidence_url": "/components"},
                {"code": "HOW.2", "name": "Persistence", "reached": 1, "required": 2}]},
        ],
        "competencies": COMPETENCIES,
        "students": students,
        "sort_url": lambda key: "/components?" + urlencode({"sort": key}),
        "record": [
            {"key": "Student", "value": "Maya Johnson"},
            {"key": "School", "value": "Lincoln High School"},
            {"key": "Issued", "value": "14 Jan 2026"},
            {"key": "Recipient", "value": "sha256$" + LONG_SHA},
        ],
        "answers": [
            {"key": "Achievement", "value": "Data Storyteller", "action_url": "/components"},
            {"key": "File", "value": "class-10b-term-1.csv (2,000 rows)", "action_url": "/components"},
            {"key": "Students", "value": "2,000, none already holding the badge", "action_url": "/components"},
        ],
        "tasks": [
            {"name": "School profile", "url": "/components", "status": "completed",
             "hint": "Name, logo, address and the words of your scale"},
            {"name": "Frameworks", "url": "/components", "status": "in_progress"},
            {"name": "Achievements and rubrics", "url": "/components", "status": "not_started"},
            {"name": "People and classes", "url": "/components", "status": "cannot_start",
             "hint": "After the achievements"},
        ],
        "did": LONG_DID, "sha": LONG_SHA, "url": LONG_URL,
    }


SAMPLE_JOB = {
    "uuid": "0b9f4c2e-1d7a-4a55-8c1e-6f2d3b4a5c6d", "status": "running", "processed": 1240, "total": 2000,
    "issued": 1236, "finished_at": None,
    "errors": [{"line": 17, "errors": ["unknown student maya.j", "level 5 is above the scale"]},
               {"line": 903, "error": "the student already holds this badge"}],
}


def components_app() -> Litestar:
    env = app_environment(HERE, navigation=navigation.menu)  # as issuer.app.create_app does

    def html(request: Request, template: str, **context: Any) -> Response:
        response = Response(env.get_template(template).render(request=request, **context),
                            media_type="text/html; charset=utf-8")
        if "as" in request.query_params:  # the role holds on the pages the menu leads to
            response.set_cookie("as", request.query_params["as"], path="/")
        return response

    def sign_in(request: Request, role: str | None = None) -> None:
        # what the auth middleware would put there: the signed-in person (?as=<role>, remembered
        # in a cookie; a student by default)
        role = role or request.query_params.get("as") or request.cookies.get("as") or "student"
        if role != "public":
            request.scope["user"] = Principal(role=Role(role), id=1, school_id=1, district_id=1,
                                              username="ana", display_name="Ana García", via="session")

    @get("/components", sync_to_thread=False)
    def components(request: Request) -> Response:
        sign_in(request)
        return html(request, "components.html.j2", demo=demo())

    @post("/components/rubric")
    async def posted(request: Request) -> Response:
        form = await request.form()
        return html(request, "echo.html.j2", fields=sorted(form.items()))

    @get("/components/job", sync_to_thread=False)
    def job(request: Request) -> Response:
        sign_in(request, "teacher")
        return html(request, "jobs/progress.html.j2", title="Bulk award", job=SAMPLE_JOB, finished=False,
                    waiting=False, unit="rows", done_key="issued", done_label="badges issued",
                    json_url="/components/job.json")

    def stub(url: str, label: str) -> Any:
        def page(request: Request) -> Response:
            sign_in(request)
            return html(request, "stub.html.j2", title=label)
        return get(url, sync_to_thread=False, name=f"stub:{url}")(page)

    stubs = {entry.url: stub(entry.url, entry.label) for entry in navigation.NAVIGATION}
    static = create_static_files_router(path="/static", directories=[TEMPLATES_DIR / "static"], include_in_schema=False)
    return Litestar(route_handlers=[components, posted, job, *stubs.values(), static], openapi_config=None,
                    before_send=[security_headers, i18n.language_cookie(secure=False)])
