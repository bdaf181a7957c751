"""A sandbox config with one merchant per rejection the client must handle, and admin calls."""

import copy
from typing import Any

import httpx

from tests.support.sandbox import SandboxProcess, default_config

ADMIN_HEADERS = {"Authorization": "Bearer sandbox-admin-token"}
SECRET = "sandbox-secret-0050"
LOW_BALANCE = 100


def _merchant(merchant_id: int, **fields: Any) -> dict[str, Any]:
    merchant: dict[str, Any] = {
        "merchant_id": merchant_id,
        "name": f"client test merchant {merchant_id}",
        "secrets": [{"secret": f"client-test-secret-{merchant_id}"}],
        "sign_types": ["MD5", "HMAC-SHA256"],
        "ip_allowlist": ["127.0.0.0/8", "::1/128"],
        "trusted_proxies": [],
        "rate_limit": {"rate": 5000, "burst": 5000},
        "balance": 1_000_000,
    }
    merchant.update(fields)
    return merchant


# Merchants named for what they provoke.
LOW_BALANCE_MERCHANT = 51
HMAC_ONLY_MERCHANT = 52
NO_SECRET_MERCHANT = 53
VERIFY_ONLY_MERCHANT = 54
FOREIGN_NETWORK_MERCHANT = 55
RATE_LIMITED_MERCHANT = 56


def client_test_config() -> dict[str, Any]:
    config = copy.deepcopy(default_config())
    config["merchants"] += [
        _merchant(LOW_BALANCE_MERCHANT, balance=LOW_BALANCE),
        _merchant(HMAC_ONLY_MERCHANT, sign_types=["HMAC-SHA256"]),
        _merchant(NO_SECRET_MERCHANT, secrets=[]),
        _merchant(VERIFY_ONLY_MERCHANT, operations=["verifyUser"]),
        _merchant(FOREIGN_NETWORK_MERCHANT, ip_allowlist=["10.0.0.0/8"]),
        # One request per 100 s, so the second is always rate limited.
        _merchant(RATE_LIMITED_MERCHANT, rate_limit={"rate": 0.01, "burst": 1}),
    ]
    return config


def secret_of(merchant_id: int) -> str:
    return SECRET if merchant_id == 50 else f"client-test-secret-{merchant_id}"


def admin(sandbox: SandboxProcess, method: str, path: str, body: Any = None) -> Any:
    response = httpx.request(method, f"{sandbox.base_url}/_sandbox/{path}", json=body, headers=ADMIN_HEADERS, timeout=10)
    envelope = response.json()
    assert envelope["code"] == 0, envelope
    return envelope["data"]


def add_fault(sandbox: SandboxProcess, **rule: Any) -> dict[str, Any]:
    return admin(sandbox, "POST", "faults", rule)  # type: ignore[no-any-return]
