"""Bitstring Status List v1.0 and the 1EdTech revocation list, from vectors, with bad twins."""
from __future__ import annotations

import base64
import gzip
from datetime import datetime

import pytest

from badges.errors import StatusListError
from badges.status import (
    MAX_DECODED_BYTES,
    MIN_BITS,
    BitstringStatusList,
    StatusResult,
    check_status,
    status_entry,
    status_list_credential,
)

W3C = "vectors/bitstring-status-list/w3c-spec-example.json"
VAL = "vectors/bitstring-status-list/1edtech-validator-testlist.json"
LIST = "examples/status-list-credential-signed.json"
REVOKED = "examples/ob3-status-revoked-signed.json"
ISSUER = {"id": "did:web:school.example", "type": ["Profile"], "name": "Example School"}
URL = "https://school.example/status/1"


def _encode_raw(raw: bytes, *, prefix: str = "u") -> str:
    return prefix + base64.urlsafe_b64encode(gzip.compress(raw, mtime=0)).rstrip(b"=").decode()


def _code(exc_info) -> str:
    return exc_info.value.details["code"]


# ---- decoding the published vectors

def test_w3c_example_is_all_zero(load_json):
    v = load_json(W3C)
    bits = BitstringStatusList.decode(v["statusListCredential"]["credentialSubject"]["encodedList"])
    assert bits.size_bits == v["decoded"]["uncompressedBits"] == MIN_BITS
    assert bits.set_indexes() == v["decoded"]["setBitIndexes"] == []


def test_1edtech_list_has_bit_23(load_json):
    v = load_json(VAL)
    bits = BitstringStatusList.decode(v["encodedList"])
    assert bits.set_indexes() == v["decoded"]["setBitIndexes"] == [23]
    assert bits.get(23) and not bits.get(22) and not bits.get(24)


def test_decode_accepts_missing_multibase_prefix(load_json):
    encoded = load_json(VAL)["encodedList"]
    assert BitstringStatusList.decode(encoded[1:]).set_indexes() == [23]


# ---- encoding

def test_bit_order_is_msb_first():
    bits = BitstringStatusList()
    bits.set(0)
    bits.set(9)
    raw = bits.to_bytes()
    assert raw[0] == 0x80 and raw[1] == 0x40 and not any(raw[2:])
    bits.set(0, False)
    assert bits.to_bytes()[0] == 0


def test_encode_round_trip_and_is_deterministic():
    bits = BitstringStatusList(MIN_BITS * 2)
    for i in (0, 23, 131071, MIN_BITS * 2 - 1):
        bits.set(i)
    encoded = bits.encode()
    assert encoded == bits.encode()
    assert encoded.startswith("uH4sI") and "=" not in encoded and "+" not in encoded and "/" not in encoded
    again = BitstringStatusList.decode(encoded)
    assert again.size_bits == MIN_BITS * 2
    assert again.set_indexes() == [0, 23, 131071, MIN_BITS * 2 - 1]


def test_encode_of_fresh_list_matches_w3c_bits(load_json):
    v = load_json(W3C)
    ours = BitstringStatusList.decode(BitstringStatusList().encode())
    theirs = BitstringStatusList.decode(v["statusListCredential"]["credentialSubject"]["encodedList"])
    assert ours.to_bytes() == theirs.to_bytes()


@pytest.mark.parametrize("size", [MIN_BITS - 8, MIN_BITS + 1, 0])
def test_constructor_refuses_short_or_ragged_lists(size):
    with pytest.raises(ValueError):
        BitstringStatusList(size)


@pytest.mark.parametrize("index", [-1, MIN_BITS])
def test_set_get_out_of_range(index):
    bits = BitstringStatusList()
    with pytest.raises(StatusListError) as exc:
        bits.get(index)
    assert _code(exc) == "RANGE_ERROR"
    with pytest.raises(StatusListError):
        bits.set(index)


# ---- decode bad twins

def test_short_list_is_length_error():
    with pytest.raises(StatusListError) as exc:
        BitstringStatusList.decode(_encode_raw(bytes(MIN_BITS // 8 - 1)))
    assert _code(exc) == "STATUS_LIST_LENGTH_ERROR"
    assert exc.value.details["type"].endswith("#STATUS_LIST_LENGTH_ERROR")


@pytest.mark.parametrize("encoded", [
    "u", "", "u!!!notbase64", "uH4sI=AAA", "uAAAAAAAAAAAAAAAA",  # not gzip
    "u" + base64.urlsafe_b64encode(b"\x1f\x8b\x08\x00garbage").decode().rstrip("="),
])
def test_malformed_values(encoded):
    with pytest.raises(StatusListError) as exc:
        BitstringStatusList.decode(encoded)
    assert _code(exc) == "MALFORMED_VALUE_ERROR"


def test_truncated_gzip(load_json):
    encoded = load_json(VAL)["encodedList"]
    with pytest.raises(StatusListError) as exc:
        BitstringStatusList.decode(encoded[:-12])
    assert _code(exc) == "MALFORMED_VALUE_ERROR"


def test_non_string_encoded_list():
    with pytest.raises(StatusListError):
        BitstringStatusList.decode(None)  # type: ignore[arg-type]


def test_gzip_bomb_is_refused_without_inflating_it():
    # ~32 MiB of zeros gzips to ~32 KiB; the decoder must stop at the cap.
    bomb = _encode_raw(bytes(MAX_DECODED_BYTES * 2))
    assert len(bomb) < 100_000
    with pytest.raises(StatusListError) as exc:
        BitstringStatusList.decode(bomb)
    assert _code(exc) == "STATUS_LIST_LENGTH_ERROR"


def test_list_at_the_cap_is_accepted():
    assert BitstringStatusList.decode(_encode_raw(bytes(MAX_DECODED_BYTES))).size_bits == MAX_DECODED_BYTES * 8


# ---- entries and list credentials

def test_status_entry_shape():
    assert status_entry(list_url=URL, index=94567, purpose="suspension") == {
        "id": URL + "#94567", "type": "BitstringStatusListEntry", "statusPurpose": "suspension",
        "statusListIndex": "94567", "statusListCredential": URL}


@pytest.mark.parametrize("kwargs", [
    {"index": -1}, {"index": True}, {"index": "3"}, {"index": 1, "purpose": "refresh"}, {"index": 1, "list_url": ""},
])
def test_status_entry_bad_arguments(kwargs):
    kwargs.setdefault("list_url", URL)
    with pytest.raises(ValueError):
        status_entry(**kwargs)


def test_status_list_credential_shape(now):
    bits = BitstringStatusList()
    bits.set(5)
    cred = status_list_credential(list_url=URL, issuer=ISSUER, purpose="revocation",
                                  encoded_list=bits.encode(), valid_from=now)
    assert cred == {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": ISSUER,
        "validFrom": "2026-01-15T10:00:00Z",
        "credentialSubject": {"id": URL + "#list", "type": "BitstringStatusList",
                              "statusPurpose": "revocation", "encodedList": bits.encode()},
    }


def test_status_list_credential_refuses_bad_inputs(now):
    with pytest.raises(StatusListError):
        status_list_credential(list_url=URL, issuer=ISSUER, purpose="revocation",
                               encoded_list=_encode_raw(bytes(10)), valid_from=now)
    with pytest.raises(ValueError):
        status_list_credential(list_url=URL, issuer=ISSUER, purpose="revocation",
                               encoded_list=BitstringStatusList().encode(), valid_from=datetime(2026, 1, 1))
    with pytest.raises(ValueError):
        status_list_credential(list_url=URL, issuer={}, purpose="revocation",
                               encoded_list=BitstringStatusList().encode(), valid_from=now)


# ---- check_status: bitstring

def test_val_fixture_is_revoked(load_json):
    cred, lst = load_json(REVOKED), load_json(LIST)
    assert check_status(cred["credentialStatus"], lst, credential_id=cred["id"]) == StatusResult(
        ok=False, purpose="revocation", index=23, message="revoked")


def test_val_fixture_neighbour_index_is_not_revoked(load_json):
    cred, lst = load_json(REVOKED), load_json(LIST)
    entry = dict(cred["credentialStatus"], statusListIndex="22")
    result = check_status(entry, lst, credential_id=cred["id"])
    assert result.ok and result.index == 22 and result.message == "not revoked"


def test_own_round_trip_suspension(now):
    bits = BitstringStatusList()
    bits.set(1234)
    lst = status_list_credential(list_url=URL, issuer=ISSUER, purpose="suspension",
                                 encoded_list=bits.encode(), valid_from=now)
    suspended = check_status(status_entry(list_url=URL, index=1234, purpose="suspension"), lst, credential_id="urn:x")
    assert (suspended.ok, suspended.message) == (False, "suspended")
    fine = check_status(status_entry(list_url=URL, index=1235, purpose="suspension"), lst, credential_id="urn:x")
    assert fine.ok


def test_purpose_mismatch(load_json):
    cred, lst = load_json(REVOKED), load_json(LIST)
    entry = dict(cred["credentialStatus"], statusPurpose="suspension")
    with pytest.raises(StatusListError) as exc:
        check_status(entry, lst, credential_id=cred["id"])
    assert _code(exc) == "STATUS_VERIFICATION_ERROR"


def test_index_out_of_range(load_json):
    cred, lst = load_json(REVOKED), load_json(LIST)
    entry = dict(cred["credentialStatus"], statusListIndex=str(MIN_BITS))
    with pytest.raises(StatusListError) as exc:
        check_status(entry, lst, credential_id=cred["id"])
    assert _code(exc) == "RANGE_ERROR"


def test_short_list_in_credential(load_json):
    cred, lst = load_json(REVOKED), load_json(LIST)
    lst["credentialSubject"]["encodedList"] = _encode_raw(bytes(1024))
    with pytest.raises(StatusListError) as exc:
        check_status(cred["credentialStatus"], lst, credential_id=cred["id"])
    assert _code(exc) == "STATUS_LIST_LENGTH_ERROR"


def test_malformed_base64_in_credential(load_json):
    cred, lst = load_json(REVOKED), load_json(LIST)
    lst["credentialSubject"]["encodedList"] = "u$$$"
    with pytest.raises(StatusListError) as exc:
        check_status(cred["credentialStatus"], lst, credential_id=cred["id"])
    assert _code(exc) == "MALFORMED_VALUE_ERROR"


@pytest.mark.parametrize("change", [
    {"statusListIndex": "-1"}, {"statusListIndex": "1e3"}, {"statusListIndex": 2.0},
    {"statusListIndex": True}, {"statusSize": 2}, {"statusPurpose": "message"}, {"type": "StatusList2021Entry"},
])
def test_malformed_entries(load_json, change):
    cred, lst = load_json(REVOKED), load_json(LIST)
    with pytest.raises(StatusListError):
        check_status(dict(cred["credentialStatus"], **change), lst, credential_id=cred["id"])


def test_list_that_is_not_a_bitstring_list(load_json):
    cred, lst = load_json(REVOKED), load_json(LIST)
    lst["type"] = ["VerifiableCredential"]
    with pytest.raises(StatusListError):
        check_status(cred["credentialStatus"], lst, credential_id=cred["id"])


# ---- check_status: 1EdTech revocation list

def _revocation(load_json):
    cred = load_json("examples/ob3-complete-rubric-signed.json")
    return cred, cred["credentialStatus"]


@pytest.mark.parametrize("key", ["revokedCredential", "revokedCredentials"])
def test_1edtech_revocation_list_revoked(load_json, key):
    cred, entry = _revocation(load_json)
    doc = {"id": entry["id"], key: [{"id": "urn:other", "revoked": True},
                                    {"id": cred["id"], "revocationReason": "Issued in error"}]}
    result = check_status(entry, doc, credential_id=cred["id"])
    assert result == StatusResult(ok=False, purpose="revocation", index=None, message="revoked: Issued in error")


def test_1edtech_revocation_list_not_revoked(load_json):
    cred, entry = _revocation(load_json)
    for doc in ({"revokedCredential": [{"id": cred["id"], "revoked": False}, {"id": "urn:other"}]},
                {"revokedCredential": []}, {}):
        assert check_status(entry, doc, credential_id=cred["id"]).ok


@pytest.mark.parametrize("doc", [
    {"revokedCredential": {"id": "x"}},
    [],
])
def test_1edtech_revocation_list_malformed(load_json, doc):
    cred, entry = _revocation(load_json)
    with pytest.raises(StatusListError):
        check_status(entry, doc, credential_id=cred["id"])


def test_1edtech_revoked_flag_must_be_boolean(load_json):
    cred, entry = _revocation(load_json)
    with pytest.raises(StatusListError):
        check_status(entry, {"revokedCredential": [{"id": cred["id"], "revoked": "no"}]}, credential_id=cred["id"])


def test_public_names():
    import badges.status
    assert sorted(badges.status.__all__) == [
        "BitstringStatusList", "MAX_DECODED_BYTES", "MESSAGE_SIZE", "MIN_BITS", "PURPOSES", "STATE_REVOKED",
        "STATE_SUSPENDED", "STATE_VALID", "STATUS_MESSAGES", "StatusResult", "check_status", "message_index_range",
        "message_state", "set_message_state", "status_entry", "status_list_credential"]
