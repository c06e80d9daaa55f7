"""What other domains may read about users: one user by id, a school's users by email.

The other domains' use cases (bulk award, extended learning) check the principal themselves
(``issuer.access``) before they read here; this module only keeps them off ``accounts.repo``
(pyproject.toml's import-linter contracts).
"""
from __future__ import annotations

from collections.abc import Iterable

from issuer.accounts import repo as accounts_repo
from issuer.accounts.repo import Row

__all__ = ["get_user", "users_by_email"]


async def get_user(user_id: int) -> Row | None:
    return await accounts_repo.get_user(user_id)


async def users_by_email(school_id: int, emails: Iterable[str]) -> dict[str, Row]:
    return await accounts_repo.users_by_email(school_id, emails)
