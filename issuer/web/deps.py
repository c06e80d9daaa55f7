"""Dependency providers for handlers: ``settings``, ``clock``, ``principal``."""
from __future__ import annotations

from litestar import Request
from litestar.di import Provide

from issuer import runtime
from issuer.clock import Clock
from issuer.services.accounts import ANONYMOUS, Principal
from issuer.settings import Settings


def provide_settings() -> Settings:
    return runtime.current().settings


def provide_clock() -> Clock:
    return runtime.current().clock


def provide_principal(request: Request) -> Principal:
    return request.scope.get("user", ANONYMOUS)


DEPENDENCIES = {
    "settings": Provide(provide_settings, sync_to_thread=False),
    "clock": Provide(provide_clock, sync_to_thread=False),
    "principal": Provide(provide_principal, sync_to_thread=False),
}
