"""Endorsements: who signs, what is endorsed, and where endorsements are shown.

An endorsement is an OB 3.0 EndorsementCredential (``badges.endorsement.build_endorsement``)
whose ``issuer`` is the endorser and the signer:

* a school administrator endorses **as the school**, signing with the school's own key
  (``issuer.schools.identity``: its did:web or did:key, its Profile);
* a teacher endorses **as themselves** ("<name>, teacher at <school>");
* a mentor, through the link of an extended learning opportunity, endorses the achievement
  they mentor **on behalf of the partner organisation** named in the plan.

Teachers and partners sign with a key the platform holds for them (``issuer.endorsements.keys``).
The endorsed thing (``credentialSubject.id``) is one of the school's achievements (its URL),
one of its badges (the credential id) or an issuer (a district school's DID, or an issuer the
school recognises). One endorsement per endorser and endorsed thing: a second is refused
(``Conflict``) until the first is withdrawn.

The signed JSON is stored as signed and served at ``/endorsements/<uuid>``. New badges of an
endorsed achievement embed its standing endorsements, unchanged (``issuer.endorsements.embedding``).
Withdrawing takes an endorsement off the public pages and out of new badges, and sets its
revocation bit: every endorsement carries a Bitstring Status List entry on a list of its own
issuer (the school's revocation list, or the endorser's: ``issuer.endorsements.status``), so a
copy someone kept, or one embedded in a badge issued before, stops verifying. Endorsements made
before they had an entry cannot be revoked that way (see docs/ARCHITECTURE.md).
"""
from __future__ import annotations

import json
import uuid as uuidlib
from collections.abc import Iterable
from datetime import datetime

import msgspec

from badges.endorsement import MAX_COMMENT, build_endorsement
from badges.errors import BadgeError
from badges.signing import sign
from badges.signing.keys import Ed25519Signer
from issuer.access import ADMINS, Principal, Role, acting_school, check_record, require
from issuer.catalog import achievements
from issuer.context import IssuerContext
from issuer.credentials import sharing
from issuer.credentials import status as credential_status
from issuer.credentials.awarding import in_write_transaction
from issuer.endorsements import keys, repo
from issuer.endorsements import status as endorser_status
from issuer.endorsements.rows import EndorsementRow
from issuer.errors import BadRequest, Conflict, Forbidden, InvalidInput, NotFound
from issuer.evidence import elos
from issuer.schools import directory as schools
from issuer.schools import identity, trust
from issuer.transcripts.clr import verify_link

KINDS = ("achievement", "badge", "issuer")
ENDORSER_WORDS = {"school": "school", "teacher": "teacher", "partner": "partner organisation"}


class Subject(msgspec.Struct, frozen=True, kw_only=True):
    """What is endorsed: ``ref`` as the forms send it (``achievement:<uuid>``, ``badge:<uuid>``,
    ``issuer:school:<slug>``, ``issuer:trusted:<id>``), its id as signed, and its name."""
    kind: str
    ref: str
    id: str
    name: str
    achievement: int | None = None
    credential: int | None = None
    subject_school: int | None = None


class Choice(msgspec.Struct, frozen=True, kw_only=True):
    """One thing the endorse form offers."""
    ref: str
    name: str
    kind: str


class EndorsementView(msgspec.Struct, frozen=True, kw_only=True):
    """An endorsement as the pages show it (never the row: no user ids, no keys)."""
    uuid: str
    endorser_name: str
    endorser_kind: str
    issuer_id: str
    subject_kind: str
    subject_id: str
    subject_name: str
    comment: str
    created_at: datetime
    url: str
    json_url: str
    verify_url: str
    withdrawn: bool
    revocable: bool = True  # False: signed before endorsements carried a status entry


def comment_of(value: object) -> str:
    """The endorser's words: required, at most ``MAX_COMMENT`` characters (400 otherwise)."""
    text = str(value or "").strip() if isinstance(value, str | None) else ""
    if not text:
        raise BadRequest("write a comment: what do you endorse, and why?", field="comment")
    if len(text) > MAX_COMMENT:
        raise BadRequest(f"the comment is longer than {MAX_COMMENT} characters", field="comment",
                         maxLength=MAX_COMMENT)
    return text


def view_of(ctx: IssuerContext, row: EndorsementRow) -> EndorsementView:
    base = ctx.settings.base_url
    issuer = json.loads(row.document).get("issuer") or {}
    return EndorsementView(
        uuid=str(row.uuid), endorser_name=row.endorser_name, endorser_kind=row.endorser_kind,
        issuer_id=str(issuer.get("id") if isinstance(issuer, dict) else issuer), subject_kind=row.subject_kind,
        subject_id=row.subject_id, subject_name=row.subject_name, comment=row.comment, created_at=row.created_at,
        url=f"{base}/endorsements/{row.uuid}", json_url=f"{base}/endorsements/{row.uuid}.json",
        verify_url=verify_link(base, row.credential_id), withdrawn=row.withdrawn_at is not None,
        revocable=row.status_index is not None)


# --- what may be endorsed ------------------------------------------------------------------------

async def _achievement_subject(ctx: IssuerContext, a_uuid: str, school_id: int) -> Subject:
    row = await achievements.find(a_uuid)
    if row is None or row.school != school_id:
        raise NotFound("no such achievement")
    return Subject(kind="achievement", ref=f"achievement:{row.uuid}", name=row.name, achievement=row.id,
                   id=achievements.achievement_url(ctx.settings.base_url, row.uuid))


async def subject_of(ctx: IssuerContext, who: Principal, ref: str) -> Subject:
    """The thing ``ref`` names, when the caller (staff of ``acting_school``) may endorse it;
    ``NotFound`` for what does not exist or is not theirs to see."""
    school_id = await acting_school(who)
    kind, _, rest = str(ref or "").partition(":")
    if kind == "achievement":
        return await _achievement_subject(ctx, rest, school_id)
    if kind == "badge":
        try:
            row = await sharing.credential_row(rest)
        except NotFound:
            raise NotFound("no such badge") from None
        row = await check_record(who, row, "badge")
        if row.school != school_id:
            raise NotFound("no such badge")
        achievement = await achievements.by_id(row.achievement) if row.achievement is not None else None
        name = achievement.name if achievement is not None else "a badge"
        return Subject(kind="badge", ref=f"badge:{row.uuid}", id=row.credential_id, credential=row.id,
                       name=f"{name} ({row.issued_at:%Y-%m-%d})")
    if kind == "issuer":
        which, _, key = rest.partition(":")
        if which == "school":
            for school, did in await identity.issuers(ctx):
                if school.slug == key:
                    return Subject(kind="issuer", ref=f"issuer:school:{school.slug}", id=did, name=school.name,
                                   subject_school=school.id)
            raise NotFound("no such school")
        if which == "trusted" and key.isdigit():
            if who.role not in ADMINS:
                raise NotFound("no such issuer")
            entry = await trust.trusted_entry(who, None, int(key))
            return Subject(kind="issuer", ref=f"issuer:trusted:{entry.id}", id=entry.issuer_id, name=entry.name)
        raise NotFound("no such issuer")
    raise NotFound("say what to endorse: an achievement, a badge or an issuer")


async def choices(ctx: IssuerContext, who: Principal) -> list[Choice]:
    """What the endorse form offers the caller: the school's current achievements, the district's
    other schools and (administrators) the issuers the school recognises."""
    require(who, *ADMINS, Role.TEACHER)
    school_id = await acting_school(who)
    out = [Choice(ref=f"achievement:{a.uuid}", name=a.name, kind="achievement")
           for a in await achievements.of_school(school_id)]
    out += [Choice(ref=f"issuer:school:{s.slug}", name=s.name, kind="issuer")
            for s, _ in await identity.issuers(ctx) if s.id != school_id]
    if who.role in ADMINS:
        out += [Choice(ref=f"issuer:trusted:{t.id}", name=t.name, kind="issuer") for t in await trust.listed(who, None)]
    return out


# --- signing -------------------------------------------------------------------------------------

async def _sign_and_store(ctx: IssuerContext, *, school_id: int, subject: Subject, comment: str, endorser_kind: str,
                          endorser_key: str, endorser_name: str, endorser_id: int | None, profile: dict[str, object],
                          signer: Ed25519Signer, created_by: int | None, now: datetime) -> EndorsementRow:
    """Build, sign and store one endorsement with its revocation entry (call inside the write
    transaction: the index is taken with the endorsement or not at all). ``Conflict`` when this
    endorser already endorses this thing."""
    if await repo.existing(endorser_key, subject.id) is not None:
        raise Conflict(f"{endorser_name} already endorses {subject.name}: withdraw that endorsement first "
                       "to write a new one", subject=subject.id)
    # the list's issuer must be the endorsement's: the school's list for the school, else the endorser's
    status_list: int | None = None
    if endorser_id is None:
        status, status_list, status_index = await credential_status.allocate_entry(ctx, school_id,
                                                                                   purpose="revocation")
    else:
        status, status_index = await endorser_status.allocate(ctx, endorser_id)
    e_uuid = uuidlib.uuid4()
    credential_id = f"{ctx.settings.base_url}/endorsements/{e_uuid}"
    try:
        unsigned = build_endorsement(credential_id=credential_id, issuer=profile, subject_id=subject.id,
                                     comment=comment, name=f"Endorsement of {subject.name} by {endorser_name}",
                                     issued_at=now, status=status)
        signed = sign(unsigned, signer=signer, created=now)
    except BadgeError as exc:
        raise InvalidInput(f"the endorsement cannot be signed: {exc.message}", **exc.details) from None
    await repo.insert_endorsement(
        uuid=e_uuid, school=school_id, endorser_kind=endorser_kind, endorser=endorser_id, endorser_key=endorser_key,
        endorser_name=endorser_name, subject_kind=subject.kind, subject_id=subject.id, subject_name=subject.name,
        achievement=subject.achievement, credential=subject.credential, subject_school=subject.subject_school,
        comment=comment, credential_id=credential_id, document=json.dumps(signed, ensure_ascii=False),
        created_by=created_by, created_at=now, status_list=status_list, status_index=status_index)
    found = await repo.endorsement(str(e_uuid))
    if found is None:  # written just above, in this transaction
        raise LookupError("the endorsement just written is gone")
    return found


async def endorse(ctx: IssuerContext, who: Principal, *, ref: str, comment: object) -> EndorsementRow:
    """A member of staff endorses ``ref``: an administrator as the school, a teacher as themselves.
    403 for a student; 404 for what the caller cannot see; 400 for a missing or long comment."""
    require(who, *ADMINS, Role.TEACHER)
    text = comment_of(comment)
    subject = await subject_of(ctx, who, ref)
    school_id = await acting_school(who)
    now = ctx.clock.now()
    if who.role in ADMINS:
        if subject.subject_school == school_id:
            raise BadRequest("a school cannot endorse itself", field="subject")
        # the school's signer and Profile, read (and its key made) before the transaction
        signer = await identity.signer_for(ctx, school_id)
        profile = await identity.issuer_profile(ctx, school_id)

        async def as_school() -> EndorsementRow:
            return await _sign_and_store(
                ctx, school_id=school_id, subject=subject, comment=text, endorser_kind="school",
                endorser_key=f"school:{school_id}", endorser_name=str(profile["name"]), endorser_id=None,
                profile=profile, signer=signer, created_by=who.id, now=now)

        return await in_write_transaction(as_school)
    if who.id is None:
        raise Forbidden("a teacher endorses as themselves: this credential names no teacher")
    teacher_id = who.id
    school_name = await schools.school_name(school_id) or "their school"
    name = f"{who.display_name or who.username}, teacher at {school_name}"

    async def as_teacher() -> EndorsementRow:
        endorser = await keys.endorser(ctx, school_id=school_id, kind="teacher",
                                       handle=keys.teacher_handle(teacher_id), name=name, user_id=teacher_id)
        signer = keys.signer_of(ctx, endorser)
        profile: dict[str, object] = {"id": signer.public_key.did_key, "type": ["Profile"], "name": endorser.name,
                                      "description": f"A teacher at {school_name}"}
        return await _sign_and_store(
            ctx, school_id=school_id, subject=subject, comment=text, endorser_kind="teacher",
            endorser_key=f"endorser:{endorser.id}", endorser_name=endorser.name, endorser_id=endorser.id,
            profile=profile, signer=signer, created_by=teacher_id, now=now)

    return await in_write_transaction(as_teacher)


class PartnerOffer(msgspec.Struct, frozen=True, kw_only=True):
    """What a mentor's link lets them endorse: the ELO's achievement on behalf of its partner
    organisation, and that organisation's standing endorsement of it (if any)."""
    organisation: str
    subject: Subject
    held: EndorsementView | None
    school: int


async def partner_offer(ctx: IssuerContext, token: str) -> PartnerOffer:
    """``LinkExpired`` for a link that cannot endorse (unknown, expired, a plan not approved)."""
    elo = await elos.endorsing_link(ctx, token)
    achievement = await achievements.by_id(elo.achievement)
    if achievement is None:
        raise NotFound("no such achievement")
    subject = await _achievement_subject(ctx, str(achievement.uuid), elo.school)
    organisation = " ".join(elo.partner_org.split())
    endorser = await repo.endorser_by_handle(elo.school, keys.partner_handle(organisation))
    held = await repo.existing(f"endorser:{endorser.id}", subject.id) if endorser is not None else None
    return PartnerOffer(organisation=organisation, subject=subject, school=elo.school,
                        held=view_of(ctx, held) if held is not None else None)


async def endorse_as_partner(ctx: IssuerContext, token: str, *, achievement: str, comment: object) -> EndorsementRow:
    """The mentor endorses the achievement of their link's ELO on behalf of its partner
    organisation. ``LinkExpired`` (410) for an expired or unknown link; ``NotFound`` when
    ``achievement`` is not the one this link is about (another ELO's); ``Conflict`` when the
    organisation already endorses it."""
    text = comment_of(comment)
    offer = await partner_offer(ctx, token)
    subject, name = offer.subject, offer.organisation
    if str(achievement or "").strip() not in (subject.ref.partition(":")[2], subject.ref):
        raise NotFound("this link is not about that achievement")
    now = ctx.clock.now()
    school_name = await schools.school_name(offer.school) or "a school"

    async def unit() -> EndorsementRow:
        endorser = await keys.endorser(ctx, school_id=offer.school, kind="partner",
                                       handle=keys.partner_handle(name), name=name)
        signer = keys.signer_of(ctx, endorser)
        profile: dict[str, object] = {"id": signer.public_key.did_key, "type": ["Profile"], "name": endorser.name,
                                      "description": f"Extended learning partner of {school_name}"}
        return await _sign_and_store(
            ctx, school_id=offer.school, subject=subject, comment=text, endorser_kind="partner",
            endorser_key=f"endorser:{endorser.id}", endorser_name=endorser.name, endorser_id=endorser.id,
            profile=profile, signer=signer, created_by=None, now=now)

    return await in_write_transaction(unit)


# --- reading -------------------------------------------------------------------------------------

async def stored(e_uuid: str) -> EndorsementRow:
    """One endorsement (public: it was made to be shown), withdrawn ones included."""
    row = await repo.endorsement(e_uuid)
    if row is None:
        raise NotFound("no such endorsement")
    return row


async def for_subjects(ctx: IssuerContext, subject_ids: Iterable[str]) -> list[EndorsementView]:
    """The standing endorsements of any of ``subject_ids`` (public pages), oldest first."""
    return [view_of(ctx, r) for r in await repo.of_subjects({s for s in subject_ids if s})]


async def for_school_page(ctx: IssuerContext, slug: str) -> list[EndorsementView]:
    """The standing endorsements of a district school as an issuer (any id it issues or issued as)."""
    ids = [did for school, did in await identity.all_issuer_ids(ctx) if school.slug == slug]
    return await for_subjects(ctx, ids)


async def of_school(ctx: IssuerContext, who: Principal) -> list[EndorsementView]:
    """Every endorsement made by the school, its teachers and its partners (administrators)."""
    require(who, *ADMINS)
    school_id = await acting_school(who)
    return [view_of(ctx, r) for r in await repo.of_school(school_id)]


async def withdraw(ctx: IssuerContext, who: Principal, e_uuid: str) -> EndorsementRow:
    """An administrator withdraws one of the school's endorsements: off the public pages, out of
    new badges and revoked on its status list, all in one write transaction (404 for another
    school's). An endorsement made before endorsements had a status entry is only taken off."""
    require(who, *ADMINS)
    school_id = await acting_school(who)

    async def unit() -> EndorsementRow:
        row = await repo.endorsement(e_uuid)
        if row is None or row.school != school_id:
            raise NotFound("no such endorsement")
        if row.withdrawn_at is not None:
            return row
        await repo.withdraw(row.id, ctx.clock.now())
        if row.status_index is not None and row.status_list is not None:
            await credential_status.revoke_entry(ctx, list_id=row.status_list, index=row.status_index)
        elif row.status_index is not None and row.endorser is not None:
            await endorser_status.revoke(ctx, row.endorser, row.status_index)
        return await stored(e_uuid)

    return await in_write_transaction(unit)


async def endorser_status_list(e_uuid: str) -> str:
    """An endorser's signed revocation list, as stored (public: verifiers read it)."""
    return await endorser_status.list_document(e_uuid)
