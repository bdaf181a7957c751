"""Signed reads of the merchant's account, made before and after a load run."""

import time
from typing import Any

import httpx

from partystar_client.signing import sign

TIMEOUT_S = 10.0


class AccountReadError(RuntimeError):
    """A balance or transaction could not be read, so the run cannot be reconciled."""


class MerchantAccount:
    """Read the balance and transactions of one merchant through the public API."""

    def __init__(self, base_url: str, merchant_id: int, secret: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.merchant_id = merchant_id
        self._secret = secret

    def __repr__(self) -> str:
        return f"MerchantAccount(base_url={self.base_url!r}, merchant_id={self.merchant_id})"

    def balance(self) -> int:
        data = self._get("/api/v1/merchant/balance", {})
        return int(data["balance"])

    def credited_coin(self, out_order_no: str) -> int | None:
        """Return the coins credited for the order, or None when it was never credited."""
        data = self._get(f"/api/v1/transactions/{out_order_no}", {"out_order_no": out_order_no}, missing_ok=True)
        return None if data is None else int(data["coin"])

    def _get(self, path: str, params: dict[str, Any], missing_ok: bool = False) -> Any:
        signed: dict[str, Any] = {"merchant_id": self.merchant_id, "time_stamp": int(time.time()), **params}
        signed["sign"] = sign(signed, self._secret)
        query = {name: value for name, value in signed.items() if name != "out_order_no"}
        try:
            response = httpx.get(f"{self.base_url}{path}", params=query, timeout=TIMEOUT_S)
            envelope = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise AccountReadError(f"GET {path} on {self.base_url} failed: {exc}") from exc
        code = envelope.get("code") if isinstance(envelope, dict) else None
        if code == 0:
            return envelope["data"]
        if missing_ok and code == 3004:
            return None
        message = envelope.get("msg") if isinstance(envelope, dict) else response.text[:200]
        raise AccountReadError(f"GET {path} for merchant {self.merchant_id} returned code {code}: {message}")
