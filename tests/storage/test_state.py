"""Shared sandbox state: plain keys, compare-and-set and counters."""

import asyncio

from tests.storage.stores import opened


def test_state_set_read_delete(database: str) -> None:
    async def scenario() -> None:
        async with opened(database) as storage:
            await storage.set_state("clock_offset", "30")
            await storage.set_state("clock_offset", "45")
            await storage.set_state("maintenance", "on")

            assert await storage.get_state("clock_offset") == "45"
            assert await storage.get_states(["clock_offset", "maintenance", "absent"]) == {
                "clock_offset": "45",
                "maintenance": "on",
            }
            assert await storage.get_states([]) == {}

            await storage.set_state("maintenance", None)
            assert await storage.get_state("maintenance") is None

    asyncio.run(scenario())


def test_compare_and_set_cases(database: str) -> None:
    async def scenario() -> None:
        async with opened(database) as storage:
            assert await storage.compare_and_set_state("rule", None, "a") is True
            assert await storage.compare_and_set_state("rule", None, "b") is False
            assert await storage.compare_and_set_state("rule", "x", "b") is False
            assert await storage.get_state("rule") == "a"

            assert await storage.compare_and_set_state("rule", "a", "b") is True
            assert await storage.get_state("rule") == "b"

            assert await storage.compare_and_set_state("rule", "a", None) is False
            assert await storage.compare_and_set_state("rule", "b", None) is True
            assert await storage.get_state("rule") is None
            assert await storage.compare_and_set_state("rule", None, None) is True
            assert await storage.compare_and_set_state("rule", "b", "c") is False

    asyncio.run(scenario())


def test_counter_stops_at_limit(database: str) -> None:
    async def scenario() -> None:
        async with opened(database) as storage:
            counts = [await storage.increment_counter("fault:1", limit=3) for _ in range(5)]

            assert counts == [1, 2, 3, None, None]
            assert await storage.get_state("fault:1") == "3"
            assert await storage.increment_counter("fault:2", limit=0) is None
            assert await storage.get_state("fault:2") is None
            assert await storage.increment_counter("plain") == 1
            assert await storage.increment_counter("plain") == 2

    asyncio.run(scenario())


def test_counter_shared_between_storages(database: str) -> None:
    async def scenario() -> None:
        async with opened(database) as first, opened(database) as second:
            storages = [first, second]
            counts = await asyncio.gather(
                *(storages[index % 2].increment_counter("fault:1", limit=25) for index in range(60))
            )

            assert sorted(count for count in counts if count is not None) == list(range(1, 26))
            assert counts.count(None) == 35

    asyncio.run(scenario())


def test_compare_and_set_single_winner(database: str) -> None:
    async def scenario() -> None:
        async with opened(database) as first, opened(database) as second:
            storages = [first, second]
            wins = await asyncio.gather(
                *(storages[index % 2].compare_and_set_state("lock", None, f"owner-{index}") for index in range(20))
            )

            assert wins.count(True) == 1

    asyncio.run(scenario())
