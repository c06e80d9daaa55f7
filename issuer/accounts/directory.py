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
from issuer.accounts.rows import RecipientRow

__all__ = ["digest_recipients", "get_user", "recipient", "recipients", "students_by_username", "users_by_email"]


async def get_user(user_id: int) -> Row | None:
    return await accounts_repo.get_user(user_id)


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
