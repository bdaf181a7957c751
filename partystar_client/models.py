"""Typed results: transactions, balances, user checks and credit outcomes."""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from partystar_client.errors import MalformedResponseError, OutcomeUnknownError, TransportError, error_for_code


@dataclass(frozen=True, slots=True)
class Transaction:
    """A credit recorded by Party Star."""

    transaction_id: str
    merchant_id: int
    out_order_no: str
    user_id: str
    coin: int
    remark: str | None
    status: str
    created_at: int

    @classmethod
    def from_data(cls, data: Any) -> "Transaction":
        """Read a transaction from an envelope's ``data``; raise MalformedResponseError if it is not one."""
        try:
            return cls(
                transaction_id=_typed(data, "transaction_id", str),
                merchant_id=_typed(data, "merchant_id", int),
                out_order_no=_typed(data, "out_order_no", str),
                user_id=_typed(data, "user_id", str),
                coin=_typed(data, "coin", int),
                remark=data.get("remark"),
                status=_typed(data, "status", str),
                created_at=_typed(data, "created_at", int),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise MalformedResponseError(f"The transaction in the response is malformed: {exc}") from exc


def _typed(data: Mapping[str, Any], name: str, kind: type) -> Any:
    value = data[name]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise TypeError(f"{name} is {type(value).__name__}, expected {kind.__name__}")
    return value


@dataclass(frozen=True, slots=True)
class UserCheck:
    """Whether a user id exists."""

    user_id: str
    exists: bool


@dataclass(frozen=True, slots=True)
class Balance:
    """A merchant's prepaid balance in coins."""

    merchant_id: int
    balance: int


@dataclass(frozen=True, slots=True)
class Health:
    """The service state and its clock (unix seconds)."""

    status: str
    time: int
    version: str


class CreditStatus(StrEnum):
    """What happened to one credit.

    CREDITED: this call credited the order (possibly learnt from a replay after a lost response).
    ALREADY_CREDITED: the order had been credited before this call, and nothing was credited now.
    REJECTED: Party Star refused the order with a result code, and nothing was credited.
    FAILED: Party Star certainly did not credit the order (never reached, or declined
    with 429 or 503 through every retry); sending it again later is safe.
    UNKNOWN: the client could not find out; the order may or may not have been credited.
    """

    CREDITED = "credited"
    ALREADY_CREDITED = "already_credited"
    REJECTED = "rejected"
    FAILED = "failed"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class CreditOutcome:
    """The outcome of ``credit``, with the transaction when the order is credited."""

    status: CreditStatus
    out_order_no: str
    user_id: str
    coin: int
    transaction: Transaction | None = None
    code: int | None = None
    message: str = ""
    attempts: int = 0

    @property
    def credited(self) -> bool:
        """True when Party Star has recorded a credit for this order, from this call or an earlier one."""
        return self.status in (CreditStatus.CREDITED, CreditStatus.ALREADY_CREDITED)

    def raise_for_status(self) -> Transaction:
        """Return the transaction, or raise the error that matches a rejected, failed or unknown outcome."""
        if self.transaction is not None and self.credited:
            return self.transaction
        if self.status is CreditStatus.UNKNOWN:
            raise OutcomeUnknownError(self.message, code=self.code, out_order_no=self.out_order_no)
        if self.code is not None:
            raise error_for_code(self.code, self.message, self.out_order_no)
        raise TransportError(self.message, out_order_no=self.out_order_no)
