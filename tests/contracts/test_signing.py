"""The harness signs with the reseller client's signer; it must match the known-answer vectors."""

from typing import Any

from contracts.signing import MASK, canonical_string, masked_params, sign


def test_signer_matches_vectors(signature_vectors: dict[str, Any]) -> None:
    secret = signature_vectors["secret"]
    for vector in signature_vectors["vectors"]:
        assert canonical_string(vector["params"], secret) == vector["canonical"], vector["name"]
        assert sign(vector["params"], secret) == vector["sign"], vector["name"]


def test_signer_differs_from_mistakes(signature_vectors: dict[str, Any]) -> None:
    secret = signature_vectors["secret"]
    for mistake in signature_vectors["mistakes"]:
        if "signature itself is right" in mistake["mistake"]:
            continue
        assert sign(mistake["params"], secret) != mistake["sign"], mistake["mistake"]


def test_masked_params_hide_sign() -> None:
    shown = masked_params({"merchant_id": 50, "sign": "A3DB729EBDE58B4249DACD0DF320F886"})

    assert shown == {"merchant_id": 50, "sign": MASK}
