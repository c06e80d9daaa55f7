"""The audit log as an administrator reads it (issue 13, ``/admin/audit-log``): their school's
events (a district admin: the district's), filtered by who acted, what kind of action and when,
newest first, one page at a time, each with its actor's name.

The filters arrive as typed in a form: a problem (an unknown username, a date that is not one, a
range that ends before it starts) is ``InvalidInput`` naming the field, with every problem listed
in ``details["errors"]``, so the page re-renders the form with its summary.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from issuer import access
from issuer.access import Principal
from issuer.accounts import repo as accounts_repo
from issuer.accounts.rows import AuditRow, UserRow
from issuer.context import IssuerContext
from issuer.errors import InvalidInput
from issuer.schools import directory as school_names

__all__ = ["KINDS", "PER_PAGE", "AuditFilters", "AuditPage", "audit_page"]

PER_PAGE = 50
# What a reader filters by: a kind of action, and the action codes (prefixes) it covers.
KINDS: dict[str, tuple[str, ...]] = {
    "accounts": ("user.",),
    "classes": ("class.",),
    "sign-ins": ("login.",),
    "tokens": ("token.",),
    "keys": ("key.",),
    "school": ("school.", "trust."),
    "badges": ("credential.", "review.", "awards."),
    "transcripts": ("transcript.",),
    "portfolios": ("portfolio.",),
}


@dataclass(frozen=True)
class AuditFilters:
    """The filters as typed (all text; empty: no filter)."""

    who: str = ""
    kind: str = ""
    since: str = ""
    until: str = ""
    page: int = 1


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditRow]
    actors: dict[int, UserRow]
    page: int
    has_next: bool
    filters: AuditFilters
    schools: dict[int, str] = field(default_factory=dict)


def _day(value: str, name: str, errors: list[dict[str, str]]) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append({"field": name, "message": "Enter a date like 2026-12-31."})
        return None


async def audit_page(ctx: IssuerContext, principal: Principal, filters: AuditFilters) -> AuditPage:
    """One page of the events ``principal`` administers, as ``filters`` narrow them."""
    scope = access.admin_scope(principal, "read the audit log")
    errors: list[dict[str, str]] = []
    actor: UserRow | None = None
    who = filters.who.strip()
    if who:
        actor = await accounts_repo.user_by_username(who)
        if actor is None or not scope.admits(district_id=actor.district, school_id=actor.school):
            errors.append({"field": "who", "message": f"No one here has the username {who!r}."})
            actor = None
    if filters.kind and filters.kind not in KINDS:
        errors.append({"field": "kind", "message": "Choose a kind of action from the list."})
    since, until = _day(filters.since, "since", errors), _day(filters.until, "until", errors)
    if since and until and until < since:
        errors.append({"field": "until", "message": "The end date must be on or after the start date."})
    if errors:
        raise InvalidInput(errors[0]["message"], field=errors[0]["field"], errors=errors)
    page = max(1, min(filters.page, 10_000))
    where = {"district_id": scope.district_id} if scope.school_id is None else {"school_id": scope.school_id}
    rows = await accounts_repo.audit_search(
        **where, actor_id=actor.id if actor else None, prefixes=KINDS.get(filters.kind, ()),
        since=datetime.combine(since, time(), UTC) if since else None,
        # "to" a day includes that whole day
        until=datetime.combine(until + timedelta(days=1), time(), UTC) if until else None,
        offset=(page - 1) * PER_PAGE, limit=PER_PAGE + 1)
    events = rows[:PER_PAGE]
    actors = await accounts_repo.users_by_ids(e.actor for e in events if e.actor is not None)
    schools: dict[int, str] = {}
    if scope.school_id is None:  # a district admin reads several schools' events: say whose
        for school_id in {e.school for e in events if e.school is not None}:
            schools[school_id] = await school_names.school_name(school_id) or ""
    return AuditPage(events=events, actors=actors, page=page, has_next=len(rows) > PER_PAGE, filters=filters,
                     schools=schools)
