"""The security rules over HTTP: timestamps, sign checks, secrets, IPs, operations, rate limits."""

import time

import httpx
import pytest

from mockserver import signing
from tests.server.api import credit, envelope, get, order_number
from tests.support.sandbox import default_config
from tests.support.signer import SECRET, signed


def merchant(merchant_id: int, **settings) -> dict:
    base = {
        "merchant_id": merchant_id,
        "secrets": [{"secret": f"secret-{merchant_id}"}],
        "ip_allowlist": ["127.0.0.0/8", "::1/128"],
        "rate_limit": {"rate": 1000, "burst": 1000},
        "balance": 1_000_000,
    }
    return {**base, **settings}


@pytest.fixture(scope="module")
def rules_sandbox(tmp_path_factory):
    from tests.support.sandbox import SandboxProcess

    config = default_config()
    now = int(time.time())
    config["merchants"] += [
        merchant(60, secrets=[{"secret": "old-secret-60"}, {"secret": "new-secret-60"}]),
        merchant(61, secrets=[{"secret": "expired-61", "expires_at": now - 10}, {"secret": "live-61"}]),
        merchant(62, secrets=[]),
        merchant(63, sign_types=["HMAC-SHA256"]),
        merchant(64, ip_allowlist=["10.0.0.0/8"]),
        merchant(65, ip_allowlist=["10.0.0.0/8"], trusted_proxies=["127.0.0.1/32"]),
        merchant(66, operations=["verifyUser"]),
        merchant(67, rate_limit={"rate": 0.01, "burst": 3}),
        merchant(68, ip_allowlist=["127.0.0.1/32"]),
    ]
    with SandboxProcess(tmp_path_factory.mktemp("rules"), config=config) as server:
        yield server


@pytest.fixture
def client(rules_sandbox):
    with httpx.Client(base_url=rules_sandbox.base_url) as http:
        yield http


def balance_code(client, merchant_id=50, secret=SECRET, headers=None, **overrides):
    params = signed({"merchant_id": merchant_id}, secret, **overrides)
    return envelope(client.get("/api/v1/merchant/balance", params=params, headers=headers or {}))


@pytest.mark.parametrize("offset", [-590, 0, 590])
def test_timestamp_inside_window_accepted(client, offset):
    body = balance_code(client, time_stamp=int(time.time()) + offset)

    assert body["code"] == 0


@pytest.mark.parametrize("offset", [-610, 610])
def test_timestamp_outside_window_rejected(client, offset):
    body = balance_code(client, time_stamp=int(time.time()) + offset)

    assert body["code"] == 2003
    assert body["data"]["allowed_skew"] == 600
    assert abs(body["data"]["server_time"] - time.time()) < 5
    assert body["data"]["request_time"] - body["data"]["server_time"] == pytest.approx(offset, abs=5)


@pytest.mark.parametrize(
    ("sign_value", "fragment"),
    [("", "missing"), ("ABC", "32 hex digits"), ("G" * 32, "not all hex"), ("A" * 64, "32 hex digits")],
)
def test_malformed_sign_rejected(client, sign_value, fragment):
    params = signed({"merchant_id": 50})
    params["sign"] = sign_value

    body = envelope(client.get("/api/v1/merchant/balance", params=params))

    assert body["code"] == 2001
    assert fragment in body["msg"]


def test_missing_sign_rejected(client):
    params = signed({"merchant_id": 50})
    del params["sign"]

    body = envelope(client.get("/api/v1/merchant/balance", params=params))

    assert body["code"] == 2001


def test_tampered_parameter_rejected(client):
    params = signed({"user_id": "123"})
    params["user_id"] = "10001"

    body = envelope(client.get("/api/v1/user/verify", params=params))

    assert body["code"] == 2001
    assert "user_id=10001" in body["data"]["canonical_string"]


def test_hmac_sign_accepted(client):
    body = balance_code(client, sign_type="HMAC-SHA256")

    assert body["code"] == 0


def test_sign_type_not_allowed(client):
    body = balance_code(client, merchant_id=63, secret="secret-63")

    assert body["code"] == 2002


def test_hmac_only_merchant_accepts_hmac(client):
    body = balance_code(client, merchant_id=63, secret="secret-63", sign_type="HMAC-SHA256")

    assert body["code"] == 0


@pytest.mark.parametrize("secret", ["old-secret-60", "new-secret-60"])
def test_either_rotated_secret_verifies(client, secret):
    assert balance_code(client, merchant_id=60, secret=secret)["code"] == 0


def test_expired_secret_rejected(client):
    assert balance_code(client, merchant_id=61, secret="expired-61")["code"] == 2001


def test_live_secret_beside_expired_one_verifies(client):
    assert balance_code(client, merchant_id=61, secret="live-61")["code"] == 0


def test_merchant_without_secret_rejected(client):
    assert balance_code(client, merchant_id=62, secret="anything")["code"] == 2006


def test_unknown_merchant_rejected(client):
    assert balance_code(client, merchant_id=999)["code"] == 2005


def test_address_outside_allowlist_rejected(client):
    body = balance_code(client, merchant_id=64, secret="secret-64")

    assert body["code"] == 2004
    assert body["data"]["client_address"] == "127.0.0.1"
    assert "127.0.0.1" in body["msg"]


def test_forwarded_for_spoof_rejected(client):
    spoof = {"X-Forwarded-For": "10.1.2.3"}

    body = balance_code(client, merchant_id=64, secret="secret-64", headers=spoof)

    assert body["code"] == 2004
    assert body["data"]["client_address"] == "127.0.0.1"


def test_forwarded_for_from_trusted_proxy_honoured(client):
    forwarded = {"X-Forwarded-For": "10.1.2.3"}

    body = balance_code(client, merchant_id=65, secret="secret-65", headers=forwarded)

    assert body["code"] == 0


def test_forwarded_for_chain_uses_last_untrusted_hop(client):
    # The client wrote 10.9.9.9 itself; the proxy appended the real address 192.0.2.7.
    forwarded = {"X-Forwarded-For": "10.9.9.9, 192.0.2.7"}

    body = balance_code(client, merchant_id=65, secret="secret-65", headers=forwarded)

    assert body["code"] == 2004
    assert body["data"]["client_address"] == "192.0.2.7"


def test_repeated_forwarded_for_headers_read_as_one_list(client):
    headers = [("X-Forwarded-For", "10.9.9.9"), ("X-Forwarded-For", "192.0.2.7")]

    body = balance_code(client, merchant_id=65, secret="secret-65", headers=httpx.Headers(headers))

    assert body["code"] == 2004
    assert body["data"]["client_address"] == "192.0.2.7"


def test_operation_not_enabled(client):
    params = signed({"user_id": "123", "coin": 1, "out_order_no": order_number(), "merchant_id": 66}, "secret-66")

    body = envelope(client.post("/api/v1/coins/credit", json=params))

    assert body["code"] == 2007


def test_enabled_operation_allowed(client):
    body = envelope(get(client, "/api/v1/user/verify", "secret-66", merchant_id=66, user_id="123"))

    assert body["code"] == 0


def test_rate_limit_answers_429_with_retry_after(client):
    answers = [client.get("/api/v1/merchant/balance", params=signed({"merchant_id": 67}, "secret-67")) for _ in range(4)]

    assert [a.status_code for a in answers[:3]] == [200, 200, 200]
    assert answers[3].status_code == 429
    assert int(answers[3].headers["Retry-After"]) >= 1
    body = envelope(answers[3])
    assert body["code"] == 4029
    assert body["data"]["retry_after"] == int(answers[3].headers["Retry-After"])


def test_rate_limit_not_spent_by_bad_signatures(client):
    params = signed({"merchant_id": 68}, "wrong-secret")
    for _ in range(5):
        client.get("/api/v1/merchant/balance", params=params)

    body = balance_code(client, merchant_id=68, secret="secret-68")

    assert body["code"] == 0


def test_signature_checked_before_business_rules(client):
    response = credit(client, secret="wrong-secret", user_id="no-such-user")

    assert envelope(response)["code"] == 2001


def test_ipv6_loopback_client(tmp_path):
    from tests.support.sandbox import SandboxProcess

    with SandboxProcess(tmp_path, host="::1") as server, httpx.Client(base_url=server.base_url) as http:
        body = envelope(http.get("/api/v1/merchant/balance", params=signed({"merchant_id": 50})))

    assert body["code"] == 0


def test_strict_mode_hides_diagnostics(tmp_path):
    from tests.support.sandbox import SandboxProcess

    config = default_config()
    config["settings"]["mode"] = "strict"
    with SandboxProcess(tmp_path, config=config) as server, httpx.Client(base_url=server.base_url) as http:
        bad_sign = envelope(http.get("/api/v1/merchant/balance", params=signed({"merchant_id": 50}, "wrong")))
        old = envelope(http.get("/api/v1/merchant/balance", params=signed({"merchant_id": 50}, time_stamp=1)))

    assert bad_sign["code"] == 2001
    assert bad_sign["data"] is None
    assert bad_sign["msg"] == "Invalid signature."
    assert old["code"] == 2003
    assert old["data"] is None
    assert old["msg"] == "time_stamp is outside the allowed window."


def test_sign_covers_sign_type(client):
    params = signed({"merchant_id": 50})
    params["sign_type"] = signing.MD5  # added after signing: the text differs

    body = envelope(client.get("/api/v1/merchant/balance", params=params))

    assert body["code"] == 2001
    assert "sign_type was left out" in body["data"]["mistake"]
