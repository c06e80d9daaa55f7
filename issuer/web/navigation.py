"""The pages' navigation by role, as data: one list of entries, each a label, a URL and the roles
that see it (docs: ``shared/design/UI.md``, "Navigation by role").

An entry is shown only when the running app has a GET route at exactly its URL, so the menu never
links to a 404: the pages that do not exist yet are listed here with the URL they will have, and
appear in the menu the day that page is mounted. A page with another URL changes its one line.
Labels are English msgids (``N_`` marks them for ``python -m issuer.render.i18n``); the layout
translates them when it renders the menu.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

import msgspec
from litestar import Litestar, Request

from issuer.access import Principal, Role

__all__ = ["NAVIGATION", "NavEntry", "NavLink", "N_", "links_for", "menu"]


def N_(message: str) -> str:
    """Marks ``message`` as a msgid for extraction; it is translated where it is shown."""
    return message


STUDENT = frozenset({Role.STUDENT})
TEACHING = frozenset({Role.TEACHER, Role.SCHOOL_ADMIN})  # a school admin also rates work
ADMIN = frozenset({Role.SCHOOL_ADMIN, Role.DISTRICT_ADMIN})  # a district admin runs any of its schools
DISTRICT = frozenset({Role.DISTRICT_ADMIN})
EVERYONE = frozenset(Role)
SIGNED_IN = frozenset({Role.STUDENT, Role.TEACHER, Role.SCHOOL_ADMIN, Role.DISTRICT_ADMIN})  # who has a password


class NavEntry(msgspec.Struct, frozen=True, kw_only=True):
    label: str
    url: str
    roles: frozenset[Role]
    # Deeper pages that belong to this entry (a submission under "Review queue"): it is marked as
    # the current section there.
    within: tuple[str, ...] = ()


class NavLink(msgspec.Struct, frozen=True, kw_only=True):
    """One link of a rendered menu. ``current``: "page" (this very page), "true" (a page within
    its section) or "" — the value of ``aria-current``."""
    label: str
    url: str
    current: str = ""


NAVIGATION: tuple[NavEntry, ...] = (
    # Student
    NavEntry(label=N_("My badges"), url="/student/badges", roles=STUDENT, within=("/student/submissions/",)),
    NavEntry(label=N_("Progress"), url="/student/progress", roles=STUDENT),
    NavEntry(label=N_("Portfolio"), url="/student/portfolio", roles=STUDENT),
    NavEntry(label=N_("Transcript"), url="/student/transcripts", roles=STUDENT, within=("/transcripts/",)),
    NavEntry(label=N_("Submit evidence"), url="/student/submit", roles=STUDENT),
    NavEntry(label=N_("Extended learning"), url="/student/elo", roles=STUDENT),
    NavEntry(label=N_("My data"), url="/student/data", roles=STUDENT, within=("/student/apps",)),
    # District admin: the schools first, then any school's admin pages (below)
    NavEntry(label=N_("Schools"), url="/district/schools", roles=DISTRICT),
    # Teacher
    NavEntry(label=N_("Review queue"), url="/teacher/reviews", roles=TEACHING,
             within=("/teacher/submissions/", "/teacher/students/")),
    NavEntry(label=N_("Classes"), url="/teacher/classes", roles=TEACHING, within=("/teacher/classes/",)),
    NavEntry(label=N_("Cohort view"), url="/teacher/cohort", roles=TEACHING),
    NavEntry(label=N_("Award history"), url="/teacher/awards", roles=TEACHING, within=("/teacher/awards/",)),
    NavEntry(label=N_("Bulk award"), url="/teacher/bulk-award", roles=TEACHING),
    NavEntry(label=N_("Extended learning"), url="/teacher/elos", roles=TEACHING),
    # School admin
    NavEntry(label=N_("School profile"), url="/admin/school", roles=ADMIN),
    NavEntry(label=N_("Frameworks"), url="/admin/frameworks", roles=ADMIN, within=("/admin/frameworks/",)),
    NavEntry(label=N_("Achievements"), url="/admin/achievements", roles=ADMIN, within=("/admin/achievements/",)),
    NavEntry(label=N_("People & classes"), url="/admin/people", roles=ADMIN,
             within=("/admin/people/", "/admin/classes")),
    NavEntry(label=N_("Keys"), url="/admin/keys", roles=ADMIN),
    NavEntry(label=N_("Trusted issuers"), url="/admin/trusted-issuers", roles=ADMIN),
    NavEntry(label=N_("Endorsements"), url="/admin/endorsements", roles=ADMIN),
    NavEntry(label=N_("API tokens"), url="/admin/api-tokens", roles=ADMIN),
    NavEntry(label=N_("Audit log"), url="/admin/audit-log", roles=ADMIN),
    NavEntry(label=N_("Outbox"), url="/admin/outbox", roles=ADMIN),  # (notify) mail kept without a server
    # Anyone signed in (notify)
    NavEntry(label=N_("Password"), url="/account/password", roles=SIGNED_IN),
    # Everyone
    NavEntry(label=N_("Verify a badge"), url="/verify", roles=EVERYONE),
)


def links_for(role: Role, pages: Collection[str], path: str = "",
              entries: Iterable[NavEntry] = NAVIGATION) -> list[NavLink]:
    """The menu of ``role``: the entries it sees whose URL is among ``pages`` (the app's GET
    routes), in order, with the one at ``path`` marked current."""
    links = []
    for entry in entries:
        if role not in entry.roles or entry.url not in pages:
            continue
        if path == entry.url:
            current = "page"
        elif any(path.startswith(prefix) for prefix in entry.within):
            current = "true"
        else:
            current = ""
        links.append(NavLink(label=entry.label, url=entry.url, current=current))
    return links


_PAGES_KEY = "navigation.pages"


def _pages(app: Litestar) -> frozenset[str]:
    """The app's GET route paths, worked out on first use and kept in that app's state."""
    pages = app.state.get(_PAGES_KEY)
    if not isinstance(pages, frozenset):
        pages = frozenset(route.path for route in app.routes if "GET" in route.methods)
        app.state[_PAGES_KEY] = pages
    return pages


def menu(request: Request[Any, Any, Any] | None, user: Principal | None = None) -> list[NavLink]:
    """The layout's menu (a Jinja global): what ``user`` (else the request's principal) sees,
    against the routes of the app serving ``request``. Without a request (a page rendered outside
    one), only what everyone sees."""
    if request is None:
        return [NavLink(label=e.label, url=e.url) for e in NAVIGATION if e.roles == EVERYONE]
    if user is None:
        user = request.scope.get("user")
    role = user.role if isinstance(user, Principal) else Role.PUBLIC
    return links_for(role, _pages(request.app), request.url.path)
