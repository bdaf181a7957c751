"""Open storages on a test database, with a config of a rich and a poor merchant."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from mockserver.config import SandboxConfig, parse_config
from mockserver.storage import CreditRequest, Storage, open_storage

RICH_MERCHANT = 50
RICH_BALANCE = 1_000_000
POOR_MERCHANT = 60
POOR_BALANCE = 100
USERS = ("123", "u1", "u2", "u3")


def ledger_config(**settings: Any) -> SandboxConfig:
    return parse_config(
        {
            "settings": settings,
            "merchants": [
                {"merchant_id": RICH_MERCHANT, "secrets": [{"secret": "s-50"}], "balance": RICH_BALANCE},
                {"merchant_id": POOR_MERCHANT, "secrets": [{"secret": "s-60"}], "balance": POOR_BALANCE},
            ],
            "users": list(USERS),
        }
    )


@asynccontextmanager
async def opened(database: str, config: SandboxConfig | None = None) -> AsyncIterator[Storage]:
    """Open a storage on database as a sandbox process would, and close it afterwards."""
    storage = open_storage(database)
    await storage.open(config or ledger_config())
    try:
        yield storage
    finally:
        await storage.close()


def credit_request(order: str, user_id: str = "u1", coin: int = 10, merchant_id: int = RICH_MERCHANT) -> CreditRequest:
    return CreditRequest(
        merchant_id=merchant_id, out_order_no=order, user_id=user_id, coin=coin, remark=None, now=1_700_000_000
    )
