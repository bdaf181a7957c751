"""Signing over HTTP: every vector accepted, every listed mistake rejected and named."""

import httpx
import pytest

from tests.server.api import envelope
from tests.support.sandbox import default_config

VECTOR_USERS = ["123", "000123", "لاعب_٤٢", "player one"]


@pytest.fixture(scope="module")
def wide_window_sandbox(tmp_path_factory):
    """A sandbox whose timestamp window admits the vectors' fixed time_stamps."""
    from tests.support.sandbox import SandboxProcess

    config = default_config()
    config["settings"]["timestamp_skew"] = 10**9
    config["users"] += VECTOR_USERS[1:]
    with SandboxProcess(tmp_path_factory.mktemp("vectors"), config=config) as server:
        yield server


def send(client: httpx.Client, method: str, path: str, params: dict) -> httpx.Response:
    if method == "POST":
        return client.post(path, json=params)
    return client.get(path, params=params)


def test_every_vector_is_accepted(wide_window_sandbox, signature_vectors):
    with httpx.Client(base_url=wide_window_sandbox.base_url) as client:
        for vector in signature_vectors["vectors"]:
            params = {**vector["params"], "sign": vector["sign"]}
            if vector["path"].startswith("/api/v1/transactions/"):
                params.pop("out_order_no")
            body = envelope(send(client, vector["method"], vector["path"], params))

            assert body["code"] == 0, (vector["name"], body)


def test_every_vector_rejected_with_one_digit_changed(wide_window_sandbox, signature_vectors):
    with httpx.Client(base_url=wide_window_sandbox.base_url) as client:
        for vector in signature_vectors["vectors"]:
            tampered = ("0" if vector["sign"][0] != "0" else "1") + vector["sign"][1:]
            params = {**vector["params"], "sign": tampered}
            if vector["path"].startswith("/api/v1/transactions/"):
                params.pop("out_order_no")
            body = envelope(send(client, vector["method"], vector["path"], params))

            assert body["code"] == 2001, (vector["name"], body)
            assert body["data"]["canonical_string"] == vector["canonical"].replace(
                signature_vectors["secret"], "********"
            )


def test_every_listed_mistake_is_named_over_http(wide_window_sandbox, signature_vectors):
    with httpx.Client(base_url=wide_window_sandbox.base_url) as client:
        for case in signature_vectors["mistakes"]:
            if "milliseconds" in case["mistake"]:
                continue
            body = envelope(client.post("/api/v1/coins/credit", json={**case["params"], "sign": case["sign"]}))

            assert body["code"] == 2001, case["mistake"]
            assert body["data"]["mistake"], case["mistake"]
            assert body["data"]["mistake"] in body["msg"]
            assert signature_vectors["secret"] not in str(body)


def test_millisecond_timestamp_is_named(sandbox, signature_vectors):
    case = next(c for c in signature_vectors["mistakes"] if "milliseconds" in c["mistake"])

    body = envelope(httpx.post(f"{sandbox.base_url}/api/v1/coins/credit", json={**case["params"], "sign": case["sign"]}))

    assert body["code"] == 2003
    assert "milliseconds" in body["msg"]
    assert body["data"]["request_time"] == case["params"]["time_stamp"]
    assert body["data"]["allowed_skew"] == 600


def test_timestamp_instead_of_time_stamp_is_named(sandbox):
    params = {"merchant_id": 50, "user_id": "123", "timestamp": 1756280758, "sign": "5E0F44D54DE866D8ACC55AA30D2C8BED"}

    body = envelope(httpx.get(f"{sandbox.base_url}/api/v1/user/verify", params=params))

    assert body["code"] == 1001
    assert "Did you mean 'time_stamp'?" in body["msg"]


def test_mistake_sign_is_not_stored_in_journal(wide_window_sandbox, signature_vectors):
    from tests.server.ledger import query

    case = signature_vectors["mistakes"][0]
    httpx.post(f"{wide_window_sandbox.base_url}/api/v1/coins/credit", json={**case["params"], "sign": case["sign"]})

    rows = query(wide_window_sandbox.database, "SELECT params, diagnostics FROM journal")

    assert rows
    assert all(case["sign"] not in str(row) and signature_vectors["secret"] not in str(row) for row in rows)
