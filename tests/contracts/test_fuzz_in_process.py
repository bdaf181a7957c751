"""Schemathesis against the sandbox application in-process: positive, negative and stateful runs."""

import pytest
import schemathesis
from schemathesis.core.failures import FailureGroup

from contracts.fuzzing import NothingAccepted, fuzz_operations, require_accepted, run_stateful
from contracts.loading import load_schema
from contracts.signed_cases import session_for_schema
from contracts.target import Target
from tests.contracts.conftest import MAX_EXAMPLES, SEED, lowercase_signer

STATELESS_OPERATIONS = ("verifyUser", "creditCoins", "merchantBalance")


def _balance(schema: schemathesis.BaseSchema) -> int:
    operation = schema["/api/v1/merchant/balance"]["GET"]
    response = operation.Case(query={"merchant_id": 50, "time_stamp": 0}).call()
    return int(response.json()["data"]["balance"])


def test_positive_run_passes(in_process_app: object, sandbox_target: Target) -> None:
    schema = load_schema(sandbox_target, app=in_process_app, seed=SEED)

    fuzz_operations(schema, schemathesis.GenerationMode.POSITIVE, MAX_EXAMPLES, seed=SEED)

    require_accepted(schema, STATELESS_OPERATIONS)


def test_negative_run_credits_nothing(in_process_app: object, sandbox_target: Target) -> None:
    schema = load_schema(sandbox_target, app=in_process_app, mode="negative", seed=SEED)
    before = _balance(schema)

    fuzz_operations(schema, schemathesis.GenerationMode.NEGATIVE, MAX_EXAMPLES, seed=SEED)

    codes = session_for_schema(schema).codes
    credit_codes = {code for (operation, code), _ in codes.items() if operation == "creditCoins"}
    assert credit_codes, "no negative credit was sent"
    assert 0 not in credit_codes
    assert _balance(schema) == before


def test_stateful_run_follows_links(in_process_app: object, sandbox_target: Target) -> None:
    schema = load_schema(sandbox_target, app=in_process_app, seed=SEED)

    run_stateful(schema, max_examples=10)

    require_accepted(schema, ("creditCoins", "getTransaction", "merchantBalance"))


def test_broken_signer_fails_the_run(in_process_app: object, sandbox_target: Target) -> None:
    schema = load_schema(sandbox_target, app=in_process_app, signer=lowercase_signer, seed=SEED)

    with pytest.raises(FailureGroup, match="INVALID_SIGNATURE"):
        fuzz_operations(schema, schemathesis.GenerationMode.POSITIVE, MAX_EXAMPLES, seed=SEED)


def test_guard_fails_when_nothing_accepted(in_process_app: object, sandbox_target: Target) -> None:
    schema = load_schema(sandbox_target, app=in_process_app, signer=lowercase_signer, seed=SEED)
    operation = schema["/api/v1/merchant/balance"]["GET"]
    operation.Case(query={"merchant_id": 50, "time_stamp": 0}).call()

    with pytest.raises(NothingAccepted, match="merchantBalance"):
        require_accepted(schema, ("merchantBalance",))
