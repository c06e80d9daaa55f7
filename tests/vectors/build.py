"""Golden verification vectors: signed good credentials and their bad twins.

Regenerate after a deliberate change with ``.venv/bin/python -m tests.vectors.build``; the test
``tests/badges/test_verification_vectors.py::test_golden_files_are_current`` fails whenever the
files on disk differ from what this module builds (Ed25519 is deterministic, so they are
byte-stable). Every key comes from a fixed seed and every date from ``NOW`` (tests/support.py).

``EXPECTED`` names, for each file, whether it verifies and which check must fail.
"""
from __future__ import annotations

import base64
import copy
import json
import struct
import uuid
import zlib
from datetime import timedelta
from pathlib import Path

from badges.bake import bake_png, bake_svg
from badges.jsonld import CLR_V2P0, DID_V1, MULTIKEY_V1, OB_EXTENSIONS, OB_V3P0, VC_V2
from badges.signing import Ed25519Signer, format_datetime, multikey_document, sign
from badges.signing._multibase import multibase_decode, multibase_encode
from badges.signing.jwt import sign_jwt
from badges.status import BitstringStatusList, status_entry, status_list_credential
from tests.support import NOW, SEED

HERE = Path(__file__).resolve().parent
CREDENTIALS = HERE / "credentials"
DOCUMENTS = HERE / "documents"

LINCOLN = "did:web:lincoln.example.edu"
LINCOLN_KEY = LINCOLN + "#key-1"
LINCOLN_AUTH_KEY = LINCOLN + "#key-2"  # listed for authentication only, never for issuing
JEFFERSON = "did:web:jefferson.example.edu"
JEFFERSON_KEY = JEFFERSON + "#key-1"
REVOCATION_LIST = "https://lincoln.example.edu/status/1"
SUSPENSION_LIST = "https://lincoln.example.edu/status/2"
MISSING_LIST = "https://lincoln.example.edu/status/404"
REVOKED_INDEX, SUSPENDED_INDEX = 42, 9
OB_SCHEMA = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
CLR_SCHEMA = "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json"

lincoln = Ed25519Signer.from_seed(SEED).with_verification_method(LINCOLN_KEY)
lincoln_auth = Ed25519Signer.from_seed(bytes(range(64, 96))).with_verification_method(LINCOLN_AUTH_KEY)
jefferson = Ed25519Signer.from_seed(bytes(range(1, 33))).with_verification_method(JEFFERSON_KEY)
district = Ed25519Signer.from_seed(bytes(range(32, 64)))  # a did:key endorser

LINCOLN_PROFILE = {"id": LINCOLN, "type": ["Profile"], "name": "Lincoln High School",
                   "url": "https://lincoln.example.edu"}
JEFFERSON_PROFILE = {"id": JEFFERSON, "type": ["Profile"], "name": "Jefferson Middle School",
                     "url": "https://jefferson.example.edu"}
LEARNER = "did:example:learner-ana-42"
ISSUED = NOW - timedelta(days=45)

# file name → (verified, the check that must fail or None, the check that must warn or None)
EXPECTED: dict[str, tuple[bool, str | None, str | None]] = {
    "good.json": (True, None, None),
    "good.jwt": (True, None, None),
    "good.png": (True, None, None),
    "good.svg": (True, None, None),
    "second-school.json": (True, None, None),
    "clr.json": (True, None, None),
    "endorsement-tampered.json": (True, None, "endorsements"),
    "no-rubric.json": (True, None, None),  # most badges carry no rubric: the check is skipped
    "tampered-field.json": (False, "proof", None),
    "tampered.jwt": (False, "proof", None),
    "tampered.png": (False, "proof", None),
    "flipped-signature-bit.json": (False, "proof", None),
    "wrong-key.json": (False, "proof", None),
    "expired.json": (False, "validity", None),
    "not-yet-valid.json": (False, "validity", None),
    "future-proof.json": (False, "validity", None),
    "revoked.json": (False, "status", None),
    "suspended.json": (False, "status", None),
    "unreachable-status.json": (False, "status", None),
    "unknown-context.json": (False, "context", None),
    "undefined-term.json": (False, "terms", None),
    "swapped-cryptosuite.json": (False, "proof", None),
    "purpose-authentication.json": (False, "proof", None),
    "issuer-key-mismatch.json": (False, "issuer_key", None),
    "unauthorised-key.json": (False, "issuer_key", None),
    "non-url-issuer.json": (False, "schema", None),
    "rubric-not-met.json": (True, None, "rubric"),  # the issuer's own claim: a warning, not a verdict
    "clr-tampered-nested.json": (False, "nested", None),
}


def _when(delta_days: int = 0):
    return format_datetime(NOW + timedelta(days=delta_days))


def _levels(base: str) -> list[dict]:
    names = ["Beginning", "Developing", "Proficient", "Exceeds"]
    return [{"id": f"{base}/levels/{n}", "type": ["RubricCriterionLevel"], "level": str(n), "name": name,
             "points": str(n)} for n, name in enumerate(names, 1)]


def _criterion(achievement_id: str, slug: str, name: str, required: int) -> dict:
    base = f"{achievement_id}/criteria/{slug}"
    return {"id": base, "type": ["ResultDescription"], "name": name, "resultType": "RubricCriterionLevel",
            "rubricCriterionLevel": _levels(base), "requiredLevel": f"{base}/levels/{required}"}


def _result(criterion: dict, achieved: int) -> dict:
    return {"type": ["Result"], "resultDescription": criterion["id"],
            "achievedLevel": f"{criterion['id']}/levels/{achieved}"}


def badge(*, issuer: dict = LINCOLN_PROFILE, slug: str = "scientific-inquiry", name: str = "Scientific Inquiry",
          ratings: tuple[int, int] = (3, 4), status: dict | None = None, valid_from=None, valid_until=None,
          endorsement: list[dict] | None = None, rubric: bool = True) -> dict:
    """An unsigned OpenBadgeCredential shaped like the ones our issuer produces."""
    achievement_id = f"{issuer['url']}/achievements/{slug}"
    criteria = [_criterion(achievement_id, "question", "Asks a testable question", 3),
                _criterion(achievement_id, "evidence", "Uses evidence to support a claim", 3)]
    achievement = {"id": achievement_id, "type": ["Achievement"], "achievementType": "Competency", "name": name,
                   "description": f"{name}: a competency of the school's graduate profile.",
                   "criteria": {"narrative": "Rated by a teacher against the rubric; every criterion must reach "
                                             "Proficient."}}
    subject = {"id": LEARNER, "type": ["AchievementSubject"], "achievement": achievement}
    if rubric:
        achievement["resultDescription"] = criteria
        subject["result"] = [_result(c, r) for c, r in zip(criteria, ratings, strict=True)]
    credential = {
        "@context": [VC_V2, OB_V3P0, OB_EXTENSIONS],
        "id": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, achievement_id)}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer,
        "name": f"{name} — {issuer['name']}",
        "validFrom": valid_from or format_datetime(ISSUED),
        "credentialSubject": subject,
        "credentialSchema": [{"id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }
    if valid_until is not None:
        credential["validUntil"] = valid_until
    if status is not None:
        credential["credentialStatus"] = status
    if endorsement is not None:
        credential["endorsement"] = endorsement
    return credential


def _status(index: int = 7, *, list_url: str = REVOCATION_LIST, purpose: str = "revocation") -> dict:
    # OB 3.0 allows one credentialStatus (0..1), so suspension is a separate list and entry.
    return status_entry(list_url=list_url, index=index, purpose=purpose)


def _sign(document: dict, signer: Ed25519Signer = lincoln, **kwargs) -> dict:
    kwargs.setdefault("created", ISSUED)
    return sign(document, signer=signer, **kwargs)


def _endorsement(comment: str = "Lincoln High School's competency rubrics meet the district standard.") -> dict:
    endorsement = {
        "@context": [VC_V2, OB_V3P0],
        "id": "urn:uuid:9d8f6a3e-1c2b-4a5d-8e7f-0a1b2c3d4e5f",
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "issuer": {"id": district.public_key.did_key, "type": ["Profile"], "name": "Riverside School District"},
        "name": "District endorsement of Scientific Inquiry",
        "validFrom": format_datetime(ISSUED - timedelta(days=30)),
        "credentialSubject": {"id": "https://lincoln.example.edu/achievements/scientific-inquiry",
                              "type": ["EndorsementSubject"], "endorsementComment": comment},
    }
    return sign(endorsement, signer=district, created=ISSUED - timedelta(days=30))


def _did_document(did: str, methods: list[tuple[Ed25519Signer, tuple[str, ...]]]) -> dict:
    doc: dict = {"@context": [DID_V1, MULTIKEY_V1], "id": did,
                 "verificationMethod": [multikey_document(s.verification_method, did, s.public_key)
                                        for s, _ in methods]}
    for relationship in ("authentication", "assertionMethod"):
        listed = [s.verification_method for s, rels in methods if relationship in rels]
        if listed:
            doc[relationship] = listed
    return doc


def _status_list(url: str, purpose: str, flagged: int) -> dict:
    bits = BitstringStatusList()
    bits.set(flagged, True)
    # The list uses only the VC context, which defines an issuer's name but not an OB Profile's url.
    unsigned = status_list_credential(list_url=url, issuer={"id": LINCOLN, "name": "Lincoln High School"},
                                      purpose=purpose,
                                      encoded_list=bits.encode(), valid_from=NOW - timedelta(days=60))
    return _sign(unsigned, created=NOW - timedelta(days=60))


def _flip_bit(proof_value: str) -> str:
    data = bytearray(multibase_decode(proof_value))
    data[10] ^= 0x01
    return multibase_encode(bytes(data))


def _png() -> bytes:
    """A 1×1 opaque PNG built by hand, so the vectors need no imaging library."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x1f\x4e\x8c")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


_SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">'
        b'<circle cx="32" cy="32" r="30" fill="#1f4e8c"/></svg>\n')


def _dump(document: dict) -> bytes:
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def documents() -> dict[str, bytes]:
    """The offline bundle: DID documents and signed status lists, indexed by their ``id``."""
    return {
        "lincoln-did.json": _dump(_did_document(LINCOLN, [(lincoln, ("assertionMethod", "authentication")),
                                                          (lincoln_auth, ("authentication",))])),
        "jefferson-did.json": _dump(_did_document(JEFFERSON, [(jefferson, ("assertionMethod",))])),
        "status-revocation.json": _dump(_status_list(REVOCATION_LIST, "revocation", REVOKED_INDEX)),
        "status-suspension.json": _dump(_status_list(SUSPENSION_LIST, "suspension", SUSPENDED_INDEX)),
    }


def credentials() -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    good_unsigned = badge(status=_status(), valid_until=_when(365 * 4), endorsement=[_endorsement()])
    good = _sign(good_unsigned)
    out["good.json"] = _dump(good)
    unsigned_plain = badge(status=_status(), valid_until=_when(365 * 4))
    out["good.jwt"] = (sign_jwt(unsigned_plain, signer=lincoln) + "\n").encode("ascii")
    head, payload, signature = out["good.jwt"].decode("ascii").strip().split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["credentialSubject"]["achievement"]["name"] = "Advanced Scientific Inquiry"
    forged = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode()).rstrip(b"=").decode()
    out["tampered.jwt"] = f"{head}.{forged}.{signature}\n".encode("ascii")
    out["good.png"] = bake_png(_png(), json.dumps(good))
    out["good.svg"] = bake_svg(_SVG, json.dumps(good))
    second = _sign(badge(issuer=JEFFERSON_PROFILE, slug="habits-of-work", name="Habits of Work"), jefferson)
    out["second-school.json"] = _dump(second)

    tampered_endorsement = _endorsement()
    tampered_endorsement["credentialSubject"]["endorsementComment"] = "Lincoln High School is the best school."
    out["endorsement-tampered.json"] = _dump(_sign(badge(status=_status(), endorsement=[tampered_endorsement])))
    out["no-rubric.json"] = _dump(_sign(badge(rubric=False)))

    tampered = copy.deepcopy(good)
    tampered["credentialSubject"]["achievement"]["name"] = "Advanced Scientific Inquiry"
    out["tampered-field.json"] = _dump(tampered)
    out["tampered.png"] = bake_png(_png(), json.dumps(tampered))
    flipped = copy.deepcopy(good)
    flipped["proof"][0]["proofValue"] = _flip_bit(flipped["proof"][0]["proofValue"])
    out["flipped-signature-bit.json"] = _dump(flipped)
    out["wrong-key.json"] = _dump(_sign(good_unsigned, jefferson.with_verification_method(LINCOLN_KEY)))
    out["expired.json"] = _dump(_sign(badge(status=_status(), valid_from=_when(-400), valid_until=_when(-1))))
    out["not-yet-valid.json"] = _dump(_sign(badge(status=_status(), valid_from=_when(1)), created=NOW))
    out["future-proof.json"] = _dump(_sign(badge(status=_status()), created=NOW + timedelta(days=2)))
    out["revoked.json"] = _dump(_sign(badge(status=_status(REVOKED_INDEX))))
    suspension = _status(SUSPENDED_INDEX, list_url=SUSPENSION_LIST, purpose="suspension")
    out["suspended.json"] = _dump(_sign(badge(status=suspension)))
    out["unreachable-status.json"] = _dump(_sign(badge(status=_status(list_url=MISSING_LIST))))

    unknown_context = copy.deepcopy(good)
    unknown_context["@context"].append("https://schools.example.org/contexts/extra-v1.jsonld")
    out["unknown-context.json"] = _dump(unknown_context)
    undefined_term = copy.deepcopy(good)
    undefined_term["credentialSubject"]["favouriteColour"] = "blue"
    out["undefined-term.json"] = _dump(undefined_term)
    swapped = copy.deepcopy(good)
    swapped["proof"][0]["cryptosuite"] = "eddsa-jcs-2022"
    out["swapped-cryptosuite.json"] = _dump(swapped)
    out["purpose-authentication.json"] = _dump(_sign(good_unsigned, proof_purpose="authentication"))
    out["issuer-key-mismatch.json"] = _dump(_sign(good_unsigned, jefferson))
    out["unauthorised-key.json"] = _dump(_sign(good_unsigned, lincoln_auth))
    non_url = copy.deepcopy(good)
    non_url["issuer"]["id"] = "Lincoln High School"
    out["non-url-issuer.json"] = _dump(non_url)
    out["rubric-not-met.json"] = _dump(_sign(badge(status=_status(), ratings=(3, 2))))

    out["clr.json"] = _dump(_sign(_clr([good, second])))
    out["clr-tampered-nested.json"] = _dump(_sign(_clr([tampered, second])))
    return out


def _clr(bundled: list[dict]) -> dict:
    return {
        "@context": [VC_V2, CLR_V2P0, OB_V3P0, OB_EXTENSIONS],
        "id": "urn:uuid:5b7e2d44-8c1f-4f6a-a0c9-3e2d1b0a9f87",
        "type": ["VerifiableCredential", "ClrCredential"],
        "issuer": LINCOLN_PROFILE,
        "name": "Competency transcript for Ana",
        "validFrom": format_datetime(ISSUED),
        "credentialSubject": {"id": LEARNER, "type": ["ClrSubject"], "verifiableCredential": bundled},
        "credentialSchema": [{"id": CLR_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }


def trust_list() -> bytes:
    return _dump({"issuers": [{"id": LINCOLN, "name": "Lincoln High School", "label": "District school"}]})


def build() -> dict[str, bytes]:
    """Relative path → exact bytes of every golden file."""
    files = {f"credentials/{name}": data for name, data in credentials().items()}
    files.update({f"documents/{name}": data for name, data in documents().items()})
    files["trust.json"] = trust_list()
    return files


def main() -> None:
    files = build()
    for rel, data in files.items():
        path = HERE / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    print(f"wrote {len(files)} files under {HERE}")


if __name__ == "__main__":
    main()
