"""SQLite ledger backend: one file in WAL mode, shared by every worker process.

Calls run inline on the event loop: each is a short local transaction, and a
thread hop would cost more than the work. Writes take the database lock up
front (BEGIN IMMEDIATE), so two workers can never both see an order number as
new. synchronous=NORMAL in WAL mode keeps every committed transaction through a
crash of the process (kill -9), though not through a power loss.
"""

import asyncio
import json
import logging
import sqlite3
import threading
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

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
from mockserver.storage.shared import (
    JOURNAL_COLUMNS,
    PRUNE_EVERY,
    TRANSACTION_COLUMNS,
    MerchantCache,
    merchant_account,
    user_account,
)
from mockserver.storage.sqlite_schema import MIGRATIONS

logger = logging.getLogger("mockserver.storage")

CHECKPOINT_INTERVAL = 0.25  # seconds


class SQLiteStorage(Storage):
    def __init__(self, path: str) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._merchant_cache = MerchantCache()
        self._records_since_prune = 0
        # Journal entries waiting for the write that record_soon scheduled.
        self._pending_journal: list[JournalEntry] = []
        self._flush_scheduled = False
        self._checkpointer: Checkpointer | None = None
        self._journal_max_entries = 100_000
        self._journal_max_age = 7 * 24 * 3600.0

    def __repr__(self) -> str:
        return f"SQLiteStorage(path={self.path!r})"

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("SQLiteStorage is not open; call open() first")
        return self._db

    async def open(self, config: SandboxConfig) -> None:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=30000")
        if self.path != ":memory:":
            # Checkpoints cost about a third of a credit when a commit runs them; a
            # background thread runs them instead. The WAL alone keeps commits durable.
            self._db.execute("PRAGMA wal_autocheckpoint=0")
            self._checkpointer = Checkpointer(self.path)
            self._checkpointer.start()
        self._migrate()
        self._configure_journal(config)
        with self._write():
            self._seed(config)

    async def close(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
        if self._db is not None:
            self._flush_journal()
            self._db.close()
            self._db = None

    async def reset(self, config: SandboxConfig) -> None:
        self._configure_journal(config)
        self._pending_journal.clear()
        with self._write():
            for table in ("merchants", "users", "transactions", "ledger", "journal", "rate_buckets", "sandbox_state"):
                self.db.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
            self._seed(config)
        self._merchant_cache.clear()

    def _configure_journal(self, config: SandboxConfig) -> None:
        self._journal_max_entries = config.settings.journal_max_entries
        self._journal_max_age = float(config.settings.journal_max_age_seconds)

    def _migrate(self) -> None:
        with self._write():
            self.db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = self.db.execute("SELECT MAX(version) FROM schema_version").fetchone()
            current = row[0] or 0
            for version, statements in MIGRATIONS:
                if version <= current:
                    continue
                for statement in statements:
                    self.db.execute(statement)
                self.db.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))

    def _seed(self, config: SandboxConfig) -> None:
        """Write the config's merchants and users inside the caller's transaction.

        A merchant that exists keeps its balance and takes the new settings; a new
        one opens with its configured balance. Existing users stay as they are.
        """
        now = int(time.time())
        for merchant in config.merchants:
            self._upsert_merchant(merchant, now)
        for user in config.users:
            self._insert_user(user, now)

    def _write(self) -> "_WriteTransaction":
        return _WriteTransaction(self.db)

    # Merchants and users

    async def get_merchant(self, merchant_id: int) -> Merchant | None:
        row = self.db.execute("SELECT settings FROM merchants WHERE merchant_id = ?", (merchant_id,)).fetchone()
        return None if row is None else self._merchant_cache.parse(merchant_id, row[0])

    async def put_merchant(self, merchant: Merchant) -> None:
        with self._write():
            self._upsert_merchant(merchant, int(time.time()))

    def _upsert_merchant(self, merchant: Merchant, now: int) -> None:
        settings = json.dumps(merchant.to_dict(), sort_keys=True)
        exists = self.db.execute("SELECT 1 FROM merchants WHERE merchant_id = ?", (merchant.merchant_id,)).fetchone()
        if exists:
            self.db.execute("UPDATE merchants SET settings = ? WHERE merchant_id = ?", (settings, merchant.merchant_id))
            return
        self.db.execute(
            "INSERT INTO merchants (merchant_id, settings, balance) VALUES (?, ?, ?)",
            (merchant.merchant_id, settings, merchant.balance),
        )
        self._ledger_entry(merchant_account(merchant.merchant_id), merchant.balance, "opening", None, now)

    async def put_user(self, user: User) -> None:
        with self._write():
            self._insert_user(user, int(time.time()))

    def _insert_user(self, user: User, now: int) -> None:
        check_opening_balance(user)
        cursor = self.db.execute(
            "INSERT INTO users (user_id, balance) VALUES (?, ?) ON CONFLICT (user_id) DO NOTHING",
            (user.user_id, user.balance),
        )
        if cursor.rowcount:
            self._ledger_entry(user_account(user.user_id), user.balance, "opening", None, now)

    async def user_exists(self, user_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM users WHERE user_id = ?", (user_id,)).fetchone() is not None

    async def user_balance(self, user_id: str) -> int | None:
        row = self.db.execute("SELECT balance FROM users WHERE user_id = ?", (user_id,)).fetchone()
        return None if row is None else row[0]

    async def merchant_balance(self, merchant_id: int) -> int | None:
        row = self.db.execute("SELECT balance FROM merchants WHERE merchant_id = ?", (merchant_id,)).fetchone()
        return None if row is None else row[0]

    async def adjust_merchant_balance(self, merchant_id: int, delta: int, kind: str, now: int) -> int | None:
        """Add delta unless the result would leave 0..MAX_BALANCE; SQLite would turn an overflow into REAL."""
        # The bounds keep balance + delta within 0..MAX_BALANCE without computing an overflowing sum.
        if not -INT64_MAX <= delta <= MAX_BALANCE:
            return None
        low, high = -delta, min(MAX_BALANCE - delta, INT64_MAX)
        with self._write():
            row = self.db.execute(
                "UPDATE merchants SET balance = balance + ? WHERE merchant_id = ? AND balance BETWEEN ? AND ? "
                "RETURNING balance",
                (delta, merchant_id, low, high),
            ).fetchone()
            if row is None:
                return None
            self._ledger_entry(merchant_account(merchant_id), delta, kind, None, now)
            return row[0]

    # Crediting

    async def credit(self, request: CreditRequest) -> CreditResult:
        with self._write():
            # Journal entries waiting for their write share this commit.
            self._write_pending_journal()
            if request.token is not None:
                token = request.token
                wait = self._take_token(request.merchant_id, token.rate, token.burst, token.now)
                if wait > 0:
                    return CreditResult(CreditOutcome.RATE_LIMITED, retry_after=wait)
            earlier = self._find_transaction(request.merchant_id, request.out_order_no)
            if earlier is not None and request.enforce_idempotency:
                same = earlier.user_id == request.user_id and earlier.coin == request.coin
                outcome = CreditOutcome.REPLAY if same else CreditOutcome.CONFLICT
                return CreditResult(outcome, earlier)
            if self.db.execute("SELECT 1 FROM users WHERE user_id = ?", (request.user_id,)).fetchone() is None:
                return CreditResult(CreditOutcome.USER_NOT_FOUND)
            row = self.db.execute(
                "UPDATE merchants SET balance = balance - ? WHERE merchant_id = ? AND balance >= ? RETURNING balance",
                (request.coin, request.merchant_id, request.coin),
            ).fetchone()
            if row is None:
                known = self.db.execute(
                    "SELECT 1 FROM merchants WHERE merchant_id = ?", (request.merchant_id,)
                ).fetchone()
                outcome = CreditOutcome.INSUFFICIENT_BALANCE if known else CreditOutcome.UNKNOWN_MERCHANT
                return CreditResult(outcome)
            self.db.execute("UPDATE users SET balance = balance + ? WHERE user_id = ?", (request.coin, request.user_id))
            transaction = Transaction(
                transaction_id=uuid.uuid4().hex,
                merchant_id=request.merchant_id,
                out_order_no=request.out_order_no,
                user_id=request.user_id,
                coin=request.coin,
                remark=request.remark,
                created_at=request.now,
            )
            self.db.execute(
                f"INSERT OR IGNORE INTO transactions ({TRANSACTION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
                (
                    transaction.transaction_id,
                    transaction.merchant_id,
                    transaction.out_order_no,
                    transaction.user_id,
                    transaction.coin,
                    transaction.remark,
                    transaction.created_at,
                ),
            )
            tid = transaction.transaction_id
            self._ledger_entry(merchant_account(request.merchant_id), -request.coin, "credit", tid, request.now)
            self._ledger_entry(user_account(request.user_id), request.coin, "credit", tid, request.now)
            return CreditResult(CreditOutcome.CREDITED, transaction, merchant_balance=row[0])

    async def get_transaction(self, merchant_id: int, out_order_no: str) -> Transaction | None:
        return self._find_transaction(merchant_id, out_order_no)

    def _find_transaction(self, merchant_id: int, out_order_no: str) -> Transaction | None:
        row = self.db.execute(
            f"SELECT {TRANSACTION_COLUMNS} FROM transactions WHERE merchant_id = ? AND out_order_no = ?",  # noqa: S608
            (merchant_id, out_order_no),
        ).fetchone()
        return None if row is None else Transaction(*row)

    def _ledger_entry(self, account: str, delta: int, kind: str, transaction_id: str | None, now: int) -> None:
        self.db.execute(
            "INSERT INTO ledger (account, delta, kind, transaction_id, created_at) VALUES (?, ?, ?, ?, ?)",
            (account, delta, kind, transaction_id, now),
        )

    async def ledger_mismatches(self) -> list[LedgerMismatch]:
        rows = self.db.execute(
            """
            WITH balances AS (
                SELECT 'merchant:' || merchant_id AS account, balance FROM merchants
                UNION ALL
                SELECT 'user:' || user_id, balance FROM users
            ), sums AS (
                SELECT account, SUM(delta) AS total FROM ledger GROUP BY account
            )
            SELECT b.account, b.balance, COALESCE(s.total, 0)
            FROM balances b LEFT JOIN sums s ON s.account = b.account
            WHERE b.balance != COALESCE(s.total, 0)
            """
        ).fetchall()
        return [LedgerMismatch(account, balance, total) for account, balance, total in rows]

    # Rate limiting

    async def take_token(self, merchant_id: int, rate: float, burst: int, now: float) -> float:
        with self._write():
            self._write_pending_journal()
            return self._take_token(merchant_id, rate, burst, now)

    def _take_token(self, merchant_id: int, rate: float, burst: int, now: float) -> float:
        """Take a token inside the caller's write transaction; return 0 or the seconds to wait."""
        row = self.db.execute("SELECT tokens, updated_at FROM rate_buckets WHERE merchant_id = ?", (merchant_id,)).fetchone()
        tokens = float(burst) if row is None else min(float(burst), row[0] + max(0.0, now - row[1]) * rate)
        allowed = tokens >= 1.0
        if allowed:
            tokens -= 1.0
        self.db.execute(
            "INSERT INTO rate_buckets (merchant_id, tokens, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (merchant_id) DO UPDATE SET tokens = excluded.tokens, updated_at = excluded.updated_at",
            (merchant_id, tokens, now),
        )
        return 0.0 if allowed else (1.0 - tokens) / rate

    # Journal

    async def record(self, entry: JournalEntry) -> int:
        self._flush_journal()
        return self._insert_journal(entry)

    async def record_soon(self, entry: JournalEntry) -> None:
        # NOTE: the entry is written when the event loop next runs its callbacks, in one commit
        # with every other entry of that moment, or earlier inside a credit's transaction. A
        # crash in between loses those journal entries, never a credit.
        self._pending_journal.append(entry)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush_journal)

    def _flush_journal(self) -> None:
        self._flush_scheduled = False
        if not self._pending_journal or self._db is None:
            return
        try:
            with self._write():
                self._write_pending_journal()
        except sqlite3.Error:
            logger.exception("%d journal entries could not be written", len(self._pending_journal))
            self._pending_journal.clear()

    def _write_pending_journal(self) -> None:
        """Insert the waiting journal entries inside the caller's transaction."""
        entries, self._pending_journal = self._pending_journal, []
        for entry in entries:
            self._insert_journal(entry)

    def _insert_journal(self, entry: JournalEntry) -> int:
        cursor = self.db.execute(
            f"INSERT INTO journal ({JOURNAL_COLUMNS}) VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
            (
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
            ),
        )
        entry_id = int(cursor.lastrowid or 0)
        self._records_since_prune += 1
        # Prune often enough that the journal never keeps much more than its limit.
        if self._records_since_prune >= max(1, min(PRUNE_EVERY, self._journal_max_entries // 10)):
            self._records_since_prune = 0
            self._prune_journal(entry_id, entry.at)
        return entry_id

    def _prune_journal(self, last_id: int, now: float) -> None:
        self.db.execute(
            "DELETE FROM journal WHERE entry_id <= ? OR at < ?",
            (last_id - self._journal_max_entries, now - self._journal_max_age),
        )

    async def query_journal(self, journal_filter: JournalFilter) -> list[JournalEntry]:
        self._flush_journal()
        where, args = _journal_where(journal_filter)
        rows = self.db.execute(
            f"SELECT {JOURNAL_COLUMNS} FROM journal {where} ORDER BY entry_id DESC LIMIT ?",  # noqa: S608
            (*args, journal_filter.limit),
        ).fetchall()
        return [_journal_entry(row) for row in rows]

    async def count_journal(self, journal_filter: JournalFilter) -> int:
        self._flush_journal()
        where, args = _journal_where(journal_filter)
        return self.db.execute(f"SELECT COUNT(*) FROM journal {where}", args).fetchone()[0]  # noqa: S608

    async def get_journal_entry(self, entry_id: int) -> JournalEntry | None:
        self._flush_journal()
        row = self.db.execute(
            f"SELECT {JOURNAL_COLUMNS} FROM journal WHERE entry_id = ?", (entry_id,)  # noqa: S608
        ).fetchone()
        return None if row is None else _journal_entry(row)

    # Sandbox state

    async def get_state(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM sandbox_state WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    async def set_state(self, key: str, value: str | None) -> None:
        if value is None:
            self.db.execute("DELETE FROM sandbox_state WHERE key = ?", (key,))
            return
        self.db.execute(
            "INSERT INTO sandbox_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )


    async def get_states(self, keys: Sequence[str]) -> dict[str, str]:
        if not keys:
            return {}
        marks = ", ".join("?" for _ in keys)
        rows = self.db.execute(
            f"SELECT key, value FROM sandbox_state WHERE key IN ({marks})", tuple(keys)  # noqa: S608
        ).fetchall()
        return dict(rows)

    async def compare_and_set_state(self, key: str, expected: str | None, value: str | None) -> bool:
        with self._write():
            row = self.db.execute("SELECT value FROM sandbox_state WHERE key = ?", (key,)).fetchone()
            if (None if row is None else row[0]) != expected:
                return False
            await self.set_state(key, value)
        return True

    async def increment_counter(self, key: str, limit: int | None = None) -> int | None:
        with self._write():
            row = self.db.execute("SELECT value FROM sandbox_state WHERE key = ?", (key,)).fetchone()
            current = 0 if row is None else int(row[0])
            if limit is not None and current >= limit:
                return None
            await self.set_state(key, str(current + 1))
        return current + 1

class Checkpointer:
    """A daemon thread that copies the WAL into the database file every CHECKPOINT_INTERVAL seconds.

    It uses its own connection, so no request runs a checkpoint or its fsync.
    PASSIVE checkpoints do not wait for writers. With several workers each runs
    one, and a checkpoint that finds another under way returns without work.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        db = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
        try:
            while not self._stop.wait(CHECKPOINT_INTERVAL):
                try:
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.OperationalError as exc:
                    # Another worker's checkpoint is under way; the next round catches up.
                    logger.debug("WAL checkpoint of %s skipped: %s", self.path, exc)
                except sqlite3.Error as exc:
                    logger.warning("WAL checkpoint of %s failed: %s", self.path, exc)
            db.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            db.close()


class _WriteTransaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.nested = False

    def __enter__(self) -> sqlite3.Connection:
        self.nested = self.db.in_transaction
        if not self.nested:
            self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type: object, exc: object, traceback: object) -> None:
        if self.nested:
            return
        if exc_type is None:
            self.db.execute("COMMIT")
        else:
            self.db.execute("ROLLBACK")


def _journal_where(journal_filter: JournalFilter) -> tuple[str, tuple[object, ...]]:
    clauses: list[str] = []
    args: list[object] = []
    for column, value in (
        ("merchant_id", journal_filter.merchant_id),
        ("operation", journal_filter.operation),
        ("code", journal_filter.code),
        ("out_order_no", journal_filter.out_order_no),
        ("fault", journal_filter.fault),
    ):
        if value is not None:
            clauses.append(f"{column} = ?")
            args.append(value)
    if journal_filter.since is not None:
        clauses.append("at >= ?")
        args.append(journal_filter.since)
    if journal_filter.until is not None:
        clauses.append("at <= ?")
        args.append(journal_filter.until)
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    return where, tuple(args)


def _journal_entry(row: tuple) -> JournalEntry:
    entry_id, at, operation, client_address, code, latency_ms, merchant_id, out_order_no, params, fault, diag = row
    return JournalEntry(
        entry_id=entry_id,
        at=at,
        operation=operation,
        client_address=client_address,
        code=code,
        latency_ms=latency_ms,
        merchant_id=merchant_id,
        out_order_no=out_order_no,
        params=json.loads(params),
        fault=fault,
        diagnostics=None if diag is None else json.loads(diag),
    )
