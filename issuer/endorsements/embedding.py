"""The endorsements a new badge carries: the standing EndorsementCredentials of its achievement,
exactly as signed, for ``credentialSubject.achievement.endorsement`` (OB 3.0 §B.1.1 Achievement
``endorsement``), where the verifier's ``endorsements`` check verifies each with the same pipeline.

Read on the award path for every badge, so it is one indexed query of two columns and nothing
else (no key, no Profile). Badges issued before an endorsement are signed and stay as they are.
"""
from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Any

from issuer.endorsements import repo


async def documents_for(achievement_ids: Collection[int]) -> dict[int, list[dict[str, Any]]]:
    """Each achievement's standing endorsements (signed dicts, oldest first); absent: none."""
    found = await repo.documents_of_achievements(achievement_ids)
    return {a_id: [json.loads(text) for text in texts] for a_id, texts in found.items()}


def with_endorsements(achievement_doc: Mapping[str, Any], endorsements: list[dict[str, Any]]) -> dict[str, Any]:
    """A shallow copy of ``achievement_doc`` carrying ``endorsements`` (the cached document is
    shared and never changed); the document itself when there are none."""
    if not endorsements:
        return achievement_doc if isinstance(achievement_doc, dict) else dict(achievement_doc)
    return {**achievement_doc, "endorsement": endorsements}
