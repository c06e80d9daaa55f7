"""Password reset by e-mail and password change (issue 13, Accounts), through the pages: the reset
link comes from the mail the service wrote (the outbox: no mail server in these tests), works once
and expires; the forgot form answers the same for an unknown address; requests are limited like
logins; every form re-renders with an error summary and keeps what was typed (never a password).
And the outbox page: administrators only, each their own school's."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from issuer.accounts import repo as accounts_repo
from issuer.accounts import service as accounts
from issuer.mail import repo as mail_repo
from tests.web.authz_support import app_client, login_csrf

pytestmark = pytest.mark.anyio
OLD, NEW = "old password 1", "new password 2"


async def _student(platform, seed):
    user = seed.users[("north", "student", 0)]
    await accounts.change_password(platform, user["id"], OLD, current_password=None)
    return user


async def _mails(seed, kind="password_reset"):
    rows = await mail_repo.listed(school_ids=[seed.schools["north"].id, seed.schools["south"].id],
                                  district_id=seed.district.id, limit=50, kind=kind)
    return rows


def _link(text: str) -> str:
    return re.search(r"http://127\.0\.0\.1:8000(/password-reset/[A-Za-z0-9_-]+)", text).group(1)


async def _forgot(client, identifier: str):
    csrf = await login_csrf(client)
    return await client.post("/forgot-password", data={"identifier": identifier, "csrf_token": csrf})


async def test_a_password_reset_by_email_end_to_end(platform, db, seed):
    user = await _student(platform, seed)
    async with app_client(platform, db) as client:
        login = await client.get("/login")
        assert 'href="/forgot-password"' in login.text
        answer = await _forgot(client, user["email"])
        assert answer.status_code == 200 and "Check your e-mail" in answer.text
        [mail] = await _mails(seed)
        assert mail.to_address == user["email"] and mail.status == "kept"
        link = _link(mail.text_body)
        form = await client.get(link)
        assert form.status_code == 200 and 'id="new_password"' in form.text
        csrf = re.search(r'name="csrf_token" value="([0-9a-f]+)"', form.text).group(1)
        done = await client.post(link, data={"new_password": NEW, "confirm_password": NEW, "csrf_token": csrf})
        assert done.status_code == 303 and done.headers["location"] == "/login?reset=done"
        assert "Your new password is set" in (await client.get("/login?reset=done")).text
        again = await client.post(link, data={"new_password": NEW, "confirm_password": NEW, "csrf_token": csrf})
        assert again.status_code == 410 and "Ask for a new link" in again.text  # single use
        assert (await client.get(link)).status_code == 410
    token, _ = await accounts.login(platform, user["username"], NEW, ip="10.0.0.1")
    assert token
    with pytest.raises(Exception, match="wrong password"):
        await accounts.login(platform, user["username"], OLD, ip="10.0.0.1")


async def test_an_unknown_address_gets_the_same_answer_and_no_mail(platform, db, seed):
    await _student(platform, seed)
    async with app_client(platform, db) as client:
        known = await _forgot(client, seed.users[("north", "student", 0)]["email"])
        unknown = await _forgot(client, "nobody@nowhere.example")
    strip = lambda html: re.sub(r'value="[0-9a-f]+"', "", html)  # noqa: E731 - the CSRF value differs
    assert unknown.status_code == known.status_code == 200
    assert strip(unknown.text) == strip(known.text)
    assert len(await _mails(seed)) == 1


async def test_an_expired_link_is_refused(platform, db, seed):
    user = await _student(platform, seed)
    async with app_client(platform, db) as client:
        await _forgot(client, user["username"])
        link = _link((await _mails(seed))[0].text_body)
        platform.clock.advance(timedelta(minutes=61))
        assert (await client.get(link)).status_code == 410
        assert (await client.get("/password-reset/not-a-token")).status_code == 410


async def test_the_reset_form_keeps_the_page_and_names_the_field(platform, db, seed):
    user = await _student(platform, seed)
    async with app_client(platform, db) as client:
        await _forgot(client, user["username"])
        link = _link((await _mails(seed))[0].text_body)
        csrf = re.search(r'name="csrf_token" value="([0-9a-f]+)"', (await client.get(link)).text).group(1)
        short = await client.post(link, data={"new_password": "short", "confirm_password": "short", "csrf_token": csrf})
        assert short.status_code == 422 and 'href="#new_password"' in short.text
        assert "at least 8 characters" in short.text and 'value="short"' not in short.text
        differ = await client.post(link, data={"new_password": NEW, "confirm_password": NEW + "x", "csrf_token": csrf})
        assert differ.status_code == 422 and 'href="#confirm_password"' in differ.text
        ok = await client.post(link, data={"new_password": NEW, "confirm_password": NEW, "csrf_token": csrf})
        assert ok.status_code == 303  # the failed tries did not use the link up


async def test_the_forgot_form_keeps_the_input_and_is_rate_limited(platform, db, seed):
    settings = platform.settings.replace(login_max_failures=3)
    async with app_client(platform, db, settings=settings) as client:
        empty = await _forgot(client, "   ")
        assert empty.status_code == 422 and 'href="#identifier"' in empty.text
        codes = [(await _forgot(client, "someone@example.org")).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = await _forgot(client, "someone@example.org")
        assert limited.status_code == 429 and 'value="someone@example.org"' in limited.text
        assert limited.headers["retry-after"]
        forged = await client.post("/forgot-password", data={"identifier": "x", "csrf_token": "0" * 64})
        assert forged.status_code == 403


async def test_changing_ones_password_on_the_account_page(platform, db, seed):
    user = await _student(platform, seed)  # (setting it ended the seeded sessions)
    cookie = {"Cookie": f"badges_session={await accounts.create_session(platform, user['id'])}"}
    async with app_client(platform, db) as client:
        page = await client.get("/account/password", headers=cookie)
        assert page.status_code == 200 and 'href="/account/password"' in page.text  # in the menu
        csrf = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text).group(1)
        post = lambda **f: client.post("/account/password", headers=cookie, data={"csrf_token": csrf, **f})  # noqa: E731
        wrong = await post(current_password="nope", new_password=NEW, confirm_password=NEW)
        assert wrong.status_code == 422 and 'href="#current_password"' in wrong.text
        differ = await post(current_password=OLD, new_password=NEW, confirm_password="other one")
        assert differ.status_code == 422 and 'href="#confirm_password"' in differ.text
        ok = await post(current_password=OLD, new_password=NEW, confirm_password=NEW)
        assert ok.status_code == 200 and "Password changed" in ok.text
        assert (await client.get("/account/password")).status_code in (401, 403, 303)  # signed out: no page
    assert await accounts.login(platform, user["username"], NEW, ip="10.0.0.2")


async def test_the_language_one_signs_in_with_is_the_language_of_ones_mail(platform, db, seed):
    user = await _student(platform, seed)
    async with app_client(platform, db) as client:
        csrf = await login_csrf(client)
        signed = await client.post("/login?lang=es", data={"username": user["username"], "password": OLD,
                                                           "csrf_token": csrf})
        assert signed.status_code == 303
        assert (await accounts_repo.recipient(user["id"])).language == "es"
    async with app_client(platform, db) as client:
        await _forgot(client, user["username"])
    [mail] = await _mails(seed)
    assert mail.language == "es" and mail.subject == "Restablece tu contraseña"


async def test_the_outbox_page_is_for_administrators_of_the_school(platform, db, seed):
    await _student(platform, seed)
    async with app_client(platform, db) as client:
        await _forgot(client, seed.users[("north", "student", 0)]["username"])
        await _forgot(client, seed.users[("south", "student", 0)]["username"])
        admin = await client.get("/admin/outbox", headers={"Cookie": f"badges_session={seed.session['school_admin']}"})
        assert admin.status_code == 200 and "No mail server is configured" in admin.text
        assert seed.users[("north", "student", 0)]["email"] in admin.text
        assert seed.users[("south", "student", 0)]["email"] not in admin.text  # another school's mail
        assert "/password-reset/" in admin.text  # the demo reads the link here
        assert 'href="/admin/outbox"' in admin.text  # reachable from the admin's menu
        teacher = await client.get("/admin/outbox", headers={"Cookie": f"badges_session={seed.session['teacher']}"})
        assert teacher.status_code == 403
        anonymous = await client.get("/admin/outbox")
        assert anonymous.status_code in (401, 303)
        bad = await client.get("/admin/outbox?kind=spam",
                               headers={"Cookie": f"badges_session={seed.session['school_admin']}"})
        assert bad.status_code == 422
