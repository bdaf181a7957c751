"""Each fault kind as a real HTTP client sees it, and what the journal records of it."""

import httpx
import pytest

from tests.controls.admin import add_rule, admin, journal_count
from tests.server.api import credit, envelope, get, order_number, transaction
from tests.support.signer import signed


def test_http_errors_answer_status_and_envelope(client):
    for status, code in ((500, 5000), (502, 5002), (503, 5003), (504, 5004)):
        order = order_number()
        add_rule(client, kind="http_error", status=status, operation="creditCoins", out_order_no=order, retry_after=2)

        response = credit(client, out_order_no=order)

        assert response.status_code == status
        assert envelope(response)["code"] == code
        assert response.headers["retry-after"] == "2"
        assert envelope(transaction(client, order))["code"] == 3004, "http_error must not apply the credit"


def test_http_error_with_commit_applies_credit(client):
    order = order_number()
    add_rule(client, kind="http_error", status=500, operation="creditCoins", out_order_no=order, commit=True)

    response = credit(client, out_order_no=order)

    assert response.status_code == 500
    assert envelope(transaction(client, order))["code"] == 0


def test_rate_limited_answers_429(client):
    order = order_number()
    add_rule(client, kind="rate_limited", operation="creditCoins", out_order_no=order, retry_after=3)

    response = credit(client, out_order_no=order)

    assert response.status_code == 429
    assert envelope(response)["code"] == 4029
    assert response.headers["retry-after"] == "3"


def test_close_before_sends_nothing_and_applies_nothing(client):
    order = order_number()
    add_rule(client, kind="close_before", operation="creditCoins", out_order_no=order)

    with pytest.raises(httpx.RemoteProtocolError):
        credit(client, out_order_no=order)

    assert envelope(transaction(client, order))["code"] == 3004
    assert journal_count(client, out_order_no=order, fault="close_before", code=5003) == 1


def test_commit_then_drop_leaves_one_credit(client):
    order = order_number()
    add_rule(client, kind="commit_then_drop", operation="creditCoins", out_order_no=order, times=1)

    with pytest.raises(httpx.RemoteProtocolError):
        credit(client, user_id="10001", coin=250, out_order_no=order)
    retry = envelope(credit(client, user_id="10001", coin=250, out_order_no=order))
    lookup = envelope(transaction(client, order))

    assert retry["code"] == 0
    assert retry["data"]["replay"] is True
    assert lookup["code"] == 0
    assert lookup["data"]["coin"] == 250
    assert lookup["data"]["transaction_id"] == retry["data"]["transaction_id"]
    assert journal_count(client, out_order_no=order, fault="commit_then_drop", code=0) == 1
    assert journal_count(client, out_order_no=order, operation="creditCoins") == 2


def test_commit_then_delay_outlasts_client_timeout(client):
    order = order_number()
    add_rule(client, kind="commit_then_delay", operation="creditCoins", out_order_no=order, delay_ms=3000)

    with pytest.raises(httpx.ReadTimeout):
        client.post("/api/v1/coins/credit", json=signed({"user_id": "123", "coin": 100, "out_order_no": order}), timeout=0.5)

    assert envelope(transaction(client, order))["code"] == 0


def test_malformed_body_is_not_json(client):
    order = order_number()
    add_rule(client, kind="malformed_body", operation="creditCoins", out_order_no=order)

    response = credit(client, out_order_no=order)

    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()
    assert envelope(transaction(client, order))["code"] == 0


def test_truncated_body_breaks_the_read(client):
    order = order_number()
    add_rule(client, kind="truncated_body", operation="creditCoins", out_order_no=order)

    with pytest.raises(httpx.RemoteProtocolError):
        credit(client, out_order_no=order)

    assert envelope(transaction(client, order))["code"] == 0


def test_latency_delays_the_answer(client):
    order = order_number()
    add_rule(client, kind="latency", latency_ms=300, operation="creditCoins", out_order_no=order)

    response = credit(client, out_order_no=order)
    entries = admin(client, "GET", "/journal", params={"out_order_no": order})["entries"]

    assert envelope(response)["code"] == 0
    assert response.elapsed.total_seconds() >= 0.3
    assert entries[0]["fault"] == "latency"
    assert entries[0]["latency_ms"] >= 300


def test_maintenance_rule_answers_503(client):
    add_rule(client, kind="maintenance", operation="merchantBalance", retry_after=30)

    response = get(client, "/api/v1/merchant/balance")

    assert response.status_code == 503
    assert envelope(response)["code"] == 5003
    assert response.headers["retry-after"] == "30"


def test_maintenance_switch_covers_every_operation(client):
    admin(client, "PUT", "/maintenance", json={"enabled": True, "retry_after": 60})

    health = client.get("/api/v1/health")
    credited = credit(client)
    admin(client, "PUT", "/maintenance", json={"enabled": False})
    after = client.get("/api/v1/health")

    assert health.status_code == 503
    assert envelope(health)["code"] == 5003
    assert health.headers["retry-after"] == "60"
    assert credited.status_code == 503
    assert after.status_code == 200


def test_fail_twice_then_succeed(client):
    order = order_number()
    add_rule(client, kind="http_error", status=503, operation="creditCoins", out_order_no=order, times=2)

    statuses = [credit(client, out_order_no=order).status_code for _ in range(4)]
    rules = admin(client, "GET", "/faults")["rules"]

    assert statuses == [503, 503, 200, 200]
    assert rules[0]["remaining"] == 0
    assert rules[0]["matched"] == 4
    assert journal_count(client, out_order_no=order, fault="http_error") == 2


def test_seeded_probability_repeats_exactly(client):
    def run() -> list[int]:
        admin(client, "POST", "/reset")
        add_rule(client, kind="http_error", status=502, operation="health", probability=0.5, seed=42)
        return [client.get("/api/v1/health").status_code for _ in range(20)]

    first = run()
    second = run()

    assert first == second
    assert set(first) == {200, 502}, "p=0.5 over 20 calls should show both outcomes for seed 42"


def test_scope_fields_limit_the_rule(client):
    order = order_number()
    add_rule(client, kind="http_error", status=500, user_id="10002", merchant_id=50)

    other_user = credit(client, user_id="10003", out_order_no=order)
    this_user = credit(client, user_id="10002")

    assert other_user.status_code == 200
    assert this_user.status_code == 500


def test_deleting_a_rule_stops_it(client):
    rule = add_rule(client, kind="http_error", status=500, operation="health")

    before = client.get("/api/v1/health").status_code
    admin(client, "DELETE", f"/faults/{rule['id']}")
    after = client.get("/api/v1/health").status_code

    assert before == 500
    assert after == 200
    assert admin(client, "GET", "/faults")["rules"] == []


def test_invalid_rule_is_rejected(client):
    cases = [
        {"kind": "slow"},
        {"kind": "http_error", "status": 418},
        {"kind": "latency"},
        {"kind": "latency", "latency_ms": 500, "latency_ms_max": 100},
        {"kind": "close_before", "probability": 0},
        {"kind": "close_before", "times": 0},
        {"kind": "close_before", "operation": "nope"},
        {"kind": "close_before", "colour": "red"},
    ]
    for rule in cases:
        response = client.post("/_sandbox/faults", json=rule, headers={"Authorization": "Bearer sandbox-admin-token"})

        assert response.status_code == 400, rule
        assert response.json()["code"] == 4000, rule
    assert admin(client, "GET", "/faults")["rules"] == []
