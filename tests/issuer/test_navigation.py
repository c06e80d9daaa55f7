"""The navigation by role (issuer.web.navigation): one list of entries, shown only where the
running app has the page, so no menu link 404s (the browser test follows every link)."""
from __future__ import annotations

import pytest

from issuer.access import Role
from issuer.web.navigation import NAVIGATION, NavLink, links_for

# What each role's menu holds today. A new page at an entry's URL adds its label here.
TODAY = {
    Role.STUDENT: ["My badges", "Progress", "Portfolio", "Transcript", "Submit evidence", "Extended learning",
                   "My data", "Password", "Verify a badge"],
    Role.TEACHER: ["Review queue", "Classes", "Cohort view", "Award history", "Bulk award", "Extended learning", "Password",
                   "Verify a badge"],
    Role.SCHOOL_ADMIN: ["Review queue", "Classes", "Cohort view", "Award history", "Bulk award", "Extended learning",
                        "School profile", "Frameworks", "Achievements", "People & classes", "Keys", "Trusted issuers", "Endorsements",
                        "API tokens", "Audit log", "Outbox", "Password", "Verify a badge"],
    Role.DISTRICT_ADMIN: ["Schools", "School profile", "Frameworks", "Achievements", "People & classes", "Keys",
                          "Trusted issuers", "Endorsements", "API tokens", "Audit log", "Outbox", "Password", "Verify a badge"],
    Role.PUBLIC: ["Verify a badge"],
}


def test_every_role_of_ui_md_has_its_entries_in_order():
    def labels(role):
        return [e.label for e in NAVIGATION if role in e.roles]

    # (issue 13) every signed-in person's own password page, before "Verify a badge"
    assert labels(Role.STUDENT) == ["My badges", "Progress", "Portfolio", "Transcript", "Submit evidence",
                                    "Extended learning", "My data", "Password", "Verify a badge"]
    assert labels(Role.TEACHER) == ["Review queue", "Classes", "Cohort view", "Award history", "Bulk award",
                                    "Extended learning", "Password", "Verify a badge"]
    assert labels(Role.DISTRICT_ADMIN)[:2] == ["Schools", "School profile"]  # then any school's admin pages
    assert labels(Role.SCHOOL_ADMIN)[-12:] == ["School profile", "Frameworks", "Achievements", "People & classes",
                                               "Keys", "Trusted issuers", "Endorsements", "API tokens", "Audit log", "Outbox",
                                               "Password", "Verify a badge"]
    assert labels(Role.PUBLIC) == labels(Role.MENTOR) == ["Verify a badge"]
    assert len({e.url for e in NAVIGATION if Role.STUDENT in e.roles}) == len(labels(Role.STUDENT))


def test_an_entry_shows_only_where_its_page_exists_and_the_current_one_is_marked():
    pages = {"/student/badges", "/verify"}
    links = links_for(Role.STUDENT, pages, "/student/submissions/abc")
    assert [(link.label, link.current) for link in links] == [("My badges", "true"), ("Verify a badge", "")]
    assert [link.current for link in links_for(Role.STUDENT, pages, "/verify")] == ["", "page"]
    # a transcript's own page belongs under "Transcript"
    transcript = links_for(Role.STUDENT, {"/student/transcripts"}, "/transcripts/0b0c")
    assert [(link.label, link.current) for link in transcript] == [("Transcript", "true")]
    assert links_for(Role.TEACHER, pages) == [NavLink(label="Verify a badge", url="/verify")]


@pytest.mark.anyio
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_the_menus_of_the_app_today(client):
    from issuer.web.navigation import _pages

    pages = _pages(client.app)
    for role, expected in TODAY.items():
        assert [link.label for link in links_for(role, pages)] == expected, role
    # the layout renders the menu of the signed-in person
    html = (await client.get("/login", headers={"accept": "text/html"})).text
    assert '<a href="/verify">Verify a badge</a>' in html and "/student/badges" not in html
