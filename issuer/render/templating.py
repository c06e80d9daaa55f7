"""The one jinja2 Environment over the top-level ``templates/`` folder.

Litestar pages use it through ``JinjaTemplateEngine.from_environment(environment())`` and the
WeasyPrint PDFs through ``render_template``; both therefore escape the same way. Autoescape is on
for every template (``.html.j2`` included): everything shown comes from credentials that other
people wrote.
"""
from __future__ import annotations

import functools
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jinja2

__all__ = ["TEMPLATES_DIR", "environment", "render_template"]

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"


def _date(value: date | datetime | str | None, fmt: str = "%d %b %Y") -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:  # credentials carry dates as ISO 8601 strings (validFrom, awardedDate)
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    return value.strftime(fmt).lstrip("0")


@functools.cache
def environment() -> jinja2.Environment:
    """Built once per process; jinja2 environments are safe to share between threads."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["date"] = _date
    return env


def render_template(name: str, /, **context: Any) -> str:
    return environment().get_template(name).render(**context)
