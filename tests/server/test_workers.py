"""`serve --workers 2`: two uvicorn worker processes share one SQLite ledger.

Every request goes on its own connection (Connection: close), from many
threads at once, so the kernel hands the connections to both workers.
NOTE: nothing in a response names the worker that served it, so these tests
cannot prove that both workers served; with 16 parallel connections they do
in practice.
"""

import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from tests.server import ledger
from tests.support.sandbox import SandboxProcess, default_config
from tests.support.signer import signed

THREADS = 16
USERS = [f"100{n:02d}" for n in range(1, 21)]


def send(server: SandboxProcess, method: str, path: str, params: dict[str, Any]) -> httpx.Response:
    body = signed(params)
    headers = {"Connection": "close"}
    if method == "GET":
        return httpx.get(f"{server.base_url}{path}", params=body, headers=headers, timeout=30)
    return httpx.post(f"{server.base_url}{path}", json=body, headers=headers, timeout=30)


def test_workers_credit_each_order_exactly_once(tmp_path: Path) -> None:
    rng = random.Random(6)
    orders = {f"W-{n}": (rng.choice(USERS), rng.randint(1, 500)) for n in range(150)}
    # Every order is sent twice; shuffled over 16 threads, many copies race each other.
    requests = [order for order in orders for _ in range(2)]
    rng.shuffle(requests)

    with SandboxProcess(tmp_path, workers=2) as server:
        before = ledger.merchant_balance(server.database)

        def credit(order: str) -> dict[str, Any]:
            user_id, coin = orders[order]
            params = {"user_id": user_id, "coin": coin, "out_order_no": order}
            return send(server, "POST", "/api/v1/coins/credit", params).json()

        with ThreadPoolExecutor(THREADS) as pool:
            answers = list(pool.map(credit, requests))
        after = ledger.merchant_balance(server.database)

    assert [answer["code"] for answer in answers] == [0] * len(requests)
    fresh = [answer["data"]["out_order_no"] for answer in answers if not answer["data"]["replay"]]
    assert sorted(fresh) == sorted(orders)
    for order in orders:
        ids = {answer["data"]["transaction_id"] for answer in answers if answer["data"]["out_order_no"] == order}
        assert len(ids) == 1, order
        assert len(ledger.transactions_for(server.database, order)) == 1, order
    assert before - after == sum(coin for _, coin in orders.values())
    assert ledger.ledger_mismatches(server.database) == []


def test_rate_limit_holds_across_workers(tmp_path: Path) -> None:
    config = default_config()
    # One token in 1000 s: the bucket does not refill during the test.
    config["merchants"][0]["rate_limit"] = {"rate": 0.001, "burst": 20}

    with SandboxProcess(tmp_path, config=config, workers=2) as server:

        def verify(index: int) -> httpx.Response:
            return send(server, "GET", "/api/v1/user/verify", {"user_id": USERS[index % len(USERS)]})

        with ThreadPoolExecutor(THREADS) as pool:
            responses = list(pool.map(verify, range(60)))

    codes = [response.json()["code"] for response in responses]
    assert codes.count(0) == 20
    assert codes.count(4029) == 40
    assert {response.status_code for response in responses if response.json()["code"] == 4029} == {429}
