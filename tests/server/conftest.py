"""Run every test of the HTTP suite once per ledger backend: SQLite, then PostgreSQL.

The module-scoped `backend` fixture is parametrised and autouse. While it is
active, a SandboxProcess started without database= keeps its ledger in that
backend: a SQLite file in its workdir, or a fresh PostgreSQL schema per workdir.

Module-scoped sandboxes must be started again for each backend, so they have
to depend on `backend`. They all build their workdir with tmp_path_factory, so
this conftest overrides tmp_path_factory with the same factory plus that
dependency, and every such fixture follows the backend without naming it.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.databases import (  # noqa: F401 - postgres_schema and postgres_url are fixtures
    BACKENDS,
    create_schema,
    drop_schema,
    postgres_schema,
    postgres_url,
)
from tests.support.sandbox import SandboxProcess


class PostgresSchemas:
    """One PostgreSQL schema per sandbox workdir, so sandboxes sharing a workdir share a ledger as with SQLite."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self.schemas: dict[Path, tuple[str, str]] = {}

    def database_for(self, workdir: Path) -> str:
        if workdir not in self.schemas:
            self.schemas[workdir] = create_schema(self.server_url)
        return self.schemas[workdir][1]

    def drop_all(self) -> None:
        for schema, _ in self.schemas.values():
            drop_schema(self.server_url, schema)
        self.schemas.clear()


@pytest.fixture(scope="module", params=BACKENDS, autouse=True)
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "sqlite":
        yield "sqlite"
        return
    schemas = PostgresSchemas(request.getfixturevalue("postgres_url"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SandboxProcess, "database_factory", staticmethod(schemas.database_for))
        try:
            yield "postgres"
        finally:
            schemas.drop_all()


@pytest.fixture(scope="module")
def tmp_path_factory(tmp_path_factory: pytest.TempPathFactory, backend: str) -> pytest.TempPathFactory:
    """Return pytest's own factory; depending on backend restarts module-scoped sandboxes per backend."""
    return tmp_path_factory
