"""Databases for tests that run against both ledger backends.

The `database` fixture is parametrised over SQLite and PostgreSQL and returns
what `--database` takes: a file path or a postgresql:// URL. Every PostgreSQL
test gets a fresh schema, named in the URL's search_path, and drops it after.

PostgreSQL tests are skipped when no server accepts connections at PARTYSTAR_TEST_POSTGRES
(default postgresql://postgres@127.0.0.1:5432/test), unless CI is set: a CI
run must test both backends, so there an unreachable server fails the tests.
"""

import asyncio
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

POSTGRES_VARIABLE = "PARTYSTAR_TEST_POSTGRES"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
BACKENDS = ("sqlite", "postgres")


def postgres_server_url() -> str:
    return os.environ.get(POSTGRES_VARIABLE) or DEFAULT_POSTGRES_URL


async def _execute(url: str, statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(url, timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def execute_sql(url: str, statement: str) -> None:
    """Run one SQL statement on the PostgreSQL server at url, outside any sandbox."""
    asyncio.run(_execute(url, statement))


async def _fetch(url: str, statement: str, args: tuple[object, ...]) -> list[tuple]:
    import asyncpg

    connection = await asyncpg.connect(url, timeout=5)
    try:
        return [tuple(row.values()) for row in await connection.fetch(statement, *args)]
    finally:
        await connection.close()


def query_postgres(url: str, statement: str, *args: object) -> list[tuple]:
    """Return the rows of one query ($1-style parameters) on the PostgreSQL database at url."""
    return asyncio.run(_fetch(url, statement, args))


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """Return the URL of a reachable PostgreSQL server, or skip (fail under CI) when there is none."""
    url = postgres_server_url()
    try:
        execute_sql(url, "SELECT 1")
    except ImportError:
        problem = "asyncpg is not installed (pip install -e '.[postgres]')"
    except Exception as exc:  # noqa: BLE001 - refused, timed out or rejected: all mean "cannot test here"
        problem = f"PostgreSQL is not reachable at {url}: {type(exc).__name__}: {exc}"
    else:
        return url
    message = (
        f"{problem}. Start PostgreSQL (on Debian: `pg_ctlcluster VERSION main start`) or set "
        f"{POSTGRES_VARIABLE} to a postgresql:// URL whose user may create schemas."
    )
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def create_schema(server_url: str) -> tuple[str, str]:
    """Create an empty schema with a unique name; return the name and a URL whose search_path names it."""
    schema = f"test_{uuid.uuid4().hex[:12]}"
    execute_sql(server_url, f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in server_url else "?"
    return schema, f"{server_url}{separator}{urlencode({'search_path': schema})}"


def drop_schema(server_url: str, schema: str) -> None:
    execute_sql(server_url, f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def postgres_schema(postgres_url: str) -> Iterator[str]:
    """Create an empty schema for one test; return a URL whose search_path names it."""
    schema, url = create_schema(postgres_url)
    try:
        yield url
    finally:
        drop_schema(postgres_url, schema)


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Return a fresh database for each backend: a SQLite file path or a PostgreSQL URL."""
    if request.param == "sqlite":
        return str(tmp_path / "ledger.db")
    return str(request.getfixturevalue("postgres_schema"))
