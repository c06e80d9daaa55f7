"""Shared in-process fakes for the verification and CLI tests: the golden vectors, an offline
document bundle (resolver + fetch_document) and the reference examples' status list."""
from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from badges.errors import ResolutionError
from badges.signing import ChainResolver, DidKeyResolver, DocumentResolver, FragmentKeyResolver
from badges.trust import TrustRegistry

VECTORS = Path(__file__).resolve().parent.parent / "vectors"
CREDENTIALS = VECTORS / "credentials"
DOCUMENTS = VECTORS / "documents"
# Where ob3-status-revoked-signed.json says its list lives (the list's own id differs).
REFERENCE_STATUS_URL = ("https://raw.githubusercontent.com/1EdTech/digital-credentials-public-validator/refs/heads/"
                        "main/inspector-vc/src/test/resources/ob30/bit-string-list/testlist")
COMPLETE_REVOCATION_URL = "https://1edtech.edu/credentials/3732/revocations"


def vector_bytes(name: str) -> bytes:
    return (CREDENTIALS / name).read_bytes()


def vector_json(name: str) -> dict:
    return json.loads(vector_bytes(name))


def bundle() -> dict[str, dict]:
    docs = (json.loads(p.read_text(encoding="utf-8")) for p in sorted(DOCUMENTS.glob("*.json")))
    return {doc["id"]: doc for doc in docs}


class FakeFetcher:
    """fetch_document over a dict; records every URL asked for, raises ResolutionError otherwise."""

    def __init__(self, documents: Mapping[str, dict] | None = None) -> None:
        self.documents = dict(documents or {})
        self.requested: list[str] = []

    def __call__(self, url: str) -> dict:
        self.requested.append(url)
        try:
            return json.loads(json.dumps(self.documents[url]))  # a fresh copy, as a network fetch would be
        except KeyError:
            raise ResolutionError(f"{url} is unreachable (test fake)", url=url) from None


def resolver(documents: Mapping[str, dict] | None = None):
    if documents:
        return ChainResolver(DidKeyResolver(), DocumentResolver(documents), FragmentKeyResolver())
    return ChainResolver(DidKeyResolver(), FragmentKeyResolver())


def trust() -> TrustRegistry:
    return TrustRegistry.from_dict(json.loads((VECTORS / "trust.json").read_text(encoding="utf-8")))


def outcomes(report) -> dict[str, str]:
    return {check.id.value: check.outcome for check in report.checks}


def failed(report) -> set[str]:
    return {check.id.value for check in report.failures}
