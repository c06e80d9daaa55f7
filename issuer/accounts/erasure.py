"""What erasing a person on request does to their account (``issuer.portfolio.privacy`` runs
the whole erasure, in one transaction, after checking who asks).

The account is deactivated and can never sign in again: its sessions end, its API tokens are
revoked, its password-reset links are deleted, its password hash, e-mail address and language
are cleared, and it is marked erased. Its username and name stay: the issued credentials and
the audit trail name them (docs/PRIVACY.md).
"""
from __future__ import annotations

from datetime import datetime

from issuer.accounts import repo as accounts_repo
from issuer.accounts.rows import UserRow

__all__ = ["account_counts", "erase_account", "user"]


async def user(user_id: int) -> UserRow | None:
    return await accounts_repo.user_by_id(user_id)


async def account_counts(user_id: int) -> dict[str, int]:
    """What erasing the account would end: open sessions."""
    return {"sessions": await accounts_repo.count_user_sessions(user_id)}


async def erase_account(user_id: int, at: datetime) -> dict[str, int]:
    """Call inside the erasure's write transaction; returns what it ended."""
    sessions = await accounts_repo.count_user_sessions(user_id)
    await accounts_repo.delete_user_sessions(user_id)
    tokens = await accounts_repo.revoke_user_tokens(user_id, at)
    resets = await accounts_repo.delete_password_resets(user_id)
    await accounts_repo.erase_user(user_id, at)
    return {"sessions": sessions, "tokens": tokens, "passwordLinks": resets}
