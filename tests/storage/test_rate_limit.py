"""The token bucket: refill, wait times, and one shared bucket per merchant."""

import asyncio

import pytest

from tests.storage.stores import RICH_MERCHANT, opened

NOW = 1_700_000_000.0


def test_bucket_empties_after_burst(database: str) -> None:
    async def scenario() -> None:
        async with opened(database) as storage:
            waits = [await storage.take_token(RICH_MERCHANT, 2.0, 3, NOW) for _ in range(4)]

            assert waits[:3] == [0.0, 0.0, 0.0]
            assert waits[3] == pytest.approx(0.5)

    asyncio.run(scenario())


def test_bucket_refills_at_rate(database: str) -> None:
    async def scenario() -> None:
        async with opened(database) as storage:
            for _ in range(3):
                await storage.take_token(RICH_MERCHANT, 2.0, 3, NOW)

            assert await storage.take_token(RICH_MERCHANT, 2.0, 3, NOW + 0.5) == 0.0
            assert await storage.take_token(RICH_MERCHANT, 2.0, 3, NOW + 0.5) > 0.0
            assert await storage.take_token(RICH_MERCHANT, 2.0, 3, NOW + 100) == 0.0

    asyncio.run(scenario())


def test_bucket_ignores_clock_going_back(database: str) -> None:
    async def scenario() -> None:
        async with opened(database) as storage:
            await storage.take_token(RICH_MERCHANT, 1.0, 1, NOW)

            assert await storage.take_token(RICH_MERCHANT, 1.0, 1, NOW - 5) > 0.0

    asyncio.run(scenario())


def test_buckets_are_per_merchant(database: str) -> None:
    async def scenario() -> None:
        async with opened(database) as storage:
            await storage.take_token(RICH_MERCHANT, 1.0, 1, NOW)

            assert await storage.take_token(RICH_MERCHANT + 1, 1.0, 1, NOW) == 0.0

    asyncio.run(scenario())


def test_bucket_shared_between_storages(database: str) -> None:
    async def scenario() -> None:
        async with opened(database) as first, opened(database) as second:
            storages = [first, second]
            waits = await asyncio.gather(
                *(storages[index % 2].take_token(RICH_MERCHANT, 0.001, 20, NOW) for index in range(60))
            )

            assert sum(1 for wait in waits if wait == 0.0) == 20

    asyncio.run(scenario())
