"""The one jinja2 Environment over the issuer's ``templates/`` package data.

Litestar pages use it through ``JinjaTemplateEngine.from_environment(environment())`` and the
WeasyPrint PDFs through ``render_template``; both therefore escape the same way. Autoescape is on
for every template (``.html.j2`` included): everything shown comes from credentials that other
people wrote.
"""
from __future__ import annotations

import atexit
import functools
import importlib.resources
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import jinja2

from issuer.render import i18n

__all__ = ["TEMPLATES_DIR", "environment", "include_templates", "package_dir", "render_template"]

_EXTRACTED = ExitStack()
atexit.register(_EXTRACTED.close)


def package_dir(package: str, name: str) -> Path:
    """A folder of package data as a real directory (jinja2's loader and WeasyPrint's base URL
    need file paths): the folder itself in an ordinary install, else a copy kept for the process."""
    resource = importlib.resources.files(package) / name
    if isinstance(resource, Path):
        return resource.resolve()
    return _EXTRACTED.enter_context(importlib.resources.as_file(resource)).resolve()


TEMPLATES_DIR = package_dir("issuer", "templates")


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
    i18n.install(env)  # _(), {% trans %}, the date filters and the language switcher
    return env


def include_templates(directory: Path) -> None:
    """Let the environment also find templates in ``directory`` (after the issuer's own): the
    composition root adds the mounted verifier's pages this way, so this module never imports it."""
    loader = environment().loader
    assert isinstance(loader, jinja2.FileSystemLoader)
    if str(directory) not in loader.searchpath:
        loader.searchpath.append(str(directory))


def render_template(name: str, /, **context: Any) -> str:
    return environment().get_template(name).render(**context)
