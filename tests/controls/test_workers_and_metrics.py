"""Controls shared by several workers, and the Prometheus metrics."""

import httpx

from tests.controls.admin import add_rule, journal_count
from tests.server.api import credit, envelope, order_number


def test_next_n_counts_across_workers(start_sandbox):
    server = start_sandbox(workers=3)
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        add_rule(http, kind="http_error", status=503, operation="health", times=5)
        statuses = []
        for _ in range(20):
            # A fresh connection per request lets the kernel spread them over the workers.
            with httpx.Client(base_url=server.base_url, timeout=10) as single:
                statuses.append(single.get("/api/v1/health").status_code)
        faults = journal_count(http, fault="http_error")

    assert statuses.count(503) == 5
    assert statuses[:5] == [503] * 5
    assert faults == 5


def test_metrics_count_requests_credits_and_faults(client):
    order = order_number()
    envelope(credit(client, out_order_no=order, coin=77))
    envelope(credit(client, out_order_no=order, coin=77))
    envelope(credit(client, out_order_no=order, coin=78))
    add_rule(client, kind="http_error", status=502, operation="health", times=1)
    client.get("/api/v1/health")

    text = client.get("/metrics").text

    assert 'partystar_requests_total{code="0",operation="creditCoins"}' in text
    assert 'partystar_replays_total{merchant_id="50"}' in text
    assert 'partystar_conflicts_total{merchant_id="50"}' in text
    assert 'partystar_faults_injected_total{kind="http_error",operation="health"} 1.0' in text
    assert 'partystar_request_duration_seconds_bucket{le="0.005",operation="creditCoins"}' in text
    assert _value(text, 'partystar_coins_credited_total{merchant_id="50"}') >= 77


def test_metrics_sum_workers(start_sandbox):
    server = start_sandbox(workers=2)
    for _ in range(6):
        with httpx.Client(base_url=server.base_url, timeout=10) as single:
            single.get("/api/v1/health")

    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        text = http.get("/metrics").text

    assert _value(text, 'partystar_requests_total{code="0",operation="health"}') >= 6
    # The multiprocess collector, which sums the workers' files, writes no _created series.
    assert "_created" not in text


def _value(text: str, series: str) -> float:
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.split()[-1])
    raise AssertionError(f"{series} not in the metrics")
