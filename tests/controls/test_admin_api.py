"""The admin API: token checks, state changes, clock, journal queries."""

import subprocess
import sys
import time

import httpx
import pytest

from tests.controls.admin import ADMIN_HEADERS, admin, journal_count
from tests.server.api import credit, envelope, get, order_number
from tests.support.sandbox import REPO_ROOT
from tests.support.signer import signed


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-token"}, {"Authorization": "Basic sandbox-admin-token"}],
    ids=["missing", "wrong", "not-bearer"],
)
def test_admin_token_is_required(client, headers):
    response = client.post("/_sandbox/faults", json={"kind": "close_before"}, headers=headers)

    assert response.status_code == 401
    assert envelope(response)["code"] == 4001
    assert response.headers["www-authenticate"] == "Bearer"
    assert admin(client, "GET", "/faults")["rules"] == []


def test_configured_token_replaces_well_known(start_sandbox):
    server = start_sandbox(env={"PARTYSTAR_SANDBOX_ADMIN_TOKEN": "t0p-secret-token"})
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        well_known = http.get("/_sandbox/clock", headers=ADMIN_HEADERS)
        configured = http.get("/_sandbox/clock", headers={"Authorization": "Bearer t0p-secret-token"})

    assert well_known.status_code == 401
    assert configured.status_code == 200
    assert "t0p-secret-token" not in server.log()


def test_non_loopback_without_token_refuses_to_start(tmp_path):
    # The check runs before uvicorn binds, so nothing listens on 0.0.0.0.
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "serve", "--host", "0.0.0.0", "--database", str(tmp_path / "db")],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": "/usr/bin:/bin"},
    )

    assert result.returncode == 2
    assert "PARTYSTAR_SANDBOX_ADMIN_TOKEN" in result.stderr


def test_merchant_create_read_and_balance(client):
    created = admin(
        client, "PUT", "/merchants/81", json={"secrets": [{"secret": "secret-81"}], "balance": 1000}
    )
    topped_up = admin(client, "POST", "/merchants/81/balance", json={"add": 500})
    set_to = admin(client, "POST", "/merchants/81/balance", json={"set": 40})
    read = admin(client, "GET", "/merchants/81")
    balance = envelope(get(client, "/api/v1/merchant/balance", secret="secret-81", merchant_id=81))

    assert created["balance"] == 1000
    assert created["secrets"] == [{"secret": "********", "expires_at": None}]
    assert topped_up["balance"] == 1500
    assert set_to["balance"] == 40
    assert read["balance"] == 40
    assert balance["data"]["balance"] == 40


def test_balance_cannot_go_negative(client):
    response = client.post("/_sandbox/merchants/50/balance", json={"add": -(10**15)}, headers=ADMIN_HEADERS)

    assert response.status_code == 400
    assert envelope(response)["code"] == 4000


def test_unknown_merchant_and_user_are_not_found(client):
    merchant = client.get("/_sandbox/merchants/999", headers=ADMIN_HEADERS)
    user = client.get("/_sandbox/users/nobody-here", headers=ADMIN_HEADERS)

    assert merchant.status_code == 404
    assert envelope(merchant)["code"] == 4040
    assert user.status_code == 404
    assert envelope(user)["code"] == 4040


def test_user_create_and_coin_balance(client):
    created = admin(client, "PUT", "/users/30001", json={"balance": 7})
    envelope(credit(client, user_id="30001", coin=100))
    read = admin(client, "GET", "/users/30001")

    assert created == {"user_id": "30001", "balance": 7}
    assert read == {"user_id": "30001", "balance": 107}


def test_invalid_admin_bodies_are_rejected(client):
    cases = [
        ("PUT", "/clock", {"offset": "soon"}),
        ("PUT", "/maintenance", {"enabled": "yes"}),
        ("POST", "/merchants/50/balance", {"set": 1, "add": 1}),
        ("PUT", "/merchants/82", {"merchant_id": 83}),
        ("PUT", "/users/30002", {"balance": -1}),
    ]
    for method, path, body in cases:
        response = client.request(method, f"/_sandbox{path}", json=body, headers=ADMIN_HEADERS)

        assert response.status_code == 400, (path, body)
        assert envelope(response)["code"] == 4000, (path, body)


def test_clock_offset_moves_timestamp_window(client):
    stale = int(time.time()) - 3600

    before = envelope(get(client, "/api/v1/merchant/balance", time_stamp=stale))
    clock = admin(client, "PUT", "/clock", json={"offset": -3600})
    shifted = envelope(get(client, "/api/v1/merchant/balance", time_stamp=stale))
    current = envelope(get(client, "/api/v1/merchant/balance"))
    health = envelope(client.get("/api/v1/health"))
    admin(client, "DELETE", "/clock")

    assert before["code"] == 2003
    assert clock["offset"] == -3600
    assert shifted["code"] == 0
    assert current["code"] == 2003
    assert abs(health["data"]["time"] - (time.time() - 3600)) < 60


def test_journal_counts_what_was_sent(client):
    order = order_number()
    for _ in range(3):
        envelope(credit(client, out_order_no=order, user_id="10004", coin=10))
    client.post("/api/v1/coins/credit", json=signed({"user_id": "10004", "coin": 10, "out_order_no": order}, "bad"))

    entries = admin(client, "GET", "/journal", params={"out_order_no": order})["entries"]

    assert journal_count(client, out_order_no=order) == 4
    assert journal_count(client, out_order_no=order, operation="creditCoins", code=0) == 3
    assert journal_count(client, out_order_no=order, code=2001) == 1
    assert journal_count(client, out_order_no=order, merchant_id=51) == 0
    assert len(entries) == 4
    assert entries[0]["code"] == 2001, "entries come newest first"
    assert all("sign" not in entry["params"] for entry in entries)


def test_journal_entry_has_signature_diagnostics(client):
    order = order_number()
    client.post("/api/v1/coins/credit", json=signed({"user_id": "123", "coin": 5, "out_order_no": order}, "bad"))
    listed = admin(client, "GET", "/journal", params={"out_order_no": order, "limit": 1})["entries"][0]

    entry = admin(client, "GET", f"/journal/{listed['entry_id']}")

    assert entry["code"] == 2001
    assert "secret_key=********" in entry["diagnostics"]["canonical_string"]


def test_journal_time_filters(client):
    order = order_number()
    start = time.time()
    envelope(credit(client, out_order_no=order))

    assert journal_count(client, out_order_no=order, since=start - 1) == 1
    assert journal_count(client, out_order_no=order, until=start - 1) == 0


def test_journal_rejects_bad_filters(client):
    for params in ({"code": "zero"}, {"limit": 0}, {"colour": "red"}, {"since": "yesterday"}):
        response = client.get("/_sandbox/journal", params=params, headers=ADMIN_HEADERS)

        assert response.status_code == 400, params
        assert envelope(response)["code"] == 4000, params


def test_reset_restores_config(client):
    admin(client, "POST", "/merchants/50/balance", json={"set": 5})
    admin(client, "PUT", "/clock", json={"offset": 120})

    admin(client, "POST", "/reset")

    assert admin(client, "GET", "/merchants/50")["balance"] == 1_000_000_000
    assert admin(client, "GET", "/clock")["offset"] == 0
    assert journal_count(client) == 0
