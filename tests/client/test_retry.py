from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from partystar_client.retry import AttemptFailure, RetryPolicy, backoff_delay, next_delay, parse_retry_after

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
POLICY = RetryPolicy(max_attempts=5, base_delay=1.0, max_delay=8.0, max_elapsed=60.0, max_retry_after=30.0)
TIMEOUT = AttemptFailure("timed out", code=None, may_be_applied=True)


def test_backoff_doubles_up_to_max() -> None:
    ceilings = [backoff_delay(POLICY, attempt, jitter=0.999999) for attempt in range(1, 7)]

    assert [round(c) for c in ceilings] == [1, 2, 4, 8, 8, 8]


def test_backoff_jitter_scales_delay() -> None:
    assert backoff_delay(POLICY, 3, jitter=0.0) == 0.0
    assert backoff_delay(POLICY, 3, jitter=0.5) == 2.0


def test_transport_failure_is_retried() -> None:
    assert next_delay(POLICY, 1, TIMEOUT, elapsed=0.0, jitter=0.5, now=NOW) == 0.5


@pytest.mark.parametrize("code", [2003, 4029, 5000, 5002, 5003, 5004])
def test_retryable_codes_are_retried(code: int) -> None:
    failure = AttemptFailure("x", code=code)

    assert next_delay(POLICY, 1, failure, elapsed=0.0, jitter=0.5, now=NOW) is not None


@pytest.mark.parametrize("code", [1001, 2001, 2002, 2004, 2005, 2006, 2007, 3001, 3002, 3003, 3004, 4004, 4005, 9999])
def test_final_codes_are_not_retried(code: int) -> None:
    failure = AttemptFailure("x", code=code)

    assert next_delay(POLICY, 1, failure, elapsed=0.0, jitter=0.5, now=NOW) is None


def test_attempts_are_bounded() -> None:
    assert next_delay(POLICY, 4, TIMEOUT, elapsed=0.0, jitter=0.5, now=NOW) is not None
    assert next_delay(POLICY, 5, TIMEOUT, elapsed=0.0, jitter=0.5, now=NOW) is None


def test_total_time_is_bounded() -> None:
    assert next_delay(POLICY, 2, TIMEOUT, elapsed=58.0, jitter=0.5, now=NOW) == 1.0
    assert next_delay(POLICY, 2, TIMEOUT, elapsed=59.5, jitter=0.5, now=NOW) is None


def test_retry_after_seconds_sets_minimum() -> None:
    failure = AttemptFailure("limited", code=4029, retry_after="7")

    assert next_delay(POLICY, 1, failure, elapsed=0.0, jitter=0.5, now=NOW) == 7.0


def test_retry_after_http_date() -> None:
    header = format_datetime(NOW + timedelta(seconds=12), usegmt=True)
    failure = AttemptFailure("limited", code=4029, retry_after=header)

    assert next_delay(POLICY, 1, failure, elapsed=0.0, jitter=0.5, now=NOW) == 12.0


def test_retry_after_is_capped() -> None:
    failure = AttemptFailure("maintenance", code=5003, retry_after="3600")

    assert next_delay(POLICY, 1, failure, elapsed=0.0, jitter=0.5, now=NOW) == 30.0


def test_retry_after_beyond_budget_stops() -> None:
    failure = AttemptFailure("limited", code=4029, retry_after="20")

    assert next_delay(POLICY, 1, failure, elapsed=45.0, jitter=0.5, now=NOW) is None


def test_backoff_wins_over_short_retry_after() -> None:
    failure = AttemptFailure("limited", code=4029, retry_after="0")

    assert next_delay(POLICY, 4, failure, elapsed=0.0, jitter=0.5, now=NOW) == 4.0


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, None),
        ("5", 5.0),
        (" 5 ", 5.0),
        ("soon", None),
        ("-3", None),
        ("Fri, 02 Jan 2026 03:04:00 GMT", 0.0),
        ("Fri, 02 Jan 2026 03:05:05 GMT", 60.0),
    ],
)
def test_parse_retry_after(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header, NOW) == seconds


def test_policy_rejects_zero_attempts() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
