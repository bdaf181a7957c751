"""Versioned schema migrations of the SQLite backend, applied in order at start."""

MIGRATIONS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (
        1,
        (
            """CREATE TABLE merchants (
                merchant_id INTEGER PRIMARY KEY,
                settings TEXT NOT NULL,
                balance INTEGER NOT NULL CHECK (balance >= 0)
            )""",
            """CREATE TABLE users (
                user_id TEXT PRIMARY KEY,
                balance INTEGER NOT NULL CHECK (balance >= 0)
            )""",
            """CREATE TABLE transactions (
                transaction_id TEXT PRIMARY KEY,
                merchant_id INTEGER NOT NULL,
                out_order_no TEXT NOT NULL,
                user_id TEXT NOT NULL,
                coin INTEGER NOT NULL CHECK (coin > 0),
                remark TEXT,
                created_at INTEGER NOT NULL,
                UNIQUE (merchant_id, out_order_no)
            )""",
            """CREATE TABLE ledger (
                entry_id INTEGER PRIMARY KEY,
                account TEXT NOT NULL,
                delta INTEGER NOT NULL,
                kind TEXT NOT NULL,
                transaction_id TEXT,
                created_at INTEGER NOT NULL
            )""",
            "CREATE INDEX ledger_account ON ledger (account)",
            """CREATE TABLE journal (
                entry_id INTEGER PRIMARY KEY AUTOINCREMENT,
                at REAL NOT NULL,
                operation TEXT NOT NULL,
                client_address TEXT NOT NULL,
                code INTEGER NOT NULL,
                latency_ms REAL NOT NULL,
                merchant_id INTEGER,
                out_order_no TEXT,
                params TEXT NOT NULL,
                fault TEXT,
                diagnostics TEXT
            )""",
            "CREATE INDEX journal_order ON journal (merchant_id, out_order_no)",
            "CREATE INDEX journal_at ON journal (at)",
            """CREATE TABLE rate_buckets (
                merchant_id INTEGER PRIMARY KEY,
                tokens REAL NOT NULL,
                updated_at REAL NOT NULL
            )""",
            "CREATE TABLE sandbox_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        ),
    ),
)
