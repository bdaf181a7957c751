"""Typed results: transactions, balances, user checks and credit outcomes."""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from partystar_client.errors import OutcomeUnknownError, TransportError, error_for_code
from partystar_client.response_data import DataReader


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
        return cls._read(DataReader(data, "transaction"))

    @classmethod
    def _read(cls, fields: DataReader) -> "Transaction":
        return cls(
            transaction_id=fields.string("transaction_id"),
            merchant_id=fields.integer("merchant_id"),
            out_order_no=fields.string("out_order_no"),
            user_id=fields.string("user_id"),
            coin=fields.integer("coin"),
            remark=fields.nullable_string("remark"),
            status=fields.string("status"),
            created_at=fields.integer("created_at"),
        )


def read_credit_result(data: Any) -> tuple[Transaction, bool]:
    """Read a credit's ``data`` into the transaction and its replay flag, or raise MalformedResponseError."""
    fields = DataReader(data, "credit result")
    return Transaction._read(fields), fields.boolean("replay")


@dataclass(frozen=True, slots=True)
class UserCheck:
    """Whether a user id exists."""

    user_id: str
    exists: bool

    @classmethod
    def from_data(cls, data: Any) -> "UserCheck":
        fields = DataReader(data, "user check")
        return cls(user_id=fields.string("user_id"), exists=fields.boolean("exists"))


@dataclass(frozen=True, slots=True)
class Balance:
    """A merchant's prepaid balance in coins."""

    merchant_id: int
    balance: int

    @classmethod
    def from_data(cls, data: Any) -> "Balance":
        fields = DataReader(data, "balance")
        return cls(merchant_id=fields.integer("merchant_id"), balance=fields.integer("balance"))


@dataclass(frozen=True, slots=True)
class Health:
    """The service state and its clock (unix seconds)."""

    status: str
    time: int
    version: str

    @classmethod
    def from_data(cls, data: Any) -> "Health":
        fields = DataReader(data, "health status")
        return cls(status=fields.string("status"), time=fields.integer("time"), version=fields.string("version"))


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
    # The ``data`` object of the error envelope behind ``code``, e.g. the sandbox's diagnostics.
    details: Mapping[str, Any] | None = None

    @property
    def credited(self) -> bool:
        """True when Party Star has recorded a credit for this order, from this call or an earlier one."""
        return self.status in (CreditStatus.CREDITED, CreditStatus.ALREADY_CREDITED)

    def raise_for_status(self) -> Transaction:
        """Return the transaction, or raise the error that matches a rejected, failed or unknown outcome."""
        if self.transaction is not None and self.credited:
            return self.transaction
        if self.status is CreditStatus.UNKNOWN:
            raise OutcomeUnknownError(
                self.message, code=self.code, out_order_no=self.out_order_no, details=self.details
            )
        if self.code is not None:
            raise error_for_code(self.code, self.message, self.out_order_no, self.details)
        raise TransportError(self.message, out_order_no=self.out_order_no)
