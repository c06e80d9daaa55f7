"""Mail (issuer.mail): the SMTP adapter against a real SMTP server on 127.0.0.1, the outbox when no
server is configured, and the notifications the domains send after their transaction commits: a
mail server that is down never undoes an award, and the failure is kept on the outbox row."""
from __future__ import annotations

from datetime import timedelta

import msgspec
import pytest

from issuer.errors import Forbidden, InvalidInput
from issuer.evidence import elos, review
from issuer.evidence import service as evidence
from issuer.evidence.schemas import ReviewIn
from issuer.mail import Email, MailError, RecordingMailer, mailer_for
from issuer.mail import repo as mail_repo
from issuer.mail import service as mail
from issuer.mail.digest import send_digests
from issuer.mail.outbox import OutboxMailer
from issuer.mail.smtp import SmtpConfig, SmtpMailer
from issuer.settings import Settings, SettingsError
from tests.issuer.learning_support import make_achievement
from tests.issuer.smtp_support import SmtpServer

pytestmark = pytest.mark.anyio

EMAIL = Email(to="ana@example.org", to_name="Ana López", subject="Hello", text="Plain words\n",
              html="<p>Plain words</p>", kind="feedback", language="es")


@pytest.fixture
def smtp_server():
    server = SmtpServer(username="badges", password="s3cret pass").start()
    yield server
    server.stop()


# ---- configuration -------------------------------------------------------------------------------

def test_the_smtp_url_is_parsed_with_its_security_and_credentials():
    c = SmtpConfig.from_url("smtp://user%40x:p%3Ass@mail.example:587?starttls=1")
    assert (c.host, c.port, c.starttls, c.tls, c.username, c.password) == ("mail.example", 587, True, False,
                                                                           "user@x", "p:ss")
    s = SmtpConfig.from_url("smtps://mail.example")
    assert (s.port, s.tls, s.starttls) == (465, True, False)
    assert SmtpConfig.from_url("smtp://mail.example").port == 25
    assert "p:ss" not in repr(c)


@pytest.mark.parametrize("url", ["http://mail.example", "smtp://", "smtp://host:99999", "mailto:a@b"])
def test_a_bad_smtp_url_is_a_settings_error(url):
    with pytest.raises(SettingsError):
        Settings(smtp_url=url)


def test_without_a_server_the_mailer_is_the_outbox_and_with_one_smtp():
    assert isinstance(mailer_for(Settings()), OutboxMailer)
    assert isinstance(mailer_for(Settings(smtp_url="smtp://127.0.0.1:2525")), SmtpMailer)
    assert Settings().mail_sender == "no-reply@127.0.0.1"
    assert "secret" not in repr(Settings(smtp_url="smtp://u:secret@h"))


def test_a_sender_with_a_line_break_is_refused():
    with pytest.raises(SettingsError):
        Settings(mail_from="a@b.example\r\nBcc: x@y")


# ---- the SMTP adapter, against a real server ----------------------------------------------------

async def test_smtp_delivers_text_and_html_with_login(smtp_server):
    mailer = SmtpMailer.from_url(smtp_server.url)
    assert await mailer.deliver(EMAIL, sender="Badges <badges@school.example>") == "sent"
    [got] = smtp_server.messages
    assert got.login == "badges" and got.recipients == ["ana@example.org"]
    assert got.sender == "badges@school.example"
    assert got.message["Subject"] == "Hello" and "Ana López" in got.message["To"]
    assert got.message["Content-Language"] == "es"
    assert got.part("plain") == "Plain words\n" and "<p>Plain words</p>" in got.part("html")


async def test_smtp_with_a_wrong_password_raises_mail_error(smtp_server):
    mailer = SmtpMailer.from_url(f"smtp://badges:wrong@127.0.0.1:{smtp_server.port}")
    with pytest.raises(MailError, match="535|uthentication"):
        await mailer.deliver(EMAIL, sender="badges@school.example")
    assert smtp_server.messages == []


async def test_smtp_refused_recipient_and_closed_port_raise_mail_error():
    refusing = SmtpServer(refuse_rcpt=True).start()
    try:
        with pytest.raises(MailError, match="550|refused"):
            await SmtpMailer.from_url(refusing.url).deliver(EMAIL, sender="badges@school.example")
    finally:
        refusing.stop()
    closed = refusing.port  # nobody listens there any more
    with pytest.raises(MailError):
        await SmtpMailer.from_url(f"smtp://127.0.0.1:{closed}", timeout=2).deliver(EMAIL, sender="b@s.example")


# ---- sending through the outbox ------------------------------------------------------------------

async def test_send_over_smtp_marks_the_row_sent_and_erases_its_bodies(platform, seed, smtp_server):
    ctx = platform.replace(mailer=SmtpMailer.from_url(smtp_server.url))
    row = await mail.send(ctx, EMAIL, school_id=seed.schools["north"].id)
    assert row.status == "sent" and row.sent_at is not None and row.attempts == 1
    assert (row.text_body, row.html_body) == ("", "")  # the recipient has them; a link must not linger
    assert len(smtp_server.messages) == 1


async def test_without_a_server_the_message_is_kept_readable(platform, seed):
    row = await mail.send(platform, EMAIL, school_id=seed.schools["north"].id)
    assert row.status == "kept" and row.text_body == "Plain words\n"


async def test_a_failed_send_is_recorded_and_retried_later(platform, seed, smtp_server):
    down = platform.replace(mailer=RecordingMailer(failing=True))
    row = await mail.send(down, EMAIL, school_id=seed.schools["north"].id)
    assert row.status == "failed" and "down" in row.error and row.text_body  # kept for the retry
    up = platform.replace(mailer=SmtpMailer.from_url(smtp_server.url))
    assert await mail.retry(up) == (1, 0)
    assert (await mail_repo.get(row.id)).status == "sent"
    assert smtp_server.messages[0].part("plain") == "Plain words\n"
    assert await mail.retry(up) == (0, 0)  # nothing left


async def test_the_outbox_is_for_administrators_of_the_school(platform, seed, people):
    await mail.send(platform, EMAIL, school_id=seed.schools["north"].id)
    await mail.send(platform, msgspec.structs.replace(EMAIL, to="south@example.org"),
                    school_id=seed.schools["south"].id)
    north = await mail.outbox(platform, people["admin"])
    assert [m.to_address for m in north] == ["ana@example.org"]
    with pytest.raises(Forbidden):
        await mail.outbox(platform, people["teacher"])  # reset links are in there
    with pytest.raises(Forbidden):
        await mail.outbox(platform, people["student"])
    with pytest.raises(InvalidInput):
        await mail.outbox(platform, people["admin"], kind="spam")


# ---- what is sent, after the commit --------------------------------------------------------------

async def _submitted(platform, people):
    achievement = await make_achievement(people, platform)
    sub = await evidence.submit(platform, people["student"], achievement_uuid=str(achievement.uuid),
                                narrative="My lab report", urls=[], files=[])
    return achievement, sub


async def test_the_student_hears_of_feedback_then_of_the_badge(platform, seed, people):
    fake = RecordingMailer()
    ctx = platform.replace(mailer=fake)
    student = seed.users[("north", "student", 0)]
    _, sub = await _submitted(ctx, people)
    out = await review.record_review(ctx, people["teacher"], str(sub.uuid),
                                     ReviewIn(ratings={"analysis": 2, "communication": 3}, feedback="Explain why."))
    assert out.status == "revise"
    [first] = fake.to(student["email"])
    assert first.kind == "feedback" and "Explain why." in first.text and "Explain why." in first.html
    assert f"/student/submissions/{sub.uuid}" in first.text
    await evidence.revise(ctx, people["student"], str(sub.uuid), narrative="Better report", urls=[], files=[])
    out = await review.record_review(ctx, people["teacher"], str(sub.uuid),
                                     ReviewIn(ratings={"analysis": 3, "communication": 3}))
    assert out.status == "awarded" and out.issued
    second = fake.to(student["email"])[1]
    assert second.kind == "award" and f"/badges/{out.credential.uuid}" in second.text
    assert "Lab Scientist" in second.subject
    assert fake.to(seed.users[("north", "student", 1)]["email"]) == []  # nobody else hears of it


async def test_a_mail_server_that_is_down_never_undoes_the_award(platform, seed, people):
    ctx = platform.replace(mailer=RecordingMailer(failing=True))
    _, sub = await _submitted(ctx, people)
    out = await review.record_review(ctx, people["teacher"], str(sub.uuid),
                                     ReviewIn(ratings={"analysis": 4, "communication": 3}))
    assert out.status == "awarded" and out.issued  # the badge stands
    assert (await evidence.get_submission(ctx, people["teacher"], str(sub.uuid))).status == "awarded"
    [row] = await mail.outbox(ctx, people["admin"])
    assert row.status == "failed" and row.kind == "award" and "down" in row.error


async def test_a_rating_waiting_for_a_blind_second_rater_tells_the_student_nothing(platform, seed, people):
    fake = RecordingMailer()
    ctx = platform.replace(mailer=fake)
    achievement = await make_achievement(people, ctx, second_rater=True)
    sub = await evidence.submit(ctx, people["student"], achievement_uuid=str(achievement.uuid),
                                narrative="Report", urls=[], files=[])
    out = await review.record_review(ctx, people["teacher"], str(sub.uuid),
                                     ReviewIn(ratings={"analysis": 3, "communication": 3}))
    assert out.status == "needs_second"
    assert fake.sent == []


async def test_the_mentor_gets_the_single_use_link_by_smtp(platform, seed, people, smtp_server):
    ctx = platform.replace(mailer=SmtpMailer.from_url(smtp_server.url))
    achievement = await make_achievement(people, ctx)
    elo = await elos.propose(ctx, people["student"], achievement_uuid=str(achievement.uuid), partner_org="City Zoo",
                             mentor_name="Dr Rivera", mentor_email="rivera@zoo.example", goals="Care for animals",
                             competencies=[], hours=20, start_date="2026-01-10", end_date="2026-02-10")
    decision = await elos.decide_plan(ctx, people["teacher"], str(elo.uuid), approve=True)
    [got] = smtp_server.messages
    assert got.recipients == ["rivera@zoo.example"]
    assert decision.mentor_link in got.part("plain") and decision.mentor_link in got.part("html")
    assert "City Zoo" in got.part("plain") and "North student 0" in got.message["Subject"]
    view = await elos.mentor_view(ctx, decision.mentor_link.rsplit("/", 1)[1])  # the mailed link works
    assert view.elo.uuid == elo.uuid


async def test_a_rejected_plan_sends_no_link(platform, seed, people):
    fake = RecordingMailer()
    ctx = platform.replace(mailer=fake)
    achievement = await make_achievement(people, ctx)
    elo = await elos.propose(ctx, people["student"], achievement_uuid=str(achievement.uuid), partner_org="Zoo",
                             mentor_name="M", mentor_email="m@zoo.example", goals="G", competencies=[], hours=5,
                             start_date="2026-01-10", end_date="2026-01-20")
    await elos.decide_plan(ctx, people["teacher"], str(elo.uuid), approve=False)
    assert fake.sent == []


async def test_a_revocation_tells_the_student_but_never_the_reason(platform, seed, people):
    from issuer.credentials import status

    fake = RecordingMailer()
    ctx = platform.replace(mailer=fake)
    _, sub = await _submitted(ctx, people)
    out = await review.record_review(ctx, people["teacher"], str(sub.uuid),
                                     ReviewIn(ratings={"analysis": 3, "communication": 3}))
    await status.revoke(ctx, await _credential_row_id(out.credential.uuid), reason="Plagiarised from a classmate", actor_id=None)
    last = fake.sent[-1]
    assert last.kind == "revocation" and "Lab Scientist" in last.subject
    assert "Plagiarised" not in last.text + last.html + last.subject


async def _credential_row_id(credential_uuid: str) -> int:
    from issuer.db.tables import IssuedCredential

    row = await IssuedCredential.select(IssuedCredential.id).where(IssuedCredential.uuid == credential_uuid).first()
    return row["id"]


async def test_the_digest_lists_the_queue_once_a_day_in_the_teachers_language(platform, seed, people):
    from issuer.accounts import repo as accounts_repo

    fake = RecordingMailer()
    ctx = platform.replace(mailer=fake)
    teacher = seed.users[("north", "teacher", 0)]
    await accounts_repo.set_language(teacher["id"], "es")
    assert await send_digests(ctx) == 0  # an empty queue sends nothing
    _, sub = await _submitted(ctx, people)
    assert await send_digests(ctx) == 2  # north's teacher and north's school admin
    [digest] = fake.to(teacher["email"])
    assert digest.language == "es" and "Trabajo para calificar" in digest.text
    assert "North student 0" in digest.text and "/teacher/reviews" in digest.text
    assert fake.to(seed.users[("south", "teacher", 0)]["email"]) == []  # south has nothing waiting
    assert await send_digests(ctx) == 0  # not twice on one day
    platform.clock.advance(timedelta(days=1))
    assert await send_digests(ctx) == 2  # the next day, again (the work still waits)
