"""Steps of the framework pages that any browser journey can take (issue 13), e.g. the lead's
"setting up a school": a school admin imports a CASE package or a CSV file from the menu, checks
the preview, and confirms. Each works with JavaScript on or off (plain forms) and returns the new
framework's page URL. ``page`` is a Playwright page signed in as a school admin."""
from __future__ import annotations

import re
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "frameworks"
CASE_PACKAGE = DATA / "state-science.case.json"  # 10 items under 2 domains and 3 clusters
HABITS_CSV = DATA / "lincoln-habits.csv"  # 6 habits of work, three levels deep


def follow_menu(page, label: str) -> None:
    """Follow a menu entry (on a phone the menu is folded behind its toggle first)."""
    toggle = page.locator(".menu > summary")
    if toggle.is_visible() and page.locator(".menu[open]").count() == 0:
        toggle.click()
    with page.expect_navigation():
        page.locator(".primary-nav a", has_text=re.compile(f"^{re.escape(label)}$")).click()


def _submit(page, locator) -> None:
    with page.expect_navigation():
        locator.click()


def open_import(page) -> None:
    """Frameworks (menu) → Import a framework."""
    follow_menu(page, "Frameworks")
    _submit(page, page.locator("main a", has_text="Import a framework"))


def preview_framework(page, path: Path | str, *, fmt: str, kind: str, name: str = "") -> None:
    """On the import page: choose the format, kind and file, and check it (the preview shows)."""
    page.check(f"input[name=format][value={fmt}]")
    page.check(f"input[name=kind][value={kind}]")
    if name:
        page.fill("#name", name)
    page.set_input_files("#file", str(path))
    _submit(page, page.locator("main button", has_text="Check the file"))


def confirm_framework(page) -> str:
    """Confirm a clean preview; the framework's page follows. Returns its URL."""
    assert page.locator(".error-summary").count() == 0, page.locator(".error-summary").inner_text()
    _submit(page, page.locator("form.confirm-import button[type=submit]"))
    assert re.search(r"/admin/frameworks/[0-9a-f-]{36}\?done=(imported|updated)", page.url), page.url
    return page.url.split("?")[0]


def import_case_framework(page, path: Path | str = CASE_PACKAGE, *, kind: str = "academic") -> str:
    open_import(page)
    preview_framework(page, path, fmt="case", kind=kind)
    return confirm_framework(page)


def import_csv_framework(page, path: Path | str = HABITS_CSV, *, kind: str = "habits",
                         name: str = "Lincoln Habits of Work") -> str:
    open_import(page)
    preview_framework(page, path, fmt="csv", kind=kind, name=name)
    return confirm_framework(page)
