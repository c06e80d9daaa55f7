"""The process's wiring: settings, clock and KEK, set once by the app factory or the CLI.

Services reach them through ``current()`` so that the interfaces agreed in CONTRACTS.md
(``signer_for(school_id)``, ``allocate_entry(school_id)``…) need no extra parameters. Like
Piccolo's ``Table._meta.db`` this is process state; ``configure`` replaces it wholesale, which
is what lets a test run several apps one after another.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from issuer.clock import Clock, SystemClock
from issuer.keys import derive_secret, load_kek
from issuer.settings import Settings, private_dir


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    clock: Clock
    kek: bytes = field(repr=False)
    secret_key: bytes = field(repr=False)


_current: Runtime | None = None


def configure(settings: Settings, *, clock: Clock | None = None, create_kek: bool = False,
              engine=None) -> Runtime:
    """Bind settings, clock, KEK and the database engine (``engine`` or one built from
    ``settings.database_url``) for this process."""
    global _current
    from issuer.db.repo import configure as configure_db

    if settings.data_dir.is_dir():
        private_dir(settings.data_dir)  # a data dir made 0755 by an older version is narrowed
    kek = load_kek(settings, create=create_kek)
    secret = settings.secret_key or derive_secret(kek, "cookies")
    runtime = Runtime(settings=settings, clock=clock or SystemClock(), kek=kek, secret_key=secret)
    configure_db(engine if engine is not None else settings)
    _current = runtime
    return runtime


def use(runtime: Runtime) -> None:
    """Make an already-built runtime current again (an app's startup hook, tests)."""
    global _current
    _current = runtime


def current() -> Runtime:
    if _current is None:
        raise RuntimeError("issuer runtime not configured: call issuer.runtime.configure(settings)")
    return _current
