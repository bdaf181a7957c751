"""The server's signer and mistake diagnosis against the known-answer vectors."""

import pytest

from mockserver import diagnostics, signing

# The vectors file names each mistake in its own words; these are the words the sandbox reports.
EXPECTED_DIAGNOSIS = {
    "secret appended as '&secret=' instead of '&secret_key='": "'&secret='",
    "lowercase hex digest": "lowercase",
    "parameters not sorted (sent order)": "not sorted",
    "secret not appended at all": "secret was not appended",
    "values URL-encoded before signing": "encoded before signing",
    "empty-valued parameter included": "empty value was included",
}


def test_vectors_canonical_string(signature_vectors):
    for vector in signature_vectors["vectors"]:
        text = signing.canonical_string(vector["params"], signature_vectors["secret"])

        assert text == vector["canonical"], vector["name"]


def test_vectors_sign(signature_vectors):
    for vector in signature_vectors["vectors"]:
        assert signing.sign(vector["params"], signature_vectors["secret"]) == vector["sign"], vector["name"]


def test_sign_length_matches_algorithm(signature_vectors):
    for vector in signature_vectors["vectors"]:
        sign_type = vector["params"].get("sign_type", signing.MD5)

        assert signing.is_well_formed(vector["sign"], sign_type), vector["name"]


def test_masked_canonical_string_hides_secret(signature_vectors):
    vector = signature_vectors["vectors"][0]

    masked = signing.masked_canonical_string(vector["params"])

    assert signature_vectors["secret"] not in masked
    assert masked.endswith("&secret_key=********")


@pytest.mark.parametrize("sign_value", ["", "A3DB", "Z" * 32, "A3DB729EBDE58B4249DACD0DF320F886AA"])
def test_malformed_md5_sign(sign_value):
    assert not signing.is_well_formed(sign_value, signing.MD5)


def test_signs_equal_rejects_other_sign():
    assert signing.signs_equal("A3DB729EBDE58B4249DACD0DF320F886", "A3DB729EBDE58B4249DACD0DF320F886")
    assert not signing.signs_equal("A3DB729EBDE58B4249DACD0DF320F886", "A3DB729EBDE58B4249DACD0DF320F887")


def test_every_listed_mistake_is_named(signature_vectors):
    secret = signature_vectors["secret"]
    for case in signature_vectors["mistakes"]:
        if "milliseconds" in case["mistake"]:
            continue  # the sign is right; the timestamp check names this one
        found = diagnostics.find_mistake(case["params"], secret, case["sign"], signing.MD5)

        assert found is not None, case["mistake"]
        assert EXPECTED_DIAGNOSIS[case["mistake"]] in found, (case["mistake"], found)


def test_every_listed_mistake_has_an_expectation(signature_vectors):
    listed = {case["mistake"] for case in signature_vectors["mistakes"] if "milliseconds" not in case["mistake"]}

    assert listed == set(EXPECTED_DIAGNOSIS)


def test_random_sign_names_no_mistake(signature_vectors):
    params = signature_vectors["vectors"][0]["params"]

    found = diagnostics.find_mistake(params, signature_vectors["secret"], "0" * 32, signing.MD5)

    assert found is None


def test_hmac_signed_as_md5_is_named(signature_vectors):
    vector = next(v for v in signature_vectors["vectors"] if v["params"].get("sign_type") == signing.HMAC_SHA256)
    secret = signature_vectors["secret"]
    md5_sign = signing.digest(signing.canonical_string(vector["params"], secret), secret, signing.MD5)

    found = diagnostics.find_mistake(vector["params"], secret, md5_sign, signing.HMAC_SHA256)

    assert found is not None and "computed with MD5" in found
