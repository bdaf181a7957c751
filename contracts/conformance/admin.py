"""The sandbox's admin API under /_sandbox/, for checks that need to control server state."""

from typing import Any

import httpx

REQUEST_TIMEOUT = 10.0


class AdminUnavailable(Exception):
    """The server has no admin API, or it rejected the token."""


class AdminApi:
    def __init__(self, base_url: str, token: str) -> None:
        self.http = httpx.Client(
            base_url=base_url, timeout=REQUEST_TIMEOUT, headers={"Authorization": f"Bearer {token}"}
        )

    def close(self) -> None:
        self.http.close()

    def call(self, method: str, path: str, body: Any = None) -> Any:
        """Send an admin request and return `data`; AdminUnavailable when the API is absent or refuses."""
        response = self.http.request(method, f"/_sandbox/{path}", json=body)
        if response.status_code in (401, 404, 405):
            raise AdminUnavailable(f"{method} /_sandbox/{path} answered HTTP {response.status_code}")
        envelope = response.json()
        if envelope.get("code") != 0:
            raise AdminUnavailable(f"{method} /_sandbox/{path} answered code {envelope.get('code')}")
        return envelope.get("data")

    def set_clock_offset(self, seconds: float) -> None:
        self.call("PUT", "clock", {"offset": seconds})

    def reset_clock(self) -> None:
        self.call("DELETE", "clock")

    def set_balance(self, merchant_id: int, balance: int) -> None:
        self.call("POST", f"merchants/{merchant_id}/balance", {"set": balance})
