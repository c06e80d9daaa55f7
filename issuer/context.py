"""The issuer's explicit context: everything a use case may read besides its arguments.

``build_context(settings)`` is called once per app (``issuer.app.create_app``) and once per
CLI command (``issuer.cli.context_for``). Handlers receive it through Litestar DI
(``ctx: IssuerContext``, ``issuer.web.deps``) and pass it to their service, which reads time
only from ``ctx.clock``, keys only from ``ctx.keys`` and configuration only from ``ctx.settings``;
it sends mail only through ``ctx.mailer`` (SMTP, the outbox, or a test's recording fake).
Two apps built in one process therefore answer each with its own settings and clock
(tests/web/test_two_apps.py), and no module keeps state of its own (tests/issuer/test_module_state.py).
"""
from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from cachetools import LRUCache, TTLCache

from issuer.clock import Clock, SystemClock
from issuer.jobs import JobRunner
from issuer.mail.mailer import Mailer, mailer_for
from issuer.schools.kek import derive_secret, load_kek
from issuer.settings import Settings, private_dir

SIGNER_CACHE_ENTRIES = 64
DOCUMENT_CACHE_ENTRIES = 256
PDF_CACHE_ENTRIES = 16
# The trust registry (the district's schools and the issuers each recognises) is read on every
# verification: kept this long, and dropped at once by any change made through this process
# (``issuer.schools.trust.forget``); another process's change shows after at most this long.
TRUST_CACHE_SECONDS = 30.0


@dataclass(frozen=True)
class KeyStore:
    """The key-encryption key, the cookie secret derived from it, and the cache of decrypted
    signers (decrypting a seed and deriving its DID is the same work for every award of a school
    until its key rotates). The cache is shared by threads (tests run apps on other loops)."""

    kek: bytes = field(repr=False)
    secret_key: bytes = field(repr=False)
    signers: LRUCache[tuple[Any, ...], tuple[Any, str]] = field(
        default_factory=lambda: LRUCache(SIGNER_CACHE_ENTRIES), repr=False, compare=False)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)


@dataclass(frozen=True)
class Caches:
    """What the issuer memoizes per process: Achievement JSON per achievement version and
    rendered transcript PDFs, the trust registry's entries. Bounded; ``lock`` guards them (threads share them)."""

    documents: LRUCache[str, dict[str, Any]] = field(default_factory=lambda: LRUCache(DOCUMENT_CACHE_ENTRIES))
    pdfs: LRUCache[tuple[Any, ...], bytes] = field(default_factory=lambda: LRUCache(PDF_CACHE_ENTRIES))
    trust: TTLCache[str, list[dict[str, str]]] = field(default_factory=lambda: TTLCache(1, TRUST_CACHE_SECONDS))
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)


# The mounted verifier's entry point: ``verify(raw, *, source=None, allow_url=True)``.
Verify = Callable[..., Awaitable[Any]]


class IssuerContext:
    """Frozen (attributes cannot be set; ``replace`` makes a changed copy). A plain class, not a
    dataclass: Litestar's signature model would otherwise have msgspec walk its fields (locks,
    caches) on every request that injects it; a plain class is checked with ``isinstance`` only."""

    __slots__ = ("settings", "clock", "keys", "caches", "jobs", "verify", "engine", "mailer")

    settings: Settings
    clock: Clock
    keys: KeyStore
    caches: Caches
    jobs: JobRunner
    verify: Verify | None  # set by create_app once the verifier is mounted (None in the CLI)
    engine: Any  # the Piccolo engine every table uses
    mailer: Mailer  # where e-mail goes (issuer.mail): SMTP, the outbox, or a test's fake

    def __init__(self, *, settings: Settings, clock: Clock, keys: KeyStore, caches: Caches, jobs: JobRunner,
                 verify: Verify | None = None, engine: Any = None, mailer: Mailer | None = None) -> None:
        for name, value in (("settings", settings), ("clock", clock), ("keys", keys), ("caches", caches),
                            ("jobs", jobs), ("verify", verify), ("engine", engine),
                            ("mailer", mailer if mailer is not None else mailer_for(settings))):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"IssuerContext is frozen: use replace({name}=...)")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("IssuerContext is frozen")

    def replace(self, **changes: Any) -> IssuerContext:
        fields = {name: getattr(self, name) for name in self.__slots__}
        return IssuerContext(**{**fields, **changes})

    def __repr__(self) -> str:
        return f"IssuerContext(settings={self.settings!r}, clock={self.clock!r}, jobs={self.jobs!r})"


def build_context(settings: Settings, *, clock: Clock | None = None, engine: Any = None,
                  create_kek: bool = False, mailer: Mailer | None = None) -> IssuerContext:
    """The context for ``settings``: its clock (the system clock by default), its KEK (made on
    first use when ``create_kek``), a job runner, fresh caches and its mailer (``mailer``, else
    the one ``BADGES_SMTP_URL`` asks for: ``issuer.mail.mailer_for``). ``engine`` (tests) reuses an
    existing Piccolo engine; otherwise one is built from ``settings.database_url``. Binding the
    tables to the engine is still process state (Piccolo's ``Table._meta.db``)."""
    from issuer.db.engine import configure as configure_db
    from issuer.db.engine import current_engine

    if settings.data_dir.is_dir():
        private_dir(settings.data_dir)  # a data dir made 0755 by an older version is narrowed
    kek = load_kek(settings, create=create_kek)
    secret = settings.secret_key or derive_secret(kek, "cookies")
    clock = clock or SystemClock()
    configure_db(engine if engine is not None else settings)
    return IssuerContext(settings=settings, clock=clock, keys=KeyStore(kek=kek, secret_key=secret),
                         caches=Caches(), jobs=JobRunner.from_settings(settings),
                         engine=engine if engine is not None else current_engine(),
                         mailer=mailer if mailer is not None else mailer_for(settings))
