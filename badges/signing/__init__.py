"""Signing and verifying credentials: Ed25519 keys, key resolution, Data Integrity proofs
(eddsa-rdfc-2022; Ed25519Signature2020 verify-only) and VC-JWT (``badges.signing.jwt``)."""
from __future__ import annotations

from badges.signing.keys import (
    Ed25519Signer,
    PublicKey,
    RsaPublicKey,
    did_key_document,
    load_key_file,
    multikey_document,
)
from badges.signing.proofs import ProofCheck, ProofResult, format_datetime, sign, verify_proof
from badges.signing.resolve import (
    ChainResolver,
    DidKeyResolver,
    DocumentResolver,
    FragmentKeyResolver,
    KeyResolver,
    VerificationMethod,
    did_web_url,
)

verify = verify_proof

__all__ = [
    "ChainResolver",
    "DidKeyResolver",
    "DocumentResolver",
    "Ed25519Signer",
    "FragmentKeyResolver",
    "KeyResolver",
    "ProofCheck",
    "ProofResult",
    "PublicKey",
    "RsaPublicKey",
    "VerificationMethod",
    "did_key_document",
    "did_web_url",
    "format_datetime",
    "load_key_file",
    "multikey_document",
    "sign",
    "verify",
    "verify_proof",
]
