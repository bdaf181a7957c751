"""adjust_merchant_balance and user opening balances keep every balance an integer within 0..MAX_BALANCE."""

import asyncio

import pytest

from mockserver.admin.bounds import MAX_BALANCE
from mockserver.config import ConfigError, User
from tests.server import ledger
from tests.storage.stores import RICH_BALANCE, RICH_MERCHANT, opened
from tests.support.databases import database, postgres_schema, postgres_url  # noqa: F401 - fixtures


def test_adjust_refuses_results_outside_the_bounds(database: str) -> None:
    async def scenario() -> list:
        async with opened(database) as storage:
            results = [
                await storage.adjust_merchant_balance(RICH_MERCHANT, delta, "sandbox_add", 1)
                for delta in (9223372036854775000, 9223372036854775000, 2**70, -(2**70), MAX_BALANCE, -RICH_BALANCE - 1)
            ]
            results.append(await storage.adjust_merchant_balance(RICH_MERCHANT, MAX_BALANCE - RICH_BALANCE, "x", 1))
            results.append(await storage.merchant_balance(RICH_MERCHANT))
            return results

    results = asyncio.run(scenario())

    assert results == [None, None, None, None, None, None, MAX_BALANCE, MAX_BALANCE]
    assert isinstance(results[-1], int)
    assert ledger.ledger_mismatches(database) == []


def test_user_opening_balance_beyond_the_bound_is_refused(database: str) -> None:
    async def scenario() -> None:
        async with opened(database) as storage:
            with pytest.raises(ConfigError, match=str(MAX_BALANCE)):
                await storage.put_user(User(user_id="rich", balance=10**30))
            assert await storage.user_balance("rich") is None

    asyncio.run(scenario())
