"""Two sandbox processes on separate ports sharing one PostgreSQL ledger."""

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from mockserver.codes import ResultCode
from tests.support.databases import query_postgres
from tests.support.sandbox import SandboxProcess, default_config
from tests.support.signer import MERCHANT_ID, signed

CREDIT_PATH = "/api/v1/coins/credit"
BALANCE_PATH = "/api/v1/merchant/balance"
OPENING_BALANCE = 1_000_000_000
LEDGER_MISMATCHES = """
    WITH balances AS (
        SELECT 'merchant:' || merchant_id AS account, balance FROM merchants
        UNION ALL
        SELECT 'user:' || user_id, balance FROM users
    ), sums AS (SELECT account, SUM(delta) AS total FROM ledger GROUP BY account)
    SELECT b.account, b.balance, COALESCE(s.total, 0)
    FROM balances b LEFT JOIN sums s ON s.account = b.account
    WHERE b.balance != COALESCE(s.total, 0)
"""


def start_pair(workdir: Path, database: str, rate_limit: dict | None = None) -> tuple[SandboxProcess, SandboxProcess]:
    """Start two sandboxes on one database; each writes its config and log under its own port."""
    config = default_config()
    if rate_limit is not None:
        config["merchants"][0]["rate_limit"] = rate_limit
    first = SandboxProcess(workdir, config=config, database=database).start()
    try:
        second = SandboxProcess(workdir, config=config, database=database).start()
    except Exception:
        first.stop()
        raise
    return first, second


@pytest.fixture
def pair(tmp_path: Path, postgres_schema: str) -> Iterator[tuple[SandboxProcess, SandboxProcess]]:
    first, second = start_pair(tmp_path, postgres_schema)
    yield first, second
    first.stop()
    second.stop()


def _send_together(requests: list[tuple[str, str, dict]]) -> list[dict]:
    """Send (base_url, path, params) requests from one thread each, released at once; return the envelopes."""
    barrier = threading.Barrier(len(requests))

    def send(request: tuple[str, str, dict]) -> dict:
        base_url, path, params = request
        with httpx.Client(base_url=base_url, timeout=30) as client:
            barrier.wait(timeout=30)
            if path == CREDIT_PATH:
                return client.post(path, json=signed(params)).json()
            return client.get(path, params=signed(params)).json()

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(send, requests))


def test_identical_credits_across_instances_credit_once(pair, postgres_schema: str) -> None:
    first, second = pair
    credit = {"user_id": "10002", "coin": 70, "out_order_no": "SHARED-1"}
    requests = [((first, second)[index % 2].base_url, CREDIT_PATH, credit) for index in range(50)]

    answers = _send_together(requests)

    assert [answer["code"] for answer in answers] == [0] * 50
    assert sum(1 for answer in answers if answer["data"]["replay"] is False) == 1
    assert len({answer["data"]["transaction_id"] for answer in answers}) == 1
    rows = query_postgres(postgres_schema, "SELECT COUNT(*) FROM transactions WHERE out_order_no = 'SHARED-1'")
    assert rows == [(1,)]
    assert query_postgres(postgres_schema, "SELECT balance FROM users WHERE user_id = '10002'") == [(70,)]
    balance = query_postgres(postgres_schema, "SELECT balance FROM merchants WHERE merchant_id = $1", MERCHANT_ID)
    assert balance == [(OPENING_BALANCE - 70,)]
    assert query_postgres(postgres_schema, LEDGER_MISMATCHES) == []


def test_rate_limit_holds_across_instances(tmp_path: Path, postgres_schema: str) -> None:
    # The refill of 0.001 tokens per second adds less than one token during the test.
    first, second = start_pair(tmp_path, postgres_schema, rate_limit={"rate": 0.001, "burst": 20})
    try:
        requests = [((first, second)[index % 2].base_url, BALANCE_PATH, {}) for index in range(60)]

        answers = _send_together(requests)
    finally:
        first.stop()
        second.stop()

    codes = [answer["code"] for answer in answers]
    assert codes.count(ResultCode.OK) == 20
    assert codes.count(ResultCode.RATE_LIMITED) == 40


def _stream_credits(base_url: str, prefix: str, acknowledged: list[str], stop: threading.Event) -> None:
    """Send credits one after another until stop is set or the server dies; keep the orders whose response had code 0."""
    with httpx.Client(base_url=base_url, timeout=5) as client:
        for index in range(5000):
            if stop.is_set():
                return
            order = f"{prefix}-{index}"
            try:
                response = client.post(CREDIT_PATH, json=signed({"user_id": "10006", "coin": 3, "out_order_no": order}))
            except httpx.TransportError:
                return
            if response.json()["code"] == 0:
                acknowledged.append(order)


def test_kill_one_instance_loses_nothing_acknowledged(pair, postgres_schema: str) -> None:
    victim, survivor = pair
    victim_acks: list[str] = []
    survivor_acks: list[str] = []
    stop = threading.Event()
    senders = [
        threading.Thread(target=_stream_credits, args=(victim.base_url, "V", victim_acks, stop)),
        threading.Thread(target=_stream_credits, args=(survivor.base_url, "S", survivor_acks, stop)),
    ]
    for sender in senders:
        sender.start()
    deadline = time.monotonic() + 30
    while len(victim_acks) < 200 and time.monotonic() < deadline:
        time.sleep(0.01)

    victim.kill()
    survivor_count_at_kill = len(survivor_acks)
    while len(survivor_acks) < survivor_count_at_kill + 50 and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.set()
    for sender in senders:
        sender.join(timeout=30)

    assert len(victim_acks) >= 200
    assert len(survivor_acks) >= survivor_count_at_kill + 50
    acknowledged = victim_acks + survivor_acks
    with httpx.Client(base_url=survivor.base_url) as client:
        missing = []
        for order in acknowledged:
            # The order number travels in the path but is signed like any parameter.
            query = signed({"out_order_no": order})
            query.pop("out_order_no")
            if client.get(f"/api/v1/transactions/{order}", params=query).json()["code"] != 0:
                missing.append(order)
    assert missing == []
    stored = query_postgres(postgres_schema, "SELECT COUNT(*) FROM transactions")[0][0]
    # At most the one credit in flight to the killed instance can be committed without its response.
    assert stored in (len(acknowledged), len(acknowledged) + 1)
    balance = query_postgres(postgres_schema, "SELECT balance FROM merchants WHERE merchant_id = $1", MERCHANT_ID)
    assert balance == [(OPENING_BALANCE - 3 * stored,)]
    assert query_postgres(postgres_schema, LEDGER_MISMATCHES) == []
