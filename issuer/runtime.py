"""A shim over ``issuer.context`` for the modules not moved to an explicit context yet.

``current()`` returns the ``IssuerContext`` most recently made current: by ``configure`` (the
CLI, tests) or by an app's startup (``use``). Code that has a ``ctx`` must use it instead: with
several apps in one process, the last one started wins here. The import-linter contract
"nothing new imports issuer.runtime" (pyproject.toml) lists the remaining readers; that list only
shrinks, and the last step of the re-cut (issue 11) deletes this module.
"""
from __future__ import annotations

from typing import Any

from issuer.clock import Clock
from issuer.context import IssuerContext, build_context
from issuer.settings import Settings

# The old name of the context, for the readers of ``runtime.Runtime``.
Runtime = IssuerContext

_current: IssuerContext | None = None


def configure(settings: Settings, *, clock: Clock | None = None, create_kek: bool = False,
              engine: Any = None) -> IssuerContext:
    """Build a context (``issuer.context.build_context``) and make it current."""
    ctx = build_context(settings, clock=clock, engine=engine, create_kek=create_kek)
    use(ctx)
    return ctx


def use(ctx: IssuerContext) -> None:
    """Make an already-built context current again (an app's startup hook, tests)."""
    global _current
    _current = ctx


def current() -> IssuerContext:
    if _current is None:
        raise RuntimeError("issuer runtime not configured: call issuer.runtime.configure(settings)")
    return _current


def or_current(ctx: IssuerContext | None) -> IssuerContext:
    """``ctx``, or the shim's context for a caller that has none yet (services mid-conversion
    take ``ctx: IssuerContext | None = None`` until all their callers pass one)."""
    return ctx if ctx is not None else current()
