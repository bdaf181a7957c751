"""What only the PostgreSQL backend has: URLs with passwords, connection errors, migrations."""

import asyncio

import pytest

from mockserver.storage import open_storage
from mockserver.storage.postgres import PostgresStorage, PostgresUnavailableError
from mockserver.storage.urls import masked_url
from mockserver.storage.postgres_schema import MIGRATIONS
from tests.storage.stores import ledger_config, opened


def test_open_storage_picks_postgres() -> None:
    assert isinstance(open_storage("postgresql://db.invalid/x"), PostgresStorage)
    assert isinstance(open_storage("postgres://db.invalid/x"), PostgresStorage)


def test_repr_masks_password() -> None:
    storage = PostgresStorage("postgresql://ledger:hunter2@127.0.0.1:5432/sandbox")

    assert "hunter2" not in repr(storage)
    assert "ledger:***@127.0.0.1:5432/sandbox" in repr(storage)
    assert masked_url("postgresql://127.0.0.1/sandbox") == "postgresql://127.0.0.1/sandbox"


def test_unreachable_server_names_masked_url() -> None:
    async def scenario() -> None:
        storage = PostgresStorage("postgresql://ledger:hunter2@127.0.0.1:1/sandbox")
        with pytest.raises(PostgresUnavailableError) as raised:
            await storage.open(ledger_config())

        message = str(raised.value)
        assert "hunter2" not in message
        assert "ledger:***@127.0.0.1:1/sandbox" in message

    asyncio.run(scenario())


def test_migrations_recorded_once(postgres_schema: str) -> None:
    async def scenario() -> None:
        async with opened(postgres_schema):
            pass
        async with opened(postgres_schema) as storage:
            assert isinstance(storage, PostgresStorage)
            versions = await storage.pool.fetch("SELECT version FROM schema_version ORDER BY version")

        assert [row["version"] for row in versions] == [version for version, _ in MIGRATIONS]

    asyncio.run(scenario())


def test_ledger_mismatch_detected(postgres_schema: str) -> None:
    async def scenario() -> None:
        async with opened(postgres_schema) as storage:
            assert isinstance(storage, PostgresStorage)
            await storage.pool.execute("UPDATE users SET balance = balance + 3 WHERE user_id = 'u2'")

            mismatches = await storage.ledger_mismatches()

        assert [(m.account, m.balance, m.ledger_sum) for m in mismatches] == [("user:u2", 3, 0)]

    asyncio.run(scenario())

