"""The achievement editor as a step of any browser journey (issue 13): ``build_achievement(page,
name=…, area=…, criteria=[…], levels=4)`` fills ``/admin/achievements/new`` and saves. It needs a
signed-in administrator's page and works with JavaScript off (every add/remove is a form submit)."""
from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

BADGE_SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><path d="M32 4 L58 18 L58 46 L32 60 '
             b'L6 46 L6 18 Z" fill="#0b5cad"/><circle cx="32" cy="32" r="12" fill="#ffffff"/></svg>')


def submit_and_wait(page, locator) -> None:
    with page.expect_navigation():
        locator.click()


def build_achievement(page, *, name: str, area: str = "academic", subject: str = "Science",
                      criteria: Sequence[str | tuple[str, int]] = ("Planning", "Analysis"), levels: int = 4,
                      description: str | None = None, competencies: Sequence[str] = (), total: int | None = None,
                      save: bool = True) -> str:
    """Fill the achievement editor and save; return the new achievement's page URL.

    ``page`` is a signed-in administrator's (any page of the app: the editor is opened at
    ``/admin/achievements/new`` of the same origin unless it is already open). ``criteria``: names,
    or (name, required level); ``levels``: how many columns (the school's words, then "Level n");
    ``competencies``: codes to tick among those the area offers. Every add/remove is a form submit,
    so this works with JavaScript off as well."""
    if urlsplit(page.url).path != "/admin/achievements/new":
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
        page.goto(f"{origin}/admin/achievements/new")
    page.fill("#name", name)
    page.fill("#description", description or f"{name}: what a student shows to earn it.")
    page.check(f"#area-{area}")
    page.fill("#subject", subject if area == "academic" else "")
    if area != "academic":  # the competencies of the chosen area
        submit_and_wait(page, page.get_by_role("button", name="Show the competencies of this area"))
    while page.locator("#levels input[type=text]").count() < levels:
        submit_and_wait(page, page.get_by_role("button", name="Add a level"))
    while page.locator("#levels input[type=text]").count() > levels:
        submit_and_wait(page, page.get_by_role("button", name="Remove the highest level"))
    while page.locator(".criterion-row").count() < len(criteria):
        submit_and_wait(page, page.get_by_role("button", name="Add a criterion"))
    while page.locator(".criterion-row").count() > len(criteria):
        submit_and_wait(page, page.locator(".criterion-row").last.get_by_role("button", name=re.compile("^Remove")))
    for j in range(1, levels + 1):
        if not page.input_value(f"#level-{j}"):
            page.fill(f"#level-{j}", f"Level {j}")
    words = [page.input_value(f"#level-{j}") for j in range(1, levels + 1)]
    for i, criterion in enumerate(criteria, start=1):
        title, required = (criterion, min(3, levels)) if isinstance(criterion, str) else criterion
        page.fill(f"#c-{i}-name", title)
        page.select_option(f"#c-{i}-required", str(required))
        for j, word in enumerate(words, start=1):
            page.fill(f"#c-{i}-level-{j}", f"{title}: work at {word.lower()}")
    if total is not None:
        page.fill("#total", str(total))
    for code in competencies:
        page.locator("#alignments .choice", has_text=code).locator("input").check()
    if save:
        submit_and_wait(page, page.locator("form.achievement-form button.primary[value=save]"))
        assert page.locator(".error-summary").count() == 0, page.locator(".error-summary").inner_text()
    return page.url


