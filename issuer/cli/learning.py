"""``badges award`` (bulk award from a CSV file) and ``badges demo`` (a realistic demo school).

Registered by ``issuer.cli`` through its plugin list; each command sets ``func(args) -> int``.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
from datetime import date
from pathlib import Path
from typing import Any

from issuer.access import Principal, Role
from issuer.cli import command, context_for, fail
from issuer.errors import IssuerError
from issuer.schools.rows import SchoolRow
from issuer.settings import private_dir


def _settings(args):
    from issuer.cli import settings_for

    base_url = None
    if getattr(args, "base_url", None) is None and getattr(args, "serve", False) \
            and not os.environ.get("BADGES_BASE_URL"):
        # badges and DID ids must name the origin the demo is actually served on
        base_url = f"http://{args.host}:{args.port}"
    return settings_for(args, base_url=base_url)


def _staff(user: dict[str, Any] | None, school: SchoolRow) -> Principal:
    if user is None:
        return Principal(role=Role.SCHOOL_ADMIN, id=None, school_id=school.id, district_id=school.district,
                         via="cli")
    return Principal(role=Role(user["role"]), id=user["id"], school_id=user["school"], district_id=user["district"],
                     via="cli")


async def _award(args) -> int:
    from issuer.cli import _first_school
    from issuer.credentials import bulk

    ctx = context_for(_settings(args))
    school = await _first_school(args.school)
    data = Path(args.csv).read_bytes()
    try:
        job, plan = await bulk.start(ctx, _staff(None, school), data, background=False)
    except IssuerError as exc:
        for row in exc.details.get("rows", []):
            print(f"line {row['line']}: {'; '.join(row['errors'])}", file=sys.stderr)
        return fail(exc.message)
    for row in plan.skipped:
        print(f"line {row['line']}: skipped ({row['reason']})", file=sys.stderr)
    if job.status != "done":
        return fail("; ".join("; ".join(e.errors) for e in job.errors) or "the job failed")
    print(f"issued {job.issued} badge(s) from {job.total} row(s)")
    return 0


@command
def cmd_award(args) -> int:
    return asyncio.run(_award(args))


# --- demo ------------------------------------------------------------------------------------
DEMO_PASSWORD_BYTES = 9
ACADEMIC = [("MATH.HSA.REI.1", "Explain each step in solving an equation"),
            ("MATH.HSS.ID.6", "Represent data on two quantitative variables on a scatter plot"),
            ("SCI.HS.SEP.3", "Plan and carry out investigations")]
HABITS = [("HOW.COLLAB", "Collaboration: works productively with others"),
          ("HOW.PERSIST", "Persistence: revises work in response to feedback"),
          ("HOW.COMM", "Communication: presents ideas clearly to an audience")]
ELO = [("ELO.WORKPLACE", "Applies learning in a workplace setting"),
       ("ELO.COMMUNITY", "Contributes to a community organisation")]


def _rubric(*criteria: tuple[str, str, int], total: int | None = None) -> dict:
    return {"name": "Rubric", "totalRequired": total,
            "criteria": [{"id": cid, "name": name, "requiredLevel": req} for cid, name, req in criteria]}


async def seed_demo(settings) -> dict:
    """A demo district: one school, staff, students, all three framework kinds, badges."""
    import msgspec

    from issuer.access import Principal, Role
    from issuer.accounts import service as accounts
    from issuer.catalog import achievements, frameworks
    from issuer.catalog.schemas import AchievementIn, CompetencyIn, FrameworkIn
    from issuer.cli import migrate
    from issuer.credentials import repo as credentials_repo
    from issuer.credentials import status
    from issuer.evidence import elos, review
    from issuer.evidence import service as evidence
    from issuer.evidence.schemas import ReviewIn
    from issuer.schools import identity
    from issuer.schools import repo as schools_repo
    from issuer.settings import save_base_url

    private_dir(settings.data_dir)
    # Like `badges init`: later commands (award, transcript, serve) issue under the same did:web
    # ids as the demo's badges, which would otherwise fail verification.
    save_base_url(settings)
    ctx = context_for(settings, create_kek=True)
    await migrate(settings)
    now = ctx.clock.now()
    district = await schools_repo.first_district() or await schools_repo.insert_district(
        slug="district", name="Riverside Unified School District", url="https://riverside.example",
        email="office@riverside.example", at=now)
    school = await schools_repo.school_by_slug("lincoln")
    if school is not None:
        # `python3 dev.py demo` run again: keep the school and its badges, hand out fresh logins
        # (passwords are stored only as hashes, so the old ones cannot be shown again).
        return await _renew_demo_logins(school)
    school = await schools_repo.insert_school(
        district_id=district.id, slug="lincoln", name="Lincoln High School", url="https://lincoln.riverside.example",
        email="office@lincoln.riverside.example", address={"addressLocality": "Riverside", "addressCountry": "US"},
        at=now)
    await identity.signer_for(ctx, school.id)
    logins: list[tuple[str, str, str]] = []

    async def user(role, username, name):
        password = secrets.token_urlsafe(DEMO_PASSWORD_BYTES)
        u = await accounts.create_user(ctx, district_id=district.id, school_id=school.id, role=role,
                                       username=username, password=password,
                                       email=f"{username}@lincoln.riverside.example", display_name=name)
        logins.append((role, username, password))
        return Principal(role=Role(role), id=u.id, school_id=school.id, district_id=district.id)

    admin = await user("school_admin", "principal", "Dr. Amara Okafor")
    teacher = await user("teacher", "ms.chen", "Ms. Li Chen")
    teacher2 = await user("teacher", "mr.garcia", "Mr. Diego Garcia")
    students = [await user("student", u, n) for u, n in (("maya", "Maya Johnson"), ("liam", "Liam Nguyen"),
                                                         ("zoe", "Zoe Patel"), ("omar", "Omar Haddad"))]
    # classes (issue 13): each teacher sees the students of their classes; in the demo both
    # classes hold every demo student, so either teacher can rate (and second-rate) anyone's work
    from issuer.accounts import classes

    everyone = [s.id for s in students if s.id is not None]
    await classes.create_class(ctx, admin, name="Mathematics, period 2", subject="Mathematics", period="Fall 2026",
                               teacher_ids=[teacher.id], student_ids=everyone)
    await classes.create_class(ctx, admin, name="Advisory 10B", subject="Habits of work", period="Fall 2026",
                               teacher_ids=[teacher2.id, teacher.id], student_ids=everyone)
    fw_a = await frameworks.create_framework(ctx, teacher, FrameworkIn(
        kind="academic", name="Lincoln Mathematics & Science", competencies=[CompetencyIn(code=c, name=n)
                                                                             for c, n in ACADEMIC]))
    fw_h = await frameworks.create_framework(ctx, teacher, FrameworkIn(
        kind="habits", name="Lincoln Habits of Work", competencies=[CompetencyIn(code=c, name=n) for c, n in HABITS]))
    fw_e = await frameworks.create_framework(ctx, teacher, FrameworkIn(
        kind="elo", name="Extended Learning", competencies=[CompetencyIn(code=c, name=n) for c, n in ELO]))
    comp = {c.code: c.id for fw in (fw_a, fw_h, fw_e) for c in fw.competencies}
    algebra = await achievements.create_achievement(ctx, teacher, AchievementIn(
        name="Equation Reasoning", description="Explains and justifies each step in solving equations.",
        criteria="Reasoning and precision at Proficient or above.", subject="Mathematics",

        rubric=_rubric(("reasoning", "Reasoning", 3), ("precision", "Precision", 3)),
        alignments=[comp["MATH.HSA.REI.1"]]))
    stats = await achievements.create_achievement(ctx, teacher, AchievementIn(
        name="Data Storyteller", description="Represents and interprets two-variable data.",
        subject="Mathematics", prerequisites=[str(algebra.uuid)],
        rubric=_rubric(("representation", "Representation", 3), ("interpretation", "Interpretation", 3), total=7),
        alignments=[comp["MATH.HSS.ID.6"]]))
    collab = await achievements.create_achievement(ctx, teacher, AchievementIn(
        name="Collaborator", description="Works productively in a team and revises with feedback.",
        second_rater=True,
        rubric=_rubric(("teamwork", "Teamwork", 3), ("revision", "Revision", 2)),
        alignments=[comp["HOW.COLLAB"], comp["HOW.PERSIST"]]))
    internship = await achievements.create_achievement(ctx, teacher, AchievementIn(
        name="Workplace Learning", description="Completes a mentored extended learning opportunity.",
        area="elo",
        rubric=_rubric(("application", "Application of learning", 3), ("professionalism", "Professionalism", 3)),
        alignments=[comp["ELO.WORKPLACE"]]))
    issued = []

    async def earn(student, achievement, ratings, text, *, low=None, rater=teacher, second=None):
        sub = await evidence.submit(ctx, student, achievement_uuid=str(achievement.uuid), narrative=text,
                                    urls=["https://example.org/portfolio/" + str(student.id)],
                                    files=[(f"{achievement.name}.txt", f"{text}\n".encode())])
        if low:
            await review.record_review(ctx, rater, str(sub.uuid),
                                       ReviewIn(ratings=low, feedback="Close: revise and resubmit."))
            await evidence.revise(ctx, student, str(sub.uuid), narrative=text + " (revised)", urls=[],
                                  files=[("revision.txt", f"{text} revised\n".encode())])
        out = await review.record_review(ctx, rater, str(sub.uuid), ReviewIn(ratings=ratings, feedback="Well done."))
        if second:
            out = await review.record_review(ctx, second, str(sub.uuid), ReviewIn(ratings=ratings, feedback="Agreed."))
        if out.credential:
            issued.append(msgspec.to_builtins(out.credential))
        return out

    maya, liam, zoe, omar = students
    await earn(maya, algebra, {"reasoning": 4, "precision": 3}, "Solved and justified 10 equations",
               low={"reasoning": 2, "precision": 3})
    await earn(maya, stats, {"representation": 4, "interpretation": 3}, "Scatter plot of rainfall vs. yield")
    await earn(liam, algebra, {"reasoning": 3, "precision": 3}, "Worked examples with justifications")
    await earn(zoe, collab, {"teamwork": 3, "revision": 3}, "Robotics team log", second=teacher2)
    cheat = await earn(omar, algebra, {"reasoning": 3, "precision": 4}, "Equation portfolio")
    # an ELO: plan, approval, mentor attestation through the link, then the same review
    plan = await elos.propose(ctx, zoe, achievement_uuid=str(internship.uuid), partner_org="Riverside Water Lab",
                              mentor_name="Dr. Sam Rivera", mentor_email="rivera@riverlab.example",
                              goals="Sample and analyse river water quality weekly.",
                              competencies=[comp["ELO.WORKPLACE"]],
                              hours=40, start_date=date(2025, 9, 1), end_date=date(2025, 12, 1))
    decided = await elos.decide_plan(ctx, teacher, str(plan.uuid), approve=True)
    token = (decided.mentor_link or "").rsplit("/", 1)[-1]
    attested = await elos.attest(ctx, token, statement="Zoe ran 12 sampling rounds carefully and presented results.",
                                 hours=42, confirm=True)
    out = await review.record_review(ctx, teacher, str(attested.submission.uuid), ReviewIn(
        ratings={"application": 4, "professionalism": 3}, feedback="Excellent work."))
    if out.credential:
        issued.append(msgspec.to_builtins(out.credential))
    # a pending ELO plan and a pending submission for the queues
    await elos.propose(ctx, liam, achievement_uuid=str(internship.uuid), partner_org="City Library",
                       mentor_name="Ana Ruiz", mentor_email="ruiz@library.example", goals="Run a coding club.",
                       competencies=[comp["ELO.COMMUNITY"]], hours=20, start_date=date(2026, 1, 10),
                       end_date=date(2026, 3, 10))
    await evidence.submit(ctx, liam, achievement_uuid=str(stats.uuid), narrative="Draft scatter plot", urls=[],
                          files=[])
    revoked = None
    if cheat.credential:
        row = await credentials_repo.get_credential(cheat.credential.uuid)
        assert row is not None  # issued a moment ago, in this command
        await status.revoke(ctx, row.id, reason="Awarded in error: work was not the student's own",
                            actor_id=admin.id)
        revoked = msgspec.to_builtins(cheat.credential)
    return {"school": school, "logins": logins, "issued": issued, "revoked": revoked}


async def _renew_demo_logins(school) -> dict:
    from issuer.accounts import repo as accounts_repo
    from issuer.accounts import service as accounts
    from issuer.db.scope import SchoolScope

    logins = []
    for user in await accounts_repo.users(SchoolScope(frozenset({school.id}))):
        password = secrets.token_urlsafe(9)
        await accounts_repo.set_password_hash(user.id, accounts.hash_password(password))
        logins.append((user.role.value, user.username, password))
    return {"school": school, "logins": logins, "issued": [], "revoked": None, "existing": True}


async def _demo(args) -> dict:
    return await seed_demo(_settings(args))


@command
def cmd_demo(args) -> int:
    if args.data_dir:
        os.environ["BADGES_DATA_DIR"] = args.data_dir
    out = asyncio.run(_demo(args))
    base = _settings(args).base_url
    if out.get("existing"):
        print(f"demo school: {out['school'].name} already seeded in this data dir; new logins issued")
    else:
        print(f"demo school: {out['school'].name} — {len(out['issued'])} badges issued, "
              f"{1 if out['revoked'] else 0} revoked")
    for cred in out["issued"]:
        print(f"  badge: {cred['url']}")
    print("logins (shown once):")
    for role, username, password in out["logins"]:
        print(f"  {role:13} {username:10} {password}")
    settings = _settings(args)
    if settings.smtp_url:
        print(f"e-mail:  sent through {settings.smtp_url.split('@')[-1]}")
    else:  # (notify) the demo's mail: mentor links, password resets, feedback
        print(f"e-mail:  no BADGES_SMTP_URL, so mail is kept in the outbox: {base}/admin/outbox "
              "(sign in as an admin)")
    if args.serve:
        import uvicorn

        from issuer.app import create_app, server_options
        from issuer.cli import configure_logging

        print(f"serving on {base} (Ctrl-C to stop)")
        configure_logging()
        uvicorn.run(create_app(_settings(args)), host=args.host, port=args.port, log_level="info",
                    **server_options())
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    from issuer.cli import add_verifier_options

    p = subparsers.add_parser("award", help="award badges from a CSV file (every row checked before any is issued)")
    p.add_argument("csv", help="CSV with columns email, achievement, then one column per criterion id")
    p.add_argument("--school", help="school slug (default: the first school)")
    p.add_argument("--base-url")
    p.set_defaults(func=cmd_award)
    p = subparsers.add_parser("demo", help="seed a realistic demo school (and optionally serve it)")
    p.add_argument("--serve", action="store_true", help="serve the app afterwards and print the logins")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--base-url")
    p.add_argument("--data-dir", help="where the demo database and files go (default BADGES_DATA_DIR or ./var)")
    add_verifier_options(p)
    p.set_defaults(func=cmd_demo)
