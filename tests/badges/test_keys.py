"""badges.signing.keys and badges.signing.resolve: Multikey, did:key, JWK, key files, resolvers."""
from __future__ import annotations

import json

import pytest

from badges.errors import InvalidSignature, KeyFormatError, ResolutionError
from badges.signing import keys, resolve
from badges.signing._multibase import b58decode, b58encode, multibase_decode
from badges.signing.keys import Ed25519Signer, PublicKey, RsaPublicKey, load_key_file
from badges.signing.resolve import (
    ChainResolver,
    DidKeyResolver,
    DocumentResolver,
    FragmentKeyResolver,
    KeyResolver,
    did_web_url,
)
from tests.support import SEED

# RFC 8032 §7.1 TEST 1
RFC8032_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
RFC8032_SIG = bytes.fromhex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")


def test_base58_known_values():
    assert b58encode(b"") == ""
    assert b58encode(b"\0\0\x01") == "112"
    assert b58encode(b"hello world") == "StV1DL6CwTryKyV"
    assert b58decode("StV1DL6CwTryKyV") == b"hello world"
    assert b58decode("112") == b"\0\0\x01"
    for bad in ("0OIl", "abc+"):
        with pytest.raises(ValueError):
            b58decode(bad)
    with pytest.raises(ValueError):
        multibase_decode("u" + "abc")


def test_rfc8032_vector():
    signer = Ed25519Signer.from_seed(RFC8032_SECRET)
    assert signer.public_key.raw == RFC8032_PUBLIC
    assert signer.sign(b"") == RFC8032_SIG
    signer.public_key.verify(RFC8032_SIG, b"")
    with pytest.raises(InvalidSignature):
        signer.public_key.verify(RFC8032_SIG, b"x")


def test_w3c_key_pair(load_json):
    pair = load_json("vectors/w3c-vc-di-eddsa/keyPair.json")
    signer = Ed25519Signer.from_multikey(pair)  # privateKeyMultibase = 0x8026 ‖ 32-byte seed
    assert signer.public_key.multibase == pair["publicKeyMultibase"]
    assert signer.to_multikey(secret=True)["secretKeyMultibase"] == pair["privateKeyMultibase"]
    assert signer.verification_method == f"did:key:{pair['publicKeyMultibase']}#{pair['publicKeyMultibase']}"


def test_1edtech_key_pair_64_byte_form(load_json):
    key = load_json("vectors/1edtech-obv3p0/key.json")
    signer = Ed25519Signer.from_multikey(key)  # secretKeyMultibase = 0x8026 ‖ seed ‖ public
    assert signer.public_key.raw.hex() == key["publicKeyHex"]
    assert signer.public_key.multibase == key["publicKeyMultibase"]
    assert signer.verification_method == key["id"]
    assert signer.private_bytes().hex() == key["privateKeyHex"][:64]
    same = Ed25519Signer.from_private_bytes(bytes.fromhex(key["privateKeyHex"]))
    assert same.public_key == signer.public_key
    bad = bytes.fromhex(key["privateKeyHex"][:64]) + bytes(32)
    with pytest.raises(KeyFormatError, match="public half"):
        Ed25519Signer.from_private_bytes(bad)


def test_multikey_round_trip_and_public_export():
    signer = Ed25519Signer.from_seed(SEED)
    public = signer.to_multikey()
    assert "secretKeyMultibase" not in public and public["type"] == "Multikey"
    assert public["publicKeyMultibase"].startswith("z6Mk")
    assert public["controller"] == signer.public_key.did_key
    again = Ed25519Signer.from_multikey(signer.to_multikey(secret=True))
    assert again.private_bytes() == SEED
    assert again.sign(b"m") == signer.sign(b"m")


def test_multikey_errors():
    signer = Ed25519Signer.from_seed(SEED)
    other = Ed25519Signer.from_seed(bytes(32))
    mismatched = {**signer.to_multikey(secret=True), "publicKeyMultibase": other.public_key.multibase}
    with pytest.raises(KeyFormatError, match="does not match"):
        Ed25519Signer.from_multikey(mismatched)
    with pytest.raises(KeyFormatError):
        Ed25519Signer.from_multikey({"publicKeyMultibase": signer.public_key.multibase})
    with pytest.raises(KeyFormatError, match="0x8026"):
        Ed25519Signer.from_multikey({"secretKeyMultibase": signer.public_key.multibase})
    with pytest.raises(KeyFormatError):
        Ed25519Signer.from_multikey({"secretKeyMultibase": "uAAAA"})


def test_public_key_multibase_must_be_ed25519():
    key = Ed25519Signer.from_seed(SEED).public_key
    assert PublicKey.from_multibase(key.multibase) == key
    raw = multibase_decode(key.multibase)
    from badges.signing._multibase import multibase_encode
    for bad in (multibase_encode(b"\x12\x00" + raw[2:]), multibase_encode(raw[:-1]), "f" + raw.hex(), "z0OIl"):
        with pytest.raises(KeyFormatError):
            PublicKey.from_multibase(bad)
    with pytest.raises(KeyFormatError):
        PublicKey.from_bytes(bytes(31))


def test_did_key_encode_decode_and_document():
    key = Ed25519Signer.from_seed(SEED).public_key
    assert key.did_key == "did:key:" + key.multibase
    assert keys.public_key_from_did_key(key.did_key) == key
    doc = keys.did_key_document(key.did_key)
    vm_id = f"{key.did_key}#{key.multibase}"
    assert doc["id"] == key.did_key
    assert doc["verificationMethod"] == [{"id": vm_id, "type": "Multikey", "controller": key.did_key,
                                          "publicKeyMultibase": key.multibase}]
    for rel in ("authentication", "assertionMethod", "capabilityInvocation", "capabilityDelegation"):
        assert doc[rel] == [vm_id]
    with pytest.raises(KeyFormatError):
        keys.public_key_from_did_key(f"{key.did_key}#z6MkOther")
    with pytest.raises(KeyFormatError):
        keys.did_key_document("did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme")  # secp256k1


def test_jwk_import_export():
    signer = Ed25519Signer.from_seed(SEED)
    jwk = signer.to_jwk(secret=True)
    assert set(jwk) == {"kty", "crv", "x", "d"} and jwk["crv"] == "Ed25519"
    assert Ed25519Signer.from_jwk(jwk).private_bytes() == SEED
    assert PublicKey.from_jwk(signer.to_jwk()) == signer.public_key
    assert "d" not in signer.to_jwk()
    with pytest.raises(KeyFormatError, match="no private"):
        Ed25519Signer.from_jwk(signer.to_jwk())
    with pytest.raises(KeyFormatError, match="does not match"):
        Ed25519Signer.from_jwk({**jwk, "x": Ed25519Signer.from_seed(bytes(32)).to_jwk()["x"]})
    with pytest.raises(KeyFormatError):
        PublicKey.from_jwk({"kty": "EC", "crv": "P-256", "x": "AA"})


def test_load_key_file_formats(load_json):
    signer = Ed25519Signer.from_seed(SEED)
    as_multikey = json.dumps(signer.to_multikey(secret=True)).encode()
    assert load_key_file(as_multikey).private_bytes() == SEED
    older = json.dumps({"type": "Multikey", "privateKeyMultibase": signer.to_multikey(True)["secretKeyMultibase"]})
    assert load_key_file(older.encode()).private_bytes() == SEED
    assert load_key_file(json.dumps(signer.to_jwk(secret=True)).encode()).private_bytes() == SEED
    tech = load_json("vectors/1edtech-obv3p0/key.json")
    assert load_key_file(json.dumps(tech).encode()).public_key.multibase == tech["publicKeyMultibase"]
    for bad in (b"not json", b"[]", b"{}", json.dumps(signer.to_jwk()).encode()):
        with pytest.raises(KeyFormatError):
            load_key_file(bad)


def test_secrets_never_in_repr():
    signer = Ed25519Signer.from_seed(SEED)
    secret_forms = [SEED.hex(), signer.to_multikey(secret=True)["secretKeyMultibase"],
                    signer.to_jwk(secret=True)["d"]]
    for text in (repr(signer), str(signer), repr(signer.public_key)):
        for secret in secret_forms:
            assert secret not in text
    assert signer.public_key.multibase in repr(signer)


def test_with_verification_method_keeps_the_key():
    signer = Ed25519Signer.from_seed(SEED)
    vm = f"https://school.example/issuers/1#{signer.public_key.multibase}"
    moved = signer.with_verification_method(vm)
    assert moved.verification_method == vm and moved.controller == "https://school.example/issuers/1"
    assert signer.verification_method.startswith("did:key:")
    assert moved.sign(b"x") == signer.sign(b"x")


def test_rsa_public_jwk(reference):
    import base64
    token = (reference / "examples/ob3-vcjwt-rs256-jwk.jws").read_text().strip()
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    key = RsaPublicKey.from_jwk(header["jwk"])
    assert key.to_jwk() == {k: header["jwk"][k] for k in ("kty", "n", "e")}
    signing_input = ".".join(token.split(".")[:2]).encode()
    signature = base64.urlsafe_b64decode(token.split(".")[2] + "==")
    key.verify(signature, signing_input)
    with pytest.raises(InvalidSignature):
        key.verify(signature, signing_input + b"x")
    with pytest.raises(KeyFormatError, match="private"):
        RsaPublicKey.from_jwk({**header["jwk"], "d": "AAAA"})
    with pytest.raises(KeyFormatError, match="2048"):
        RsaPublicKey.from_jwk({"kty": "RSA", "n": "AQAB", "e": "AQAB"})


# --- resolvers -----------------------------------------------------------------------------

SCHOOL = "did:web:school.example:issuers:1"


def _did_web_doc(signer: Ed25519Signer, *, listed=("assertionMethod",)) -> dict:
    vm_id = f"{SCHOOL}#key-1"
    vm = {"id": vm_id, "type": "Multikey", "controller": SCHOOL, "publicKeyMultibase": signer.public_key.multibase}
    doc = {"@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
           "id": SCHOOL, "verificationMethod": [vm]}
    for rel in listed:
        doc[rel] = ["#key-1"]
    return doc


def test_resolvers_satisfy_the_protocol():
    for r in (DidKeyResolver(), DocumentResolver({}), FragmentKeyResolver(), ChainResolver()):
        assert isinstance(r, KeyResolver)


def test_did_key_resolver():
    key = Ed25519Signer.from_seed(SEED).public_key
    for vm_id in (f"{key.did_key}#{key.multibase}", key.did_key):
        vm = DidKeyResolver().resolve(vm_id)
        assert vm.public_key == key and vm.controller == key.did_key and vm.source == "did:key"
        assert "assertionMethod" in vm.relationships
    for bad in ("did:web:example.com#k", f"{key.did_key}#other", "did:key:z6Mk"):
        with pytest.raises(ResolutionError):
            DidKeyResolver().resolve(bad)


def test_document_resolver_did_web_with_relative_refs():
    signer = Ed25519Signer.from_seed(SEED)
    resolver = DocumentResolver({did_web_url(SCHOOL): _did_web_doc(signer)})
    vm = resolver.resolve(f"{SCHOOL}#key-1")
    assert vm.public_key == signer.public_key
    assert vm.controller == SCHOOL and vm.source == "document"
    assert vm.relationships == frozenset({"assertionMethod"})
    unlisted = DocumentResolver([_did_web_doc(signer, listed=("authentication",))]).resolve(f"{SCHOOL}#key-1")
    assert unlisted.relationships == frozenset({"authentication"})
    with pytest.raises(ResolutionError, match="does not list"):
        resolver.resolve(f"{SCHOOL}#key-2")
    with pytest.raises(ResolutionError, match="no document"):
        resolver.resolve("did:web:other.example#key-1")


def test_document_resolver_refuses_a_did_document_with_another_id():
    doc = _did_web_doc(Ed25519Signer.from_seed(SEED))
    impostor = {**doc, "id": "did:web:evil.example"}
    with pytest.raises(ResolutionError, match="has id"):
        DocumentResolver({did_web_url(SCHOOL): impostor}).resolve(f"{SCHOOL}#key-1")


def test_document_resolver_refuses_a_vm_controlled_by_someone_else():
    doc = _did_web_doc(Ed25519Signer.from_seed(SEED))
    doc["verificationMethod"][0]["controller"] = "did:web:evil.example"
    with pytest.raises(ResolutionError, match="controlled by"):
        DocumentResolver([doc]).resolve(f"{SCHOOL}#key-1")


def test_document_resolver_https_controller_document_and_standalone_multikey():
    signer = Ed25519Signer.from_seed(SEED)
    controller = "https://school.example/issuers/1"
    vm_id = f"{controller}#{signer.public_key.multibase}"
    vm = keys.multikey_document(vm_id, controller, signer.public_key)
    controller_doc = {"@context": ["https://www.w3.org/ns/did/v1"], "id": controller,
                      "verificationMethod": [{k: v for k, v in vm.items() if k != "@context"}],
                      "assertionMethod": [vm_id]}
    found = DocumentResolver([controller_doc]).resolve(vm_id)
    assert found.relationships == frozenset({"assertionMethod"}) and found.public_key == signer.public_key
    key_url = "https://school.example/keys/1"
    standalone = keys.multikey_document(key_url, controller, signer.public_key)
    alone = DocumentResolver([standalone]).resolve(key_url)
    assert alone.relationships is None and alone.controller == controller
    both = DocumentResolver([standalone, {**controller_doc, "assertionMethod": [key_url]}]).resolve(key_url)
    assert both.relationships == frozenset({"assertionMethod"})
    elsewhere = keys.multikey_document("https://keys.evil.example/1", controller, signer.public_key)
    with pytest.raises(ResolutionError, match="another origin"):
        DocumentResolver([elsewhere]).resolve("https://keys.evil.example/1")
    vouched = DocumentResolver([elsewhere, {**controller_doc, "assertionMethod": ["https://keys.evil.example/1"]}])
    assert vouched.resolve("https://keys.evil.example/1").relationships == frozenset({"assertionMethod"})


def test_document_resolver_refuses_private_jwks_and_unknown_types():
    signer = Ed25519Signer.from_seed(SEED)
    doc = _did_web_doc(signer)
    doc["verificationMethod"][0] = {"id": f"{SCHOOL}#key-1", "type": "JsonWebKey2020", "controller": SCHOOL,
                                    "publicKeyJwk": signer.to_jwk(secret=True)}
    with pytest.raises(ResolutionError, match="private"):
        DocumentResolver([doc]).resolve(f"{SCHOOL}#key-1")
    doc["verificationMethod"][0] = {**doc["verificationMethod"][0], "publicKeyJwk": signer.to_jwk()}
    assert DocumentResolver([doc]).resolve(f"{SCHOOL}#key-1").public_key == signer.public_key
    doc["verificationMethod"][0]["type"] = "EcdsaSecp256k1VerificationKey2019"
    with pytest.raises(ResolutionError, match="unsupported type"):
        DocumentResolver([doc]).resolve(f"{SCHOOL}#key-1")


def test_fragment_resolver():
    key = Ed25519Signer.from_seed(SEED).public_key
    vm = FragmentKeyResolver().resolve(f"https://example.edu/issuers/565049#{key.multibase}")
    assert vm.public_key == key and vm.controller == "https://example.edu/issuers/565049"
    assert vm.source == "fragment" and vm.relationships is None
    for bad in ("https://example.edu/issuers/565049", "https://example.edu/issuers/565049#key-1",
                "https://example.edu/issuers/565049#z6MkAAAA", f"#{key.multibase}"):
        with pytest.raises(ResolutionError):
            FragmentKeyResolver().resolve(bad)


def test_chain_resolver_prefers_earlier_resolvers_and_explains_failures():
    signer = Ed25519Signer.from_seed(SEED)
    controller = "https://school.example/issuers/1"
    vm_id = f"{controller}#{signer.public_key.multibase}"
    doc = {"id": controller, "verificationMethod": [keys.multikey_document(vm_id, controller, signer.public_key)],
           "assertionMethod": [vm_id]}
    chain = ChainResolver(DidKeyResolver(), DocumentResolver([doc]), FragmentKeyResolver())
    assert chain.resolve(vm_id).source == "document"
    assert ChainResolver(DidKeyResolver(), FragmentKeyResolver()).resolve(vm_id).source == "fragment"
    assert chain.resolve(signer.public_key.did_key).source == "did:key"
    with pytest.raises(ResolutionError) as info:
        chain.resolve("https://nowhere.example/key")
    assert len(info.value.details["reasons"]) == 3


@pytest.mark.parametrize("did, url", [
    ("did:web:example.com", "https://example.com/.well-known/did.json"),
    ("did:web:example.com:issuers:1", "https://example.com/issuers/1/did.json"),
    ("did:web:localhost%3A8443", "https://localhost:8443/.well-known/did.json"),
    ("did:web:w3c-ccg.github.io:user:alice#key-1", "https://w3c-ccg.github.io/user/alice/did.json"),
])
def test_did_web_url(did, url):
    assert did_web_url(did) == url


@pytest.mark.parametrize("did", ["did:key:z6Mk", "did:web:", "did:web:192.168.0.1", "https://example.com"])
def test_did_web_url_refuses(did):
    with pytest.raises(ResolutionError):
        did_web_url(did)


def test_exported_names():
    assert sorted(resolve.__all__) == sorted(["RELATIONSHIPS", "ChainResolver", "DidKeyResolver", "DocumentResolver",
                                              "FragmentKeyResolver", "KeyResolver", "VerificationMethod",
                                              "did_web_url"])
