"""Read a sandbox's database directly, to check the ledger without the server's code.

The database is a SQLite file or a PostgreSQL URL. Queries use ? placeholders
and SQL that both accept.
"""

import itertools
import re
import sqlite3
from pathlib import Path

from mockserver.storage.urls import is_postgres_url
from tests.support.databases import query_postgres


def query(database: str | Path, sql: str, *args: object) -> list[tuple]:
    if is_postgres_url(str(database)):
        return query_postgres(str(database), _numbered_placeholders(sql), *args)
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        return db.execute(sql, args).fetchall()


def _numbered_placeholders(sql: str) -> str:
    """Turn each ? into $1, $2, ... as PostgreSQL expects; the tests' SQL has no ? inside strings."""
    numbers = itertools.count(1)
    return re.sub(r"\?", lambda _: f"${next(numbers)}", sql)


def ledger_mismatches(database: str | Path) -> list[tuple]:
    """Return accounts whose balance differs from the sum of their ledger entries."""
    return query(
        database,
        """
        SELECT account, balance, total FROM (
            SELECT 'merchant:' || m.merchant_id AS account, m.balance AS balance,
                   (SELECT COALESCE(SUM(delta), 0) FROM ledger WHERE account = 'merchant:' || m.merchant_id) AS total
            FROM merchants m
            UNION ALL
            SELECT 'user:' || u.user_id, u.balance,
                   (SELECT COALESCE(SUM(delta), 0) FROM ledger WHERE account = 'user:' || u.user_id)
            FROM users u
        ) AS accounts WHERE balance != total
        """,
    )


def merchant_balance(database: str | Path, merchant_id: int = 50) -> int:
    return query(database, "SELECT balance FROM merchants WHERE merchant_id = ?", merchant_id)[0][0]


def user_balance(database: str | Path, user_id: str) -> int:
    return query(database, "SELECT balance FROM users WHERE user_id = ?", user_id)[0][0]


def transactions_for(database: str | Path, out_order_no: str) -> list[tuple]:
    return query(database, "SELECT transaction_id, user_id, coin FROM transactions WHERE out_order_no = ?", out_order_no)


def credit_entries_for(database: str | Path, merchant_id: int = 50) -> int:
    """Count the merchant's debit entries written by credits."""
    sql = "SELECT COUNT(*) FROM ledger WHERE account = ? AND kind = 'credit'"
    return query(database, sql, f"merchant:{merchant_id}")[0][0]
