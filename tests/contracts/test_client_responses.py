"""The client's response parsing against the spec's response schemas.

Every body a schema allows is read into the typed result with the same code,
message and data. Every body the spec forbids ends in a clear error of the
client's own, and a credit that gets one is reported as unknown. Responses come
from an httpx.MockTransport, because the object under test is the parser.
"""

import asyncio
import dataclasses
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.responses import NOT_JSON_BODIES, ForbiddenBody, allowed_bodies, forbidden_bodies
from contracts.spec import Spec
from partystar_client import AsyncPartyStarClient, CreditOutcome, CreditStatus, PartyStarClient, RetryPolicy
from partystar_client.errors import (
    ERRORS_BY_CODE,
    ApiError,
    MalformedResponseError,
    OutcomeUnknownError,
    UndocumentedCodeError,
)

SPEC = Spec.load()
ORDER = "RESP-0001"
CALLS: dict[str, Callable[[PartyStarClient], Any]] = {
    "health": lambda client: client.health(),
    "verifyUser": lambda client: client.verify_user("123"),
    "creditCoins": lambda client: client.credit("123", 7, ORDER),
    "merchantBalance": lambda client: client.merchant_balance(),
    "getTransaction": lambda client: client.transaction(ORDER),
}
READS = sorted(set(CALLS) - {"creditCoins"})
# The contract states that a request answered with these codes may or may not have been applied.
MAYBE_APPLIED_TITLES = ("INTERNAL_ERROR", "BAD_GATEWAY", "GATEWAY_TIMEOUT")
NOT_FOUND = {"code": SPEC.code_named("TRANSACTION_NOT_FOUND"), "msg": "No credit exists.", "data": None}
# Bounded so that the whole module runs in seconds, and derandomized so that CI runs the same cases each time.
EXAMPLES = settings(max_examples=25, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])  # fmt: skip


def client_answering(body: Any, status: int = 200, lookup: Any = None) -> PartyStarClient:
    """Build a client whose every request gets ``body`` with ``status``.

    Credits look the order up when their outcome is open. When ``lookup`` is
    given, every transaction lookup gets it with HTTP 200 instead.
    """

    def handle(request: httpx.Request) -> httpx.Response:
        if lookup is not None and request.url.path.startswith("/api/v1/transactions/"):
            return httpx.Response(200, json=lookup)
        if isinstance(body, ForbiddenBody):
            return httpx.Response(status, content=body.content, headers={"content-type": body.content_type})
        return httpx.Response(status, json=body)

    return PartyStarClient(
        "http://127.0.0.1:9", 50, "response-test-secret",
        transport=httpx.MockTransport(handle), sleep=lambda _: None,
        retry=RetryPolicy(max_attempts=2, base_delay=0.0),
    )  # fmt: skip


def assert_allowed(operation_id: str, status: int, body: Any) -> None:
    """Guard the generator: a body it produced must be one the spec allows."""
    validator = SPEC.response_validator(operation_id, status)
    assert validator is not None
    assert validator.is_valid(body), list(validator.iter_errors(body))


def expected_credit_status(code: int) -> CreditStatus:
    entry = SPEC.result_codes[code]
    if not entry.retryable:
        return CreditStatus.REJECTED
    if entry.title in MAYBE_APPLIED_TITLES:
        # The lookup finds no credit, but a request whose outcome is open may still be in flight.
        return CreditStatus.UNKNOWN
    return CreditStatus.FAILED


def test_every_public_operation_is_called() -> None:
    assert set(CALLS) == set(SPEC.operations)


@pytest.mark.parametrize("operation_id", sorted(CALLS))
def test_operation_documents_error_statuses(operation_id: str) -> None:
    assert SPEC.response_statuses(operation_id) == [200, 429, 500, 502, 503, 504]


@pytest.mark.parametrize("operation_id", READS)
@EXAMPLES
@given(data=st.data())
def test_success_body_read_into_result(operation_id: str, data: st.DataObject) -> None:
    body = data.draw(allowed_bodies(SPEC, operation_id, 200, code_zero=True), label="body")
    assert_allowed(operation_id, 200, body)

    result = CALLS[operation_id](client_answering(body))

    assert dataclasses.asdict(result) == body["data"]


@EXAMPLES
@given(body=allowed_bodies(SPEC, "creditCoins", 200, code_zero=True))
def test_success_credit_read_into_outcome(body: dict[str, Any]) -> None:
    assert_allowed("creditCoins", 200, body)
    data = dict(body["data"])
    replay = data.pop("replay")

    outcome = CALLS["creditCoins"](client_answering(body))

    assert outcome.status is (CreditStatus.ALREADY_CREDITED if replay else CreditStatus.CREDITED)
    assert outcome.transaction is not None
    assert dataclasses.asdict(outcome.transaction) == data
    assert outcome.code is None


def error_responses(operation_id: str) -> st.SearchStrategy[tuple[int, dict[str, Any]]]:
    """Draw a documented status and a body with a non-zero code that the spec allows at that status."""
    statuses = st.sampled_from(SPEC.response_statuses(operation_id))
    return statuses.flatmap(
        lambda status: st.tuples(st.just(status), allowed_bodies(SPEC, operation_id, status, code_zero=False))
    )


@pytest.mark.parametrize("operation_id", READS)
@EXAMPLES
@given(data=st.data())
def test_error_body_raises_its_error(operation_id: str, data: st.DataObject) -> None:
    status, body = data.draw(error_responses(operation_id), label="response")
    assert_allowed(operation_id, status, body)

    with pytest.raises(ApiError) as raised:
        CALLS[operation_id](client_answering(body, status))

    assert type(raised.value) is ERRORS_BY_CODE[body["code"]]
    assert raised.value.code == body["code"]
    assert raised.value.message == body["msg"]
    assert raised.value.details == body["data"]


@EXAMPLES
@given(response=error_responses("creditCoins"))
def test_error_body_gives_credit_outcome(response: tuple[int, dict[str, Any]]) -> None:
    status, body = response
    assert_allowed("creditCoins", status, body)

    outcome: CreditOutcome = CALLS["creditCoins"](client_answering(body, status, lookup=NOT_FOUND))

    assert outcome.status is expected_credit_status(body["code"])
    assert outcome.transaction is None
    assert outcome.code == body["code"]
    assert body["msg"] in outcome.message
    assert outcome.details == body["data"]


@pytest.mark.parametrize("operation_id", READS)
@EXAMPLES
@given(data=st.data())
def test_forbidden_body_raises_malformed(operation_id: str, data: st.DataObject) -> None:
    forbidden = data.draw(forbidden_bodies(SPEC, operation_id), label="forbidden")

    with pytest.raises(MalformedResponseError) as raised:
        CALLS[operation_id](client_answering(forbidden))

    assert forbidden.problem in str(raised.value)


@EXAMPLES
@given(forbidden=forbidden_bodies(SPEC, "creditCoins"), lookup_fails_too=st.booleans())
def test_forbidden_credit_body_gives_unknown(forbidden: ForbiddenBody, lookup_fails_too: bool) -> None:
    lookup = None if lookup_fails_too else NOT_FOUND

    outcome: CreditOutcome = CALLS["creditCoins"](client_answering(forbidden, lookup=lookup))

    assert outcome.status is CreditStatus.UNKNOWN
    assert outcome.transaction is None
    assert forbidden.problem in outcome.message
    with pytest.raises(OutcomeUnknownError):
        outcome.raise_for_status()


@pytest.mark.parametrize("forbidden", NOT_JSON_BODIES, ids=["html", "text", "empty"])
@pytest.mark.parametrize("operation_id", READS)
def test_body_not_json_raises_malformed(operation_id: str, forbidden: ForbiddenBody) -> None:
    with pytest.raises(MalformedResponseError) as raised:
        CALLS[operation_id](client_answering(forbidden))

    message = str(raised.value)
    assert message.startswith("Party Star returned HTTP 200 without a valid JSON envelope: the body is not JSON")
    assert forbidden.content_type in message
    assert "Bad Gateway" not in message


def test_json_array_body_named_in_error() -> None:
    body = [{"code": 0, "msg": "OK", "data": {"merchant_id": 50, "balance": 10}}]

    with pytest.raises(MalformedResponseError) as raised:
        CALLS["merchantBalance"](client_answering(body))

    assert str(raised.value) == (
        "Party Star returned HTTP 200 without a valid JSON envelope: the body is an array, expected an object."
    )


def test_missing_field_named_in_error() -> None:
    body = {"code": 0, "msg": "OK", "data": {"merchant_id": 50}}

    with pytest.raises(MalformedResponseError) as raised:
        CALLS["merchantBalance"](client_answering(body))

    assert str(raised.value) == "The balance in the response is malformed: data.balance is missing."


def test_undocumented_code_is_malformed_api_error() -> None:
    body = {"code": 7777, "msg": "Try again on Tuesday.", "data": None}

    with pytest.raises(UndocumentedCodeError) as raised:
        CALLS["verifyUser"](client_answering(body))

    assert isinstance(raised.value, MalformedResponseError)
    assert raised.value.code == 7777
    assert raised.value.message == (
        "Party Star returned code 7777, which the contract does not document: Try again on Tuesday."
    )


def test_undocumented_code_credit_found_by_lookup() -> None:
    transaction = {
        "transaction_id": "9f1c2e7a4b5d4c3e8a7b6c5d4e3f2a1b", "merchant_id": 50, "out_order_no": ORDER,
        "user_id": "123", "coin": 7, "remark": None, "status": "SUCCESS", "created_at": 1756280758,
    }  # fmt: skip
    body = {"code": 7777, "msg": "Credited, probably.", "data": None}

    outcome = CALLS["creditCoins"](client_answering(body, lookup={"code": 0, "msg": "OK", "data": transaction}))

    assert outcome.status is CreditStatus.CREDITED
    assert outcome.transaction is not None
    assert outcome.transaction.transaction_id == transaction["transaction_id"]


@pytest.mark.parametrize(("status", "credit_status"), [
    (500, CreditStatus.UNKNOWN), (502, CreditStatus.UNKNOWN), (504, CreditStatus.UNKNOWN),
    # Both statuses mean the request was declined, so the order was not credited.
    (429, CreditStatus.FAILED), (503, CreditStatus.FAILED),
])  # fmt: skip
def test_gateway_error_page_follows_status(status: int, credit_status: CreditStatus) -> None:
    page = NOT_JSON_BODIES[0]

    with pytest.raises(ApiError) as raised:
        CALLS["merchantBalance"](client_answering(page, status))
    outcome = CALLS["creditCoins"](client_answering(page, status))

    assert raised.value.code == SPEC.code_named(
        {500: "INTERNAL_ERROR", 502: "BAD_GATEWAY", 504: "GATEWAY_TIMEOUT", 429: "RATE_LIMITED",
         503: "SERVICE_UNAVAILABLE"}[status]  # fmt: skip
    )
    assert f"HTTP {status} without a valid JSON envelope: the body is not JSON (content type text/html" in str(
        raised.value
    )
    assert outcome.status is credit_status


def test_async_client_rejects_forbidden_body() -> None:
    body = {"code": 0, "msg": "OK", "data": {"status": "ok", "time": "1756280758", "version": "1.0.0"}}

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=json.dumps(body).encode())

    async def run() -> None:
        async with AsyncPartyStarClient("http://127.0.0.1:9", 50, "x", transport=httpx.MockTransport(handle)) as client:
            await client.health()

    with pytest.raises(MalformedResponseError, match=r"data\.time is a string, expected an integer"):
        asyncio.run(run())
