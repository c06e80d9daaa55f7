"""What erasing a learner on request does to their evidence (``issuer.portfolio.privacy`` runs
the whole erasure in one transaction after checking who asks; docs/PRIVACY.md says why).

Deleted: every version's narrative, links, uploaded files (the records, and the bytes on disk
unless another learner's evidence, an achievement image or a logo has the same content) and
self-assessment; the written feedback of the reviews; the mentor's name and e-mail, goals and
attestation of their extended learning, and its mentor links. Kept: the submission and version
rows and the reviews' ratings, because the award decisions (and the signed badges) name them.
"""
from __future__ import annotations

from issuer.evidence import repo as evidence_repo
from issuer.evidence.repo import LearnerEvidence
from issuer.storage import FileStore

__all__ = ["LearnerEvidence", "erase", "remove_files", "what_they_hold"]


async def what_they_hold(learner_id: int) -> tuple[LearnerEvidence, list[str]]:
    """(their evidence counted, the files only they use: deleted from disk by an erasure)."""
    held = await evidence_repo.learner_evidence(learner_id)
    shared = await evidence_repo.files_used_elsewhere(learner_id, held.files)
    return held, [sha for sha in held.files if sha not in shared]


async def erase(learner_id: int) -> list[str]:
    """Call inside the erasure's write transaction; returns the files to take off the disk once
    it has committed (``remove_files``)."""
    _held, own = await what_they_hold(learner_id)
    await evidence_repo.erase_learner_evidence(learner_id, delete_files=own)
    return own


def remove_files(store: FileStore, hashes: list[str]) -> int:
    """Delete the files from the store's disk; returns how many were there."""
    return sum(1 for sha in hashes if store.delete(sha))
