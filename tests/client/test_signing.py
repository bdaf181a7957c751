from typing import Any

import pytest

from partystar_client.signing import canonical_string, sign


def test_canonical_strings_match_vectors(signature_vectors: dict[str, Any]) -> None:
    secret = signature_vectors["secret"]

    for vector in signature_vectors["vectors"]:
        assert canonical_string(vector["params"], secret) == vector["canonical"], vector["name"]


def test_signs_match_vectors(signature_vectors: dict[str, Any]) -> None:
    secret = signature_vectors["secret"]

    for vector in signature_vectors["vectors"]:
        assert sign(vector["params"], secret) == vector["sign"], vector["name"]


def test_sign_ignores_existing_sign(signature_vectors: dict[str, Any]) -> None:
    vector = signature_vectors["vectors"][0]
    params = {**vector["params"], "sign": "0" * 32}

    assert sign(params, signature_vectors["secret"]) == vector["sign"]


def test_none_values_are_left_out() -> None:
    with_none = {"merchant_id": 50, "remark": None, "time_stamp": 1}

    assert canonical_string(with_none, "s") == "merchant_id=50&time_stamp=1&secret_key=s"


def test_names_sort_by_bytes_not_case() -> None:
    params = {"b": "1", "B": "2", "a": "3"}

    assert canonical_string(params, "s") == "B=2&a=3&b=1&secret_key=s"


def test_boolean_value_rejected() -> None:
    with pytest.raises(TypeError, match="'flag'"):
        canonical_string({"flag": True}, "s")


def test_unknown_sign_type_rejected() -> None:
    with pytest.raises(ValueError, match="SHA1"):
        sign({"merchant_id": 50, "sign_type": "SHA1"}, "s")


def test_error_messages_omit_secret() -> None:
    secret = "do-not-show-me"

    with pytest.raises(ValueError) as raised:
        sign({"sign_type": "SHA1"}, secret)

    assert secret not in str(raised.value)
