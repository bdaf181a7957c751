"""Helpers for tests that drive the sandbox's admin API."""

from typing import Any

import httpx

WELL_KNOWN_TOKEN = "sandbox-admin-token"
ADMIN_HEADERS = {"Authorization": f"Bearer {WELL_KNOWN_TOKEN}"}
YAML_HEADERS = {**ADMIN_HEADERS, "Content-Type": "application/yaml"}


def admin(client: httpx.Client, method: str, path: str, headers: dict[str, str] | None = None, **options: Any) -> Any:
    """Send an admin request with the well-known token; return data after checking code 0."""
    response = client.request(method, f"/_sandbox{path}", headers={**ADMIN_HEADERS, **(headers or {})}, **options)
    body = response.json()
    assert response.status_code == 200, body
    assert body["code"] == 0, body
    return body["data"]


def add_rule(client: httpx.Client, **rule: Any) -> dict[str, Any]:
    return admin(client, "POST", "/faults", json=rule)


def journal_count(client: httpx.Client, **filters: Any) -> int:
    return admin(client, "GET", "/journal/count", params=filters)["count"]
