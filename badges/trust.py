"""Which issuers a verifier recognises, and the names it shows for them.

A signature proves *who* signed; it cannot prove that the signer is a real school. A verifier
operator (a district, an admissions office) lists the issuer ids it knows, with the name it
wants people to see, so that the report can say "Issued by Lincoln High School (District
school)" for those and ask for caution for everybody else. An unknown issuer is a warning,
never a failure on its own.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["TrustRegistry", "TrustedIssuer"]


@dataclass(frozen=True, slots=True)
class TrustedIssuer:
    id: str
    name: str
    label: str | None = None

    @property
    def display_name(self) -> str:
        return f"{self.name} ({self.label})" if self.label else self.name

    def to_dict(self) -> dict[str, str]:
        out = {"id": self.id, "name": self.name}
        if self.label:
            out["label"] = self.label
        return out


class TrustRegistry(Mapping[str, TrustedIssuer]):
    """An immutable set of known issuer ids (did:web, did:key or https URLs)."""

    def __init__(self, issuers: Iterable[TrustedIssuer] = ()) -> None:
        entries: dict[str, TrustedIssuer] = {}
        for issuer in issuers:
            if not isinstance(issuer, TrustedIssuer):
                raise TypeError(f"expected TrustedIssuer, got {type(issuer).__name__}")
            entries[issuer.id] = issuer
        self._entries = entries

    @classmethod
    def from_dict(cls, data: Any) -> TrustRegistry:
        """A --trust file: ``{"issuers": [{"id", "name", "label"?}, …]}``, the bare list, or the
        verifier service's ``{"<issuer id>": {"name", "label"?} | "<name>", …}``."""
        if isinstance(data, Mapping) and "issuers" not in data:
            data = [{**entry, "id": key} if isinstance(entry, Mapping) else {"id": key, "name": entry}
                    for key, entry in data.items()]
        items = data.get("issuers") if isinstance(data, Mapping) else data
        if not isinstance(items, list):
            raise ValueError('a trust list is {"issuers": [{"id": …, "name": …, "label": …}, …]}')
        issuers = []
        for n, item in enumerate(items):
            if not isinstance(item, Mapping):
                raise ValueError(f"trust list entry {n} is not an object")
            issuer_id, name, label = item.get("id"), item.get("name"), item.get("label")
            if not isinstance(issuer_id, str) or not issuer_id:
                raise ValueError(f"trust list entry {n} has no issuer id")
            if name is None:
                name = issuer_id
            if not isinstance(name, str) or not (label is None or isinstance(label, str)):
                raise ValueError(f"trust list entry {n}: name and label must be text")
            issuers.append(TrustedIssuer(id=issuer_id, name=name, label=label or None))
        return cls(issuers)

    def lookup(self, issuer_id: str | None) -> TrustedIssuer | None:
        if not isinstance(issuer_id, str):
            return None
        return self._entries.get(issuer_id)

    def __getitem__(self, issuer_id: str) -> TrustedIssuer:
        return self._entries[issuer_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"TrustRegistry({len(self)} issuers)"
