"""A platform that is not ours: its did:key signer and a badge it issued (the backpack import
and the OB 3.0 REST API tests bring these in)."""
from __future__ import annotations

from badges.signing import Ed25519Signer, sign
from tests.support import NOW
from tests.vectors.build import badge

ELSEWHERE = Ed25519Signer.from_seed(bytes(range(1, 33)))  # a platform that is not ours, on a did:key


def elsewhere_badge(name: str = "Community Garden Volunteer") -> dict:
    issuer = {"id": ELSEWHERE.public_key.did_key, "type": ["Profile"], "name": "Riverside Parks Department",
              "url": "https://parks.elsewhere.example"}
    doc = badge(issuer=issuer, name=name, slug="garden", rubric=False)
    doc.pop("credentialStatus", None)
    return sign(doc, signer=ELSEWHERE, created=NOW)
