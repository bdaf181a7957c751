"""Scenario files: the shipped ones load, and each sets up what it promises."""

from pathlib import Path

import httpx

from tests.controls.admin import YAML_HEADERS, admin
from tests.server.api import credit, envelope
from tests.support.sandbox import REPO_ROOT

SCENARIOS = REPO_ROOT / "scenarios"


def load(client: httpx.Client, name: str) -> dict:
    return admin(client, "POST", "/scenario", content=(SCENARIOS / name).read_bytes(), headers=YAML_HEADERS)


def test_shipped_scenarios_load(client):
    names = sorted(path.name for path in SCENARIOS.glob("*.yaml"))

    for name in names:
        summary = load(client, name)

        assert summary["name"] == Path(name).stem
    assert {"happy-path.yaml", "flaky-network.yaml", "maintenance-window.yaml", "low-balance.yaml"} <= set(names)
    admin(client, "POST", "/reset")


def test_flaky_network_fails_twice_first(client):
    load(client, "flaky-network.yaml")

    first = credit(client).status_code
    second = credit(client).status_code
    admin(client, "POST", "/reset")

    assert (first, second) == (503, 503)


def test_maintenance_window_answers_503(client):
    load(client, "maintenance-window.yaml")

    response = client.get("/api/v1/health")
    admin(client, "POST", "/reset")

    assert response.status_code == 503
    assert response.headers["retry-after"] == "60"


def test_low_balance_runs_out(client):
    load(client, "low-balance.yaml")

    codes = [envelope(credit(client, coin=1000))["code"] for _ in range(3)]
    admin(client, "POST", "/reset")

    assert codes == [0, 0, 3002]


def test_invalid_scenario_changes_nothing(client):
    admin(client, "PUT", "/clock", json={"offset": 5})
    body = b"clock_offset: 30\nfaults:\n  - {kind: http_error, status: 418}\n"

    response = client.post("/_sandbox/scenario", content=body, headers=YAML_HEADERS)

    assert response.status_code == 400
    assert "faults[0]" in envelope(response)["msg"]
    assert admin(client, "GET", "/clock")["offset"] == 5


def test_serve_loads_scenario_at_start(start_sandbox):
    server = start_sandbox(extra_args=["--scenario", str(SCENARIOS / "low-balance.yaml")])
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        merchant = admin(http, "GET", "/merchants/50")

    assert merchant["balance"] == 2500
