"""Ledger backends behind one interface: SQLite by default, PostgreSQL by URL."""

from mockserver.storage.base import (
    CreditOutcome,
    CreditRequest,
    CreditResult,
    JournalEntry,
    JournalFilter,
    LedgerMismatch,
    Storage,
    TokenRequest,
    Transaction,
)


def open_storage(database: str) -> Storage:
    """Pick the backend for a database path or URL (not yet opened)."""
    if database.startswith(("postgresql://", "postgres://")):
        from mockserver.storage.postgres import PostgresStorage

        return PostgresStorage(database)
    from mockserver.storage.sqlite import SQLiteStorage

    return SQLiteStorage(database)


__all__ = [
    "CreditOutcome",
    "CreditRequest",
    "CreditResult",
    "JournalEntry",
    "JournalFilter",
    "LedgerMismatch",
    "Storage",
    "TokenRequest",
    "Transaction",
    "open_storage",
]
