"""Crediting over HTTP: the ledger, replays, conflicts, rejections that change nothing."""

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.server import ledger
from tests.server.api import credit, envelope, get, order_number, transaction
from tests.support.sandbox import SandboxProcess, default_config
from tests.support.signer import signed


@pytest.fixture(scope="module")
def credit_sandbox(tmp_path_factory):
    config = default_config()
    config["merchants"].append(
        {"merchant_id": 70, "secrets": [{"secret": "secret-70"}], "balance": 1500, "ip_allowlist": ["127.0.0.0/8"]}
    )
    with SandboxProcess(tmp_path_factory.mktemp("credit"), config=config) as server:
        yield server


@pytest.fixture
def client(credit_sandbox):
    with httpx.Client(base_url=credit_sandbox.base_url, timeout=30) as http:
        yield http


def test_credit_moves_coins(client, credit_sandbox):
    database = credit_sandbox.database
    merchant_before = ledger.merchant_balance(database)
    user_before = ledger.user_balance(database, "10001")
    order = order_number()

    body = envelope(credit(client, user_id="10001", coin=750, out_order_no=order, remark="first order"))

    assert body["code"] == 0
    assert body["data"]["replay"] is False
    assert body["data"]["out_order_no"] == order
    assert body["data"]["remark"] == "first order"
    assert ledger.merchant_balance(database) == merchant_before - 750
    assert ledger.user_balance(database, "10001") == user_before + 750
    assert ledger.ledger_mismatches(database) == []


def test_replay_returns_original_and_credits_nothing(client, credit_sandbox):
    order = order_number()
    first = envelope(credit(client, coin=300, out_order_no=order))
    balance_after_first = ledger.merchant_balance(credit_sandbox.database)

    again = envelope(credit(client, coin=300, out_order_no=order))

    assert again["code"] == 0
    assert again["data"]["replay"] is True
    assert again["data"]["transaction_id"] == first["data"]["transaction_id"]
    assert again["data"]["created_at"] == first["data"]["created_at"]
    assert ledger.merchant_balance(credit_sandbox.database) == balance_after_first
    assert len(ledger.transactions_for(credit_sandbox.database, order)) == 1


@pytest.mark.parametrize("change", [{"coin": 301}, {"user_id": "10002"}])
def test_conflicting_repeat_rejected(client, credit_sandbox, change):
    order = order_number()
    envelope(credit(client, coin=300, out_order_no=order))
    balance = ledger.merchant_balance(credit_sandbox.database)

    body = envelope(credit(client, out_order_no=order, **{"coin": 300, **change}))

    assert body["code"] == 3003
    assert order in body["msg"]
    assert ledger.merchant_balance(credit_sandbox.database) == balance
    assert len(ledger.transactions_for(credit_sandbox.database, order)) == 1


def test_repeat_with_other_remark_is_replay(client):
    order = order_number()
    envelope(credit(client, out_order_no=order, remark="one"))

    body = envelope(credit(client, out_order_no=order, remark="two"))

    assert body["code"] == 0
    assert body["data"]["replay"] is True


def test_unknown_user_rejected_and_order_stays_free(client, credit_sandbox):
    order = order_number()
    balance = ledger.merchant_balance(credit_sandbox.database)

    rejected = envelope(credit(client, user_id="no-such-user", out_order_no=order))
    accepted = envelope(credit(client, user_id="123", out_order_no=order))

    assert rejected["code"] == 3001
    assert accepted["code"] == 0
    assert accepted["data"]["replay"] is False
    assert ledger.merchant_balance(credit_sandbox.database) == balance - 100


def test_insufficient_balance_changes_nothing(client, credit_sandbox):
    database = credit_sandbox.database
    order = order_number()
    before = ledger.merchant_balance(database, 70)
    user_before = ledger.user_balance(database, "10003")

    rejected = envelope(credit(client, "secret-70", merchant_id=70, user_id="10003", coin=2000, out_order_no=order))

    assert rejected["code"] == 3002
    assert ledger.merchant_balance(database, 70) == before
    assert ledger.user_balance(database, "10003") == user_before
    assert ledger.transactions_for(database, order) == []
    retried = envelope(credit(client, "secret-70", merchant_id=70, user_id="10003", coin=1000, out_order_no=order))
    assert retried["code"] == 0
    assert ledger.merchant_balance(database, 70) == before - 1000


def test_concurrent_identical_credits_credit_once(client, credit_sandbox):
    database = credit_sandbox.database
    order = order_number()
    request = signed({"user_id": "10004", "coin": 5, "out_order_no": order})
    before = ledger.merchant_balance(database)
    debits_before = ledger.credit_entries_for(database)

    def send(_: int) -> dict:
        with httpx.Client(base_url=credit_sandbox.base_url, timeout=30) as http:
            return envelope(http.post("/api/v1/coins/credit", json=request))

    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(send, range(50)))

    assert all(answer["code"] == 0 for answer in answers)
    assert sum(not answer["data"]["replay"] for answer in answers) == 1
    assert len({answer["data"]["transaction_id"] for answer in answers}) == 1
    assert len(ledger.transactions_for(database, order)) == 1
    assert ledger.credit_entries_for(database) == debits_before + 1
    assert ledger.merchant_balance(database) == before - 5


def test_form_encoded_credit(client):
    order = order_number()
    params = signed({"user_id": "10005", "coin": 42, "out_order_no": order})

    body = envelope(client.post("/api/v1/coins/credit", data={k: str(v) for k, v in params.items()}))

    assert body["code"] == 0
    assert body["data"]["coin"] == 42


def test_form_and_json_replay_each_other(client):
    order = order_number()
    params = signed({"user_id": "10005", "coin": 43, "out_order_no": order})
    first = envelope(client.post("/api/v1/coins/credit", data={k: str(v) for k, v in params.items()}))

    again = envelope(client.post("/api/v1/coins/credit", json=signed({"user_id": "10005", "coin": 43, "out_order_no": order})))

    assert again["data"]["replay"] is True
    assert again["data"]["transaction_id"] == first["data"]["transaction_id"]


def test_transaction_lookup_finds_credit(client):
    order = order_number()
    credited = envelope(credit(client, coin=11, out_order_no=order))

    found = envelope(transaction(client, order))

    assert found["code"] == 0
    assert found["data"] == {key: value for key, value in credited["data"].items() if key != "replay"}


def test_transaction_lookup_unknown_order(client):
    order = order_number()

    body = envelope(transaction(client, order))

    assert body["code"] == 3004
    assert body["data"] == {"out_order_no": order}


def test_transaction_lookup_is_per_merchant(client):
    order = order_number()
    envelope(credit(client, out_order_no=order))

    body = envelope(_lookup_as(client, order, 70, "secret-70"))

    assert body["code"] == 3004


def _lookup_as(client, order, merchant_id, secret):
    query = signed({"out_order_no": order, "merchant_id": merchant_id}, secret)
    query.pop("out_order_no")
    return client.get(f"/api/v1/transactions/{order}", params=query)


@pytest.mark.parametrize(("user_id", "exists"), [("123", True), ("10020", True), ("nobody", False)])
def test_verify_user(client, user_id, exists):
    body = envelope(get(client, "/api/v1/user/verify", user_id=user_id))

    assert body["code"] == 0
    assert body["data"] == {"user_id": user_id, "exists": exists}


def test_merchant_balance_matches_ledger(client, credit_sandbox):
    body = envelope(get(client, "/api/v1/merchant/balance"))

    assert body["code"] == 0
    assert body["data"]["balance"] == ledger.merchant_balance(credit_sandbox.database)


def test_balances_equal_ledger_after_all(client, credit_sandbox):
    assert ledger.ledger_mismatches(credit_sandbox.database) == []
