"""Exact response times, outcomes and credits, gathered from every load process.

Locust's own statistics round response times above 100 ms to 10 ms buckets,
so a gate at 500 ms could pass a true 505 ms. The recorder keeps an HDR
histogram per operation in microseconds with 3 significant digits instead.
Its percentiles are the highest value equivalent to the true one, so rounding
can only make a run look slower, never faster.

A worker process sends `drain()` to the master, which `merge()`s it, so the
master ends with the same recorder as a single process would have.
"""

from dataclasses import dataclass, field
from typing import Any

from hdrh.histogram import HdrHistogram

LOWEST_MICROSECONDS = 1
HIGHEST_MICROSECONDS = 3_600_000_000
SIGNIFICANT_DIGITS = 3


def new_histogram() -> HdrHistogram:
    return HdrHistogram(LOWEST_MICROSECONDS, HIGHEST_MICROSECONDS, SIGNIFICANT_DIGITS)


@dataclass(slots=True)
class OperationRecord:
    """The response times and outcomes of one operation."""

    histogram: HdrHistogram = field(default_factory=new_histogram)
    requests: int = 0
    failures: int = 0
    errors: dict[str, int] = field(default_factory=dict)

    def record(self, response_time_ms: float, error: str | None) -> None:
        microseconds = min(max(round(response_time_ms * 1000), LOWEST_MICROSECONDS), HIGHEST_MICROSECONDS)
        self.histogram.record_value(microseconds)
        self.requests += 1
        if error is not None:
            self.failures += 1
            self.errors[error] = self.errors.get(error, 0) + 1

    def percentile_ms(self, percentile: float) -> float:
        return self.histogram.get_value_at_percentile(percentile) / 1000

    def to_payload(self) -> dict[str, Any]:
        return {
            "histogram": self.histogram.encode().decode("ascii"),
            "requests": self.requests,
            "failures": self.failures,
            "errors": dict(self.errors),
        }

    def add_payload(self, payload: dict[str, Any]) -> None:
        self.histogram.decode_and_add(payload["histogram"].encode("ascii"))
        self.requests += payload["requests"]
        self.failures += payload["failures"]
        for error, count in payload["errors"].items():
            self.errors[error] = self.errors.get(error, 0) + count


@dataclass(frozen=True, slots=True)
class CreditConfirmation:
    """A credit that returned code 0: a fresh credit, or a replay of an earlier one."""

    out_order_no: str
    coin: int
    transaction_id: str
    replay: bool


@dataclass(slots=True)
class CreditBook:
    """The orders that the load users saw credited, and any order credited twice."""

    coins: dict[str, int] = field(default_factory=dict)
    transactions: dict[str, str] = field(default_factory=dict)
    double_credits: dict[str, list[str]] = field(default_factory=dict)
    unresolved: set[str] = field(default_factory=set)

    def add(self, confirmation: CreditConfirmation) -> None:
        order = confirmation.out_order_no
        self.unresolved.discard(order)
        known = self.transactions.get(order)
        if known is None:
            self.coins[order] = confirmation.coin
            self.transactions[order] = confirmation.transaction_id
            return
        if confirmation.transaction_id != known or not confirmation.replay:
            ids = self.double_credits.setdefault(order, [known])
            if confirmation.transaction_id not in ids:
                ids.append(confirmation.transaction_id)

    def add_unresolved(self, out_order_no: str) -> None:
        if out_order_no not in self.transactions:
            self.unresolved.add(out_order_no)

    @property
    def credited_coins(self) -> int:
        return sum(self.coins.values())


@dataclass(slots=True)
class Recorder:
    """Everything one load process, or the merge of all of them, recorded."""

    operations: dict[str, OperationRecord] = field(default_factory=dict)
    credit_confirmations: list[CreditConfirmation] = field(default_factory=list)
    unresolved_orders: list[str] = field(default_factory=list)
    first_request_at: float | None = None
    last_response_at: float | None = None

    def record(self, operation: str, response_time_ms: float, error: str | None, started_at: float) -> None:
        """Add one request; started_at is unix time in seconds."""
        self.operations.setdefault(operation, OperationRecord()).record(response_time_ms, error)
        self._widen_window(started_at, started_at + response_time_ms / 1000)

    def record_credit(self, confirmation: CreditConfirmation) -> None:
        self.credit_confirmations.append(confirmation)

    def record_unresolved(self, out_order_no: str) -> None:
        self.unresolved_orders.append(out_order_no)

    def _widen_window(self, started_at: float, finished_at: float) -> None:
        if self.first_request_at is None or started_at < self.first_request_at:
            self.first_request_at = started_at
        if self.last_response_at is None or finished_at > self.last_response_at:
            self.last_response_at = finished_at

    def credit_book(self) -> CreditBook:
        book = CreditBook()
        for order in self.unresolved_orders:
            book.add_unresolved(order)
        for confirmation in self.credit_confirmations:
            book.add(confirmation)
        return book

    @property
    def duration_s(self) -> float:
        if self.first_request_at is None or self.last_response_at is None:
            return 0.0
        return self.last_response_at - self.first_request_at

    def drain(self) -> dict[str, Any]:
        """Return what was recorded as a plain payload and start afresh."""
        payload = {
            "operations": {name: record.to_payload() for name, record in self.operations.items()},
            "credits": [[a.out_order_no, a.coin, a.transaction_id, a.replay] for a in self.credit_confirmations],
            "unresolved": list(self.unresolved_orders),
            "window": [self.first_request_at, self.last_response_at],
        }
        self.operations = {}
        self.credit_confirmations = []
        self.unresolved_orders = []
        self.first_request_at = None
        self.last_response_at = None
        return payload

    def merge(self, payload: dict[str, Any]) -> None:
        for name, operation in payload["operations"].items():
            self.operations.setdefault(name, OperationRecord()).add_payload(operation)
        for order, coin, transaction_id, replay in payload["credits"]:
            self.credit_confirmations.append(CreditConfirmation(order, coin, transaction_id, replay))
        self.unresolved_orders.extend(payload["unresolved"])
        started_at, finished_at = payload["window"]
        if started_at is not None and finished_at is not None:
            self._widen_window(started_at, finished_at)
