"""Piccolo tables: the only place the schema is described. Queries live in repo modules."""
from __future__ import annotations

# ruff: noqa: F401
from piccolo.columns import (
    JSON,
    UUID,
    Boolean,
    Bytea,
    Date,
    ForeignKey,
    Integer,
    Real,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete

# --- schools and accounts: District, School, SigningKey, User, ApiToken, WebSession, LoginAttempt,
# --- LoginThrottle, AuditEvent; credentials: StatusList (IssuedCredential is further down)
from piccolo.constraints import Unique as _PUnique  # noqa: E402  (composite unique constraints)
from piccolo.table import Table


class District(Table):
    """The organisation (tenant root); its own did:web is the base URL's host."""
    id: Serial  # Piccolo's implicit primary key, declared for type checkers
    slug = Varchar(length=64, unique=True)
    name = Varchar(length=255)
    url = Varchar(length=1024, default="")
    email = Varchar(length=320, default="")
    created_at = Timestamptz()


class School(Table):
    """An issuer: its own Profile, did:web (``<base>:issuers:<slug>``) and Ed25519 keys."""
    id: Serial  # Piccolo's implicit primary key, declared for type checkers
    district = ForeignKey(references=District, index=True)
    slug = Varchar(length=64, unique=True)
    name = Varchar(length=255)
    url = Varchar(length=1024, default="")
    email = Varchar(length=320, default="")
    description = Text(default="")
    address = JSON(default="{}")  # OB Address fields (camelCase), without type
    image_url = Varchar(length=1024, default="")
    created_at = Timestamptz()
    # issue 12 (badge page): the school's LinkedIn organisation id, for "Add to profile" (empty: by name)
    linkedin_organization_id = Varchar(length=32, default="")
    # --- issue 13 (school profile): the uploaded logo (sanitised, stored by its sha256; served at
    # /issuers/<slug>/logo) and the school's words for its levels (new rubrics take them)
    logo_sha256 = Varchar(length=64, default="")
    logo_type = Varchar(length=32, default="")
    scale = JSON(default="[]")  # [{"value": 1, "name": "Beginning", "description": ""}, ...]; []: the default
    # --- issue 13 (district): how this school issues: "" the deployment's setting, "did:web", "did:key"
    did_method = Varchar(length=16, default="")


class SigningKey(Table):
    """An Ed25519 key; the seed is AES-GCM encrypted under the KEK (never stored in clear)."""
    id: Serial  # Piccolo's implicit primary key, declared for type checkers
    district = ForeignKey(references=District, index=True)
    school = ForeignKey(references=School, null=True, index=True)  # null: the district's own key
    public_key_multibase = Varchar(length=128, unique=True)  # z6Mk…, also the DID URL fragment
    encrypted_seed = Text()  # "v1.<kek id>.<base64url(nonce ‖ ciphertext)>"
    active = Boolean(default=True, index=True)
    created_at = Timestamptz()
    retired_at = Timestamptz(null=True, default=None)


class User(Table, tablename="app_user"):
    """Every account; a learner is a User with role student. Mentors have no account."""
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    district = ForeignKey(references=District, index=True)
    school = ForeignKey(references=School, null=True, index=True)  # null for district admins
    role = Varchar(length=16, index=True)  # district_admin | school_admin | teacher | student
    username = Varchar(length=150, unique=True)
    email = Varchar(length=320, default="")
    display_name = Varchar(length=255, default="")
    password_hash = Varchar(length=255, default="")  # argon2id; "" = cannot log in
    active = Boolean(default=True)
    created_at = Timestamptz()
    # (notify) the language the person last signed in with ("" = not known): their e-mails speak it
    language = Varchar(length=8, default="")
    # (district) when the account was erased on request (None: never); see docs/PRIVACY.md
    erased_at = Timestamptz(null=True, default=None)


class ApiToken(Table):
    """A bearer token; only its sha256 is stored. Acts as ``role`` within ``school``: as its
    ``user`` (same role and school) for a person's role, or as a school admin without one."""
    id: Serial  # the primary key Piccolo adds, declared for type checkers
    token_hash = Varchar(length=64, unique=True)
    name = Varchar(length=255, default="")
    district = ForeignKey(references=District)
    school = ForeignKey(references=School, null=True, index=True)
    user = ForeignKey(references=User, null=True)
    role = Varchar(length=16, default="school_admin")
    created_at = Timestamptz()
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
    expires_at = Timestamptz(null=True, default=None)  # null: until revoked
    created_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)  # null: the CLI


class WebSession(Table):
    """A page session; the cookie holds the random token, the table its sha256."""
    id: Serial  # the primary key Piccolo adds, declared for type checkers
    token_hash = Varchar(length=64, unique=True)
    user = ForeignKey(references=User, index=True)
    created_at = Timestamptz()
    expires_at = Timestamptz()


class LoginAttempt(Table):
    login = Varchar(length=150, index=True)
    ip = Varchar(length=64, default="")
    success = Boolean(default=False)
    at = Timestamptz(index=True)


class LoginThrottle(Table):
    """Failed-login counters, one row per key (sha256 of the (username, IP) or IP it limits):
    bumped and read in one statement, so concurrent attempts cannot all pass the check."""
    key = Varchar(length=64, unique=True)
    window_start = Timestamptz()
    failures = Integer(default=0)


class StatusList(Table):
    """One Bitstring Status List per (school, purpose, number), served at
    ``/status/<school>/<purpose>/<list_no>``; ``document`` is the signed list credential."""
    id: Serial  # Piccolo's implicit primary key, declared for type checkers
    school = ForeignKey(references=School, index=True)
    purpose = Varchar(length=16)  # revocation | suspension
    list_no = Integer()
    size = Integer()
    encoded_list = Text()  # "u…" (gzip + base64url), the current bits
    document = Text(default="")  # the signed BitstringStatusListCredential, verbatim
    updated_at = Timestamptz()
    unique_school_purpose_no = _PUnique(["school", "purpose", "list_no"])


class StatusEntry(Table):
    """An allocated index; the unique constraint is what makes concurrent allocation safe."""
    id: Serial  # Piccolo's implicit primary key, declared for type checkers
    status_list = ForeignKey(references=StatusList)
    status_index = Integer()
    created_at = Timestamptz()
    unique_list_index = _PUnique(["status_list", "status_index"])


class AuditEvent(Table):
    id: Serial  # the primary key Piccolo adds, declared for type checkers
    at = Timestamptz(index=True)
    actor = ForeignKey(references=User, null=True)
    district = ForeignKey(references=District, null=True)
    school = ForeignKey(references=School, null=True)
    action = Varchar(length=64)
    subject = Varchar(length=1024, default="")
    details = JSON(default="{}")



# --- catalog: Framework, Competency, Achievement; evidence: Submission, SubmissionVersion, EvidenceFile,
# --- ExtendedLearning, MentorLink, Review; credentials: Award, BulkJob
from piccolo.constraints import Unique  # noqa: E402  (composite unique constraints)


class Framework(Table):
    """A competency framework; ``kind`` keeps academic, habits of work and extended learning apart."""
    uuid = UUID(unique=True)
    school = ForeignKey(references=School, index=True)
    kind = Varchar(length=16, index=True)  # academic | habits | elo
    name = Varchar(length=255)
    version = Varchar(length=64, default="")
    source = Varchar(length=16, default="manual")  # manual | csv | case
    source_uri = Varchar(length=1024, default="")
    created_at = Timestamptz()


class Competency(Table):
    framework = ForeignKey(references=Framework, index=True)
    kind = Varchar(length=16, index=True)  # copied from the framework so every query can filter on it
    code = Varchar(length=128)
    name = Text()
    description = Text(default="")
    url = Varchar(length=1024, default="")  # the CASE CFItem URI, or ours
    parent_code = Varchar(length=128, default="")  # the code of the competency it sits under; "" at the top
    position = Integer(default=0)  # its place among its siblings, from 1
    unique_framework_code = Unique(["framework", "code"])


class Achievement(Table):
    """A badge class: what mastery looks like (rubric) and what it aligns to."""
    uuid = UUID(unique=True)
    school = ForeignKey(references=School, index=True)
    name = Varchar(length=255)
    description = Text()
    criteria = Text(default="")
    achievement_type = Varchar(length=64, default="Competency")
    area = Varchar(length=16, default="")  # academic | habits | elo (the transcript groups by it)
    subject = Varchar(length=128, default="")  # academic subject, e.g. "Mathematics"
    image_sha256 = Varchar(length=64, default="")
    image_type = Varchar(length=32, default="")
    alignments = JSON(default="[]")  # competency ids
    rubric = JSON(default="{}")  # badges.rubrics.rubric_to_dict
    prerequisites = JSON(default="[]")  # achievement ids that must be awarded first
    second_rater = Boolean(default=False)
    created_by = ForeignKey(references=User, null=True)
    created_at = Timestamptz()
    archived = Boolean(default=False)  # no new awards: superseded by a newer version, or retired
    # Versions (issue 13): editing an awarded achievement makes a new row (new uuid, so the
    # Achievement URL inside issued badges keeps answering with what they were issued with).
    # ``lineage`` is the id of the first version (null on the first version itself).
    version = Integer(default=1)
    lineage = Integer(null=True, index=True)


class EvidenceFile(Table):
    """One stored blob; the file on disk is named by its hash, nothing else."""
    sha256 = Varchar(length=64, unique=True)
    media_type = Varchar(length=128)
    size = Integer()
    created_at = Timestamptz()


class Submission(Table):
    """A learner's attempt at an achievement; revisions are SubmissionVersion rows."""
    uuid = UUID(unique=True)
    school = ForeignKey(references=School, index=True)
    learner = ForeignKey(references=User, index=True)
    achievement = ForeignKey(references=Achievement, index=True)
    kind = Varchar(length=16, default="classroom")  # classroom | elo
    status = Varchar(length=24, default="submitted", index=True)
    # submitted | needs_second | moderation | revise | awarded
    current_version = Integer(default=1)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class SubmissionVersion(Table):
    submission = ForeignKey(references=Submission, index=True)
    number = Integer()
    narrative = Text(default="")
    urls = JSON(default="[]")
    files = JSON(default="[]")  # [{sha256, name, mediaType, size}]
    created_at = Timestamptz()
    unique_submission_number = Unique(["submission", "number"])
    # issue 12: the student's optional self-assessment of this version against the rubric
    # ({criterion id: level}) and their comment, shown back to them and to the teacher who rates.
    self_ratings = JSON(default="{}")
    self_comment = Text(default="")


class ExtendedLearning(Table):
    """An extended learning opportunity: planned with a partner, attested by a mentor, rated by a teacher."""
    uuid = UUID(unique=True)
    school = ForeignKey(references=School, index=True)
    learner = ForeignKey(references=User, index=True)
    achievement = ForeignKey(references=Achievement)
    partner_org = Varchar(length=255)
    mentor_name = Varchar(length=255)
    mentor_email = Varchar(length=320)
    goals = Text()
    competencies = JSON(default="[]")
    hours = Real(default=0)
    start_date = Date()
    end_date = Date()
    status = Varchar(length=16, default="proposed", index=True)
    # proposed | approved | rejected | attested | submitted
    approved_by = ForeignKey(references=User, null=True)
    approved_at = Timestamptz(null=True, default=None)
    attestation = Text(default="")
    attested_hours = Real(null=True, default=None)
    attested_at = Timestamptz(null=True, default=None)
    submission = ForeignKey(references=Submission, null=True)
    created_at = Timestamptz()


class MentorLink(Table):
    """A single-use, expiring mentor link; only the sha256 of the token is stored."""
    elo = ForeignKey(references=ExtendedLearning, index=True)
    token_hash = Varchar(length=64, unique=True)
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()


class Review(Table):
    version = ForeignKey(references=SubmissionVersion, index=True)
    submission = ForeignKey(references=Submission, index=True)
    reviewer = ForeignKey(references=User)
    role = Varchar(length=16, default="rater")  # rater | moderator
    ratings = JSON(default="{}")
    feedback = Text(default="")
    # criterion id -> the rater's words on that row of the rubric (issue 13); ``feedback`` is the overall word
    criterion_feedback = JSON(default="{}")
    met = Boolean(default=False)
    created_at = Timestamptz()
    unique_version_reviewer_role = Unique(["version", "reviewer", "role"])


class Award(Table):
    """The decision to award. A learner may earn an achievement again at a higher level
    (multiple opportunities): each recognised demonstration is its own award, numbered by
    ``opportunity`` (1, 2, …). Unique per (learner, achievement, opportunity), so two concurrent
    demonstrations cannot both take the same number, and unique per submission, so one piece
    of work is issued once."""
    id: Serial  # Piccolo's implicit primary key, declared for type checkers
    uuid = UUID(unique=True)
    school = ForeignKey(references=School, index=True)
    learner = ForeignKey(references=User)
    achievement = ForeignKey(references=Achievement, index=True)
    submission = ForeignKey(references=Submission, null=True)
    version = ForeignKey(references=SubmissionVersion, null=True)
    ratings = JSON(default="{}")
    source = Varchar(length=16, default="review")  # review | bulk
    created_at = Timestamptz()
    opportunity = Integer(default=1)
    evidence_shared = Boolean(default=True)  # the learner's switch: evidence files public to link holders
    unique_learner_achievement_opportunity = Unique(["learner", "achievement", "opportunity"])
    unique_submission = Unique(["submission"])


class BulkJob(Table):
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    uuid = UUID(unique=True)
    school = ForeignKey(references=School, index=True)
    created_by = ForeignKey(references=User, null=True)
    status = Varchar(length=16, default="queued")  # queued | running | done | failed
    total = Integer(default=0)
    processed = Integer(default=0)
    issued = Integer(default=0)
    errors = JSON(default="[]")
    created_at = Timestamptz()
    finished_at = Timestamptz(null=True, default=None)
    # What a resumed run needs (issuer.jobs): the validated rows and who started it.
    plan = JSON(default="[]")  # [{line, learner, achievement, ratings}], in issuing order
    actor = JSON(default="{}")  # the principal's role/id/school/district, for the audit log
    # The lease of the process running the job (issuer.jobs): expired or empty = free to take.
    lease_owner = Varchar(length=128, default="")
    lease_until = Timestamptz(null=True, default=None)


# --- credentials, continued: IssuedCredential refers to Achievement and Award, defined above


class IssuedCredential(Table):
    """A signed credential, stored byte for byte as signed (``document``)."""
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    uuid = UUID(unique=True)  # the path segment of /credentials/<uuid>
    school = ForeignKey(references=School, index=True)
    learner = ForeignKey(references=User, null=True, index=True)
    achievement = ForeignKey(references=Achievement, null=True, index=True)  # null for VC-API
    award = ForeignKey(references=Award, null=True, unique=True)  # null for VC-API
    credential_id = Varchar(length=1024, unique=True)  # the VC `id`
    document = Text()
    status_list = ForeignKey(references=StatusList, null=True)
    status_index = Integer(null=True, default=None)
    status_purpose = Varchar(length=16, default="")
    revoked_at = Timestamptz(null=True, default=None)
    revoked_reason = Text(default="")
    revoked_by = ForeignKey(references=User, null=True)
    suspended = Boolean(default=False)
    suspended_reason = Text(default="")
    issued_at = Timestamptz()
    unique_status = _PUnique(["status_list", "status_index"])
    # issue 12 (badge page): the learner's switches. The public page (and the JSON at its URL) is on
    # by default, so links already given out keep working; the learner's name is shown only if asked.
    public_page = Boolean(default=True)
    show_name = Boolean(default=False)
    # issue 14: the same credential as a VC-JWT (OB 3.0 §8.2), signed on first request and then
    # served as stored, like ``document``; "" until someone asks for it.
    jwt = Text(default="")
    # issue 14: a copy bound to a wallet's DID (``credentialSubject.id`` = ``holder``), issued from
    # the credential ``bound_from`` names (an id of this table; its revocation reaches the copies).
    bound_from = Integer(null=True, default=None, index=True)
    holder = Varchar(length=2048, default="")


class WalletExchange(Table):
    """One "add to wallet" request: a single-use challenge, for ``credential``, that expires.
    Only the sha256 of the challenge is stored; ``issued`` is the bound copy made for ``holder``."""
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    uuid = UUID(unique=True)
    school = ForeignKey(references=School, index=True)
    learner = ForeignKey(references=User, index=True)
    credential = ForeignKey(references=IssuedCredential, index=True)
    protocol = Varchar(length=16, default="lcw")
    challenge_hash = Varchar(length=64, unique=True)
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    holder = Varchar(length=2048, default="")
    issued = ForeignKey(references=IssuedCredential, null=True)
    created_at = Timestamptz()
    # OpenID4VCI (pre-authorized code): the sha256 of the code in the offer, of the transaction
    # code the student sees, and of the access token the token endpoint gave for it
    pre_auth_hash = Varchar(length=64, default="", index=True)
    tx_code_hash = Varchar(length=64, default="")
    access_hash = Varchar(length=64, default="", index=True)
    access_expires_at = Timestamptz(null=True, default=None)


# --- transcripts: Transcript, TranscriptShare, TranscriptJob


class Transcript(Table):
    """A signed CLR 2.0 transcript, stored byte for byte as signed (served, attached to the PDF)."""
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    uuid = UUID(unique=True)  # the path segment of /transcripts/<uuid>
    school = ForeignKey(references=School, index=True)
    learner = ForeignKey(references=User, index=True)
    clr_id = Varchar(length=1024, unique=True)
    document = Text()
    created_by = ForeignKey(references=User, null=True)
    issued_at = Timestamptz()
    # The cohort job (TranscriptJob id) that made it: a resumed job skips its finished students.
    # (Not named `job`: its index, "transcript_job", would clash with that table's name.)
    cohort_job = Integer(null=True, default=None, index=True)


class TranscriptShare(Table):
    """A share link for an admissions office; only the sha256 of the token is stored."""
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    transcript = ForeignKey(references=Transcript, index=True)
    token_hash = Varchar(length=64, unique=True)
    label = Varchar(length=255, default="")
    created_by = ForeignKey(references=User, null=True)
    created_at = Timestamptz()
    expires_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class TranscriptJob(Table):
    """Transcripts for a whole cohort, generated in the background; progress is polled."""
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    uuid = UUID(unique=True)
    school = ForeignKey(references=School, index=True)
    created_by = ForeignKey(references=User, null=True)
    status = Varchar(length=16, default="queued")  # queued | running | done | failed
    total = Integer(default=0)
    processed = Integer(default=0)
    succeeded = Integer(default=0)
    errors = JSON(default="[]")
    out_dir = Varchar(length=1024, default="")
    created_at = Timestamptz()
    finished_at = Timestamptz(null=True, default=None)
    learners = JSON(default="[]")  # the cohort's learner ids, fixed when the job starts
    actor = JSON(default="{}")
    lease_owner = Varchar(length=128, default="")
    lease_until = Timestamptz(null=True, default=None)


# --- portfolio: Portfolio, PortfolioItem, PortfolioShare (issue 12, the student's curated portfolio)


class Portfolio(Table):
    """A student's own portfolio (one each): a title and a reflection on the whole."""
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    learner = ForeignKey(references=User, unique=True)
    school = ForeignKey(references=School, index=True)
    title = Varchar(length=200, default="")
    reflection = Text(default="")
    updated_at = Timestamptz()


class PortfolioItem(Table):
    """One piece the student chose: a badge, or a file, link or narrative of their evidence.
    ``source`` names the piece (``badge:<credential uuid>``, ``file:<submission uuid>:<sha256>``,
    ``link:<submission uuid>:<n>``, ``narrative:<submission uuid>:<version>``); it is checked
    against the student's own records each time it is read, never trusted on its own."""
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    portfolio = ForeignKey(references=Portfolio, index=True)
    source = Varchar(length=255)
    reflection = Text(default="")
    public = Boolean(default=False)
    position = Integer(default=0)
    created_at = Timestamptz()
    unique_portfolio_source = _PUnique(["portfolio", "source"])


class PortfolioShare(Table):
    """A revocable link to the public pieces of a portfolio; only the sha256 of the token is kept."""
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    portfolio = ForeignKey(references=Portfolio, index=True)
    token_hash = Varchar(length=64, unique=True)
    label = Varchar(length=255, default="")
    created_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)



# --- notifications and account e-mail (issue 13): OutboxMessage, PasswordReset


class OutboxMessage(Table):
    """Every e-mail the service sends, written before it is handed to the mailer: the queue, the
    record of a delivery that failed, and (with no mail server) the outbox staff read. A message
    delivered over SMTP loses its bodies (they may hold a single-use link); one kept in the
    outbox keeps them, since reading them there is the point."""
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    school = ForeignKey(references=School, null=True, index=True)  # whose staff may read it
    recipient = ForeignKey(references=User, null=True, index=True)  # None: a mentor (no account)
    to_address = Varchar(length=320)
    to_name = Varchar(length=255, default="")
    subject = Varchar(length=255)
    text_body = Text(default="")
    html_body = Text(default="")
    kind = Varchar(length=32, index=True)  # mentor_link | feedback | award | revocation | digest | password_reset
    language = Varchar(length=8, default="en")
    status = Varchar(length=16, default="queued", index=True)  # queued | sent | kept | failed
    attempts = Integer(default=0)
    error = Text(default="")
    created_at = Timestamptz(index=True)
    sent_at = Timestamptz(null=True, default=None)


class PasswordReset(Table):
    """A single-use, expiring password-reset link (only the sha256 of its token is kept)."""
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    user = ForeignKey(references=User, index=True)
    token_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class ImportedBadge(Table):
    """A badge the student earned elsewhere and added to their backpack (issue 14): kept byte for
    byte as given (the file's bytes in the file store under ``sha256``; ``document`` is the
    credential read from it, JSON or a compact JWS), verified on import and again when shown,
    and never counted as this school's (transcripts read ``IssuedCredential`` only)."""
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    uuid = UUID(unique=True)
    learner = ForeignKey(references=User, index=True)
    school = ForeignKey(references=School, index=True)
    sha256 = Varchar(length=64)
    media_type = Varchar(length=64, default="")
    size = Integer(default=0)
    source = Varchar(length=8, default="file")  # file | url
    source_url = Varchar(length=2048, default="")
    format = Varchar(length=16, default="")  # the verifier's: json | jwt | png+json | svg+jwt | …
    document = Text()
    name = Varchar(length=512, default="")
    issuer_id = Varchar(length=2048, default="")
    issuer_name = Varchar(length=512, default="")
    verified = Boolean(default=False)
    summary = Text(default="")  # the verdict in words, as of ``checked_at``
    checked_at = Timestamptz()
    created_at = Timestamptz()
    unique_learner_sha256 = _PUnique(["learner", "sha256"])
    # the credential's own ``id`` ("" if it has none): the OB 3.0 REST API's upsert replaces the
    # badge with the same id rather than adding a second copy
    credential_id = Varchar(length=2048, default="", index=True)
# --- issue 13 (district): the issuers a school recognises (the verifier's trust registry adds them)


class TrustedIssuer(Table):
    """An issuer (did:key, did:web or https URL) a school recognises, named as the school knows it."""
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    school = ForeignKey(references=School, index=True)
    issuer_id = Varchar(length=1024)
    name = Varchar(length=255)
    note = Text(default="")
    added_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    added_at = Timestamptz()
    unique_school_issuer = _PUnique(["school", "issuer_id"])
# --- classes (issue 13): SchoolClass, ClassTeacher, ClassStudent


class SchoolClass(Table, tablename="school_class"):
    """A class of a school: its students and the teachers who see their work (``issuer.access``:
    once a school has a class, a teacher sees only the students of their classes). Archived, it
    keeps its rows but no longer opens anyone's work to its teachers."""
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    school = ForeignKey(references=School, index=True)
    name = Varchar(length=120)
    subject = Varchar(length=120, default="")
    period = Varchar(length=60, default="")
    created_at = Timestamptz()
    archived_at = Timestamptz(null=True, default=None)


class ClassTeacher(Table):
    """A teacher of a class (a class may have several)."""
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    school_class = ForeignKey(references=SchoolClass, index=True)
    teacher = ForeignKey(references=User, index=True)
    unique_class_teacher = _PUnique(["school_class", "teacher"])


class ClassStudent(Table):
    """A student in a class (a student may be in several)."""
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    school_class = ForeignKey(references=SchoolClass, index=True)
    student = ForeignKey(references=User, index=True)
    unique_class_student = _PUnique(["school_class", "student"])


# --- issue 14: the OB 3.0 REST API's OAuth 2.0 (issuer.obapi). Secrets and tokens are kept as
# --- SHA-256 digests only: a copy of the database lets nobody act as a client or a student.


class OAuthClient(Table):
    """A client registered by RFC 7591 dynamic registration; ``metadata`` is what it registered."""
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    client_id = Varchar(length=64, unique=True)
    secret_hash = Varchar(length=64)
    client_name = Varchar(length=255, default="")
    metadata = Text()  # JSON: the RFC 7591 fields as registered (redirect_uris, scope, …)
    created_at = Timestamptz()


class OAuthCode(Table):
    """An authorization code: single use (deleted when exchanged), minutes long, PKCE-bound."""
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    code_hash = Varchar(length=64, unique=True)
    client = ForeignKey(references=OAuthClient, index=True, on_delete=OnDelete.cascade)
    user = ForeignKey(references=User, index=True)
    redirect_uri = Varchar(length=2048)
    scope = Text(default="")
    code_challenge = Varchar(length=128)
    code_challenge_method = Varchar(length=8)
    expires_at = Timestamptz()


class OAuthToken(Table):
    """An access token and its refresh token, granted by a student to a client."""
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    access_hash = Varchar(length=64, unique=True)
    refresh_hash = Varchar(length=64, default="", index=True)  # "" when none was issued
    client = ForeignKey(references=OAuthClient, index=True, on_delete=OnDelete.cascade)
    user = ForeignKey(references=User, index=True)
    scope = Text(default="")
    issued_at = Timestamptz()
    expires_in = Integer()
    refresh_expires_at = Timestamptz(null=True, default=None)
    access_revoked = Boolean(default=False)
    refresh_revoked = Boolean(default=False)


class LearnerProfile(Table):
    """The Profile a student keeps through the REST API (``PUT /ims/ob/v3p0/profile``): the fields
    they chose to give, as JSON; the id, type and school account stay the platform's."""
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    user = ForeignKey(references=User, unique=True)
    document = Text()
    updated_at = Timestamptz()
# --- endorsements (issue 14): Endorser, Endorsement


class Endorser(Table):
    """An endorser that is not the school (a teacher, a partner organisation of extended learning):
    named on its Profile, signing with its own Ed25519 key that the platform holds for it (a
    custodial did:key; the seed AES-GCM encrypted under the KEK like the schools' keys). The school
    itself endorses with its own signing key and has no row here. ``handle`` says who it is within
    the school: ``teacher:<user id>`` or ``partner:<the organisation's name, casefolded>``."""
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    uuid = UUID(unique=True)
    school = ForeignKey(references=School, index=True)
    kind = Varchar(length=16)  # teacher | partner
    handle = Varchar(length=300)
    user = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    name = Varchar(length=512)  # the Profile's name ("Ana Ruiz, teacher at Northside High", "City Museum")
    public_key_multibase = Varchar(length=128, unique=True)
    encrypted_seed = Text()  # "v1.<kek id>.<base64url(nonce ‖ ciphertext)>"
    created_at = Timestamptz()
    # The endorser's own revocation list (issuer.endorsements.status), signed with its key and
    # served at /endorsers/<uuid>/status/revocation; made with its first status entry.
    status_next = Integer(default=0)  # the next free index (indexes are handed out in order)
    status_encoded = Text(default="")  # "u…" (gzip + base64url), the current bits; "" no list yet
    status_document = Text(default="")  # the signed BitstringStatusListCredential, verbatim
    unique_school_handle = _PUnique(["school", "handle"])


class Endorsement(Table):
    """A signed EndorsementCredential, stored byte for byte as signed and served at
    ``/endorsements/<uuid>``. ``endorser_key`` names the signer (``school:<id>`` or
    ``endorser:<id>``): one endorsement per endorser and endorsed thing (``subject_id``).
    ``achievement`` is set when the endorsed thing is one of our achievements (badges issued for
    it later embed the endorsement), ``credential`` for one of our badges, ``subject_school`` for
    one of the district's schools."""
    id: Serial  # the primary key Piccolo adds; declared for type checkers
    uuid = UUID(unique=True)
    school = ForeignKey(references=School, index=True)  # whose staff or partner endorsed
    endorser_kind = Varchar(length=16)  # school | teacher | partner
    endorser = ForeignKey(references=Endorser, null=True, index=True)  # None: the school itself
    endorser_key = Varchar(length=64)
    endorser_name = Varchar(length=512)
    subject_kind = Varchar(length=16)  # achievement | badge | issuer
    subject_id = Varchar(length=2048)
    subject_name = Varchar(length=512, default="")
    achievement = ForeignKey(references=Achievement, null=True, index=True)
    credential = ForeignKey(references=IssuedCredential, null=True, index=True)
    subject_school = ForeignKey(references=School, null=True, index=True)
    comment = Text()
    credential_id = Varchar(length=2048)
    document = Text()  # the signed EndorsementCredential, exactly as signed
    created_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz()
    withdrawn_at = Timestamptz(null=True, default=None)
    # Its revocation entry (None: made before endorsements had one): the school's revocation
    # list (``status_list``) for the school's own, else the endorser's list.
    status_list = ForeignKey(references=StatusList, null=True, default=None, on_delete=OnDelete.restrict)
    status_index = Integer(null=True, default=None)
    unique_endorser_subject = _PUnique(["endorser_key", "subject_id"])
