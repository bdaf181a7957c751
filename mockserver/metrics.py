"""Prometheus metrics at /metrics: requests, latency, credits, replays, conflicts and injected faults.

With several worker processes, prometheus-client's multiprocess mode sums the
workers: `serve` sets PROMETHEUS_MULTIPROC_DIR to a fresh directory before the
workers start, and each scrape reads every worker's files from it.
"""

import os
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.requests import Request
from starlette.responses import Response

from mockserver.codes import ResultCode

MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter(
    "partystar_requests", "Requests to public operations, by outcome code.", ["operation", "code"]
)
DURATION = Histogram(
    "partystar_request_duration_seconds",
    "Time from the request to its answer, injected delays included.",
    ["operation"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
CREDITS = Counter("partystar_credits", "Credits committed (replays not counted).", ["merchant_id"])
COINS = Counter("partystar_coins_credited", "Coins credited by committed credits.", ["merchant_id"])
REPLAYS = Counter("partystar_replays", "Credit requests answered as a replay of an earlier credit.", ["merchant_id"])
CONFLICTS = Counter("partystar_conflicts", "Credit requests rejected as ORDER_CONFLICT.", ["merchant_id"])
FAULTS = Counter("partystar_faults_injected", "Faults injected, by kind.", ["kind", "operation"])


def observe(
    operation: str, code: ResultCode, seconds: float, merchant_id: int | None, data: Any, fault: str | None
) -> None:
    """Count one request to a public operation."""
    REQUESTS.labels(operation=operation, code=str(int(code))).inc()
    DURATION.labels(operation=operation).observe(seconds)
    if fault is not None:
        FAULTS.labels(kind=fault, operation=operation).inc()
    if operation != "creditCoins":
        return
    merchant = str(merchant_id)
    if code is ResultCode.ORDER_CONFLICT:
        CONFLICTS.labels(merchant_id=merchant).inc()
    # data is set only when the operation succeeded, even if a fault then replaced the answer.
    if not isinstance(data, dict):
        return
    if data.get("replay"):
        REPLAYS.labels(merchant_id=merchant).inc()
    else:
        CREDITS.labels(merchant_id=merchant).inc()
        COINS.labels(merchant_id=merchant).inc(int(data.get("coin", 0)))


async def metrics_endpoint(request: Request) -> Response:
    if os.environ.get(MULTIPROCESS_VARIABLE):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest()
    return Response(body, media_type=CONTENT_TYPE_LATEST)
