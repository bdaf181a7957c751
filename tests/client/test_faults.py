"""Injected faults on credit: never a double credit, and the right outcome for each."""

from collections.abc import Iterator
from itertools import count
from typing import Any

import pytest

from partystar_client import CreditOutcome, CreditStatus, PartyStarClient, RetryPolicy
from partystar_client.flows import Seams
from tests.client import sandbox_setup as setup
from tests.support.sandbox import SandboxProcess

ORDER_NUMBERS = count(1)
COIN = 40


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxProcess]:
    with SandboxProcess(tmp_path_factory.mktemp("client-faults")) as sandbox:
        yield sandbox


@pytest.fixture(autouse=True)
def no_rules(server: SandboxProcess) -> Iterator[None]:
    yield
    setup.admin(server, "DELETE", "faults")


class Recorder:
    """Sleep seam that records the waits instead of sleeping."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def credit_with_fault(server: SandboxProcess, rule: dict[str, Any], attempts: int = 4) -> tuple[CreditOutcome, int, Recorder]:
    """Credit one new order under a fault rule scoped to it; return the outcome, the balance change and the waits."""
    order = f"FAULT-{next(ORDER_NUMBERS):04d}"
    setup.add_fault(server, operation="creditCoins", out_order_no=order, **rule)
    waits = Recorder()
    seams = Seams(jitter=lambda: 0.0)
    policy = RetryPolicy(max_attempts=attempts, max_elapsed=30.0)
    with PartyStarClient(server.base_url, 50, setup.SECRET, timeout=1.0, retry=policy, seams=seams, sleep=waits) as client:
        before = client.merchant_balance().balance
        outcome = client.credit("10005", COIN, order)
        after = client.merchant_balance().balance
    return outcome, before - after, waits


def credit_requests(server: SandboxProcess, order: str) -> int:
    data = setup.admin(server, "GET", f"journal/count?operation=creditCoins&out_order_no={order}")
    return int(data["count"])


@pytest.mark.parametrize(
    "rule",
    [
        {"kind": "commit_then_delay", "delay_ms": 2500, "times": 1},
        {"kind": "commit_then_drop", "times": 1},
        {"kind": "close_before", "times": 2},
        {"kind": "truncated_body", "times": 1},
        {"kind": "malformed_body", "times": 1},
        {"kind": "http_error", "status": 500, "commit": True, "times": 1},
        {"kind": "http_error", "status": 502, "times": 2},
        {"kind": "http_error", "status": 503, "retry_after": 1, "times": 1},
        {"kind": "http_error", "status": 504, "commit": True, "times": 2},
        {"kind": "maintenance", "retry_after": 1, "times": 1},
    ],
    ids=lambda rule: f"{rule['kind']}-{rule.get('status', '')}{'-commit' if rule.get('commit') else ''}",
)
def test_recovered_fault_credits_once(server: SandboxProcess, rule: dict[str, Any]) -> None:
    outcome, debited, _ = credit_with_fault(server, rule)

    assert outcome.status is CreditStatus.CREDITED
    assert outcome.transaction is not None
    assert debited == COIN
    assert credit_requests(server, outcome.out_order_no) == rule["times"] + 1


def test_retry_after_seconds_honoured(server: SandboxProcess) -> None:
    outcome, debited, waits = credit_with_fault(server, {"kind": "rate_limited", "retry_after": 3, "times": 1})

    assert outcome.status is CreditStatus.CREDITED
    assert debited == COIN
    assert waits.waits == [3.0]


def test_retry_after_http_date_honoured(server: SandboxProcess) -> None:
    rule = {"kind": "rate_limited", "retry_after": 5, "retry_after_format": "http-date", "times": 1}

    outcome, debited, waits = credit_with_fault(server, rule)

    assert outcome.status is CreditStatus.CREDITED
    assert debited == COIN
    assert len(waits.waits) == 1
    # An HTTP date has whole seconds, so the wait is up to a second short of 5 s, plus transit.
    assert 3.0 <= waits.waits[0] <= 5.0


def test_drop_every_attempt_found_by_lookup(server: SandboxProcess) -> None:
    outcome, debited, _ = credit_with_fault(server, {"kind": "commit_then_drop"}, attempts=3)

    assert outcome.status is CreditStatus.CREDITED
    assert debited == COIN
    assert credit_requests(server, outcome.out_order_no) == 3


def test_close_every_attempt_is_unknown(server: SandboxProcess) -> None:
    outcome, debited, _ = credit_with_fault(server, {"kind": "close_before"}, attempts=3)

    assert outcome.status is CreditStatus.UNKNOWN
    assert debited == 0


def test_unavailable_every_attempt_is_failed(server: SandboxProcess) -> None:
    outcome, debited, _ = credit_with_fault(server, {"kind": "http_error", "status": 503}, attempts=3)

    assert outcome.status is CreditStatus.FAILED
    assert outcome.code == 5003
    assert debited == 0


def test_unknown_order_resent_credits_once(server: SandboxProcess) -> None:
    first, _, _ = credit_with_fault(server, {"kind": "commit_then_delay", "delay_ms": 2500}, attempts=2)
    setup.admin(server, "DELETE", "faults")

    with PartyStarClient(server.base_url, 50, setup.SECRET) as client:
        again = client.credit("10005", COIN, first.out_order_no)
        transaction = client.transaction(first.out_order_no)

    assert first.status is CreditStatus.CREDITED
    assert again.status is CreditStatus.ALREADY_CREDITED
    assert again.transaction == transaction
