"""Versioned schema migrations of the PostgreSQL backend, applied in order at start.

Each version runs in one transaction together with its row in schema_version,
so a migration is applied completely or not at all. Append new versions; never
edit one that has shipped, because databases that already ran it skip it.
"""

MIGRATIONS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (
        1,
        (
            """CREATE TABLE merchants (
                merchant_id BIGINT PRIMARY KEY,
                settings TEXT NOT NULL,
                balance BIGINT NOT NULL CHECK (balance >= 0)
            )""",
            """CREATE TABLE users (
                user_id TEXT PRIMARY KEY,
                balance BIGINT NOT NULL CHECK (balance >= 0)
            )""",
            # The unique constraint is what makes a credit idempotent: a second
            # insert of the same order waits for the first transaction, then conflicts.
            """CREATE TABLE transactions (
                transaction_id TEXT PRIMARY KEY,
                merchant_id BIGINT NOT NULL,
                out_order_no TEXT NOT NULL,
                user_id TEXT NOT NULL,
                coin BIGINT NOT NULL CHECK (coin > 0),
                remark TEXT,
                created_at BIGINT NOT NULL,
                UNIQUE (merchant_id, out_order_no)
            )""",
            """CREATE TABLE ledger (
                entry_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                account TEXT NOT NULL,
                delta BIGINT NOT NULL,
                kind TEXT NOT NULL,
                transaction_id TEXT,
                created_at BIGINT NOT NULL
            )""",
            "CREATE INDEX ledger_account ON ledger (account)",
            """CREATE TABLE journal (
                entry_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                at DOUBLE PRECISION NOT NULL,
                operation TEXT NOT NULL,
                client_address TEXT NOT NULL,
                code INTEGER NOT NULL,
                latency_ms DOUBLE PRECISION NOT NULL,
                merchant_id BIGINT,
                out_order_no TEXT,
                params TEXT NOT NULL,
                fault TEXT,
                diagnostics TEXT
            )""",
            "CREATE INDEX journal_order ON journal (merchant_id, out_order_no)",
            "CREATE INDEX journal_at ON journal (at)",
            # last_taken records whether the latest take succeeded, so that one
            # INSERT ... ON CONFLICT DO UPDATE can both take a token and report it.
            """CREATE TABLE rate_buckets (
                merchant_id BIGINT PRIMARY KEY,
                tokens DOUBLE PRECISION NOT NULL,
                updated_at DOUBLE PRECISION NOT NULL,
                last_taken BOOLEAN NOT NULL
            )""",
            "CREATE TABLE sandbox_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        ),
    ),
)
