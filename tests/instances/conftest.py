"""Tests of several sandbox processes that share one PostgreSQL database."""

from tests.support.databases import postgres_schema, postgres_url  # noqa: F401 - fixtures
