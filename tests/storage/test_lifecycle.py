"""Opening, seeding, reopening and resetting a store, and the merchant and user records."""

import asyncio
import dataclasses

from mockserver.config import User
from tests.storage.stores import RICH_BALANCE, RICH_MERCHANT, credit_request, ledger_config, opened


def test_reopen_keeps_balances(database: str) -> None:
    async def scenario() -> None:
        async with opened(database) as storage:
            await storage.credit(credit_request("order-1", coin=40))

        async with opened(database) as storage:
            assert await storage.merchant_balance(RICH_MERCHANT) == RICH_BALANCE - 40
            assert await storage.user_balance("u1") == 40
            assert await storage.ledger_mismatches() == []

    asyncio.run(scenario())


def test_concurrent_opens_migrate_once(database: str) -> None:
    async def open_and_read() -> int | None:
        async with opened(database) as storage:
            return await storage.merchant_balance(RICH_MERCHANT)

    async def scenario() -> None:
        balances = await asyncio.gather(*(open_and_read() for _ in range(4)))

        assert balances == [RICH_BALANCE] * 4
        async with opened(database) as storage:
            assert await storage.ledger_mismatches() == []

    asyncio.run(scenario())


def test_reset_restores_config(database: str) -> None:
    async def scenario() -> None:
        async with opened(database) as storage:
            await storage.credit(credit_request("order-1"))
            await storage.set_state("clock_offset", "10")

            await storage.reset(ledger_config())

            assert await storage.merchant_balance(RICH_MERCHANT) == RICH_BALANCE
            assert await storage.user_balance("u1") == 0
            assert await storage.get_transaction(RICH_MERCHANT, "order-1") is None
            assert await storage.get_state("clock_offset") is None
            assert await storage.ledger_mismatches() == []

    asyncio.run(scenario())


def test_put_merchant_keeps_balance(database: str) -> None:
    async def scenario() -> None:
        async with opened(database) as storage:
            merchant = await storage.get_merchant(RICH_MERCHANT)
            assert merchant is not None

            await storage.put_merchant(dataclasses.replace(merchant, name="renamed", balance=5))
            await storage.put_merchant(dataclasses.replace(merchant, merchant_id=70, balance=500))

            renamed = await storage.get_merchant(RICH_MERCHANT)
            assert renamed is not None
            assert renamed.name == "renamed"
            assert await storage.merchant_balance(RICH_MERCHANT) == RICH_BALANCE
            assert await storage.merchant_balance(70) == 500
            assert await storage.get_merchant(71) is None
            assert await storage.ledger_mismatches() == []

    asyncio.run(scenario())


def test_put_user_leaves_existing(database: str) -> None:
    async def scenario() -> None:
        async with opened(database) as storage:
            await storage.credit(credit_request("order-1", user_id="u1", coin=10))

            await storage.put_user(User(user_id="u1", balance=999))
            await storage.put_user(User(user_id="new", balance=7))

            assert await storage.user_balance("u1") == 10
            assert await storage.user_balance("new") == 7
            assert await storage.user_exists("new") is True
            assert await storage.user_exists("absent") is False
            assert await storage.user_balance("absent") is None
            assert await storage.ledger_mismatches() == []

    asyncio.run(scenario())


def test_adjust_merchant_balance_cases(database: str) -> None:
    async def scenario() -> None:
        async with opened(database) as storage:
            assert await storage.adjust_merchant_balance(RICH_MERCHANT, 500, "top_up", 1) == RICH_BALANCE + 500
            assert await storage.adjust_merchant_balance(RICH_MERCHANT, -(RICH_BALANCE + 501), "debit", 1) is None
            assert await storage.adjust_merchant_balance(999, 5, "top_up", 1) is None
            assert await storage.merchant_balance(RICH_MERCHANT) == RICH_BALANCE + 500
            assert await storage.ledger_mismatches() == []

    asyncio.run(scenario())
