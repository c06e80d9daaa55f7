"""Key-encryption key (KEK) handling and the at-rest encryption of signing-key seeds.

Seeds are wrapped with AES-256-GCM under the KEK; the additional authenticated data binds the
ciphertext to its public key, so a ciphertext moved to another key row does not decrypt.
Stored form: ``v1.<kek id>.<base64url(nonce ‖ ciphertext ‖ tag)>`` where ``kek id`` is a short
fingerprint of the KEK (lets us say "wrong KEK" instead of "corrupt data").

Without ``BADGES_KEK`` a development KEK is generated into ``<data dir>/kek`` (mode 0600) by
``badges init``; production deployments pass the KEK from a secret store instead.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from badges.signing.keys import Ed25519Signer
from issuer.settings import Settings, SettingsError, decode_secret, private_dir


class KeyStoreError(Exception):
    """A stored key cannot be decrypted (wrong KEK, tampered row). Never carries key material."""


def kek_id(kek: bytes) -> str:
    return hashlib.sha256(b"badges-kek-id\x00" + kek).hexdigest()[:12]


def ensure_dev_kek(path: Path) -> bytes:
    """Read the dev KEK file, creating it (0600, atomically) when missing."""
    private_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return read_kek_file(path)
    with os.fdopen(fd, "w") as fh:
        fh.write(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=") + "\n")
    return read_kek_file(path)


def read_kek_file(path: Path) -> bytes:
    if path.stat().st_mode & 0o077:
        raise SettingsError(f"{path} must not be readable by group or others (chmod 600)")
    return decode_secret(path.read_text(encoding="ascii"), str(path))


def load_kek(settings: Settings, *, create: bool = False) -> bytes:
    """The configured KEK, else the dev KEK file (created only when ``create``)."""
    if settings.key_encryption_key is not None:
        return settings.key_encryption_key
    path = settings.kek_path
    if create:
        return ensure_dev_kek(path)
    if not path.exists():
        raise SettingsError(f"no key-encryption key: set BADGES_KEK or run `badges init` to create {path}")
    return read_kek_file(path)


def derive_secret(kek: bytes, purpose: str) -> bytes:
    """A purpose-bound secret (cookie signing, CSRF) from the KEK, when none is configured."""
    return hmac.new(kek, b"badges-derive\x00" + purpose.encode(), hashlib.sha256).digest()


def encrypt_seed(seed: bytes, *, kek: bytes, public_key_multibase: str) -> str:
    if len(seed) != 32:
        raise ValueError("an Ed25519 seed is 32 bytes")
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(kek).encrypt(nonce, seed, public_key_multibase.encode("ascii"))
    body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii").rstrip("=")
    return f"v1.{kek_id(kek)}.{body}"


def decrypt_seed(stored: str, *, kek: bytes, public_key_multibase: str) -> bytes:
    try:
        version, wrapped_by, body = stored.split(".", 2)
    except ValueError:
        raise KeyStoreError("stored key has an unknown format") from None
    if version != "v1":
        raise KeyStoreError(f"stored key has an unknown format version {version!r}")
    if wrapped_by != kek_id(kek):
        raise KeyStoreError(f"stored key was encrypted under another KEK (id {wrapped_by})")
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    try:
        return AESGCM(kek).decrypt(raw[:12], raw[12:], public_key_multibase.encode("ascii"))
    except InvalidTag:
        raise KeyStoreError("stored key failed authentication (tampered or moved row)") from None


def stored_signer(stored: str, *, kek: bytes, public_key_multibase: str) -> Ed25519Signer:
    """The signer of a stored key (a school's or an endorser's), its seed decrypted with ``kek`` and
    checked against the public key stored beside it."""
    signer = Ed25519Signer.from_seed(decrypt_seed(stored, kek=kek, public_key_multibase=public_key_multibase))
    if signer.public_key.multibase != public_key_multibase:
        raise ValueError("stored key does not match its public key")
    return signer
