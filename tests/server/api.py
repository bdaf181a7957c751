"""Small helpers that send signed requests to a running sandbox with httpx."""

import itertools
import time
from typing import Any

import httpx

from tests.support.signer import SECRET, signed

_orders = itertools.count(1)


def order_number(prefix: str = "T") -> str:
    """Return an order number unique within this test run."""
    return f"{prefix}-{time.time_ns()}-{next(_orders)}"


def credit(client: httpx.Client, secret: str = SECRET, **params: Any) -> httpx.Response:
    body = {"user_id": "123", "coin": 100, "out_order_no": order_number(), **params}
    return client.post("/api/v1/coins/credit", json=signed(body, secret))


def get(client: httpx.Client, path: str, secret: str = SECRET, **params: Any) -> httpx.Response:
    return client.get(path, params=signed(params, secret))


def transaction(client: httpx.Client, out_order_no: str, **params: Any) -> httpx.Response:
    query = signed({"out_order_no": out_order_no, **params})
    query.pop("out_order_no")
    return client.get(f"/api/v1/transactions/{out_order_no}", params=query)


def envelope(response: httpx.Response) -> dict[str, Any]:
    """Return the JSON envelope after checking its shape."""
    body = response.json()
    assert set(body) == {"code", "msg", "data"}, body
    return body
