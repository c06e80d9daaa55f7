"""Privacy requests about one student, made by an administrator of their school (issue 13):
an export of everything the student holds, and an erasure on request.

The export is the student's own "My data" archive (``issuer.portfolio.archive``), built as the
student would see it. The erasure deactivates the account and deletes the student's evidence,
keeping what the issued credentials and the law need (docs/PRIVACY.md): in one write
transaction each domain erases its part (``issuer.evidence.erasure``, ``issuer.accounts.erasure``,
the portfolio, the transcripts' share links, the mail kept for them) and an audit event says who
erased whom on request; the files only they used are then taken off the disk. Erasing twice is
harmless: the second time finds nothing to delete and writes no second event.

Who may: an administrator of the student's school, or of its district (``issuer.access``): a
teacher is forbidden (403), another school's administrator gets 404.
"""
from __future__ import annotations

import msgspec

from issuer.access import Principal, Role
from issuer.accounts import admin as account_admin
from issuer.accounts import audit as audit_trail
from issuer.accounts import erasure as account_erasure
from issuer.accounts.rows import UserRow
from issuer.context import IssuerContext
from issuer.db.engine import write_transaction
from issuer.errors import NotFound
from issuer.evidence import erasure as evidence_erasure
from issuer.mail import service as mail
from issuer.obapi import apps as connected_apps
from issuer.portfolio import archive
from issuer.portfolio import repo as portfolio_repo
from issuer.storage import FileStore
from issuer.transcripts import shares as transcript_shares

__all__ = ["ErasurePlan", "erase", "erasure_plan", "export", "student"]


class ErasurePlan(msgspec.Struct, frozen=True, kw_only=True):
    """What an erasure deletes and what it keeps, counted (the check page lists both)."""

    student: UserRow
    erased: bool  # already erased: nothing left to delete
    delete: dict[str, int]  # what -> how many
    keep: dict[str, int]


async def student(principal: Principal, user_id: int) -> UserRow:
    """A student the administrator may manage (403 for a teacher, 404 outside their school)."""
    user = await account_admin.managed_user(principal, user_id)
    if user.role != Role.STUDENT:
        raise NotFound("privacy requests here are for students")
    return user


def _as_student(user: UserRow) -> Principal:
    return Principal(role=Role.STUDENT, id=user.id, school_id=user.school, district_id=user.district,
                     learner_id=user.id, username=user.username, display_name=user.display_name or user.username,
                     via="session")


async def export(ctx: IssuerContext, principal: Principal, user_id: int) -> tuple[bytes, str]:
    """The student's "My data" archive (ZIP bytes, file name), audited."""
    user = await student(principal, user_id)
    data, name = await archive.build(ctx, _as_student(user))
    if user.school is not None:
        await audit_trail.record(principal, action="user.export", school_id=user.school, subject=user.username,
                                 at=ctx.clock.now(), district_id=user.district, reason="on request")
    return data, name


async def erasure_plan(ctx: IssuerContext, principal: Principal, user_id: int) -> ErasurePlan:
    user = await student(principal, user_id)
    held, own_files = await evidence_erasure.what_they_hold(user.id)
    counts = await archive.summary(ctx, _as_student(user))
    portfolio = await portfolio_repo.learner_portfolio_counts(user.id)
    sessions = (await account_erasure.account_counts(user.id))["sessions"]
    delete = {"versions": held.versions, "files": len(own_files), "selfAssessments": held.self_assessments,
              "feedback": held.feedback, "mentorContacts": held.elos, "mentorLinks": held.mentor_links,
              "portfolio": portfolio["portfolio"], "pieces": portfolio["pieces"],
              "portfolioShares": portfolio["portfolioShares"],
              "badgesFromElsewhere": len(await portfolio_repo.learner_import_hashes(user.id)),
              "transcriptShares": await transcript_shares.learner_share_count(user.id),
              "sessions": sessions, "messages": await mail.messages_for(user.id),
              "connectedApps": await connected_apps.grant_count(user.id)}
    keep = {"badges": counts["badges"], "transcripts": counts["transcripts"], "submissions": held.submissions}
    return ErasurePlan(student=user, erased=user.erased_at is not None, delete=delete, keep=keep)


async def erase(ctx: IssuerContext, principal: Principal, user_id: int) -> ErasurePlan:
    """Erase the student's evidence and close the account (see the module docstring); returns
    what was deleted. Irreversible; idempotent."""
    plan = await erasure_plan(ctx, principal, user_id)
    user = plan.student
    if plan.erased and not any(plan.delete.values()):
        return plan
    now = ctx.clock.now()
    async with write_transaction():
        files = await evidence_erasure.erase(user.id)
        await portfolio_repo.delete_learner_portfolio(user.id)
        imported_files = await portfolio_repo.delete_learner_imports(user.id)
        await transcript_shares.delete_learner_shares(user.id)
        await mail.forget_recipient(user.id)
        ended = await account_erasure.erase_account(user.id, now)
        await connected_apps.forget(user.id)
        if user.school is not None:
            await audit_trail.record(principal, action="user.erase", school_id=user.school, subject=user.username,
                                     at=now, district_id=user.district, reason="on request",
                                     deleted={**plan.delete, **ended}, kept=plan.keep)
    store = FileStore.from_settings(ctx.settings)
    removed = evidence_erasure.remove_files(store, files) + evidence_erasure.remove_files(store, imported_files)
    return msgspec.structs.replace(plan, erased=True, delete={**plan.delete, "filesOnDisk": removed})
