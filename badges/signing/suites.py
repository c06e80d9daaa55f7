"""Cryptosuites: eddsa-rdfc-2022 (W3C Data Integrity EdDSA Cryptosuites v1.0, §3.2) and the
legacy Ed25519Signature2020, which hashes and signs the same way under another proof type.

One method per algorithm step; each names its section of https://www.w3.org/TR/vc-di-eddsa/.
Steps raise (``ProofError`` subclasses, ``JsonLdError``); the caller reports.
"""
from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from badges.errors import InvalidSignature, ProofError, UnsupportedSuite
from badges.json_types import JsonObject
from badges.jsonld import DocumentLoader, canonize, load_document
from badges.signing._multibase import multibase_decode, multibase_encode
from badges.signing.keys import Ed25519Signer, PublicKey, RsaPublicKey

__all__ = ["Ed25519Signature2020", "EddsaRdfc2022", "parse_datetime", "suite_for"]


def parse_datetime(value: object, name: str = "created") -> datetime:
    """An XML Schema dateTime; one without a zone is read as UTC."""
    if not isinstance(value, str):
        raise ProofError(f"proof {name} must be a dateTime string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ProofError(f"proof {name} is not a valid dateTime: {value!r}") from None
    if "T" not in value:
        raise ProofError(f"proof {name} is not a valid dateTime: {value!r}")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class EddsaRdfc2022:
    """``DataIntegrityProof`` with ``cryptosuite: "eddsa-rdfc-2022"`` (EDDSA §3.2)."""

    proof_type = "DataIntegrityProof"
    cryptosuite: str | None = "eddsa-rdfc-2022"

    def __init__(self, *, loader: DocumentLoader = load_document) -> None:
        self.loader = loader

    def create_proof(self, unsecured: JsonObject, options: JsonObject, signer: Ed25519Signer) -> JsonObject:
        """§3.2.1 Create Proof: returns the proof with ``proofValue``."""
        proof = dict(options)
        proof.pop("proofValue", None)
        canonical_proof_config = self.proof_configuration(unsecured, proof)
        transformed = self.transformation(unsecured)
        hash_data = self.hashing(transformed, canonical_proof_config)
        proof["proofValue"] = multibase_encode(self.proof_serialization(hash_data, signer))
        return proof

    def verify_proof(self, unsecured: JsonObject, proof: JsonObject, public_key: PublicKey | RsaPublicKey, *,
                     transformed: str | None = None) -> None:
        """§3.2.2 Verify Proof: returns None or raises ``InvalidSignature``/``ProofError``.

        ``transformed``: the caller's ``transformation(unsecured)``, when it already has it."""
        proof_options = {k: v for k, v in proof.items() if k != "proofValue"}
        proof_bytes = self.decode_proof_value(proof.get("proofValue"))
        if transformed is None:
            transformed = self.transformation(unsecured)
        canonical_proof_config = self.proof_configuration(unsecured, proof_options)
        hash_data = self.hashing(transformed, canonical_proof_config)
        self.proof_verification(hash_data, proof_bytes, public_key)

    def transformation(self, unsecured: JsonObject, *, checked: bool = False) -> str:
        """§3.2.3 Transformation: RDFC-1.0 canonical N-Quads of the document without proof.

        ``checked`` also refuses undefined terms and relative IRIs (``check_terms``) from the
        same expansion."""
        return canonize(unsecured, loader=self.loader, checked=checked)

    def hashing(self, transformed: str, canonical_proof_config: str) -> bytes:
        """§3.2.4 Hashing: SHA-256(proof config) ‖ SHA-256(document), proof hash first."""
        return (hashlib.sha256(canonical_proof_config.encode("utf-8")).digest()
                + hashlib.sha256(transformed.encode("utf-8")).digest())

    def proof_configuration(self, unsecured: JsonObject, options: JsonObject, *, checked: bool = False) -> str:
        """§3.2.5 Proof Configuration: options + the document's ``@context``, canonicalized."""
        if options.get("type") != self.proof_type or options.get("cryptosuite") != self.cryptosuite:
            raise UnsupportedSuite(f"this suite handles {self.proof_type}/{self.cryptosuite}, not "
                                   f"{options.get('type')}/{options.get('cryptosuite')}")
        if "created" in options:
            parse_datetime(options["created"])
        proof_config = {k: v for k, v in options.items() if k != "@context"}
        proof_config["@context"] = unsecured.get("@context")
        return canonize(proof_config, loader=self.loader, checked=checked)

    def proof_serialization(self, hash_data: bytes, signer: Ed25519Signer) -> bytes:
        """§3.2.6 Proof Serialization: pure Ed25519 (RFC 8032) over the 64 hash bytes."""
        return signer.sign(hash_data)

    def proof_verification(self, hash_data: bytes, proof_bytes: bytes, public_key: PublicKey | RsaPublicKey) -> None:
        """§3.2.7 Proof Verification (any key a verification method can hold; only Ed25519 fits)."""
        if not isinstance(public_key, PublicKey):
            raise ProofError("an Ed25519 proof needs an Ed25519 verification method")
        public_key.verify(proof_bytes, hash_data)

    @staticmethod
    def decode_proof_value(value: object) -> bytes:
        """§2.2.1: ``proofValue`` is base58btc multibase (``z…``) of a 64-byte signature."""
        try:
            proof_bytes = multibase_decode(value)  # type: ignore[arg-type]
        except ValueError as exc:
            raise ProofError(f"proofValue: {exc}") from None
        if len(proof_bytes) != 64:
            raise InvalidSignature("proofValue is not a 64-byte Ed25519 signature")
        return proof_bytes


class Ed25519Signature2020(EddsaRdfc2022):
    """Legacy ``Ed25519Signature2020`` (W3C CCG, superseded by eddsa-rdfc-2022): same
    canonicalization, hashing and signature; the proof has no ``cryptosuite``. Verify only."""

    proof_type = "Ed25519Signature2020"
    cryptosuite = None


def suite_for(proof: JsonObject, *, loader: DocumentLoader = load_document) -> EddsaRdfc2022:
    proof_type, cryptosuite = proof.get("type"), proof.get("cryptosuite")
    if proof_type == "DataIntegrityProof" and cryptosuite == "eddsa-rdfc-2022":
        return EddsaRdfc2022(loader=loader)
    if proof_type == "Ed25519Signature2020" and cryptosuite is None:
        return Ed25519Signature2020(loader=loader)
    shown = f"{proof_type}/{cryptosuite}" if cryptosuite is not None else str(proof_type)
    raise UnsupportedSuite(f"unsupported proof suite {shown} (supported: DataIntegrityProof/"
                           "eddsa-rdfc-2022, Ed25519Signature2020)", type=proof_type, cryptosuite=cryptosuite)
