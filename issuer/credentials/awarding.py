"""Issue a badge the moment the decision says "earned": one transaction, idempotent.

Inside one write transaction (``issuer.db.engine.write_transaction``):

1. the Award row is inserted. Reviewed work: unique per submission, so a retry or a concurrent
   review of the same work returns the badge already issued; a later submission (or ELO) that
   demonstrates a higher level is a new award, numbered by ``opportunity``, and the unique
   (learner, achievement, opportunity) constraint makes two concurrent demonstrations take
   turns. Bulk awards (no submission): opportunity 1 only, so a repeat returns the badge held;
2. a status index is allocated (``issuer.credentials.status.allocate_entry``; unique per list);
3. the credential is built (``badges.issuance.build_credential``) and signed
   (``badges.signing.sign``; pure and ~1 ms, so it can sit inside the transaction);
4. the exact signed JSON text is stored in IssuedCredential.

A failure anywhere rolls everything back, so there is never a signed badge without its row
and status index. A unique violation (a concurrent duplicate award or, rarely, a random
status index taken by a concurrent transaction) rolls back and the whole unit is retried;
the retry then finds the award and returns its badge.
"""
from __future__ import annotations

import secrets
import sqlite3
import uuid as uuidlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any, TypeVar

import asyncpg.exceptions
import msgspec

from badges import identity as ident
from badges import issuance, rubrics
from badges.errors import BadgeError
from badges.signing import sign
from badges.signing.keys import Ed25519Signer, PublicKey
from badges.signing.proofs import create_proof
from issuer.catalog import achievements
from issuer.catalog.rows import AchievementRow
from issuer.context import IssuerContext
from issuer.credentials import repo as credentials_repo
from issuer.credentials.rows import AwardLevelRow, IssuedCredentialRow, PairAwardRow
from issuer.credentials.status import allocate_entry, dumps
from issuer.db.engine import write_transaction
from issuer.endorsements import embedding
from issuer.errors import Conflict, InvalidInput
from issuer.evidence import service as evidence
from issuer.evidence.rows import SubmissionRow, VersionRow
from issuer.schools import identity
from issuer.schools import keys as key_service
from issuer.schools.rows import SchoolRow, SigningKeyRow

T = TypeVar("T")
RETRIES = 8

# The learner as a users row (a dict: ``id``, ``email``, ``username``), as the callers read it
# from their own domain (evidence's learner, bulk's roster).
Record = dict[str, Any]

RETRYABLE: tuple[type[BaseException], ...] = (sqlite3.IntegrityError, asyncpg.exceptions.UniqueViolationError,
                                               asyncpg.exceptions.SerializationError,
                                               asyncpg.exceptions.DeadlockDetectedError)


async def in_write_transaction(unit: Callable[[], Awaitable[T]]) -> T:
    """Run ``unit`` atomically; retried from scratch after a unique-constraint race."""
    for attempt in range(RETRIES):
        try:
            async with write_transaction():
                return await unit()
        except RETRYABLE:
            if attempt == RETRIES - 1:
                raise Conflict("the award could not be stored after repeated conflicts; try again") from None
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True)
class IssuerKit:
    """What signing needs, fetched before the transaction (no DB work while holding locks)."""
    signer: Ed25519Signer
    profile: dict[str, Any]
    base_url: str
    school: SchoolRow  # the school row both were made from (status allocation reuses it)


# Decrypting a key, deriving its public key and its DID is the same work for every award of a
# school until its key rotates. Keyed by everything that work reads: the key row's id, public
# key and encrypted seed (a rotation is a new row, so a new key), the KEK, the identity mode
# and the slug (did:web). The Profile is rebuilt from the row each time (cheap; follows edits).
# The cache lives in the context's key store (``ctx.keys.signers``), one per app or command.


def _signer_and_did(ctx: IssuerContext, school: SchoolRow, row: SigningKeyRow) -> tuple[Ed25519Signer, str]:
    mode = identity.did_method_of(ctx, school)
    cache_key = (school.id, school.slug, row.id, row.public_key_multibase, row.encrypted_seed,
                 bytes(ctx.keys.kek), mode)
    with ctx.keys.lock:
        hit = ctx.keys.signers.get(cache_key)
        if hit is not None:
            return hit
    signer = key_service.signer_from_row(ctx, row)
    if mode == "did:key":
        did = PublicKey.from_multibase(row.public_key_multibase).did_key
    else:
        did = identity.school_did_web(school.slug, ctx.settings.base_url)
        signer = signer.with_verification_method(f"{did}#{row.public_key_multibase}")
    with ctx.keys.lock:
        ctx.keys.signers[cache_key] = (signer, did)
    return signer, did


async def issuer_kit(ctx: IssuerContext, school_id: int) -> IssuerKit:
    """Signer and Profile from one read of the school and its active key (``identity.signer_for``
    and ``identity.issuer_profile`` each read the school again): the same signer, verification
    method and Profile as those two functions give (tests/issuer/test_perf_kit.py)."""
    school, row = await key_service.school_with_active_key(ctx, school_id)
    signer, did = _signer_and_did(ctx, school, row)
    base_url = ctx.settings.base_url
    return IssuerKit(signer=signer, profile=identity.profile_from_row(school, did, base_url=base_url),
                     base_url=base_url, school=school)


# The Achievement JSON (rubric, alignments, image, tags) is the same for every award of one
# version of a badge class, and building it costs a competency query and a model round trip.
# Keyed by the base URL and the whole achievement row, so any edit (name, rubric, image …) is a
# new key; the competency rows it reads are never updated or deleted (frameworks are
# append-only), so the row's alignment ids pin them. Bounded; shared by threads (tests run
# the app on another event loop), hence the lock. The cache is the context's ``caches.documents``.
_version_key = msgspec.json.Encoder(order="sorted")  # a dict row or a Struct row, every field


async def achievement_doc(ctx: IssuerContext, achievement: AchievementRow, *, base_url: str) -> dict[str, Any]:
    """``achievements.achievement_document`` memoized per achievement version, with the
    achievement's standing endorsements embedded (read each time: one indexed query, since an
    endorsement may come from another process). The returned dict is shared: callers must not
    mutate it (``build_credential`` deep-copies it)."""
    caches = ctx.caches
    key = base_url + "\x00" + _version_key.encode(achievement).decode("utf-8")
    with caches.lock:
        cached = caches.documents.get(key)
    if cached is None:
        cached = await achievements.achievement_document(achievement, base_url=base_url)
        with caches.lock:
            caches.documents[key] = cached
    endorsed = await embedding.documents_for([achievement.id])
    return embedding.with_endorsements(cached, endorsed.get(achievement.id, []))


def evidence_list(*, base_url: str, credential_uuid: str, achievement_name: str, version: VersionRow | None,
                  kind: str = "classroom") -> list[dict[str, Any]]:
    """Narrative, links and files of the version that earned the badge (files pinned by sha256)."""
    if version is None:
        return []
    genre = "Extended learning opportunity" if kind == "elo" else "Classroom work"
    out = []
    if version.narrative:
        out.append(issuance.evidence_item(id=f"{base_url}/badges/{credential_uuid}/evidence",
                                          name=f"Evidence for {achievement_name}",
                                          narrative=version.narrative, genre=genre))
    for url in version.urls:
        out.append(issuance.evidence_item(id=url, name=url[:200], genre=genre))
    for f in version.files:
        out.append(issuance.evidence_item(
            id=f"{base_url}/badges/{credential_uuid}/evidence/{f.sha256}", name=f.name, genre=genre,
            sha256=f.sha256, filename=f.name, media_type=f.media_type, size=f.size))
    return out


def recipient_identifier(user: Record) -> list[dict[str, Any]]:
    """The learner as a salted sha256 of their email (never the address in clear)."""
    salt = secrets.token_hex(8)
    if user.get("email"):
        return [ident.identity_object(user["email"].strip().lower(), salt=salt, identity_type="emailAddress")]
    return [ident.identity_object(user["username"], salt=salt, identity_type="userName")]


async def issue_locked(ctx: IssuerContext, *, kit: IssuerKit, school_id: int, learner: Record,
                       achievement: AchievementRow, achievement_doc: dict[str, Any], ratings: dict[str, int],
                       now: datetime, submission: SubmissionRow | None = None, version: VersionRow | None = None,
                       source: str = "review",
                       pair: list[PairAwardRow] | None = None) -> tuple[IssuedCredentialRow, bool]:
    """(credential row, newly issued?). Call INSIDE ``write_transaction``. ``pair``: the
    learner's awards of the achievement (``awards_of``) when the caller has read them."""
    opportunity, award_id = 1, None
    if submission is not None:
        pair = await awards_of(learner["id"], achievement.id) if pair is None else pair
        mine = next((a for a in pair if a.submission == submission.id), None)
        if mine is not None:  # this work has its award already (a retry or a second review)
            row = await credentials_repo.credential_for_award(mine.id)
            if row is not None:
                return row, False
            award_id = mine.id
        opportunity = max((a.opportunity for a in pair), default=0) + 1
    if award_id is None:
        # Insert first (one query on the usual bulk path); the unique constraints say whether
        # an award exists, and only then is it looked up.
        award_id = await credentials_repo.insert_award_if_new(
            uuid=uuidlib.uuid4(), school=school_id, learner=learner["id"], achievement=achievement.id,
            submission=submission.id if submission else None, version=version.id if version else None,
            ratings=ratings, source=source, created_at=now, opportunity=opportunity)
    if award_id is None:
        existing = None if submission is not None else await credentials_repo.find_award(learner["id"],
                                                                                          achievement.id)
        if existing is None:  # a concurrent demonstration took this opportunity (or a uuid clash):
            # the retry reads again and decides again
            raise sqlite3.IntegrityError("award insert conflicted; retrying")
        row = await credentials_repo.credential_for_award(existing.id)
        if row is not None:
            return row, False
        award_id = existing.id
    await release_held_work(learner["id"], now)
    status, list_id, index = await allocate_entry(ctx, school_id, school=kit.school)
    cred_uuid = uuidlib.uuid4()
    cred_url = f"{kit.base_url}/credentials/{cred_uuid}"
    rubric = rubrics.rubric_from_dict(achievement.rubric)
    elo = (await evidence.elo_of_submission(submission.id)
           if submission is not None and submission.kind == "elo" else None)
    try:
        evidence_items = evidence_list(base_url=kit.base_url, credential_uuid=str(cred_uuid),
                                       achievement_name=achievement.name, version=version,
                                       kind=submission.kind if submission else "classroom")
        if elo is not None:
            evidence_items.append(issuance.evidence_item(
                id=f"{kit.base_url}/badges/{cred_uuid}/evidence#mentor", name=elo.mentor_name,
                narrative=elo.attestation or "Attested", genre="Mentor attestation",
                description=f"{elo.partner_org}: {elo.attested_hours or elo.hours:g} hours"))
            achievement_doc = dict(achievement_doc)
            achievement_doc["tag"] = list(achievement_doc.get("tag") or []) + [
                f"hours:{elo.attested_hours or elo.hours:g}"]
        # (transcript-integration) what the transcript reads: the ELO partner as credentialSubject.source and
        # the activity dates, through build_credential so they are model- and schema-checked too.
        elo_source = None if elo is None else {
            "id": f"{kit.base_url}/partners/{elo.uuid}", "type": ["Profile"], "name": elo.partner_org}
        unsigned = issuance.build_credential(
            achievement=achievement_doc, subject_id=None, identifier=recipient_identifier(learner),
            issuer=kit.profile, results=rubrics.to_results(rubric, ratings, base_id=achievement_doc["id"]),
            evidence=evidence_items, credential_id=cred_url, issued_at=now, status=status, awarded_date=now,
            name=achievement.name, source=elo_source,
            activity_start=None if elo is None else datetime.combine(elo.start_date, time(0), tzinfo=UTC),
            activity_end=None if elo is None else datetime.combine(elo.end_date, time(0), tzinfo=UTC))
        signed = _sign(unsigned, kit.signer, now)
    except BadgeError as exc:
        raise InvalidInput(f"the badge cannot be issued: {exc.message}", **exc.details) from None
    row = await credentials_repo.insert_credential_row(
        uuid=cred_uuid, school=school_id, learner=learner["id"], achievement=achievement.id, award=award_id,
        credential_id=cred_url, document=dumps(signed), status_list=list_id, status_index=index,
        status_purpose=status.get("statusPurpose", "revocation"), issued_at=now)
    return row, True


def _sign(unsigned: dict[str, Any], signer: Ed25519Signer, now: datetime) -> dict[str, Any]:
    """``badges.signing.sign`` without its defensive deep copy: ``unsigned`` was just built
    here and is dropped after serialization, so adding the proof to a shallow copy gives the
    same document (tests/issuer/test_perf_signing.py)."""
    if "proof" in unsigned:  # never from build_credential; keep sign's handling of a proof set
        return sign(unsigned, signer=signer, created=now)
    return {**unsigned, "proof": [create_proof(unsigned, signer=signer, created=now)]}


async def award_levels(school_id: int, learner_ids: Iterable[int] | None = None) -> list[AwardLevelRow]:
    """The levels the school's valid badges reached, by learner and achievement (the cohort view;
    the caller has checked who may see these learners)."""
    return await credentials_repo.award_levels(school_id, learner_ids)


async def awards_of(learner_id: int, achievement_id: int) -> list[PairAwardRow]:
    """Every award of the learner for the achievement, first opportunity first, each with its
    badge (``credential_uuid``, ``revoked_at``): what ``held_instead`` and ``issue_locked`` read."""
    return await credentials_repo.pair_awards(learner_id, achievement_id)


async def badge_for_submission(submission_id: int) -> IssuedCredentialRow | None:
    """The badge a piece of work earned (None: it earned none, or none yet)."""
    award = await credentials_repo.award_for_submission(submission_id)
    return await credentials_repo.credential_for_award(award.id) if award is not None else None


async def check_prerequisites(learner_id: int, achievement: AchievementRow) -> list[AchievementRow]:
    """The prerequisite achievements the learner has not earned yet."""
    wanted = list(achievement.prerequisites)
    if not wanted:
        return []
    have = await _earned_prerequisites(learner_id, wanted)
    missing = [i for i in wanted if i not in have]
    return list((await achievements.by_ids(missing)).values()) if missing else []


async def _earned_prerequisites(learner_id: int, wanted: Iterable[int]) -> set[int]:
    """Which of ``wanted`` the learner holds a badge for, in any version of that achievement (a
    badge of version 1 still counts once the achievement is at version 2)."""
    family = await achievements.lineages(wanted)
    have = await credentials_repo.awarded_achievement_ids(
        learner_id, {v.id for versions in family.values() for v in versions})
    return {i for i, versions in family.items() if any(v.id in have for v in versions)}


def adds_to(held: list[dict[str, int]], ratings: dict[str, int]) -> list[str]:
    """The criteria on which ``ratings`` go beyond every badge the learner holds for the
    achievement (``held``: their ratings). Empty: the demonstration is at the same or a lower
    level, and recognising it again would add nothing."""
    def best(criterion: str) -> int:
        return max((int(h[criterion]) for h in held if criterion in h), default=-1)

    return [c for c, level in ratings.items() if int(level) > best(c)]


def held_instead(pair: list[PairAwardRow], ratings: dict[str, int], submission_id: int) -> PairAwardRow | None:
    """The badge the learner already holds at this level or above when this submission would
    add nothing (None: issue). ``pair``: ``awards_of``. A revoked badge is not held; work
    that already has its award is never "held instead" (a second review returns its badge)."""
    if any(a.submission == submission_id for a in pair):
        return None
    held = [a for a in pair if a.credential_uuid is not None and a.revoked_at is None]
    if not held or adds_to([h.ratings for h in held], ratings):
        return None
    return held[-1]


async def release_held_work(learner_id: int, now: datetime) -> list[int]:
    """Put back in the review queue the learner's work that was held because a prerequisite
    badge was missing, once every prerequisite is earned (called after each new award, in its
    transaction). Returns the released submission ids."""
    held = await credentials_repo.held_for_prerequisites(learner_id)
    if not held:
        return []
    wanted: Iterable[int] = {p for h in held for p in h.prerequisites}
    have = await _earned_prerequisites(learner_id, wanted)
    released = [h.id for h in held if all(p in have for p in h.prerequisites)]
    for submission_id in released:
        await evidence.back_to_queue(submission_id, now)
    return released
