"""PostgreSQL ledger backend, for several sandbox instances sharing one ledger.

Every instance (and every uvicorn worker in it) keeps its own asyncpg pool. The
correctness of shared state rests on PostgreSQL alone, never on process memory:

- Idempotency: a credit first inserts its transactions row. A concurrent
  insert of the same order waits on the unique constraint on (merchant_id,
  out_order_no) until the first transaction ends, and then conflicts. So
  exactly one of them credits, and the others report a replay or a conflict.
- Balances change only by `balance = balance +/- delta` in UPDATE statements,
  which lock the row; a credit locks the user row, then the merchant row, in
  that order, so credits cannot deadlock each other.
- The rate limit is one INSERT ... ON CONFLICT DO UPDATE of the merchant's
  bucket row, so all instances draw from one bucket.
- Migrations and seeding run under a transaction-scoped advisory lock, so
  instances that start together apply them once.

Transactions run at READ COMMITTED, PostgreSQL's default. Deadlocks and
serialization failures, which these statements should not cause, are retried.
"""

import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import asyncpg

from mockserver.admin.bounds import check_opening_balance
from mockserver.config import INT64_MAX, MAX_BALANCE, Merchant, SandboxConfig, User
from mockserver.storage.base import (
    CreditOutcome,
    CreditRequest,
    CreditResult,
    JournalEntry,
    JournalFilter,
    LedgerMismatch,
    Storage,
    Transaction,
)
from mockserver.storage.postgres_schema import MIGRATIONS
from mockserver.storage.shared import (
    JOURNAL_COLUMNS,
    PRUNE_EVERY,
    TRANSACTION_COLUMNS,
    MerchantCache,
    merchant_account,
    user_account,
)
from mockserver.storage.urls import masked_url

logger = logging.getLogger("mockserver.storage")

# Connections per process. N instances of W workers open up to N * W * POOL_MAX_SIZE connections.
POOL_MIN_SIZE = 1
POOL_MAX_SIZE = 10
MAX_ATTEMPTS = 5
# An arbitrary constant that names the "migrate and seed" advisory lock.
MIGRATION_LOCK_KEY = 0x5A4E_D800
TABLES = ("merchants", "users", "transactions", "ledger", "journal", "rate_buckets", "sandbox_state")
# Tokens in the bucket now: what was left plus the refill since the last take, capped at burst.
_REFILLED = "LEAST($3::float8, bucket.tokens + GREATEST(0, $4::float8 - bucket.updated_at) * $2::float8)"
_TAKE_TOKEN = f"""
    INSERT INTO rate_buckets AS bucket (merchant_id, tokens, updated_at, last_taken)
    VALUES ($1, $3::float8 - 1, $4::float8, TRUE)
    ON CONFLICT (merchant_id) DO UPDATE SET
        tokens = {_REFILLED} - CASE WHEN {_REFILLED} >= 1 THEN 1 ELSE 0 END,
        updated_at = GREATEST(bucket.updated_at, $4::float8),
        last_taken = {_REFILLED} >= 1
    RETURNING tokens, last_taken
"""  # noqa: S608 - only constant fragments are interpolated
_INCREMENT_COUNTER = """
    INSERT INTO sandbox_state AS state (key, value) VALUES ($1, '1')
    ON CONFLICT (key) DO UPDATE SET value = (state.value::bigint + 1)::text
    WHERE $2::bigint IS NULL OR state.value::bigint < $2::bigint
    RETURNING value
"""

RETRYABLE_ERRORS = (asyncpg.exceptions.SerializationError, asyncpg.exceptions.DeadlockDetectedError)
Result = TypeVar("Result")


class PostgresUnavailableError(RuntimeError):
    """The PostgreSQL server could not be reached or refused the connection."""


class _RaceLost(Exception):
    """An order conflicted, but its row vanished before it could be read (a reset ran between)."""


class _Rollback(Exception):
    """Roll back a credit that must change nothing, carrying its result out of the transaction."""

    def __init__(self, result: CreditResult) -> None:
        super().__init__(result.outcome.value)
        self.result = result


class PostgresStorage(Storage):
    def __init__(self, url: str) -> None:
        self.url = url
        self._pool: asyncpg.Pool | None = None
        self._merchant_cache = MerchantCache()
        self._records_since_prune = 0
        self._journal_max_entries = 100_000
        self._journal_max_age = 7 * 24 * 3600.0

    def __repr__(self) -> str:
        return f"PostgresStorage(url={masked_url(self.url)!r})"

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("PostgresStorage is not open; call open() first")
        return self._pool

    async def open(self, config: SandboxConfig) -> None:
        try:
            self._pool = await asyncpg.create_pool(self.url, min_size=POOL_MIN_SIZE, max_size=POOL_MAX_SIZE)
        except (OSError, asyncpg.PostgresError) as exc:
            raise PostgresUnavailableError(
                f"Cannot connect to PostgreSQL at {masked_url(self.url)}: {exc}. "
                "Check that the server runs and that the URL names an existing database and user."
            ) from exc
        self._configure_journal(config)
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK_KEY)
            await _migrate(conn)
            await self._seed(conn, config)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def reset(self, config: SandboxConfig) -> None:
        self._configure_journal(config)
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK_KEY)
            await conn.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY")
            await self._seed(conn, config)
        self._merchant_cache.clear()

    def _configure_journal(self, config: SandboxConfig) -> None:
        self._journal_max_entries = config.settings.journal_max_entries
        self._journal_max_age = float(config.settings.journal_max_age_seconds)

    async def _seed(self, conn: asyncpg.Connection, config: SandboxConfig) -> None:
        """Write the config's merchants and users inside the caller's transaction.

        A merchant that exists keeps its balance and takes the new settings; a new
        one opens with its configured balance. Existing users stay as they are.
        """
        now = int(time.time())
        for merchant in config.merchants:
            await _upsert_merchant(conn, merchant, now)
        for user in config.users:
            await _insert_user(conn, user, now)

    # Merchants and users

    async def get_merchant(self, merchant_id: int) -> Merchant | None:
        settings = await self.pool.fetchval("SELECT settings FROM merchants WHERE merchant_id = $1", merchant_id)
        return None if settings is None else self._merchant_cache.parse(merchant_id, settings)

    async def put_merchant(self, merchant: Merchant) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            await _upsert_merchant(conn, merchant, int(time.time()))

    async def put_user(self, user: User) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            await _insert_user(conn, user, int(time.time()))

    async def user_exists(self, user_id: str) -> bool:
        return await self.pool.fetchval("SELECT 1 FROM users WHERE user_id = $1", user_id) is not None

    async def user_balance(self, user_id: str) -> int | None:
        return await self.pool.fetchval("SELECT balance FROM users WHERE user_id = $1", user_id)

    async def merchant_balance(self, merchant_id: int) -> int | None:
        return await self.pool.fetchval("SELECT balance FROM merchants WHERE merchant_id = $1", merchant_id)

    async def adjust_merchant_balance(self, merchant_id: int, delta: int, kind: str, now: int) -> int | None:
        """Add delta unless the result would leave 0..MAX_BALANCE; PostgreSQL would fail on a bigint overflow."""
        # The bounds keep balance + delta within 0..MAX_BALANCE without computing an overflowing sum.
        if not -INT64_MAX <= delta <= MAX_BALANCE:
            return None
        low, high = -delta, min(MAX_BALANCE - delta, INT64_MAX)
        async with self.pool.acquire() as conn, conn.transaction():
            balance = await conn.fetchval(
                "UPDATE merchants SET balance = balance + $1 WHERE merchant_id = $2 AND balance BETWEEN $3 AND $4 "
                "RETURNING balance",
                delta,
                merchant_id,
                low,
                high,
            )
            if balance is None:
                return None
            await _ledger_entries(conn, [(merchant_account(merchant_id), delta)], kind, None, now)
            return balance

    # Crediting

    async def credit(self, request: CreditRequest) -> CreditResult:
        if request.token is not None:
            token = request.token
            wait = await self.take_token(request.merchant_id, token.rate, token.burst, token.now)
            if wait > 0:
                return CreditResult(CreditOutcome.RATE_LIMITED, retry_after=wait)
        return await self._retrying(lambda conn: _credit(conn, request))

    async def _retrying(self, operation: Callable[[asyncpg.Connection], Awaitable[Result]]) -> Result:
        """Run operation on a pooled connection, again on a deadlock or serialization failure."""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                async with self.pool.acquire() as conn:
                    return await operation(conn)
            except (*RETRYABLE_ERRORS, _RaceLost) as exc:
                if attempt == MAX_ATTEMPTS:
                    raise
                logger.warning("retrying a storage transaction (attempt %d) after %s", attempt, type(exc).__name__)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def get_transaction(self, merchant_id: int, out_order_no: str) -> Transaction | None:
        async with self.pool.acquire() as conn:
            return await _find_transaction(conn, merchant_id, out_order_no)

    async def ledger_mismatches(self) -> list[LedgerMismatch]:
        rows = await self.pool.fetch(
            """
            WITH balances AS (
                SELECT 'merchant:' || merchant_id AS account, balance FROM merchants
                UNION ALL
                SELECT 'user:' || user_id, balance FROM users
            ), sums AS (
                SELECT account, SUM(delta) AS total FROM ledger GROUP BY account
            )
            SELECT b.account, b.balance, COALESCE(s.total, 0)::bigint AS total
            FROM balances b LEFT JOIN sums s ON s.account = b.account
            WHERE b.balance != COALESCE(s.total, 0)
            ORDER BY b.account
            """
        )
        return [LedgerMismatch(row["account"], row["balance"], row["total"]) for row in rows]

    # Rate limiting

    async def take_token(self, merchant_id: int, rate: float, burst: int, now: float) -> float:
        row = await self.pool.fetchrow(_TAKE_TOKEN, merchant_id, float(rate), float(burst), float(now))
        if row["last_taken"]:
            return 0.0
        return (1.0 - row["tokens"]) / rate

    # Journal

    async def record(self, entry: JournalEntry) -> int:
        entry_id = await self.pool.fetchval(
            "INSERT INTO journal (at, operation, client_address, code, latency_ms, merchant_id, out_order_no, "
            "params, fault, diagnostics) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING entry_id",
            entry.at,
            entry.operation,
            entry.client_address,
            entry.code,
            entry.latency_ms,
            entry.merchant_id,
            entry.out_order_no,
            json.dumps(dict(entry.params), ensure_ascii=False),
            entry.fault,
            None if entry.diagnostics is None else json.dumps(dict(entry.diagnostics), ensure_ascii=False),
        )
        self._records_since_prune += 1
        # Prune often enough that a small journal never holds much more than its limit.
        if self._records_since_prune >= max(1, min(PRUNE_EVERY, self._journal_max_entries // 10)):
            self._records_since_prune = 0
            await self.pool.execute(
                "DELETE FROM journal WHERE entry_id <= $1 OR at < $2",
                entry_id - self._journal_max_entries,
                entry.at - self._journal_max_age,
            )
        return int(entry_id)

    async def query_journal(self, journal_filter: JournalFilter) -> list[JournalEntry]:
        where, args = _journal_where(journal_filter)
        limit = f"${len(args) + 1}"
        rows = await self.pool.fetch(
            f"SELECT {JOURNAL_COLUMNS} FROM journal {where} ORDER BY entry_id DESC LIMIT {limit}",  # noqa: S608
            *args,
            journal_filter.limit,
        )
        return [_journal_entry(row) for row in rows]

    async def count_journal(self, journal_filter: JournalFilter) -> int:
        where, args = _journal_where(journal_filter)
        return int(await self.pool.fetchval(f"SELECT COUNT(*) FROM journal {where}", *args))  # noqa: S608

    async def get_journal_entry(self, entry_id: int) -> JournalEntry | None:
        row = await self.pool.fetchrow(
            f"SELECT {JOURNAL_COLUMNS} FROM journal WHERE entry_id = $1", entry_id  # noqa: S608
        )
        return None if row is None else _journal_entry(row)

    # Sandbox state

    async def get_state(self, key: str) -> str | None:
        return await self.pool.fetchval("SELECT value FROM sandbox_state WHERE key = $1", key)

    async def set_state(self, key: str, value: str | None) -> None:
        if value is None:
            await self.pool.execute("DELETE FROM sandbox_state WHERE key = $1", key)
            return
        await self.pool.execute(
            "INSERT INTO sandbox_state (key, value) VALUES ($1, $2) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            key,
            value,
        )

    async def get_states(self, keys: Sequence[str]) -> dict[str, str]:
        if not keys:
            return {}
        rows = await self.pool.fetch("SELECT key, value FROM sandbox_state WHERE key = ANY($1::text[])", list(keys))
        return {row["key"]: row["value"] for row in rows}

    async def compare_and_set_state(self, key: str, expected: str | None, value: str | None) -> bool:
        # Each case that writes is one statement whose WHERE clause checks expected on the locked row.
        if expected is None and value is None:
            return not await self.pool.fetchval("SELECT TRUE FROM sandbox_state WHERE key = $1", key)
        if expected is None:
            statement = (
                "INSERT INTO sandbox_state (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING TRUE"
            )
            return bool(await self.pool.fetchval(statement, key, value))
        if value is None:
            statement = "DELETE FROM sandbox_state WHERE key = $1 AND value = $2 RETURNING TRUE"
            return bool(await self.pool.fetchval(statement, key, expected))
        statement = "UPDATE sandbox_state SET value = $3 WHERE key = $1 AND value = $2 RETURNING TRUE"
        return bool(await self.pool.fetchval(statement, key, expected, value))

    async def increment_counter(self, key: str, limit: int | None = None) -> int | None:
        if limit is not None and limit <= 0:
            # An absent counter counts as 0, which has already reached the limit, so never insert.
            statement = (
                "UPDATE sandbox_state SET value = (value::bigint + 1)::text "
                "WHERE key = $1 AND value::bigint < $2 RETURNING value"
            )
            value = await self.pool.fetchval(statement, key, limit)
        else:
            value = await self.pool.fetchval(_INCREMENT_COUNTER, key, limit)
        return None if value is None else int(value)


async def _migrate(conn: asyncpg.Connection) -> None:
    """Apply the migrations newer than schema_version; the caller holds the migration lock."""
    await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    current = await conn.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_version")
    for version, statements in MIGRATIONS:
        if version <= current:
            continue
        for statement in statements:
            await conn.execute(statement)
        await conn.execute("INSERT INTO schema_version (version) VALUES ($1)", version)
        logger.info("applied PostgreSQL schema migration %d", version)


async def _upsert_merchant(conn: asyncpg.Connection, merchant: Merchant, now: int) -> None:
    settings = json.dumps(merchant.to_dict(), sort_keys=True)
    inserted = await conn.fetchval(
        "INSERT INTO merchants (merchant_id, settings, balance) VALUES ($1, $2, $3) "
        "ON CONFLICT (merchant_id) DO NOTHING RETURNING merchant_id",
        merchant.merchant_id,
        settings,
        merchant.balance,
    )
    if inserted is None:
        await conn.execute("UPDATE merchants SET settings = $1 WHERE merchant_id = $2", settings, merchant.merchant_id)
        return
    await _ledger_entries(conn, [(merchant_account(merchant.merchant_id), merchant.balance)], "opening", None, now)


async def _insert_user(conn: asyncpg.Connection, user: User, now: int) -> None:
    check_opening_balance(user)
    inserted = await conn.fetchval(
        "INSERT INTO users (user_id, balance) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING RETURNING user_id",
        user.user_id,
        user.balance,
    )
    if inserted is not None:
        await _ledger_entries(conn, [(user_account(user.user_id), user.balance)], "opening", None, now)


async def _credit(conn: asyncpg.Connection, request: CreditRequest) -> CreditResult:
    """Run one credit in its own transaction; every outcome but CREDITED rolls back."""
    try:
        async with conn.transaction():
            return await _credit_steps(conn, request)
    except _Rollback as rollback:
        return rollback.result


async def _credit_steps(conn: asyncpg.Connection, request: CreditRequest) -> CreditResult:
    transaction = Transaction(
        transaction_id=uuid.uuid4().hex,
        merchant_id=request.merchant_id,
        out_order_no=request.out_order_no,
        user_id=request.user_id,
        coin=request.coin,
        remark=request.remark,
        created_at=request.now,
    )
    # NOTE: the insert comes first on purpose. It claims the order number before
    # any balance moves; a concurrent credit of the same order blocks here.
    stored = await _insert_transaction(conn, transaction)
    if not stored and request.enforce_idempotency:
        earlier = await _find_transaction(conn, request.merchant_id, request.out_order_no)
        if earlier is None:
            raise _RaceLost(request.out_order_no)
        same = earlier.user_id == request.user_id and earlier.coin == request.coin
        raise _Rollback(CreditResult(CreditOutcome.REPLAY if same else CreditOutcome.CONFLICT, earlier))

    user_found = await conn.fetchval(
        "UPDATE users SET balance = balance + $1 WHERE user_id = $2 RETURNING TRUE", request.coin, request.user_id
    )
    if user_found is None:
        raise _Rollback(CreditResult(CreditOutcome.USER_NOT_FOUND))
    balance = await conn.fetchval(
        "UPDATE merchants SET balance = balance - $1 WHERE merchant_id = $2 AND balance >= $1 RETURNING balance",
        request.coin,
        request.merchant_id,
    )
    if balance is None:
        known = await conn.fetchval("SELECT TRUE FROM merchants WHERE merchant_id = $1", request.merchant_id)
        outcome = CreditOutcome.INSUFFICIENT_BALANCE if known else CreditOutcome.UNKNOWN_MERCHANT
        raise _Rollback(CreditResult(outcome))

    accounts = [(merchant_account(request.merchant_id), -request.coin), (user_account(request.user_id), request.coin)]
    await _ledger_entries(conn, accounts, "credit", transaction.transaction_id, request.now)
    return CreditResult(CreditOutcome.CREDITED, transaction, merchant_balance=balance)


async def _insert_transaction(conn: asyncpg.Connection, transaction: Transaction) -> bool:
    """Insert the transaction unless its order exists; return whether it was inserted."""
    inserted = await conn.fetchval(
        f"INSERT INTO transactions ({TRANSACTION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7) "  # noqa: S608
        "ON CONFLICT (merchant_id, out_order_no) DO NOTHING RETURNING TRUE",
        transaction.transaction_id,
        transaction.merchant_id,
        transaction.out_order_no,
        transaction.user_id,
        transaction.coin,
        transaction.remark,
        transaction.created_at,
    )
    return bool(inserted)


async def _find_transaction(conn: asyncpg.Connection, merchant_id: int, out_order_no: str) -> Transaction | None:
    row = await conn.fetchrow(
        f"SELECT {TRANSACTION_COLUMNS} FROM transactions WHERE merchant_id = $1 AND out_order_no = $2",  # noqa: S608
        merchant_id,
        out_order_no,
    )
    return None if row is None else Transaction(*row.values())


async def _ledger_entries(
    conn: asyncpg.Connection, deltas: list[tuple[str, int]], kind: str, transaction_id: str | None, now: int
) -> None:
    await conn.executemany(
        "INSERT INTO ledger (account, delta, kind, transaction_id, created_at) VALUES ($1, $2, $3, $4, $5)",
        [(account, delta, kind, transaction_id, now) for account, delta in deltas],
    )


def _journal_where(journal_filter: JournalFilter) -> tuple[str, list[object]]:
    clauses: list[str] = []
    args: list[object] = []
    conditions = [
        ("merchant_id =", journal_filter.merchant_id),
        ("operation =", journal_filter.operation),
        ("code =", journal_filter.code),
        ("out_order_no =", journal_filter.out_order_no),
        ("fault =", journal_filter.fault),
        ("at >=", journal_filter.since),
        ("at <=", journal_filter.until),
    ]
    for comparison, value in conditions:
        if value is not None:
            args.append(value)
            clauses.append(f"{comparison} ${len(args)}")
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    return where, args


def _journal_entry(row: asyncpg.Record) -> JournalEntry:
    diagnostics = row["diagnostics"]
    return JournalEntry(
        entry_id=row["entry_id"],
        at=row["at"],
        operation=row["operation"],
        client_address=row["client_address"],
        code=row["code"],
        latency_ms=row["latency_ms"],
        merchant_id=row["merchant_id"],
        out_order_no=row["out_order_no"],
        params=json.loads(row["params"]),
        fault=row["fault"],
        diagnostics=None if diagnostics is None else json.loads(diagnostics),
    )
