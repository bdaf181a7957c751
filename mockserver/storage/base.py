"""The storage interface that every ledger backend implements, and its value types.

A backend keeps merchants, users, the ledger, transactions, rate-limit buckets,
the request journal and small sandbox state. Crediting is one atomic unit:
debit the merchant, credit the user, record the transaction and both ledger
entries, or change nothing.
"""

import enum
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mockserver.config import Merchant, SandboxConfig, User


class CreditOutcome(enum.Enum):
    CREDITED = "credited"
    REPLAY = "replay"
    CONFLICT = "conflict"
    USER_NOT_FOUND = "user_not_found"
    INSUFFICIENT_BALANCE = "insufficient_balance"
    UNKNOWN_MERCHANT = "unknown_merchant"
    RATE_LIMITED = "rate_limited"


@dataclass(frozen=True, slots=True)
class Transaction:
    transaction_id: str
    merchant_id: int
    out_order_no: str
    user_id: str
    coin: int
    remark: str | None
    created_at: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "transaction_id": self.transaction_id,
            "merchant_id": self.merchant_id,
            "out_order_no": self.out_order_no,
            "user_id": self.user_id,
            "coin": self.coin,
            "remark": self.remark,
            "status": "SUCCESS",
            "created_at": self.created_at,
        }


@dataclass(frozen=True, slots=True)
class CreditResult:
    outcome: CreditOutcome
    # The new or earlier transaction for CREDITED, REPLAY and CONFLICT.
    transaction: Transaction | None = None
    merchant_balance: int | None = None
    # Seconds to wait, for RATE_LIMITED.
    retry_after: float = 0.0


@dataclass(frozen=True, slots=True)
class TokenRequest:
    """A rate-limit token to take from the merchant's bucket before crediting."""

    rate: float
    burst: int
    now: float


@dataclass(frozen=True, slots=True)
class CreditRequest:
    merchant_id: int
    out_order_no: str
    user_id: str
    coin: int
    remark: str | None
    now: int
    # False only in a sandbox configured to break idempotency, where a repeat credits again.
    enforce_idempotency: bool = True
    # Taken in the credit's own transaction, which saves a commit per credit.
    token: TokenRequest | None = None


@dataclass(slots=True)
class JournalEntry:
    at: float
    operation: str
    client_address: str
    code: int
    latency_ms: float
    merchant_id: int | None = None
    out_order_no: str | None = None
    # Request parameters without sign; never a secret.
    params: Mapping[str, Any] = field(default_factory=dict)
    fault: str | None = None
    diagnostics: Mapping[str, Any] | None = None
    entry_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "entry_id": self.entry_id,
            "at": self.at,
            "operation": self.operation,
            "client_address": self.client_address,
            "code": self.code,
            "latency_ms": self.latency_ms,
            "merchant_id": self.merchant_id,
            "out_order_no": self.out_order_no,
            "params": dict(self.params),
            "fault": self.fault,
            "diagnostics": dict(self.diagnostics) if self.diagnostics is not None else None,
        }


@dataclass(frozen=True, slots=True)
class JournalFilter:
    merchant_id: int | None = None
    operation: str | None = None
    code: int | None = None
    out_order_no: str | None = None
    since: float | None = None
    until: float | None = None
    fault: str | None = None
    limit: int = 100


@dataclass(frozen=True, slots=True)
class LedgerMismatch:
    account: str
    balance: int
    ledger_sum: int


class Storage(ABC):
    """A ledger backend. Methods are coroutines so that network backends fit."""

    @abstractmethod
    async def open(self, config: SandboxConfig) -> None:
        """Create or migrate the schema; seed the config into an empty store and update merchants."""

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def reset(self, config: SandboxConfig) -> None:
        """Drop all state and seed the config afresh."""

    @abstractmethod
    async def get_merchant(self, merchant_id: int) -> Merchant | None: ...

    @abstractmethod
    async def put_merchant(self, merchant: Merchant) -> None:
        """Create or update a merchant; a new one opens with merchant.balance."""

    @abstractmethod
    async def put_user(self, user: User) -> None:
        """Create a user, or leave an existing one as it is."""

    @abstractmethod
    async def user_exists(self, user_id: str) -> bool: ...

    @abstractmethod
    async def user_balance(self, user_id: str) -> int | None: ...

    @abstractmethod
    async def merchant_balance(self, merchant_id: int) -> int | None: ...

    @abstractmethod
    async def adjust_merchant_balance(self, merchant_id: int, delta: int, kind: str, now: int) -> int | None:
        """Add delta to the balance through a ledger entry; return the new balance, or None if unknown."""

    @abstractmethod
    async def credit(self, request: CreditRequest) -> CreditResult:
        """Credit a user exactly once per (merchant_id, out_order_no)."""

    @abstractmethod
    async def get_transaction(self, merchant_id: int, out_order_no: str) -> Transaction | None: ...

    @abstractmethod
    async def take_token(self, merchant_id: int, rate: float, burst: int, now: float) -> float:
        """Take one token from the merchant's bucket; return 0 when allowed, else seconds to wait."""

    @abstractmethod
    async def record(self, entry: JournalEntry) -> int:
        """Append a journal entry and return its id."""

    async def record_soon(self, entry: JournalEntry) -> None:
        """Append a journal entry; a backend may batch it with the entries of the same moment.

        Journal queries made afterwards in this process see the entry.
        """
        await self.record(entry)

    @abstractmethod
    async def query_journal(self, journal_filter: JournalFilter) -> list[JournalEntry]: ...

    @abstractmethod
    async def count_journal(self, journal_filter: JournalFilter) -> int: ...

    @abstractmethod
    async def get_journal_entry(self, entry_id: int) -> JournalEntry | None: ...

    @abstractmethod
    async def ledger_mismatches(self) -> list[LedgerMismatch]:
        """Return every account whose balance differs from the sum of its ledger entries."""

    @abstractmethod
    async def get_state(self, key: str) -> str | None: ...

    @abstractmethod
    async def set_state(self, key: str, value: str | None) -> None: ...

    @abstractmethod
    async def get_states(self, keys: Sequence[str]) -> dict[str, str]:
        """Read several state keys in one query; keys without a value are left out."""

    @abstractmethod
    async def compare_and_set_state(self, key: str, expected: str | None, value: str | None) -> bool:
        """Set key to value (None deletes it) only if it still equals expected (None means absent).

        Return whether the value was set.
        """

    @abstractmethod
    async def increment_counter(self, key: str, limit: int | None = None) -> int | None:
        """Atomically add 1 to the integer state at key (absent counts as 0).

        Return the new value, or None and change nothing when the value has already
        reached limit. Every worker process sees one shared count.
        """
