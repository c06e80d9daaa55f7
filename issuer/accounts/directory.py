"""What other domains may read about users: one user by id, a school's students by email or
username, and who e-mail reaches (``recipient``, ``recipients``, ``digest_recipients``: issuer.mail).

The other domains' use cases (bulk award, extended learning) check the principal themselves
(``issuer.access``) before they read here; this module only keeps them off ``accounts.repo``
(pyproject.toml's import-linter contracts).
"""
from __future__ import annotations

from collections.abc import Iterable

from issuer.accounts import repo as accounts_repo
from issuer.accounts.repo import Row
from issuer.accounts.rows import RecipientRow, UserRow

__all__ = ["digest_recipients", "get_user", "get_user_by_username", "people_counts", "recipient", "recipients",
           "school_has_classes", "students_by_username", "taught_learners", "user_row", "users_by_email"]


async def get_user(user_id: int) -> Row | None:
    return await accounts_repo.get_user(user_id)


async def user_row(user_id: int) -> UserRow | None:
    """One user, typed (the OB 3.0 REST API checks who a token speaks for)."""
    return await accounts_repo.user_by_id(user_id)


async def users_by_email(school_id: int, emails: Iterable[str]) -> dict[str, Row]:
    return await accounts_repo.users_by_email(school_id, emails)


async def students_by_username(school_id: int, usernames: Iterable[str]) -> dict[str, Row]:
    return await accounts_repo.students_by_username(school_id, usernames)


async def recipients(user_ids: Iterable[int]) -> list[RecipientRow]:
    """Several people as e-mail reaches them, in one query (a bulk award's notices)."""
    return await accounts_repo.recipients(user_ids)


async def recipient(user_id: int) -> RecipientRow | None:
    """The person as e-mail reaches them: address, name, language, whether still active."""
    return await accounts_repo.recipient(user_id)


async def digest_recipients(roles: Iterable[str]) -> list[RecipientRow]:
    """Active staff with an address, in ``roles`` (the daily digest)."""
    return await accounts_repo.digest_recipients(roles)


async def people_counts(school_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """{school id: {role: active accounts}} (the district's schools page)."""
    return await accounts_repo.people_counts(school_ids)


async def get_user_by_username(username: str) -> UserRow | None:
    return await accounts_repo.user_by_username(username)
async def school_has_classes(school_id: int) -> bool:
    """Whether the school has made a class (``issuer.access.visible_learners``)."""
    return await accounts_repo.school_has_classes(school_id)


async def taught_learners(teacher_id: int, school_id: int) -> frozenset[int]:
    """The students of the teacher's classes in use at this school."""
    return await accounts_repo.taught_learners(teacher_id, school_id)
