"""kill -9 during a stream of credits loses no acknowledged credit."""

import threading
import time

import httpx

from tests.server import ledger
from tests.server.api import envelope, transaction
from tests.support.sandbox import SandboxProcess
from tests.support.signer import signed

STREAM_LIMIT = 5000


def stream_credits(base_url: str, acknowledged: list[str], stop: threading.Event) -> None:
    """Send credits one after another until the server dies; keep the orders answered code 0."""
    with httpx.Client(base_url=base_url, timeout=5) as client:
        for index in range(STREAM_LIMIT):
            if stop.is_set():
                return
            order = f"K-{index}"
            try:
                response = client.post(
                    "/api/v1/coins/credit", json=signed({"user_id": "10006", "coin": 3, "out_order_no": order})
                )
            except httpx.TransportError:
                return
            if response.json()["code"] == 0:
                acknowledged.append(order)


def test_kill_during_credits_loses_nothing_acknowledged(tmp_path):
    server = SandboxProcess(tmp_path).start()
    opening = ledger.merchant_balance(server.database)
    acknowledged: list[str] = []
    stop = threading.Event()
    sender = threading.Thread(target=stream_credits, args=(server.base_url, acknowledged, stop))
    sender.start()
    deadline = time.monotonic() + 20
    while len(acknowledged) < 200 and time.monotonic() < deadline:
        time.sleep(0.01)

    server.kill()
    stop.set()
    sender.join(timeout=30)

    assert len(acknowledged) >= 200
    restarted = SandboxProcess(tmp_path, database=server.database).start()
    try:
        with httpx.Client(base_url=restarted.base_url) as client:
            missing = [order for order in acknowledged if envelope(transaction(client, order))["code"] != 0]
        stored = ledger.query(restarted.database, "SELECT COUNT(*) FROM transactions")[0][0]
        balance = ledger.merchant_balance(restarted.database)
    finally:
        restarted.stop()
    assert missing == []
    # At most one credit can be committed without its answer arriving before the kill.
    assert stored in (len(acknowledged), len(acknowledged) + 1)
    assert balance == opening - 3 * stored
    assert ledger.ledger_mismatches(server.database) == []
