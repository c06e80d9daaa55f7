"""The two-bit ``message`` entry every badge now carries (valid / suspended / revoked), read the
BSL way (bits index*2, index*2+1) and the way the reference JS libraries read it (the single bit
*at* statusListIndex, statusSize ignored): both readings agree. Good cases with bad twins."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from badges.errors import StatusListError
from badges.status import (
    MESSAGE_SIZE,
    MIN_BITS,
    STATE_REVOKED,
    STATE_SUSPENDED,
    STATE_VALID,
    STATUS_MESSAGES,
    BitstringStatusList,
    check_status,
    message_index_range,
    message_state,
    set_message_state,
    status_entry,
    status_list_credential,
)

URL = "https://school.example/status/message/1"
ISSUER = {"id": "did:web:school.example"}
NOW = datetime(2026, 1, 15, 10, tzinfo=UTC)
SIZE = MIN_BITS * MESSAGE_SIZE  # 131,072 two-bit entries


def _list(bits: BitstringStatusList, purpose: str = "message") -> dict:
    return status_list_credential(list_url=URL, issuer=ISSUER, purpose=purpose, encoded_list=bits.encode(),
                                  valid_from=NOW)


def _code(exc_info) -> str:
    return exc_info.value.details["code"]


def test_entry_shape():
    entry = status_entry(list_url=URL, index=40_000, purpose="message")
    assert entry["statusPurpose"] == "message" and entry["statusSize"] == 2
    assert entry["statusMessage"] == [{"status": "0x0", "message": "valid"}, {"status": "0x1", "message": "suspended"},
                                      {"status": "0x2", "message": "revoked"}, {"status": "0x3", "message": "revoked"}]
    entry["statusMessage"][0]["message"] = "changed"  # each entry owns its table
    assert STATUS_MESSAGES[0]["message"] == "valid"
    assert "statusSize" not in status_entry(list_url=URL, index=1, purpose="revocation")  # bad twin: one bit


def test_index_range_keeps_single_bits_out_of_allocated_entries():
    slots = message_index_range(SIZE)
    assert (slots.start, slots.stop) == (SIZE // 4, SIZE // 2)
    single_bits = set(slots)  # what a statusSize-ignoring reader looks at
    owned_by = {i // 2 for i in single_bits}  # the two-bit entries those bits belong to
    assert not owned_by & set(slots)
    with pytest.raises(ValueError):
        message_index_range(12)


@pytest.mark.parametrize("state, word", [(STATE_VALID, "valid"), (STATE_SUSPENDED, "suspended"),
                                         (STATE_REVOKED, "revoked")])
def test_each_state_reads_back_both_ways(state, word):
    bits = BitstringStatusList(SIZE)
    index, neighbour = SIZE // 4 + 7, SIZE // 4 + 8
    set_message_state(bits, index, state)
    assert message_state(bits, index) == state and message_state(bits, neighbour) == STATE_VALID
    assert bits.get(index) is (state != STATE_VALID)  # the naive reader agrees
    assert bits.get(neighbour) is False
    result = check_status(status_entry(list_url=URL, index=index, purpose="message"), _list(bits), credential_id="x")
    assert (result.ok, result.state, result.message) == (state == STATE_VALID, word, word)
    fine = check_status(status_entry(list_url=URL, index=neighbour, purpose="message"), _list(bits), credential_id="x")
    assert fine.ok and fine.state == "valid"


def test_suspend_reinstate_revoke_sequence():
    bits = BitstringStatusList(SIZE)
    index = SIZE // 2 - 1
    for state in (STATE_SUSPENDED, STATE_VALID, STATE_REVOKED):
        set_message_state(bits, index, state)
        assert message_state(bits, index) == state and bits.get(index) is (state != STATE_VALID)
    # only this entry's two bits and its single compatibility bit are set
    assert bits.set_indexes() == sorted([index, 2 * index])


def test_writing_outside_the_message_range_is_refused():
    bits = BitstringStatusList(SIZE)
    for index in (0, SIZE // 4 - 1, SIZE // 2):
        with pytest.raises(ValueError):
            set_message_state(bits, index, STATE_REVOKED)
    with pytest.raises(ValueError):
        set_message_state(bits, SIZE // 4, 3)
    assert bits.set_indexes() == []


def test_multi_bit_values_most_significant_first():
    bits = BitstringStatusList(MIN_BITS)
    bits.set_value(5, 2, 2)
    assert bits.set_indexes() == [10] and bits.get_value(5, 2) == 2
    bits.set_value(5, 2, 1)
    assert bits.set_indexes() == [11] and bits.get_value(5, 2) == 1
    with pytest.raises(ValueError):
        bits.set_value(5, 2, 4)
    with pytest.raises(StatusListError):
        bits.get_value(MIN_BITS // 2, 2)  # bad twin: past the last two-bit entry


def test_unknown_message_value_fails_closed():
    bits = BitstringStatusList(SIZE)
    bits.set_value(SIZE // 4, 2, 3)
    entry = status_entry(list_url=URL, index=SIZE // 4, purpose="message")
    entry["statusMessage"][3]["message"] = "under_review"
    result = check_status(entry, _list(bits), credential_id="x")
    assert not result.ok and result.state == "flagged" and result.message == "under_review"


@pytest.mark.parametrize("change", [
    {"statusMessage": None}, {"statusMessage": []}, {"statusMessage": [{"status": "0x0", "message": "valid"}] * 4},
    {"statusMessage": [{"status": "zz", "message": "a"}] * 4}, {"statusSize": 0}, {"statusSize": "2"},
    {"statusSize": True}, {"statusSize": 9},
])
def test_malformed_message_entries(change):
    entry = {**status_entry(list_url=URL, index=SIZE // 4, purpose="message"), **change}
    entry = {k: v for k, v in entry.items() if v is not None}
    with pytest.raises(StatusListError) as exc:
        check_status(entry, _list(BitstringStatusList(SIZE)), credential_id="x")
    assert _code(exc) == "MALFORMED_VALUE_ERROR"


def test_two_bit_list_needs_131072_entries():
    short = BitstringStatusList(MIN_BITS)  # 65,536 two-bit entries
    with pytest.raises(StatusListError) as exc:
        check_status(status_entry(list_url=URL, index=MIN_BITS // 4, purpose="message"), _list(short),
                     credential_id="x")
    assert _code(exc) == "STATUS_LIST_LENGTH_ERROR"


def test_message_entry_against_a_revocation_list_is_refused():
    entry = status_entry(list_url=URL, index=SIZE // 4, purpose="message")
    with pytest.raises(StatusListError) as exc:
        check_status(entry, _list(BitstringStatusList(SIZE), purpose="revocation"), credential_id="x")
    assert _code(exc) == "STATUS_VERIFICATION_ERROR"


# ---- the whole pipeline: an OB badge with the message entry, its signed list, our verifier ----

MESSAGE_LIST = "https://lincoln.example.edu/status/message/1"


def _signed(document: dict) -> dict:
    from badges.signing import Ed25519Signer, sign
    from tests.support import NOW as SIGNED_AT
    from tests.support import SEED
    from tests.vectors.build import LINCOLN_KEY

    return sign(document, signer=Ed25519Signer.from_seed(SEED).with_verification_method(LINCOLN_KEY),
                created=SIGNED_AT)


def _verify(credential: dict, state: int | None):
    from badges.verification import verify_credential
    from tests.badges.verification_support import FakeFetcher, bundle, resolver
    from tests.support import NOW as AT
    from tests.vectors.build import LINCOLN

    documents = bundle()
    if state is not None:
        bits = BitstringStatusList(SIZE)
        set_message_state(bits, int(credential["credentialStatus"]["statusListIndex"]), state)
        documents[MESSAGE_LIST] = _signed(status_list_credential(
            list_url=MESSAGE_LIST, issuer={"id": LINCOLN}, purpose="message", encoded_list=bits.encode(),
            valid_from=AT))
    return verify_credential(credential, now=AT, resolver=resolver(documents), fetch_document=FakeFetcher(documents))


def _badge(status) -> dict:
    from tests.vectors.build import badge

    return _signed(badge(status=status))


@pytest.mark.parametrize("strict", [False, True])
def test_one_message_entry_passes_both_ob_schemas_and_an_array_does_not(strict):
    from badges import schema
    from tests.vectors.build import badge

    entry = status_entry(list_url=MESSAGE_LIST, index=SIZE // 4 + 3, purpose="message")
    assert schema.problems(badge(status=entry), strict=strict) == []
    legacy_pair = [status_entry(list_url=URL, index=1, purpose="revocation"),
                   status_entry(list_url=URL, index=2, purpose="suspension")]
    assert schema.problems(badge(status=legacy_pair), strict=strict) != []  # bad twin: why we moved


@pytest.mark.parametrize("state, outcome, problem", [
    (STATE_VALID, "pass", None), (STATE_SUSPENDED, "fail", "suspended"), (STATE_REVOKED, "fail", "revoked")])
def test_our_verifier_reports_each_state(state, outcome, problem):
    credential = _badge(status_entry(list_url=MESSAGE_LIST, index=SIZE // 4 + 3, purpose="message"))
    report = _verify(credential, state)
    check = report.check("status")
    assert check.outcome == outcome and report.verified is (state == STATE_VALID), check.message
    if problem:
        assert check.problem_type.endswith("/" + problem) and problem in check.message
        assert check.details["state"] == problem and check.details["purpose"] == "message"
    else:
        assert "not revoked or suspended" in check.message.lower()
        assert check.details["entries"][0]["state"] == "valid"
    assert report.check("schema").outcome == "pass"


def test_a_message_badge_whose_list_is_missing_fails_closed():
    credential = _badge(status_entry(list_url=MESSAGE_LIST, index=SIZE // 4 + 3, purpose="message"))
    report = _verify(credential, None)
    assert report.check("status").outcome == "fail" and not report.verified
