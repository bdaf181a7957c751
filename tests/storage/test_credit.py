"""Crediting: exactly once per order, all or nothing, on both backends."""

import asyncio
import dataclasses

from mockserver.storage import CreditOutcome, Storage
from tests.storage.stores import (
    POOR_BALANCE,
    POOR_MERCHANT,
    RICH_BALANCE,
    RICH_MERCHANT,
    credit_request,
    opened,
)


def test_credit_moves_both_balances(database: str) -> None:
    async def scenario() -> None:
        async with opened(database) as storage:
            result = await storage.credit(credit_request("order-1", coin=25))

            assert result.outcome is CreditOutcome.CREDITED
            assert result.merchant_balance == RICH_BALANCE - 25
            assert await storage.merchant_balance(RICH_MERCHANT) == RICH_BALANCE - 25
            assert await storage.user_balance("u1") == 25
            assert await storage.get_transaction(RICH_MERCHANT, "order-1") == result.transaction
            assert await storage.ledger_mismatches() == []

    asyncio.run(scenario())


def test_credit_replay_returns_first_transaction(database: str) -> None:
    async def scenario() -> None:
        async with opened(database) as storage:
            first = await storage.credit(credit_request("order-1"))
            again = await storage.credit(credit_request("order-1"))

            assert again.outcome is CreditOutcome.REPLAY
            assert again.transaction == first.transaction
            assert await storage.user_balance("u1") == 10
            assert await storage.merchant_balance(RICH_MERCHANT) == RICH_BALANCE - 10

    asyncio.run(scenario())


def test_credit_conflict_changes_nothing(database: str) -> None:
    async def scenario() -> None:
        async with opened(database) as storage:
            first = await storage.credit(credit_request("order-1", user_id="u1", coin=10))
            other_coin = await storage.credit(credit_request("order-1", user_id="u1", coin=11))
            other_user = await storage.credit(credit_request("order-1", user_id="u2", coin=10))

            assert other_coin.outcome is CreditOutcome.CONFLICT
            assert other_coin.transaction == first.transaction
            assert other_user.outcome is CreditOutcome.CONFLICT
            assert await storage.user_balance("u1") == 10
            assert await storage.user_balance("u2") == 0
            assert await storage.merchant_balance(RICH_MERCHANT) == RICH_BALANCE - 10

    asyncio.run(scenario())


def test_credit_failures_leave_order_unclaimed(database: str) -> None:
    async def scenario() -> None:
        async with opened(database) as storage:
            no_user = await storage.credit(credit_request("order-1", user_id="nobody"))
            too_much = await storage.credit(
                credit_request("order-1", merchant_id=POOR_MERCHANT, coin=POOR_BALANCE + 1)
            )
            no_merchant = await storage.credit(credit_request("order-1", merchant_id=999))

            assert no_user.outcome is CreditOutcome.USER_NOT_FOUND
            assert too_much.outcome is CreditOutcome.INSUFFICIENT_BALANCE
            assert no_merchant.outcome is CreditOutcome.UNKNOWN_MERCHANT
            assert await storage.get_transaction(RICH_MERCHANT, "order-1") is None
            assert await storage.get_transaction(POOR_MERCHANT, "order-1") is None
            assert await storage.merchant_balance(POOR_MERCHANT) == POOR_BALANCE
            assert await storage.user_balance("u1") == 0
            assert await storage.ledger_mismatches() == []

            later = await storage.credit(credit_request("order-1"))
            assert later.outcome is CreditOutcome.CREDITED

    asyncio.run(scenario())


def test_unknown_user_reported_before_balance(database: str) -> None:
    async def scenario() -> None:
        async with opened(database) as storage:
            result = await storage.credit(
                credit_request("order-1", user_id="nobody", merchant_id=POOR_MERCHANT, coin=POOR_BALANCE + 1)
            )

            assert result.outcome is CreditOutcome.USER_NOT_FOUND

    asyncio.run(scenario())


def test_broken_idempotency_credits_again(database: str) -> None:
    async def scenario() -> None:
        async with opened(database) as storage:
            request = dataclasses.replace(credit_request("order-1"), enforce_idempotency=False)
            first = await storage.credit(request)
            second = await storage.credit(request)

            assert first.outcome is CreditOutcome.CREDITED
            assert second.outcome is CreditOutcome.CREDITED
            assert await storage.user_balance("u1") == 20
            assert await storage.ledger_mismatches() == []

    asyncio.run(scenario())


async def _credit_from(storages: list[Storage], orders: list[str], user_id: str = "u1", coin: int = 10) -> list:
    """Send one credit per order, spread round-robin over storages, all at once."""
    requests = [credit_request(order, user_id=user_id, coin=coin) for order in orders]
    return await asyncio.gather(
        *(storages[index % len(storages)].credit(request) for index, request in enumerate(requests))
    )


def test_concurrent_identical_credits_credit_once(database: str) -> None:
    async def scenario() -> None:
        async with opened(database) as first, opened(database) as second:
            results = await _credit_from([first, second], ["order-1"] * 50)

            outcomes = [result.outcome for result in results]
            assert outcomes.count(CreditOutcome.CREDITED) == 1
            assert outcomes.count(CreditOutcome.REPLAY) == 49
            assert len({result.transaction.transaction_id for result in results}) == 1
            assert await first.user_balance("u1") == 10
            assert await second.merchant_balance(RICH_MERCHANT) == RICH_BALANCE - 10
            assert await first.ledger_mismatches() == []

    asyncio.run(scenario())


def test_concurrent_distinct_credits_all_land(database: str) -> None:
    async def scenario() -> None:
        async with opened(database) as first, opened(database) as second:
            orders = [f"order-{index}" for index in range(60)]
            results = await _credit_from([first, second], orders, coin=7)

            assert all(result.outcome is CreditOutcome.CREDITED for result in results)
            assert await first.user_balance("u1") == 60 * 7
            assert await second.merchant_balance(RICH_MERCHANT) == RICH_BALANCE - 60 * 7
            assert await first.ledger_mismatches() == []

    asyncio.run(scenario())


def test_concurrent_credits_never_overdraw(database: str) -> None:
    async def scenario() -> None:
        async with opened(database) as first, opened(database) as second:
            requests = [
                credit_request(f"order-{index}", merchant_id=POOR_MERCHANT, coin=10) for index in range(30)
            ]
            results = await asyncio.gather(
                *(
                    (first if index % 2 else second).credit(request)
                    for index, request in enumerate(requests)
                )
            )

            outcomes = [result.outcome for result in results]
            assert outcomes.count(CreditOutcome.CREDITED) == POOR_BALANCE // 10
            assert outcomes.count(CreditOutcome.INSUFFICIENT_BALANCE) == 30 - POOR_BALANCE // 10
            assert await first.merchant_balance(POOR_MERCHANT) == 0
            assert await first.ledger_mismatches() == []

    asyncio.run(scenario())
