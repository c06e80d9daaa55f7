"""Browser steps of a district's set-up that other journeys reuse (issue 13): a district admin
makes a school from the menu, and its first admin sets a password from the e-mail it gets.

``create_school(page, base, smtp, name=..., admin_username=...)`` walks ``/district/schools`` →
"Add a school" → the form → "Check the new school" → "Make the school", reads the set-password
mail from the SMTP server, chooses the password and returns the new admin's login:
``{"username", "password", "email", "slug"}``. The page must be signed in as a district admin;
it is left on the password-reset confirmation (signed out). ``check(name)``, when given, runs the
caller's per-page checks (screenshot, axe, no sideways scroll) at each step.
"""
from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.browser.support import free_port

ADMIN_PASSWORD = "first day at school"
DISTRICT_ADMIN, DISTRICT_PASSWORD = "superintendent", "district office key"


def seed_district_demo(tmp_path_factory, smtp) -> tuple[int, object, dict[str, tuple[str, str]]]:
    """The demo school on a free port, sending mail to ``smtp``, plus a district admin
    (``DISTRICT_ADMIN``): (port, settings, {username: (role, password)})."""
    from issuer.cli.learning import seed_demo
    from issuer.settings import Settings

    port = free_port()
    settings = Settings(base_url=f"http://127.0.0.1:{port}", data_dir=tmp_path_factory.mktemp("issuer-data"),
                        smtp_url=smtp.url, mail_from="Riverside <badges@riverside.example>")

    async def seed() -> dict:
        from issuer.accounts import service as accounts
        from issuer.context import build_context
        from issuer.schools import repo as schools_repo

        out = await seed_demo(settings)
        ctx = build_context(settings)
        district = await schools_repo.first_district()
        await accounts.create_user(ctx, district_id=district.id, school_id=None, role="district_admin",
                                   username=DISTRICT_ADMIN, password=DISTRICT_PASSWORD,
                                   email="office@riverside.example", display_name="Dana Superintendent")
        return out

    with pytest.MonkeyPatch.context() as env:
        for name in ("DATABASE_URL", "PICCOLO_CONF"):
            env.setenv(name, "")
            env.delenv(name)
        with ThreadPoolExecutor(max_workers=1) as pool:
            out = pool.submit(asyncio.run, seed()).result()
    return port, settings, {username: (role, password) for role, username, password in out["logins"]}


def follow_menu(page, label: str) -> None:
    """Follow a menu entry (on a phone the menu is folded behind its toggle first); works
    without JavaScript (the toggle is a <details>)."""
    toggle = page.locator(".menu > summary")
    if toggle.is_visible() and page.locator(".menu[open]").count() == 0:
        toggle.click()
    link = page.locator(".primary-nav a", has_text=re.compile(f"^{re.escape(label)}$"))
    assert link.count() == 1, f"no menu entry {label!r} on {page.url}: {page.locator('.primary-nav').all_text_contents()}"
    with page.expect_navigation():
        link.click()


def set_password_link(smtp, address: str, timeout: float = 15.0) -> str:
    """The link in the newest mail to ``address``, waiting for it: the school is made first and the
    mail goes out after the response, so on a busy machine it can arrive a moment later."""
    deadline = time.monotonic() + timeout
    while not (mine := [m for m in smtp.messages if address in m.recipients]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert mine, f"no mail to {address} within {timeout:g} s"
    return re.search(r"https?://\S+/password-reset/[A-Za-z0-9_-]+", mine[-1].part("plain")).group(0)


def create_school(page, base: str, smtp, *, name: str, admin_username: str, admin_name: str | None = None,
                  admin_email: str | None = None, did_method: str = "did:web", password: str = ADMIN_PASSWORD,
                  check: Callable[[str], None] | None = None) -> dict[str, str]:
    check = check or (lambda _name: None)
    email = admin_email or f"{admin_username}@schools.riverside.example"
    follow_menu(page, "Schools")
    check("schools")
    with page.expect_navigation():
        page.click("main a:has-text('Add a school')")
    page.fill("#name", name)
    page.fill("#url", "https://" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") + ".example.org")
    page.fill("#addressLocality", "Riverside")
    page.check(f"input[name=did_method][value='{did_method}']")
    page.fill("#admin_name", admin_name or admin_username.title())
    page.fill("#admin_username", admin_username)
    page.fill("#admin_email", email)
    check("school-new")
    with page.expect_navigation():
        page.click("main button[type=submit].primary")
    assert "Check the new school" in page.locator("h1").text_content()
    check("school-check")
    slug = page.locator("input[type=hidden][name=slug]").get_attribute("value")
    with page.expect_navigation():
        page.click("main button[type=submit].primary")
    assert page.locator("#made").is_visible()
    check("school-made")
    page.goto(set_password_link(smtp, email))
    page.fill("#new_password", password)
    page.fill("#confirm_password", password)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "/login?reset=done" in page.url
    return {"username": admin_username, "password": password, "email": email, "slug": slug}
