"""Hostile admin input: every value is bounded and checked, and rejected with 4000 or 4040, never 500."""

import json

import httpx
import pytest

from tests.controls.admin import ADMIN_HEADERS, YAML_HEADERS, admin
from tests.server import ledger
from tests.server.api import credit, envelope

MAX_BALANCE = 10**15
HUGE = "9" * 40
JSON_HEADERS = {**ADMIN_HEADERS, "Content-Type": "application/json"}


def rejected(response: httpx.Response, code: int = 4000) -> str:
    """Check a rejection's status and code; return its message."""
    body = envelope(response)
    assert response.status_code == {4000: 400, 4040: 404}[code], body
    assert body["code"] == code, body
    return body["msg"]


def send_json(client: httpx.Client, method: str, path: str, text: str) -> httpx.Response:
    """Send a JSON body exactly as written, escapes included."""
    return client.request(method, f"/_sandbox{path}", content=text.encode(), headers=JSON_HEADERS)


def load_scenario(client: httpx.Client, text: str) -> httpx.Response:
    return client.post("/_sandbox/scenario", content=text.encode(), headers=YAML_HEADERS)


# 1. Balances stay integers within 0..MAX_BALANCE and equal the ledger.


def test_balance_add_cannot_overflow(client, controls_sandbox):
    admin(client, "POST", "/merchants/50/balance", json={"set": 1000})

    answers = [client.post("/_sandbox/merchants/50/balance", json={"add": 9223372036854775000}, headers=ADMIN_HEADERS)
               for _ in range(2)]
    beyond = client.post("/_sandbox/merchants/50/balance", json={"add": MAX_BALANCE}, headers=ADMIN_HEADERS)
    floating = send_json(client, "POST", "/merchants/50/balance", '{"add": 1e30}')
    balance = admin(client, "GET", "/merchants/50")["balance"]
    credited = envelope(credit(client, coin=7))
    admin(client, "POST", "/reset")

    for answer in answers:
        message = rejected(answer)
        assert "add" in message
        assert str(MAX_BALANCE) in message
    assert str(MAX_BALANCE) in rejected(beyond)
    assert "add" in rejected(floating)
    assert balance == 1000
    assert isinstance(balance, int)
    assert credited["code"] == 0
    assert ledger.ledger_mismatches(controls_sandbox.database) == []


def test_balance_set_up_to_the_maximum(client, controls_sandbox):
    at_maximum = admin(client, "POST", "/merchants/50/balance", json={"set": MAX_BALANCE})
    above = client.post("/_sandbox/merchants/50/balance", json={"set": MAX_BALANCE + 1}, headers=ADMIN_HEADERS)
    admin(client, "POST", "/reset")

    assert at_maximum["balance"] == MAX_BALANCE
    assert "set" in rejected(above)
    assert ledger.ledger_mismatches(controls_sandbox.database) == []


def test_opening_balances_are_bounded(client):
    user = send_json(client, "PUT", "/users/30101", '{"balance": 1e30}')
    big_user = client.put("/_sandbox/users/30102", json={"balance": MAX_BALANCE + 1}, headers=ADMIN_HEADERS)
    merchant = client.put("/_sandbox/merchants/83", json={"balance": 10**30}, headers=ADMIN_HEADERS)
    scenario = load_scenario(client, f"reset: false\nbalances:\n  50: {10**30}\n")
    scenario_user = load_scenario(client, f"reset: false\nusers:\n  - {{user_id: '30103', balance: {10**30}}}\n")

    assert "balance" in rejected(user)
    assert str(MAX_BALANCE) in rejected(big_user)
    assert "balance" in rejected(merchant)
    assert "balances" in rejected(scenario)
    assert "balance" in rejected(scenario_user)
    rejected(client.get("/_sandbox/users/30101", headers=ADMIN_HEADERS), 4040)
    rejected(client.get("/_sandbox/merchants/83", headers=ADMIN_HEADERS), 4040)


# 2. Lone surrogates are rejected before anything is stored.


@pytest.mark.parametrize(
    ("method", "path", "text"),
    [
        ("POST", "/faults", '{"kind": "close_before", "user_id": "\\ud800"}'),
        ("PUT", "/merchants/84", '{"name": "\\udfff"}'),
        ("PUT", "/users/30104", '{"user_id": "\\ud800"}'),
        ("POST", "/faults", '{"kind": "close_before", "\\ud800": 1}'),
    ],
)
def test_lone_surrogates_in_json_are_rejected(client, method, path, text):
    response = send_json(client, method, path, text)

    assert "surrogate" in rejected(response)
    assert admin(client, "GET", "/faults")["rules"] == []
    rejected(client.get("/_sandbox/merchants/84", headers=ADMIN_HEADERS), 4040)


def test_lone_surrogate_in_scenario_is_rejected(client):
    response = load_scenario(client, 'reset: false\nname: "\\ud800"\nfaults: [{kind: close_before}]\n')

    assert "surrogate" in rejected(response)
    assert admin(client, "GET", "/faults")["rules"] == []


# 3. Integers are bounded.


@pytest.mark.parametrize(
    "path", [f"/merchants/{HUGE}", "/merchants/0", f"/journal/{HUGE}", f"/journal/count?merchant_id={HUGE}",
             f"/journal?code={HUGE}", f"/users/30105?x={HUGE}"]
)
def test_huge_path_and_query_integers_are_rejected(client, path):
    response = client.get(f"/_sandbox{path}", headers=ADMIN_HEADERS)

    assert response.status_code in (400, 404), response.text
    assert envelope(response)["code"] in (4000, 4040)


def test_out_of_range_ids_name_their_bound(client):
    merchant = client.get(f"/_sandbox/merchants/{HUGE}", headers=ADMIN_HEADERS)
    entry = client.get(f"/_sandbox/journal/{HUGE}", headers=ADMIN_HEADERS)
    balance = client.post(f"/_sandbox/merchants/{HUGE}/balance", json={"add": 1}, headers=ADMIN_HEADERS)

    assert "2147483647" in rejected(merchant)
    assert "9223372036854775807" in rejected(entry)
    assert "merchant_id" in rejected(balance)


@pytest.mark.parametrize(
    "rule",
    [
        {"kind": "close_before", "merchant_id": 10**30},
        {"kind": "close_before", "merchant_id": 2147483648},
        {"kind": "close_before", "times": 10**30},
        {"kind": "close_before", "times": 10**9 + 1},
        {"kind": "close_before", "seed": 10**30},
        {"kind": "close_before", "seed": -1},
        {"kind": "rate_limited", "retry_after": 10**30},
        {"kind": "rate_limited", "retry_after": 86401},
    ],
)
def test_rule_integers_are_bounded(client, rule):
    message = rejected(client.post("/_sandbox/faults", json=rule, headers=ADMIN_HEADERS))

    assert next(name for name in rule if name != "kind") in message
    assert admin(client, "GET", "/faults")["rules"] == []


def test_rule_integers_at_their_bounds_are_accepted(client):
    added = admin(
        client, "POST", "/faults",
        json={"kind": "rate_limited", "merchant_id": 2147483647, "times": 10**9, "seed": 2**63 - 1, "retry_after": 86400},
    )

    assert added["times"] == 10**9
    assert admin(client, "GET", "/faults")["rules"][0]["seed"] == 2**63 - 1


def test_maintenance_and_clock_integers_are_bounded(client):
    maintenance = client.put("/_sandbox/maintenance", json={"enabled": True, "retry_after": 10**30}, headers=ADMIN_HEADERS)
    clock = send_json(client, "PUT", "/clock", json.dumps({"offset": 10**400}))

    assert "retry_after" in rejected(maintenance)
    assert "offset" in rejected(clock)
    assert admin(client, "GET", "/maintenance")["enabled"] is False


# 4. Echoed values and messages are short.


def alias_bomb(levels: int) -> str:
    """Return a small YAML list whose aliases expand to 9**levels strings."""
    names = [chr(ord("a") + level) for level in range(levels)]
    anchors = [f"&{names[0]} [{', '.join(['x'] * 9)}]"]
    anchors += [f"&{name} [{', '.join(['*' + previous] * 9)}]" for previous, name in zip(names, names[1:])]
    return f"[{', '.join(anchors)}]"


@pytest.mark.parametrize("levels", [3, 6, 9])
def test_alias_bomb_in_scenario_gets_a_short_message(client, levels):
    text = f"reset: false\nname: {alias_bomb(levels)}\n"

    message = rejected(load_scenario(client, text))

    assert len(text) < 400
    assert len(message) <= 600
    assert "name" in message or "aliases" in message


def test_long_values_are_cut_in_messages(client):
    message = rejected(client.post("/_sandbox/faults", json={"kind": "x" * 100_000}, headers=ADMIN_HEADERS))

    assert len(message) <= 600
    assert "xxxx" in message


def test_scenario_description_must_be_text(client):
    assert "description" in rejected(load_scenario(client, "reset: false\ndescription: [1, 2]\n"))


# 5. Journal filters.


@pytest.mark.parametrize(
    "query",
    ["code=0&code=1", "merchant_id=50&merchant_id=51", "since=nan", "since=1e400", "until=inf", "until=-Infinity",
     "since=1_000", "limit=1&limit=2"],
)
def test_bad_journal_filters_are_rejected(client, query):
    for path in ("/journal", "/journal/count"):
        rejected(client.get(f"/_sandbox{path}?{query}", headers=ADMIN_HEADERS))


# 6. Ids follow the contract's schemas.


def test_ids_the_public_api_cannot_name_are_rejected(client):
    user = client.put("/_sandbox/users/a%26b", json={}, headers=ADMIN_HEADERS)
    control = client.put("/_sandbox/users/a%01b", json={}, headers=ADMIN_HEADERS)
    too_long = client.put(f"/_sandbox/users/{'1' * 65}", json={}, headers=ADMIN_HEADERS)
    scenario = load_scenario(client, "reset: false\nusers: ['a=b']\n")
    rule = client.post("/_sandbox/faults", json={"kind": "close_before", "user_id": "a&b"}, headers=ADMIN_HEADERS)
    order = client.post("/_sandbox/faults", json={"kind": "close_before", "out_order_no": "a b"}, headers=ADMIN_HEADERS)
    balances = load_scenario(client, "reset: false\nbalances: {0: 5}\n")

    for response in (user, control, too_long, scenario, rule):
        assert "user_id" in rejected(response) or "user id" in rejected(response)
    assert "out_order_no" in rejected(order)
    assert "balances" in rejected(balances)
    rejected(client.get("/_sandbox/users/a%26b", headers=ADMIN_HEADERS))


# 7. Content types.


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_admin_bodies_need_json(client, content_type):
    headers = dict(ADMIN_HEADERS) | ({"Content-Type": content_type} if content_type else {})

    response = client.post("/_sandbox/faults", content=b'{"kind": "close_before"}', headers=headers)

    assert "Content-Type" in rejected(response)
    assert admin(client, "GET", "/faults")["rules"] == []


def test_scenario_takes_yaml_or_json(client):
    plain = client.post("/_sandbox/scenario", content=b"reset: false", headers={**ADMIN_HEADERS, "Content-Type": "text/plain"})
    yaml = load_scenario(client, "reset: false\nname: y\n")
    text_yaml = client.post("/_sandbox/scenario", content=b"reset: false", headers={**ADMIN_HEADERS, "Content-Type": "text/yaml"})
    as_json = client.post("/_sandbox/scenario", json={"reset": False, "name": "j"}, headers=ADMIN_HEADERS)

    assert "Content-Type" in rejected(plain)
    assert envelope(yaml)["data"]["name"] == "y"
    assert envelope(text_yaml)["code"] == 0
    assert envelope(as_json)["data"]["name"] == "j"


# 8. An empty scenario resets nothing.


@pytest.mark.parametrize("body", [b"", b"  \n", b"# only a comment\n", b"null\n"])
def test_empty_scenario_changes_nothing(client, body):
    admin(client, "PUT", "/clock", json={"offset": 7})

    response = client.post("/_sandbox/scenario", content=body, headers=YAML_HEADERS)

    assert "empty" in rejected(response)
    assert admin(client, "GET", "/clock")["offset"] == 7


# 9. fired counts faults, matched counts requests.


def test_fired_counts_faults_and_matched_counts_requests(client):
    spent = admin(client, "POST", "/faults", json={"kind": "http_error", "status": 503, "user_id": "10011", "times": 1})
    always = admin(client, "POST", "/faults", json={"kind": "latency", "latency_ms": 0, "user_id": "10012"})

    statuses = [credit(client, user_id="10011", coin=1).status_code for _ in range(3)]
    envelope(credit(client, user_id="10012", coin=1))
    envelope(credit(client, user_id="10012", coin=1))
    rules = {rule["id"]: rule for rule in admin(client, "GET", "/faults")["rules"]}

    assert spent["fired"] == 0
    assert always["fired"] == 0
    assert statuses == [503, 200, 200]
    assert (rules[spent["id"]]["matched"], rules[spent["id"]]["fired"], rules[spent["id"]]["remaining"]) == (3, 1, 0)
    assert (rules[always["id"]]["matched"], rules[always["id"]]["fired"], rules[always["id"]]["remaining"]) == (2, 2, None)
