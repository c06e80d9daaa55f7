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

__all__ = ["APP_ENVIRONMENT", "TEMPLATES_DIR", "app_environment", "environment", "environment_for", "package_dir",
           "render_template"]

# Where an app keeps its own environment (``app.state``): the one ``render_template`` uses for its requests.
APP_ENVIRONMENT = "templates"

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


def app_environment(*extra_dirs: Path, **globals: Any) -> jinja2.Environment:
    """An app's own environment: the shared one's templates, filters and translations, plus the
    templates in ``extra_dirs`` (the composition root adds the mounted verifier's pages this way,
    so this module never imports it) and the app's own globals (its menu, its CSRF field). The
    shared environment is never changed, so two apps in one process never see each other's."""
    base = environment()
    assert base.loader is not None
    loader = jinja2.ChoiceLoader([base.loader, *(jinja2.FileSystemLoader(str(d)) for d in extra_dirs)])
    env = base.overlay(loader=loader)
    env.globals = {**base.globals, **globals}  # an overlay shares its parent's dict: give it its own
    return env


def environment_for(request: Any) -> jinja2.Environment:
    """The environment of the app serving ``request`` (``app_environment``), else the shared one
    (a PDF, a page rendered outside any request)."""
    state = getattr(getattr(request, "app", None), "state", None)
    env = state.get(APP_ENVIRONMENT) if state is not None else None
    return env if isinstance(env, jinja2.Environment) else environment()


def render_template(name: str, /, **context: Any) -> str:
    """``name`` rendered in the environment of the request in ``context``, if any (``environment_for``)."""
    return environment_for(context.get("request")).get_template(name).render(**context)
