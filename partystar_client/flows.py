"""Every operation written once, as a generator of I/O effects.

A flow yields ``Send(request)`` and gets back an ``httpx.Response`` or the
``httpx.TransportError`` the send raised, and yields ``Sleep(seconds)`` to wait.
The sync and async clients run the same flows with their own transport and
sleep, so retries, signing and outcome resolution exist in one copy.
"""

import logging
import random
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from partystar_client import protocol
from partystar_client.codes import ORDER_CONFLICT, TRANSACTION_NOT_FOUND
from partystar_client.config import ClientConfig
from partystar_client.errors import MalformedResponseError, TransportError, error_for_code
from partystar_client.models import CreditOutcome, CreditStatus, Transaction, read_credit_result
from partystar_client.protocol import Operation
from partystar_client.retry import AttemptFailure, next_delay
from partystar_client.validation import check_coin, check_order_no, check_remark, check_user_id

logger = logging.getLogger("partystar_client")


@dataclass(frozen=True, slots=True)
class Send:
    request: httpx.Request


@dataclass(frozen=True, slots=True)
class Sleep:
    seconds: float


Effect = Send | Sleep
Flow = Generator[Effect, Any, Any]


@dataclass(frozen=True, slots=True)
class Seams:
    """The clock and the randomness that flows use; tests replace them."""

    wall_clock: Callable[[], float] = time.time
    monotonic: Callable[[], float] = time.monotonic
    jitter: Callable[[], float] = random.random


@dataclass(slots=True)
class Attempts:
    """The end of a run of attempts: the ``data`` of a success, or the last failure."""

    data: Any = None
    failure: AttemptFailure | None = None
    count: int = 0
    maybe_applied: bool = False
    failures: list[AttemptFailure] = field(default_factory=list)


def attempt(config: ClientConfig, seams: Seams, operation: Operation, params: Mapping[str, Any]) -> Flow:
    """Send one request with retries and return Attempts; each attempt is signed with a fresh time_stamp."""
    result = Attempts()
    started = seams.monotonic()
    order = params.get("out_order_no")
    while True:
        result.count += 1
        request = protocol.build_request(config, operation, params, int(seams.wall_clock()))
        sent_at = seams.monotonic()
        answer = yield Send(request)
        if isinstance(answer, httpx.TransportError):
            outcome = protocol.transport_failure(answer)
        else:
            outcome = protocol.read_response(answer)
        duration_ms = (seams.monotonic() - sent_at) * 1000
        code = outcome.code if isinstance(outcome, AttemptFailure) else 0
        logger.info(
            "operation=%s out_order_no=%s code=%s attempt=%d duration_ms=%.1f",
            operation.operation_id, order, code, result.count, duration_ms,
        )  # fmt: skip
        if not isinstance(outcome, AttemptFailure):
            result.data = outcome
            result.failure = None
            return result
        result.failure = outcome
        result.failures.append(outcome)
        result.maybe_applied = result.maybe_applied or outcome.may_be_applied
        elapsed = seams.monotonic() - started
        now = datetime.fromtimestamp(seams.wall_clock(), UTC)
        delay = next_delay(config.retry, result.count, outcome, elapsed, seams.jitter(), now)
        if delay is None:
            return result
        logger.info(
            "retrying operation=%s out_order_no=%s code=%s attempt=%d delay_s=%.2f reason=%s",
            operation.operation_id, order, code, result.count, delay, outcome.message,
        )  # fmt: skip
        yield Sleep(delay)


def call(config: ClientConfig, seams: Seams, operation: Operation, params: Mapping[str, Any]) -> Flow:
    """Run an operation and return its ``data``, or raise the error for its last failure."""
    result = yield from attempt(config, seams, operation, params)
    if result.failure is None:
        return result.data
    raise failure_error(result.failure, params.get("out_order_no"))


def failure_error(failure: AttemptFailure, out_order_no: str | None) -> Exception:
    """Build the exception that reports a failure to the caller."""
    if failure.code is None and failure.malformed:
        return MalformedResponseError(failure.message, out_order_no=out_order_no)
    if failure.code is None:
        return TransportError(failure.message, out_order_no=out_order_no)
    return error_for_code(failure.code, failure.message, out_order_no, failure.details)


def credit(
    config: ClientConfig, seams: Seams, user_id: str, coin: int, out_order_no: str, remark: str | None
) -> Flow:
    """Credit an order, and find out what happened when a response is lost; return a CreditOutcome."""
    params: dict[str, Any] = {
        "user_id": check_user_id(user_id),
        "coin": check_coin(coin),
        "out_order_no": check_order_no(out_order_no),
    }
    if check_remark(remark):
        params["remark"] = remark
    result = yield from attempt(config, seams, protocol.CREDIT, params)
    outcome = _Outcomes(out_order_no, user_id, coin, result.count)

    if result.failure is None:
        try:
            transaction, replay = read_credit_result(result.data)
        except MalformedResponseError as exc:
            # Code 0 came back, so the order is most likely credited, but the response breaks the contract.
            return outcome.make(CreditStatus.UNKNOWN, message=exc.message)
        if replay and not result.maybe_applied:
            return outcome.make(CreditStatus.ALREADY_CREDITED, transaction=transaction)
        # A replay after a lost response in this call is most likely this call's own credit.
        return outcome.make(CreditStatus.CREDITED, transaction=transaction)

    failure = result.failure
    if not result.maybe_applied:
        status = CreditStatus.FAILED if failure.retryable else CreditStatus.REJECTED
        return outcome.make(status, code=failure.code, message=failure.message, details=failure.details)
    return (yield from _resolve(config, seams, outcome, failure))


@dataclass(frozen=True, slots=True)
class _Outcomes:
    out_order_no: str
    user_id: str
    coin: int
    attempts: int

    def make(self, status: CreditStatus, **fields: Any) -> CreditOutcome:
        return CreditOutcome(
            status=status, out_order_no=self.out_order_no, user_id=self.user_id, coin=self.coin,
            attempts=self.attempts, **fields,
        )  # fmt: skip


def _resolve(config: ClientConfig, seams: Seams, outcome: _Outcomes, failure: AttemptFailure) -> Flow:
    """Look the order up after an attempt that may have been applied, and decide the outcome from it."""
    order = outcome.out_order_no
    lookup = yield from attempt(config, seams, protocol.TRANSACTION, {"out_order_no": order})
    if lookup.failure is None:
        try:
            transaction = Transaction.from_data(lookup.data)
        except MalformedResponseError as exc:
            return outcome.make(CreditStatus.UNKNOWN, message=f"The order could not be looked up: {exc.message}")
        if transaction.user_id == outcome.user_id and transaction.coin == outcome.coin:
            return outcome.make(CreditStatus.CREDITED, transaction=transaction)
        return outcome.make(
            CreditStatus.REJECTED,
            code=ORDER_CONFLICT,
            message=f"Order {order} was already credited with other details "
            f"(user_id {transaction.user_id}, coin {transaction.coin}); nothing was credited.",
        )
    if lookup.failure.code == TRANSACTION_NOT_FOUND and not failure.retryable and not failure.may_be_applied:
        # The last credit attempt got a definite rejection after the lost response, and no credit exists.
        return outcome.make(CreditStatus.REJECTED, code=failure.code, message=failure.message, details=failure.details)
    # NOTE: "not found" is no proof here, because a request whose response was lost may still be in flight.
    return outcome.make(
        CreditStatus.UNKNOWN,
        code=failure.code,
        details=failure.details,
        message=f"Outcome unknown: {failure.message} The lookup found "
        f"{'no credit yet' if lookup.failure.code == TRANSACTION_NOT_FOUND else 'nothing: ' + lookup.failure.message}. "
        "Send the same order again later; it will not be credited twice.",
    )
