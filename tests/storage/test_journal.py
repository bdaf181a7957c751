"""The request journal: append, filter, count, read back and prune."""

import asyncio

from mockserver.storage import JournalEntry, JournalFilter
from tests.storage.stores import ledger_config, opened


def _entry(at: float, **fields: object) -> JournalEntry:
    values: dict = {
        "at": at,
        "operation": "creditCoins",
        "client_address": "127.0.0.1",
        "code": 0,
        "latency_ms": 1.5,
        "merchant_id": 50,
        "out_order_no": f"order-{at}",
        "params": {"coin": 10, "remark": "caf\u00e9"},
    }
    values.update(fields)
    return JournalEntry(**values)


def test_journal_round_trips_entry(database: str) -> None:
    async def scenario() -> None:
        async with opened(database) as storage:
            entry = _entry(1.0, fault="delay", diagnostics={"canonical": "a=1&b=2"})
            entry_id = await storage.record(entry)

            stored = await storage.get_journal_entry(entry_id)
            assert stored is not None
            assert stored.to_dict() == {**entry.to_dict(), "entry_id": entry_id}
            assert await storage.get_journal_entry(entry_id + 1000) is None

    asyncio.run(scenario())


def test_journal_filters_each_field(database: str) -> None:
    async def scenario() -> None:
        async with opened(database) as storage:
            await storage.record(_entry(1.0))
            await storage.record(_entry(2.0, operation="verifyUser", code=2001))
            await storage.record(_entry(3.0, merchant_id=60, fault="drop"))

            cases = [
                (JournalFilter(), [3.0, 2.0, 1.0]),
                (JournalFilter(merchant_id=60), [3.0]),
                (JournalFilter(operation="verifyUser"), [2.0]),
                (JournalFilter(code=2001), [2.0]),
                (JournalFilter(out_order_no="order-1.0"), [1.0]),
                (JournalFilter(fault="drop"), [3.0]),
                (JournalFilter(since=2.0), [3.0, 2.0]),
                (JournalFilter(until=2.0), [2.0, 1.0]),
                (JournalFilter(since=1.5, until=2.5, merchant_id=50), [2.0]),
                (JournalFilter(limit=2), [3.0, 2.0]),
            ]
            for journal_filter, expected in cases:
                entries = await storage.query_journal(journal_filter)
                assert [entry.at for entry in entries] == expected, journal_filter
                if journal_filter.limit > len(expected):
                    assert await storage.count_journal(journal_filter) == len(expected), journal_filter

    asyncio.run(scenario())


def test_journal_prunes_old_entries(database: str) -> None:
    async def scenario() -> None:
        config = ledger_config(journal={"max_entries": 50, "max_age_seconds": 100})
        async with opened(database, config) as storage:
            for index in range(10):
                await storage.record(_entry(float(index)))
            for index in range(10):
                await storage.record(_entry(1000.0 + index))

            assert await storage.count_journal(JournalFilter(until=999.0)) == 0
            assert await storage.count_journal(JournalFilter(since=1000.0)) == 10

    asyncio.run(scenario())


def test_small_journal_stays_near_limit(database: str) -> None:
    async def scenario() -> None:
        config = ledger_config(journal={"max_entries": 20})
        async with opened(database, config) as storage:
            for index in range(120):
                await storage.record(_entry(float(index)))

            assert await storage.count_journal(JournalFilter()) <= 22

    asyncio.run(scenario())
