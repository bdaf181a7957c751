"""Magic test user ids trigger faults with no admin call, in sandbox mode only."""

import httpx
import pytest

from tests.controls.admin import journal_count
from tests.server.api import credit, envelope, get, order_number, transaction


@pytest.mark.parametrize(
    ("user_id", "status", "code"),
    [
        ("fault-500", 500, 5000),
        ("fault-502", 502, 5002),
        ("fault-503", 503, 5003),
        ("fault-504", 504, 5004),
        ("fault-429", 429, 4029),
        ("fault-maintenance", 503, 5003),
    ],
)
def test_magic_error_users(client, user_id, status, code):
    order = order_number()

    response = credit(client, user_id=user_id, out_order_no=order)

    assert response.status_code == status
    assert envelope(response)["code"] == code
    assert envelope(transaction(client, order))["code"] == 3004


def test_magic_drop_after_commit_then_find_credit(client):
    order = order_number()

    with pytest.raises(httpx.RemoteProtocolError):
        credit(client, user_id="fault-drop-after-commit", coin=500, out_order_no=order)
    lookup = envelope(transaction(client, order))

    assert lookup["code"] == 0
    assert lookup["data"]["user_id"] == "fault-drop-after-commit"
    assert lookup["data"]["coin"] == 500
    assert journal_count(client, out_order_no=order, fault="commit_then_drop") == 1


def test_magic_close_before(client):
    order = order_number()

    with pytest.raises(httpx.RemoteProtocolError):
        credit(client, user_id="fault-close-before", out_order_no=order)

    assert envelope(transaction(client, order))["code"] == 3004


def test_magic_malformed_and_truncated(client):
    malformed = credit(client, user_id="fault-malformed")
    with pytest.raises(ValueError):
        malformed.json()

    with pytest.raises(httpx.RemoteProtocolError):
        credit(client, user_id="fault-truncated")


def test_magic_users_exist(client):
    body = envelope(get(client, "/api/v1/user/verify", user_id="fault-timeout"))

    assert body["data"]["exists"] is True


def test_strict_mode_has_no_magic_or_admin(start_sandbox):
    from tests.support.sandbox import default_config

    config = default_config()
    config["settings"]["mode"] = "strict"
    server = start_sandbox(config=config)
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        response = credit(http, user_id="fault-500")
        admin_response = http.get("/_sandbox/faults", headers={"Authorization": "Bearer sandbox-admin-token"})

    assert response.status_code == 200
    assert envelope(response)["code"] == 3001, "in strict mode fault-500 is an unknown user"
    assert admin_response.status_code == 404
    assert envelope(admin_response)["code"] == 4004
