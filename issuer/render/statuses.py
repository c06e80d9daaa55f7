"""The words people use for the states of things, in one place: a submission's ``revise`` is
"Needs revision" on every page and in every message, never the code.

Each state has a label (an English msgid, translated where it is shown), a tone that sets the
chip's colour (``ok``, ``info``, ``warn``, ``danger``, ``neutral``) and a mark, so colour is
never the only signal. The layout's ``status_chip`` macro reads this through the ``status_of``
Jinja global.
"""
from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import msgspec

__all__ = ["MARKS", "STATUSES", "Status", "status_of"]


def N_(message: str) -> str:
    """Marks ``message`` as a msgid for extraction (``python -m issuer.render.i18n``)."""
    return message


class Status(msgspec.Struct, frozen=True):
    label: str
    tone: str
    mark: str


# The mark beside each tone's words: the chip still reads right without its colour.
MARKS: Mapping[str, str] = MappingProxyType({"ok": "✓", "info": "•", "warn": "!", "danger": "✕", "neutral": "–"})
_OK, _INFO, _WARN, _DANGER, _NEUTRAL = "ok", "info", "warn", "danger", "neutral"


def _s(label: str, tone: str) -> Status:
    return Status(label, tone, MARKS[tone])


STATUSES: Mapping[str, Status] = MappingProxyType({
    # a submission (issuer.db.tables.Submission.status)
    "submitted": _s(N_("Submitted"), _INFO),
    "needs_second": _s(N_("Waiting for a second rating"), _INFO),
    "moderation": _s(N_("In moderation"), _WARN),
    "revise": _s(N_("Needs revision"), _WARN),
    "awarded": _s(N_("Awarded"), _OK),
    "already_held": _s(N_("Already held"), _NEUTRAL),
    "prerequisites": _s(N_("Waiting for a prerequisite"), _INFO),
    # an extended learning plan (ExtendedLearning.status)
    "proposed": _s(N_("Waiting for approval"), _INFO),
    "approved": _s(N_("Approved"), _OK),
    "rejected": _s(N_("Not approved"), _DANGER),
    "attested": _s(N_("Confirmed by the mentor"), _INFO),
    # a badge
    "active": _s(N_("Valid"), _OK),
    "revoked": _s(N_("Revoked"), _DANGER),
    # a badge from elsewhere, as the verifier finds it when it is shown (issuer.portfolio.imports)
    "verified": _s(N_("Verified"), _OK),
    "unverified": _s(N_("Does not verify"), _DANGER),
    "suspended": _s(N_("Suspended"), _WARN),
    "expired": _s(N_("Expired"), _NEUTRAL),
    # a competency against its required level
    "met": _s(N_("Met"), _OK),
    "not_met": _s(N_("Not yet"), _NEUTRAL),
    # a job (bulk award, cohort transcripts)
    "queued": _s(N_("Waiting to start"), _NEUTRAL),
    "running": _s(N_("Running"), _INFO),
    "done": _s(N_("Finished"), _OK),
    "failed": _s(N_("Stopped with an error"), _DANGER),
    # a step of a task list
    "completed": _s(N_("Completed"), _OK),
    "in_progress": _s(N_("In progress"), _INFO),
    "not_started": _s(N_("Not started"), _NEUTRAL),
    "cannot_start": _s(N_("Cannot start yet"), _NEUTRAL),
    # a portfolio piece, and a share link (portfolio, transcript) (issue 12)
    "public": _s(N_("Public"), _OK),
    "private": _s(N_("Private"), _NEUTRAL),
    "link_active": _s(N_("Active"), _OK),
    "withdrawn": _s(N_("Withdrawn"), _NEUTRAL),
    "link_expired": _s(N_("Expired"), _NEUTRAL),
    # a school's signing key, an account, an API token (issue 13, the administrator's pages)
    "key_active": _s(N_("Signs new badges"), _OK),
    "key_retired": _s(N_("Retired"), _NEUTRAL),
    "account_active": _s(N_("Active"), _OK),
    "account_inactive": _s(N_("Deactivated"), _NEUTRAL),
    "account_erased": _s(N_("Erased on request"), _NEUTRAL),
    "token_revoked": _s(N_("Revoked"), _NEUTRAL),
    "ready": _s(N_("Ready"), _OK),
    # an achievement (its current version) and its older versions (issue 13)
    "achievement_open": _s(N_("Open for awards"), _OK),
    "achievement_retired": _s(N_("Closed for new awards"), _NEUTRAL),
    "version_current": _s(N_("Current version"), _OK),
    "version_superseded": _s(N_("Superseded"), _NEUTRAL),
})


def status_of(code: str | None) -> Status:
    """The words for ``code``; a code this table does not know yet reads as itself, in words
    ("some_state" → "Some state"), so a new state is never shown as an identifier."""
    known = STATUSES.get(str(code or ""))
    if known is not None:
        return known
    words = str(code or "").replace("_", " ").strip()
    return _s(words[:1].upper() + words[1:], _NEUTRAL)
