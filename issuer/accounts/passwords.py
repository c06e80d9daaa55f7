"""Forgotten passwords: a reset by e-mail, with a single-use, expiring link.

``request_reset`` takes a username or an e-mail address and answers the same whatever it names
(an account, several, or none), so the form never tells anyone which addresses have accounts;
the e-mail goes out after the answer (the page hands ``deliver`` to a background task), so
neither does the time it takes. Requests are counted like logins, per (identifier, IP) and per
IP, and over either limit the answer is 429 until the window ends.

A link is ``issuer.links``' 256-bit token; only its sha256 is stored. It works once and for
``RESET_MINUTES``; using it sets the password, ends every session of the account and retires
the account's other reset links. Every step is audited.
"""
from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from issuer.accounts import repo as accounts_repo
from issuer.accounts.rows import RecipientRow
from issuer.accounts.service import hash_password, sha256_hex
from issuer.context import IssuerContext
from issuer.db.engine import write_transaction
from issuer.errors import InvalidInput, LinkExpired, TooManyRequests
from issuer.links import new_token, plausible, token_hash
from issuer.mail import notify

__all__ = ["INVITE_MINUTES", "MIN_PASSWORD", "RESET_MINUTES", "check_reset", "invite", "request_reset",
           "reset_password"]

RESET_MINUTES = 60
INVITE_MINUTES = 24 * 60  # a new school's first admin sets a password within a day
MIN_PASSWORD = 8
MAX_PASSWORD = 1024
MAX_IDENTIFIER = 320

# What the page runs after answering: sends the reset e-mails (nothing when no account matched).
Deliver = Callable[[], Awaitable[None]]


async def _count_request(identifier: str, ip: str, now: datetime, ctx: IssuerContext) -> int | None:
    """Count this request on both counters; seconds to wait when over a limit."""
    settings = ctx.settings
    window = timedelta(seconds=settings.login_window_seconds)
    limits = ((sha256_hex("\x00".join(("reset-id-ip", identifier.lower(), ip))), settings.login_max_failures),
              (sha256_hex("\x00".join(("reset-ip", ip))), settings.login_max_failures_per_ip))
    retry = None
    async with write_transaction():
        for key, limit in limits:
            count, started = await accounts_repo.bump_login_counter(key, at=now, window_start_after=now - window)
            if count > limit:
                retry = max(retry or 0, max(1, math.ceil((started + window - now).total_seconds())))
    return retry


async def request_reset(ctx: IssuerContext, identifier: str, *, ip: str, language: str) -> Deliver:
    """Make a reset link for each active account ``identifier`` names; returns what sends them.
    ``language``: the page's, for accounts whose own language is not known."""
    identifier = (identifier or "").strip()
    if not identifier:
        raise InvalidInput("Enter your username or e-mail address", field="identifier")
    if len(identifier) > MAX_IDENTIFIER:
        raise InvalidInput("That is longer than any username or e-mail address", field="identifier")
    now = ctx.clock.now()
    retry = await _count_request(identifier, ip, now, ctx)
    if retry is not None:
        raise TooManyRequests("too many reset requests; try again later", retry_after=retry)
    people = [p for p in await accounts_repo.recipients_for_reset(identifier) if p.email]
    links: list[tuple[RecipientRow, str]] = []
    async with write_transaction():
        for person in people:
            token, digest = new_token()
            await accounts_repo.insert_password_reset(user_id=person.id, token_hash=digest, at=now,
                                                      expires_at=now + timedelta(minutes=RESET_MINUTES))
            await accounts_repo.audit(action="user.password_reset_requested", at=now, actor_id=None,
                                      district_id=person.district, school_id=person.school, subject=person.username,
                                      details={"ip": ip})
            links.append((person, f"{ctx.settings.base_url}/password-reset/{token}"))

    async def deliver() -> None:
        for person, url in links:
            await notify.password_reset(ctx, person, url=url, minutes=RESET_MINUTES, language=language)

    return deliver


async def invite(ctx: IssuerContext, user_id: int, *, language: str = "en") -> Deliver:
    """A set-password link for a new account (a new school's first admin): the password reset
    e-mail, its link working once for ``INVITE_MINUTES``. Call inside the transaction that made
    the account; run what it returns after the commit. Audited."""
    person = await accounts_repo.recipient(user_id)
    if person is None or not person.email:
        raise InvalidInput("The account needs an e-mail address for its link", field="email")
    now = ctx.clock.now()
    token, digest = new_token()
    async with write_transaction():
        await accounts_repo.insert_password_reset(user_id=person.id, token_hash=digest, at=now,
                                                  expires_at=now + timedelta(minutes=INVITE_MINUTES))
        await accounts_repo.audit(action="user.invited", at=now, actor_id=None, district_id=person.district,
                                  school_id=person.school, subject=person.username)
    url = f"{ctx.settings.base_url}/password-reset/{token}"

    async def deliver() -> None:
        await notify.password_reset(ctx, person, url=url, minutes=INVITE_MINUTES, language=language)

    return deliver


async def _live(token: str, now: datetime) -> int:
    """The reset row's id, or ``LinkExpired``."""
    if not plausible(token):
        raise LinkExpired("this password reset link is not valid")
    row = await accounts_repo.password_reset(token_hash(token))
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise LinkExpired("this password reset link is not valid, has expired or has already been used")
    return row.id


async def check_reset(ctx: IssuerContext, token: str) -> None:
    """``LinkExpired`` unless ``token`` is a live reset link (the form is shown only then)."""
    await _live(token, ctx.clock.now())


def check_new_password(new_password: str, confirm: str) -> None:
    """The rules a new password meets, each naming its field (the pages' error summaries)."""
    if len(new_password) < MIN_PASSWORD:
        raise InvalidInput(f"A password needs at least {MIN_PASSWORD} characters", field="new_password")
    if len(new_password) > MAX_PASSWORD:
        raise InvalidInput(f"A password has at most {MAX_PASSWORD} characters", field="new_password")
    if new_password != confirm:
        raise InvalidInput("The two passwords are not the same", field="confirm_password")


async def reset_password(ctx: IssuerContext, token: str, new_password: str, confirm: str) -> str:
    """Set the password the link was made for; the account's username. The link is used up."""
    now = ctx.clock.now()
    await _live(token, now)  # an expired link says so before the password is judged
    check_new_password(new_password, confirm)
    new_hash = await asyncio.to_thread(hash_password, new_password)
    async with write_transaction():
        row = await accounts_repo.password_reset(token_hash(token))
        if row is None or not await accounts_repo.use_password_reset(row.id, now):
            raise LinkExpired("this password reset link has already been used")
        user = await accounts_repo.user_by_id(row.user)
        if user is None or not user.active:
            raise LinkExpired("this account can no longer sign in")
        await accounts_repo.set_password_hash(user.id, new_hash)  # every session ends
        await accounts_repo.retire_password_resets(user.id, now)
        await accounts_repo.audit(action="user.password_reset", at=now, actor_id=user.id, district_id=user.district,
                                  school_id=user.school, subject=user.username)
    return user.username
