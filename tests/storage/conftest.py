"""Storage tests run every scenario on both backends, each on a fresh database."""

from tests.support.databases import database, postgres_schema, postgres_url  # noqa: F401 - fixtures
