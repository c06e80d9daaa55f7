"""The words of every e-mail, in the recipient's language: plain text and the same as simple HTML.

Each kind is one template, ``issuer/templates/mail/<kind>.j2``, with three macros (``subject``,
``text``, ``html``), so a translator sees a message's words together and the pages' catalogs
(``issuer/render/locale``) carry them: ``python -m issuer.render.i18n`` extracts them and
``tests/issuer/test_i18n.py`` fails until each has its Spanish. Text parts and subjects turn
autoescaping off (they are not HTML); the HTML part escapes everything people wrote.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec

from issuer.mail.mailer import Email
from issuer.render.i18n import DEFAULT, LANGUAGES
from issuer.render.templating import environment

__all__ = ["DigestItem", "award", "digest", "feedback", "language", "mentor_link", "password_reset", "revocation"]

DIGEST_ITEMS = 25  # a digest lists this many; the rest are counted


class DigestItem(msgspec.Struct, frozen=True, kw_only=True):
    what: str  # submitted | needs_second | moderation (a submission's status) | plan (an ELO plan)
    learner: str
    achievement: str
    since: datetime


def language(value: str | None) -> str:
    """A language this service writes in: the person's own when known, English otherwise."""
    primary = (value or "").strip().lower()[:2]
    return primary if primary in LANGUAGES else DEFAULT


def _single_line(value: str) -> str:
    # a subject is one header line: a name with a line break in it must not add headers
    return " ".join(value.split())[:255]


def _render(kind: str, *, to: str, to_name: str, lang: str, **context: Any) -> Email:
    module = environment().get_template(f"mail/{kind}.j2").make_module({**context, "language": lang})
    subject = _single_line(str(getattr(module, "subject")()))  # noqa: B009 - macros are dynamic attributes
    return Email(to=to, to_name=_single_line(to_name), subject=subject,
                 text=str(getattr(module, "text")()).strip() + "\n",  # noqa: B009
                 html=str(getattr(module, "html")(subject)), kind=kind, language=lang)  # noqa: B009


def mentor_link(*, to: str, mentor_name: str, student: str, school: str, partner: str, achievement: str,
                url: str, expires_at: datetime) -> Email:
    """To a mentor (no account, so no known language: English)."""
    return _render("mentor_link", to=to, to_name=mentor_name, lang=DEFAULT, mentor_name=mentor_name,
                   student=student, school=school, partner=partner, achievement=achievement, url=url,
                   expires_at=expires_at)


def feedback(*, to: str, name: str, lang: str, school: str, teacher: str, achievement: str, status: str,
             feedback: str, url: str) -> Email:
    return _render("feedback", to=to, to_name=name, lang=language(lang), name=name, school=school, teacher=teacher,
                   achievement=achievement, status=status, feedback=feedback, url=url)


def award(*, to: str, name: str, lang: str, school: str, achievement: str, url: str) -> Email:
    return _render("award", to=to, to_name=name, lang=language(lang), name=name, school=school,
                   achievement=achievement, url=url)


def revocation(*, to: str, name: str, lang: str, school: str, achievement: str, at: datetime, url: str) -> Email:
    """No reason: the reason for a revocation stays with the school's staff."""
    return _render("revocation", to=to, to_name=name, lang=language(lang), name=name, school=school,
                   achievement=achievement, at=at, url=url)


def digest(*, to: str, name: str, lang: str, school: str, items: Sequence[DigestItem], url: str) -> Email:
    shown = list(items[:DIGEST_ITEMS])
    return _render("digest", to=to, to_name=name, lang=language(lang), name=name, school=school, items=shown,
                   count=len(items), more=len(items) - len(shown), url=url)


def password_reset(*, to: str, name: str, lang: str, school: str | None, username: str, url: str,
                   minutes: int) -> Email:
    return _render("password_reset", to=to, to_name=name, lang=language(lang), name=name, school=school,
                   username=username, url=url, minutes=minutes)
