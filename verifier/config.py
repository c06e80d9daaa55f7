"""How a verifier is set up: one frozen ``VerifierConfig`` object, built in code (tests, the issuer
app that mounts the verifier) or from the environment by ``VerifierSettings.from_env`` (the
standalone service, called only inside ``create_app``)."""
from __future__ import annotations

import importlib.resources
import json
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from badges.trust import TrustRegistry

__all__ = ["Clock", "VerifierConfig", "VerifierSettings", "load_trust_file", "trust_from_data"]

Clock = Callable[[], datetime]
TrustSource = Callable[[], "TrustRegistry | Awaitable[TrustRegistry]"]
# The verifier's own pages and static files are its package data (never the issuer's: verifier
# must run without it); a host app passes its own templates_dir and environment instead.
TEMPLATES_DIR = Path(str(importlib.resources.files("verifier") / "templates")).resolve()


def _utcnow() -> datetime:
    return datetime.now(UTC)


def trust_from_data(data: Any) -> TrustRegistry:
    """``{issuer id: {"name", "label"}}`` (the --trust file) or badges.trust's ``{"issuers": [...]}``."""
    if isinstance(data, Mapping) and "issuers" not in data:
        items = []
        for issuer_id, entry in data.items():
            entry = dict(entry) if isinstance(entry, Mapping) else {"name": entry}
            items.append({**entry, "id": issuer_id})
        data = items
    return TrustRegistry.from_dict(data)


def load_trust_file(path: str | Path) -> TrustRegistry:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"trust file {path}: {exc}") from None
    try:
        return trust_from_data(data)
    except ValueError as exc:
        raise ValueError(f"trust file {path}: {exc}") from None


@dataclass(frozen=True)
class VerifierConfig:
    """Everything a verifier needs; side effects (clock, transport, DNS) are injectable for tests."""

    documents_dir: Path | None = None
    trust: TrustRegistry = field(default_factory=TrustRegistry)
    # The issuer app adds its own schools (it may read them from its database on each call).
    trust_source: TrustSource | None = None
    allow_private_networks: bool = False
    online: bool = True  # fetch did:web / controller documents / status lists live
    time_budget: float = 5.0  # seconds for one whole verification
    max_input_bytes: int = 2_000_000
    max_pdf_bytes: int = 25_000_000
    max_json_depth: int = 64
    connect_timeout: float = 3.0
    read_timeout: float = 3.0
    fetch_timeout: float = 4.0
    max_document_bytes: int = 1_000_000
    max_redirects: int = 3
    cache_ttl: float = 300.0
    max_cache_ttl: float = 300.0
    # A verified report is reused for identical input for this long (never past validUntil,
    # never for failures); 0 disables. Bounded by the status-list TTL it already depends on.
    report_cache_ttl: float = 60.0
    report_cache_entries: int = 2048
    max_concurrent: int = 8  # verifications running in worker threads at once
    clock: Clock = _utcnow
    transport: httpx.BaseTransport | None = None
    resolve_host: Callable[[str, int], list[str]] | None = None
    templates_dir: Path = TEMPLATES_DIR
    # The host app's jinja2 Environment over the same templates (its globals, e.g. csrf_for, then
    # work in the verifier's pages); None = the verifier's own autoescaping environment.
    template_environment: Any = None
    path_prefix: str = ""  # where the router is mounted, for links in the HTML page
    standalone: bool = False  # no platform around it: the page shows only the verifier's own links

    def __post_init__(self) -> None:
        if self.time_budget <= 0 or self.max_input_bytes <= 0 or self.max_json_depth <= 0:
            raise ValueError("time_budget, max_input_bytes and max_json_depth must be positive")
        if self.documents_dir is not None and not Path(self.documents_dir).is_dir():
            raise ValueError(f"documents directory {self.documents_dir} does not exist")


@dataclass(frozen=True)
class VerifierSettings:
    """Settings of the standalone service, from ``VERIFIER_*`` environment variables."""

    host: str = "127.0.0.1"
    port: int = 8080
    documents_dir: Path | None = None
    trust_file: Path | None = None
    allow_private_networks: bool = False
    time_budget: float = 5.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> VerifierSettings:
        env = os.environ if env is None else env

        def flag(name: str) -> bool:
            return env.get(name, "").strip().lower() in {"1", "true", "yes", "on"}

        try:
            return cls(
                host=env.get("VERIFIER_HOST", cls.host),
                port=int(env.get("VERIFIER_PORT", cls.port)),
                documents_dir=Path(env["VERIFIER_DOCUMENTS"]) if env.get("VERIFIER_DOCUMENTS") else None,
                trust_file=Path(env["VERIFIER_TRUST"]) if env.get("VERIFIER_TRUST") else None,
                allow_private_networks=flag("VERIFIER_ALLOW_PRIVATE_NETWORKS"),
                time_budget=float(env.get("VERIFIER_TIME_BUDGET", cls.time_budget)),
            )
        except ValueError as exc:
            raise ValueError(f"bad verifier setting: {exc}") from None

    def to_config(self) -> VerifierConfig:
        trust = load_trust_file(self.trust_file) if self.trust_file else TrustRegistry()
        return VerifierConfig(documents_dir=self.documents_dir, trust=trust,
                              allow_private_networks=self.allow_private_networks, time_budget=self.time_budget)
